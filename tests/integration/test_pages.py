"""The server-rendered pages, through Django's test client on moto."""

import re
import uuid

import pytest
from django.test import Client

from meetings import services
from meetings.domain import Status, Viewer
from meetings.repository import get_repository

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _store(moto_table):
    return moto_table


@pytest.fixture
def browser_for():
    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


def create(user, **fields):
    return services.create_meeting(
        get_repository(), str(user.pk), {"title": "Weekly sync", **fields}
    )


def test_pages_need_a_login():
    for path in ("/", "/meetings/new"):
        response = Client().get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")


def test_the_login_page_logs_in(alice):
    client = Client()
    assert client.get("/accounts/login/").status_code == 200
    response = client.post(
        "/accounts/login/", {"username": "alice", "password": "pw-12345678"}
    )
    assert response.status_code == 302 and response["Location"] == "/"


def test_the_list_shows_own_meetings_and_staff_see_owners(
    alice, bob, staff, browser_for
):
    mine = create(alice, title="Alice's sync")
    create(bob, title="Bob's sync")
    page = browser_for(alice).get("/").content.decode()
    assert "Alice&#x27;s sync" in page and "Bob&#x27;s sync" not in page
    assert '<th scope="col">Owner</th>' not in page
    assert f"meeting={mine.id}" in page  # one multi-meeting stream for the page
    staff_page = browser_for(staff).get("/").content.decode()
    assert "Bob&#x27;s sync" in staff_page and ">alice<" in staff_page


def test_the_list_filters_searches_and_pages(alice, browser_for):
    for n in range(25):
        create(alice, title=f"Sync {n:02}")
    create(alice, title="Retro")
    client = browser_for(alice)
    first = client.get("/", {"q": "sync"}).content.decode()
    assert "Sync 24" in first and "Retro" not in first and "Sync 04" not in first
    older = (
        re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    )
    second = client.get(older).content.decode()
    assert "Sync 04" in second and "Sync 24" not in second
    newer = (
        re.search(r'href="([^"]+)" rel="prev"', second).group(1).replace("&amp;", "&")
    )
    assert "Sync 24" in client.get(newer).content.decode()
    by_status = client.get("/", {"status": "processing"}).content.decode()
    assert "No meetings here yet" in by_status


def test_a_forged_page_link_starts_over(alice, browser_for):
    response = browser_for(alice).get("/", {"cursor": "forged"})
    assert response.status_code == 302 and response["Location"] == "/"


def test_the_detail_page_shows_everything_with_live_hooks(alice, browser_for):
    meeting = create(alice, participants=["a@example.com"], description="Agenda")
    page = browser_for(alice).get(f"/meetings/{meeting.id}").content.decode()
    for text in ("Weekly sync", "a@example.com", "Agenda", "Scheduled"):
        assert text in page
    assert f'data-events-url="/v1/meetings/{meeting.id}/events"' in page
    assert "Live updates disconnected, retrying..." in page
    assert 'role="status" aria-live="polite" hidden' in page
    assert "<script>" not in page  # no inline scripts


def test_the_progress_bar_shows_only_while_processing(alice, browser_for):
    meeting = create(alice)
    owner = Viewer(str(alice.pk))
    for status in (Status.IN_PROGRESS, Status.UPLOADED, Status.PROCESSING):
        services.update_meeting(get_repository(), owner, meeting.id, {"status": status})
    services.update_meeting(get_repository(), owner, meeting.id, {"progress": 42})
    page = browser_for(alice).get(f"/meetings/{meeting.id}").content.decode()
    assert '<progress max="100" value="42"' in page
    assert 'data-live="progress-box" hidden' not in page


def test_other_users_meetings_are_404(alice, bob, browser_for):
    meeting = create(alice)
    client = browser_for(bob)
    for path in ("", "/edit", "/delete"):
        assert client.get(f"/meetings/{meeting.id}{path}").status_code == 404
    assert client.post(f"/meetings/{meeting.id}/delete").status_code == 404
    assert get_repository().get(meeting.id)


