"""The edit conflict panel names the zone its times are in: the form's."""

from datetime import UTC, datetime

import pytest
from django.test import Client

from meetings import services
from meetings.domain import Viewer
from tests.support.forms import form_values

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _store(memory_store):
    return memory_store


def conflict_page(user, zone: str | None) -> str:
    """Return the edit page after a clash on the scheduled start."""
    meeting = services.create_meeting(
        str(user.pk),
        {"title": "Sync", "scheduled_start": datetime(2026, 12, 10, 9, 0, tzinfo=UTC)},
    )
    client = Client()
    client.force_login(user)
    if zone:
        client.cookies["tz"] = zone
    data = form_values(
        client.get(f"/meetings/{meeting.id}/edit").content.decode(), "meeting-form"
    )
    theirs = datetime(2026, 12, 10, 13, 30, tzinfo=UTC)
    services.update_meeting(
        Viewer(str(user.pk)), meeting.id, {"scheduled_start": theirs}
    )
    response = client.post(
        f"/meetings/{meeting.id}/edit", {**data, "scheduled_start": "2026-12-10T16:00"}
    )
    assert response.status_code == 409
    return response.content.decode()


def test_the_conflict_shows_the_current_start_in_the_users_zone_and_says_so(alice):
    page = conflict_page(alice, "Europe/Paris")
    # Stored as 13:30Z, it is 14:30 in Paris in December.
    assert "2026-12-10 14:30 Europe/Paris</time>" in page
    assert 'datetime="2026-12-10T14:30:00+01:00"' in page
    assert "14:30 UTC" not in page


def test_without_a_zone_the_conflict_shows_utc(alice):
    page = conflict_page(alice, None)
    assert "2026-12-10 13:30 UTC</time>" in page
