"""What the admin's live scripts read: the counts view and the pages' data-*."""

from __future__ import annotations

import re
import time

import pytest
from django.test import Client

from meetings import services
from meetings.domain import Access, Status, Viewer

pytestmark = pytest.mark.django_db
BASE = "/admin/meetings/meetingrecord/"
COUNTS = f"{BASE}counts/"
OTHER = Viewer("someone-else", reach=frozenset(Access))


@pytest.fixture(autouse=True)
def _store(memory_store):
    return memory_store


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_counts_view_gives_the_counts_and_the_chart_as_json(staff, alice):
    services.create_meeting(str(alice.pk), {"title": "One"})
    started = services.create_meeting(str(alice.pk), {"title": "Two"})
    services.update_meeting(OTHER, started.id, {"status": Status.IN_PROGRESS})
    response = client_for(staff).get(COUNTS)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    data = response.json()
    assert data["counts"] == {
        "scheduled": 1,
        "in_progress": 1,
        "uploaded": 0,
        "processing": 0,
        "completed": 0,
        "failed": 0,
    }
    assert data["total"] == 2
    assert data["chart"]["title"] == "Meetings per status, 2 in all"
    assert data["chart"]["description"].startswith("Scheduled: 1; In progress: 1;")
    bars = {bar["status"]: bar for bar in data["chart"]["bars"]}
    assert bars["in_progress"]["label"] == "In progress"
    assert bars["scheduled"]["width"] == bars["in_progress"]["width"] > 0
    assert bars["failed"]["width"] == 0


def test_the_counts_view_is_for_staff_who_may_view_meetings(client, make_user):
    assert client.get(COUNTS).status_code == 302  # the admin's login
    assert client_for(make_user("plain")).get(COUNTS).status_code == 302
    no_perms = make_user("clerk", is_staff=True)
    assert client_for(no_perms).get(COUNTS).status_code == 403
    assert client_for(no_perms).post(COUNTS).status_code == 405


def test_the_changelist_rows_carry_what_the_live_script_follows(staff, alice):
    meeting = services.create_meeting(str(alice.pk), {"title": "Sync"})
    page = client_for(staff).get(BASE).content.decode()
    assert "js/admin/changelist.js" in page
    assert f'data-status-counts-url="{COUNTS}"' in page
    assert (
        f'<tr data-meeting-id="{meeting.id}" data-version="1" data-status="scheduled" '
        f'data-api-url="/v1/meetings/{meeting.id}">'
    ) in page
    assert 'data-live="status">Scheduled</span>' in page


def test_the_change_form_carries_the_meeting_as_it_opened(staff, alice):
    meeting = services.create_meeting(str(alice.pk), {"title": "Sync & more"})
    page = client_for(staff).get(f"{BASE}{meeting.id}/change/").content.decode()
    assert "js/admin/change-form.js" in page
    assert 'data-version="1"' in page and 'data-title="Sync &amp; more"' in page
    assert f'data-meeting-events-url="/v1/meetings/{meeting.id}/events"' in page
    assert 'id="meeting-changed" role="status" aria-live="polite"' in page


def test_the_dashboard_follows_every_meeting_in_view_from_its_read(staff, alice):
    services.create_meeting(str(alice.pk), {"title": "One"})
    before = int(time.time() * 1000)
    page = client_for(staff).get("/admin/meetings/").content.decode()
    assert "js/admin/dashboard.js" in page
    read_at = int(re.search(r'data-live-counts data-read-at="(\d+)"', page)[1])
    assert before <= read_at <= time.time() * 1000


def test_pages_with_nothing_to_follow_load_no_live_script(staff, make_user):
    client = client_for(staff)
    for path in (BASE, f"{BASE}add/"):
        page = client.get(path).content.decode()
        assert "js/admin/" not in page, path
    # The dashboard follows the meetings in view only for those who may see them.
    adder = make_user("adder", is_staff=True, perms=("add",))
    page = client_for(adder).get("/admin/meetings/").content.decode()
    assert "js/admin/" not in page