def test_create_validates_inline_and_creates(alice, browser_for):
    client = browser_for(alice)
    bad = client.post(
        "/meetings/new",
        {"title": "", "duration_minutes": "0", "participants": "nope"},
    )
    assert bad.status_code == 200
    page = bad.content.decode()
    assert "This field is required." in page
    assert "Ensure this value is greater than or equal to 1." in page
    assert "is not an e-mail address" in page
    good = client.post(
        "/meetings/new",
        {
            "title": "Planning",
            "participants": "a@example.com, b@example.com\nA@example.com",
            "scheduled_start": "2030-01-02T09:30",
            "duration_minutes": "30",
        },
    )
    assert good.status_code == 302
    meeting_id = good["Location"].rsplit("/", 1)[1]
    meeting = get_repository().get(uuid.UUID(meeting_id))
    assert meeting.participants == ["a@example.com", "b@example.com"]
    assert meeting.scheduled_start.isoformat() == "2030-01-02T09:30:00+00:00"


def test_edit_saves_at_the_version_it_was_opened_at(alice, browser_for):
    meeting = create(alice)
    client = browser_for(alice)
    form = client.get(f"/meetings/{meeting.id}/edit").content.decode()
    assert 'name="version" value="1"' in form
    response = client.post(
        f"/meetings/{meeting.id}/edit", {"title": "Renamed", "version": "1"}
    )
    assert response.status_code == 302
    assert get_repository().get(meeting.id).title == "Renamed"


def test_a_concurrent_edit_shows_the_conflict_and_overwrites_nothing(
    alice, browser_for
):
    meeting = create(alice)
    services.update_meeting(
        get_repository(), Viewer(str(alice.pk)), meeting.id, {"title": "Theirs"}
    )
    client = browser_for(alice)
    response = client.post(
        f"/meetings/{meeting.id}/edit", {"title": "Mine", "version": "1"}
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "Someone changed this meeting while you were editing" in page
    assert "Theirs" in page and 'value="Mine"' in page
    assert 'name="version" value="2"' in page
    assert get_repository().get(meeting.id).title == "Theirs"
    # Saving again, knowingly, replaces the current values.
    again = client.post(
        f"/meetings/{meeting.id}/edit", {"title": "Mine", "version": "2"}
    )
    assert again.status_code == 302
    assert get_repository().get(meeting.id).title == "Mine"


def test_delete_asks_first_then_deletes(alice, browser_for):
    meeting = create(alice)
    client = browser_for(alice)
    confirm = client.get(f"/meetings/{meeting.id}/delete").content.decode()
    assert "Delete “Weekly sync”?" in confirm and "data-stops-live-updates" in confirm
    response = client.post(f"/meetings/{meeting.id}/delete", {"version": "1"})
    assert response.status_code == 302
    assert client.get(f"/meetings/{meeting.id}").status_code == 404


def test_delete_at_a_stale_version_keeps_the_meeting(alice, browser_for):
    meeting = create(alice)
    services.update_meeting(
        get_repository(), Viewer(str(alice.pk)), meeting.id, {"title": "Newer"}
    )
    response = browser_for(alice).post(
        f"/meetings/{meeting.id}/delete", {"version": "1"}
    )
    assert response.status_code == 409
    assert get_repository().get(meeting.id).title == "Newer"


def test_forms_enforce_csrf(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    meeting = create(alice)
    assert client.post("/meetings/new", {"title": "x"}).status_code == 403
    assert client.post(f"/meetings/{meeting.id}/delete").status_code == 403
    assert client.post("/accounts/logout/").status_code == 403
    assert get_repository().get(meeting.id)


def test_logout_is_post_only(alice, browser_for):
    client = browser_for(alice)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302  # logged out


def test_pages_send_security_headers(alice, browser_for):
    response = browser_for(alice).get("/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_a_store_outage_is_a_503_page(alice, browser_for, settings):
    settings.DYNAMODB_TABLE = "missing-table"
    response = browser_for(alice).get("/")
    assert response.status_code == 503
    assert "Meetings are unavailable right now" in response.content.decode()
