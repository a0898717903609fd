"""The server-rendered pages, through Django's test client on the in-memory store."""

import json
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from meetings import services
from meetings.domain import Status, Viewer
from meetings.store import get_repository
from tests.support.forms import form_values

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


@pytest.fixture(autouse=True)
def _store(memory_store):
    return memory_store


@pytest.fixture
def browser_for():
    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


def create(user, **fields):
    return services.create_meeting(str(user.pk), {"title": "Weekly sync", **fields})


def walk_to_processing(user, meeting):
    owner = Viewer(str(user.pk))
    for status in (Status.IN_PROGRESS, Status.UPLOADED, Status.PROCESSING):
        services.update_meeting(owner, meeting.id, {"status": status})


def link(page: str, rel: str) -> str:
    return (
        re.search(rf'href="([^"]+)" rel="{rel}"', page).group(1).replace("&amp;", "&")
    )


def edit_data(meeting, **changes) -> dict:
    data = {
        "title": meeting.title,
        "description": meeting.description,
        "participants": "\n".join(meeting.participants),
        "version": str(meeting.version),
    }
    return {**data, **changes}


# Login and logout


def test_every_page_needs_a_login(alice):
    meeting = create(alice)
    paths = ["/", "/meetings/new"] + [
        f"/meetings/{meeting.id}{tail}" for tail in ("", "/edit", "/delete")
    ]
    for path in paths:
        response = Client().get(path)
        assert response.status_code == 302, path
        assert response["Location"] == f"/accounts/login/?next={path}"


def test_the_login_page_logs_in_and_refuses_a_wrong_password(alice):
    client = Client()
    assert client.get("/accounts/login/").status_code == 200
    wrong = client.post("/accounts/login/", {"username": "alice", "password": "x"})
    assert wrong.status_code == 200
    assert "Please enter a correct username and password" in wrong.content.decode()
    response = client.post(
        "/accounts/login/", {"username": "alice", "password": "pw-12345678"}
    )
    assert response.status_code == 302 and response["Location"] == "/"


def test_logout_asks_on_get_logs_out_on_post_and_says_so(alice, browser_for):
    client = browser_for(alice)
    ask = client.get("/accounts/logout/")
    assert ask.status_code == 200
    form = re.search(
        r'<form method="post" action="/accounts/logout/"[^>]*>(.*?)</form>',
        ask.content.decode(),
        re.S,
    )
    assert "data-stops-live-updates" in form.group(0)
    assert 'name="csrfmiddlewaretoken"' in form.group(1)
    assert '<button type="submit" class="button">Log out</button>' in form.group(1)
    assert client.get("/").status_code == 200  # a GET does not log out
    response = client.post("/accounts/logout/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    login = client.get("/accounts/login/").content.decode()
    assert '<li class="message message--info">You have logged out.</li>' in login
    assert client.get("/").status_code == 302
    # Logged out, the page has nothing to ask.
    assert client.get("/accounts/logout/")["Location"] == "/accounts/login/"


def test_the_pages_link_the_favicon_skip_to_content_and_mark_the_current_page(
    alice, browser_for
):
    client = browser_for(alice)
    page = client.get("/").content.decode()
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
    assert finders.find("favicon.svg")
    assert '<a class="skip-link" href="#content">' in page
    assert '<main class="page" id="content" tabindex="-1">' in page
    assert '<a href="/" aria-current="page">Meetings</a>' in page
    # "meeting" gives way on phones, so the top bar stays one row.
    new = 'New<span class="topbar__more"> meeting</span></a>'
    assert f'<a href="/meetings/new">{new}' in page
    create_page = client.get("/meetings/new").content.decode()
    assert f'<a href="/meetings/new" aria-current="page">{new}' in create_page
    assert '<a href="/">Meetings</a>' in create_page
    admin_page = Client().get("/admin/login/").content.decode()
    assert 'href="/static/favicon.svg"' in admin_page


def test_end_users_see_no_version_but_the_scripts_get_it(alice, browser_for):
    meeting = create(alice)
    client = browser_for(alice)
    for path in (f"/meetings/{meeting.id}", f"/meetings/{meeting.id}/delete"):
        page = client.get(path).content.decode()
        assert "Version" not in page, path
    detail = client.get(f"/meetings/{meeting.id}").content.decode()
    assert 'data-version="1"' in detail


def test_the_logout_form_stops_live_updates(alice, browser_for):
    page = browser_for(alice).get("/").content.decode()
    form = re.search(r'<form[^>]*action="/accounts/logout/"[^>]*>', page).group(0)
    assert 'method="post"' in form and "data-stops-live-updates" in form


# The list


def test_the_list_shows_own_meetings_and_staff_see_owners(
    alice, bob, staff, browser_for
):
    mine = create(alice, title="Alice's sync")
    create(bob, title="Bob's sync")
    page = browser_for(alice).get("/").content.decode()
    assert "Alice&#x27;s sync" in page and "Bob&#x27;s sync" not in page
    assert '<th scope="col">Owner</th>' not in page
    # One multi-meeting stream for the page, built from the rows' ids.
    assert 'data-events-url="/v1/events"' in page
    assert f'<tr data-meeting-id="{mine.id}" data-version="1"' in page
    assert f'data-api-url="/v1/meetings/{mine.id}"' in page
    staff_page = browser_for(staff).get("/").content.decode()
    assert "Bob&#x27;s sync" in staff_page and ">alice<" in staff_page
    assert '<th scope="col">Owner</th>' in staff_page


def unmarked(page) -> str:
    """Return a page's text with the search's marks taken out of its titles."""
    text = page if isinstance(page, str) else page.content.decode()
    return text.replace("<mark>", "").replace("</mark>", "")


def test_the_list_filters_searches_and_pages_both_ways(alice, browser_for):
    for n in range(45):
        create(alice, title=f"Sync {n:02}")
    create(alice, title="Retro")
    client = browser_for(alice)
    page = client.get("/", {"q": "sync"}).content.decode()
    # Each title shown marks the search's match (templatetags/search_marks.py).
    assert "<mark>Sync</mark> 44" in page
    first = unmarked(page)
    assert "Sync 44" in first and "Sync 25" in first and "Sync 24" not in first
    assert "Retro" not in first and 'rel="prev"' not in first
    second = unmarked(client.get(link(first, "next")))
    assert "Sync 24" in second and "Sync 05" in second and "Sync 44" not in second
    third = unmarked(client.get(link(second, "next")))
    assert "Sync 04" in third and "Sync 00" in third and 'rel="next"' not in third
    back_to_second = unmarked(client.get(link(third, "prev")))
    assert "Sync 24" in back_to_second and "Sync 04" not in back_to_second
    back_to_first = unmarked(client.get(link(back_to_second, "prev")))
    assert "Sync 44" in back_to_first and 'rel="prev"' not in back_to_first
    assert "q=sync" in link(back_to_first, "next")  # the search is kept


def test_the_list_filters_by_status(alice, browser_for):
    create(alice, title="Waiting")
    walk_to_processing(alice, create(alice, title="Crunching"))
    client = browser_for(alice)
    page = client.get("/", {"status": "processing"}).content.decode()
    assert "Crunching" in page and "Waiting" not in page
    assert '<option value="processing" selected>' in page
    empty = client.get("/", {"status": "failed"}).content.decode()
    assert "No meetings match" in empty
    # A bad filter value shows everything rather than failing.
    assert "Waiting" in client.get("/", {"status": "bogus"}).content.decode()


def test_a_forged_page_link_starts_over_keeping_the_filters(alice, browser_for):
    client = browser_for(alice)
    response = client.get("/", {"cursor": "forged", "q": "sync", "status": "failed"})
    assert response.status_code == 302
    assert response["Location"] == "/?q=sync&status=failed"
    page = client.get(response["Location"]).content.decode()
    assert "That page link is no longer valid; back to the first page." in page
    assert client.get("/", {"cursor": "forged"})["Location"] == "/"


# The detail page


def test_the_detail_page_shows_everything_with_live_hooks(alice, browser_for):
    meeting = create(
        alice,
        participants=["a@example.com"],
        description="Agenda",
        duration_minutes=45,
        scheduled_start=datetime(2030, 1, 2, 9, 30, tzinfo=UTC),
    )
    page = browser_for(alice).get(f"/meetings/{meeting.id}").content.decode()
    for text in ("Weekly sync", "a@example.com", "Agenda", "45 minutes", "Scheduled"):
        assert text in page
    assert (
        # UTC without JavaScript; local-time.js shows it in the browser's zone.
        '<time datetime="2030-01-02T09:30:00+00:00" data-local-time>'
        "2030-01-02 09:30 UTC</time>" in page
    )
    assert f'data-meeting-events-url="/v1/meetings/{meeting.id}/events"' in page
    assert f'data-api-url="/v1/meetings/{meeting.id}"' in page
    assert 'data-reconnect-base-ms="5000"' in page
    assert 'data-live="updated-at"' in page and 'data-live="status-message"' in page


def test_the_banner_is_there_hidden_and_accessible(alice, browser_for):
    page = browser_for(alice).get(f"/meetings/{create(alice).id}").content.decode()
    # The live region stays in the accessibility tree (never hidden), so the
    # change of its content is announced; only its body shows and hides.
    region = re.search(r'<div class="live-banner" id="connection-banner"[^>]*>', page)
    assert region.group(0) == (
        '<div class="live-banner" id="connection-banner" role="status" '
        'aria-live="polite">'
    )
    # A toast (banner--toast: fixed, so it shifts nothing).
    assert '<div class="banner banner--toast" data-banner-body hidden>' in page
    assert "Live updates disconnected, retrying..." in page
    assert "The app will automatically reconnect" in page
    assert "data-banner-attempt" in page
    assert "data-banner-retry" in page
    assert re.search(r'id="meeting-gone" role="alert" hidden', page)
    assert "This meeting was deleted" in page


EVERY_PAGE_SCRIPTS = ("js/theme.js", "js/local-time.js", "js/time-zone.js")


def test_pages_load_their_script_as_a_module_and_inline_nothing(alice, browser_for):
    client = browser_for(alice)
    meeting = create(alice)
    for path, scripts in (
        ("/", ("js/meeting-list.js",)),
        (f"/meetings/{meeting.id}", ("js/meeting-detail.js", "js/timeline.js")),
    ):
        page = client.get(path).content.decode()
        tags = re.findall(r"<script[^>]*>", page)
        # The statuses as data (never run, so the CSP holds), every page's own
        # modules, then the page's scripts.
        assert tags == [
            '<script id="meeting-statuses" type="application/json">',
            *(
                f'<script type="module" src="/static/{module}">'
                for module in (*EVERY_PAGE_SCRIPTS, *scripts)
            ),
        ], tags
        for module in (*EVERY_PAGE_SCRIPTS, *scripts):
            assert finders.find(module)
        assert " style=" not in page and "onclick" not in page


def test_pages_hand_the_scripts_the_statuses_of_the_domain(alice, browser_for):
    meeting = create(alice)
    client = browser_for(alice)
    for path in ("/", f"/meetings/{meeting.id}"):
        assert statuses_on(client.get(path).content.decode()) == [
            {
                "value": status.value,
                "label": status.label,
                "showsProgress": status.shows_progress,
            }
            for status in Status
        ], path


def statuses_on(page: str) -> list[dict]:
    """Return the statuses a page hands its scripts (json_script's data block)."""
    found = re.search(
        r'<script id="meeting-statuses" type="application/json">(.*?)</script>',
        page,
        re.S,
    )
    assert found, "no meeting-statuses data block"
    return json.loads(found[1])


def test_the_reconnect_schedule_follows_the_settings(alice, browser_for, settings):
    settings.SSE_RETRY_MS = 500
    settings.SSE_RETRY_MAX_MS = 4000
    settings.SSE_RETRY_JITTER = 0.1
    create(alice)
    page = browser_for(alice).get("/").content.decode()
    assert 'data-reconnect-base-ms="500"' in page
    assert 'data-reconnect-max-ms="4000"' in page
    assert 'data-reconnect-jitter="0.1"' in page


def test_the_progress_bar_shows_only_while_processing(alice, browser_for):
    meeting = create(alice)
    client = browser_for(alice)
    page = client.get(f"/meetings/{meeting.id}").content.decode()
    assert 'data-live="progress-box" hidden' in page
    walk_to_processing(alice, meeting)
    services.update_meeting(
        Viewer(str(alice.pk)),
        meeting.id,
        {"progress": 42, "status_message": "Transcribing"},
    )
    page = client.get(f"/meetings/{meeting.id}").content.decode()
    assert '<progress max="100" value="42"' in page
    assert 'data-live="progress-box" hidden' not in page
    assert "Transcribing" in page and "Processing" in page


def test_other_users_meetings_and_unknown_ids_are_404(alice, bob, browser_for):
    meeting = create(alice)
    client = browser_for(bob)
    for path in ("", "/edit", "/delete"):
        response = client.get(f"/meetings/{meeting.id}{path}")
        assert response.status_code == 404
        assert "Not found" in response.content.decode()
    deleted = client.post(f"/meetings/{meeting.id}/delete", {"version": "1"})
    assert deleted.status_code == 404
    edit = client.post(f"/meetings/{meeting.id}/edit", edit_data(meeting, title="X"))
    assert edit.status_code == 404
    assert get_repository().get(meeting.id).title == "Weekly sync"
    assert client.get(f"/meetings/{uuid.uuid4()}").status_code == 404
    assert client.get("/meetings/not-a-uuid").status_code == 404


def test_staff_see_and_edit_anyones_meeting(alice, staff, browser_for):
    meeting = create(alice)
    client = browser_for(staff)
    assert client.get(f"/meetings/{meeting.id}").status_code == 200
    response = client.post(
        f"/meetings/{meeting.id}/edit", edit_data(meeting, title="By staff")
    )
    assert response.status_code == 302
    saved = get_repository().get(meeting.id)
    assert saved.title == "By staff" and saved.owner_id == str(alice.pk)


# Create


def test_create_shows_field_errors_inline(alice, browser_for):
    response = browser_for(alice).post(
        "/meetings/new",
        {
            "title": "",
            "duration_minutes": "0",
            "participants": "nope",
            "scheduled_start": "soon",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    errors = dict(
        re.findall(r'<ul class="errorlist" id="id_(\w+)_error">(.*?)</ul>', page)
    )
    assert "This field is required." in errors["title"]
    assert "greater than or equal to 1" in errors["duration_minutes"]
    assert "is not an e-mail address" in errors["participants"]
    assert "Enter a valid date/time." in errors["scheduled_start"]
    assert ">\nnope</textarea>" in page  # what was typed is kept


def test_create_enforces_the_api_limits(alice, browser_for):
    client = browser_for(alice)
    too_long = client.post("/meetings/new", {"title": "x" * 201}).content.decode()
    assert "at most 200 characters" in too_long
    control = client.post("/meetings/new", {"title": "a\x07b"}).content.decode()
    assert "Control characters are not allowed." in control
    many = ",".join(f"p{n}@example.com" for n in range(101))
    crowd = client.post("/meetings/new", {"title": "t", "participants": many})
    assert "At most 100 participants" in crowd.content.decode()
    assert (
        "Ensure this value is less than or equal to 1440"
        in client.post(
            "/meetings/new", {"title": "t", "duration_minutes": "1441"}
        ).content.decode()
    )


def test_create_makes_the_meeting_and_shows_it(alice, browser_for):
    client = browser_for(alice)
    response = client.post(
        "/meetings/new",
        {
            "title": "Planning",
            "participants": "a@example.com, b@example.com\r\nA@example.com",
            "scheduled_start": "2030-01-02T09:30",
            "duration_minutes": "30",
            "description": "Line one\r\nLine two",
        },
    )
    assert response.status_code == 302
    meeting_id = uuid.UUID(response["Location"].rsplit("/", 1)[1])
    meeting = get_repository().get(meeting_id)
    assert meeting.owner_id == str(alice.pk)
    assert meeting.participants == ["a@example.com", "b@example.com"]
    assert meeting.scheduled_start == datetime(2030, 1, 2, 9, 30, tzinfo=UTC)
    assert meeting.description == "Line one\nLine two"
    page = client.get(response["Location"]).content.decode()
    assert "Created “Planning”." in page


def test_submitting_the_create_form_twice_makes_one_meeting(alice, browser_for):
    client = browser_for(alice)
    form = client.get("/meetings/new").content.decode()
    request_id = re.search(r'name="request_id" value="([^"]+)"', form).group(1)
    data = {"title": "Once", "request_id": request_id}
    first = client.post("/meetings/new", data)
    second = client.post("/meetings/new", data)
    assert first["Location"] == second["Location"]
    # The same form sent back with other values is another meeting.
    third = client.post("/meetings/new", {**data, "title": "Twice"})
    assert third.status_code == 302 and third["Location"] != first["Location"]
    viewer = Viewer(str(alice.pk))
    titles = [m.title for m in services.list_meetings(viewer).meetings]
    assert sorted(titles) == ["Once", "Twice"]


# Edit


def test_the_edit_form_is_filled_from_the_meeting(alice, browser_for):
    meeting = create(
        alice,
        participants=["a@example.com", "b@example.com"],
        scheduled_start=datetime(2030, 1, 2, 9, 30, tzinfo=UTC),
    )
    form = browser_for(alice).get(f"/meetings/{meeting.id}/edit").content.decode()
    assert 'name="version" value="1"' in form
    assert (
        'type="datetime-local" name="scheduled_start" value="2030-01-02T09:30"' in form
    )
    assert "a@example.com\nb@example.com</textarea>" in form
    assert 'name="request_id"' not in form


def test_edit_saves_at_the_version_it_was_opened_at(alice, browser_for):
    meeting = create(alice)
    response = browser_for(alice).post(
        f"/meetings/{meeting.id}/edit", edit_data(meeting, title="Renamed")
    )
    assert response.status_code == 302
    assert response["Location"] == f"/meetings/{meeting.id}"
    saved = get_repository().get(meeting.id)
    assert (saved.title, saved.version) == ("Renamed", 2)


def test_saving_an_unchanged_form_writes_nothing(alice, browser_for):
    meeting = create(
        alice,
        description="One\nTwo",
        scheduled_start=datetime(2030, 1, 2, 9, 30, 15, tzinfo=UTC),
    )
    data = edit_data(
        meeting, description="One\r\nTwo", scheduled_start="2030-01-02T09:30"
    )
    response = browser_for(alice).post(f"/meetings/{meeting.id}/edit", data)
    assert response.status_code == 302
    saved = get_repository().get(meeting.id)
    assert saved.version == 1  # no write
    assert saved.scheduled_start.second == 15  # seconds the input cannot show


def test_forms_take_times_in_the_browsers_time_zone_and_say_which(alice, browser_for):
    meeting = create(alice, scheduled_start=datetime(2030, 1, 15, 9, 0, tzinfo=UTC))
    client = browser_for(alice)
    client.cookies["tz"] = "Europe/Paris"  # as static/js/time-zone.js sets it
    page = client.get(f"/meetings/{meeting.id}/edit").content.decode()
    assert "In your time zone, Europe/Paris." in page
    assert 'value="2030-01-15T10:00"' in page  # 09:00 UTC is 10:00 in Paris
    data = {**form_values(page, "meeting-form"), "scheduled_start": "2030-07-01T18:30"}
    assert client.post(f"/meetings/{meeting.id}/edit", data).status_code == 302
    saved = get_repository().get(meeting.id)
    assert saved.scheduled_start == datetime(2030, 7, 1, 16, 30, tzinfo=UTC)  # CEST
    assert (
        "In your time zone, Europe/Paris."
        in client.get("/meetings/new").content.decode()
    )


def test_without_a_known_time_zone_forms_use_utc_and_say_so(alice, browser_for):
    client = browser_for(alice)
    assert "In UTC." in client.get("/meetings/new").content.decode()
    client.cookies["tz"] = "Not/AZone"
    assert "In UTC." in client.get("/meetings/new").content.decode()
    client.cookies["tz"] = "../../etc/passwd"
    assert "In UTC." in client.get("/meetings/new").content.decode()


def test_edit_without_a_version_saves_nothing(alice, browser_for):
    meeting = create(alice)
    data = edit_data(meeting, title="Blind")
    del data["version"]
    response = browser_for(alice).post(f"/meetings/{meeting.id}/edit", data)
    assert response.status_code == 200
    assert "(Hidden field version) This field is required." in response.content.decode()
    assert get_repository().get(meeting.id).title == "Weekly sync"


def test_a_concurrent_edit_shows_the_conflict_and_overwrites_nothing(
    alice, browser_for
):
    meeting = create(alice, duration_minutes=30)
    services.update_meeting(
        Viewer(str(alice.pk)),
        meeting.id,
        {"title": "Theirs", "duration_minutes": 90},
    )
    client = browser_for(alice)
    response = client.post(
        f"/meetings/{meeting.id}/edit", edit_data(meeting, title="Mine")
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "This meeting changed since you opened the form; nothing was saved." in page
    assert "<dd>Theirs</dd>" in page and "<dd>90 minutes</dd>" in page
    assert 'value="Mine"' in page  # what the user typed is kept
    assert 'name="version" value="2"' in page
    saved = get_repository().get(meeting.id)
    assert (saved.title, saved.duration_minutes, saved.version) == ("Theirs", 90, 2)
    # Saving again, knowingly, replaces the current values.
    again = client.post(
        f"/meetings/{meeting.id}/edit", edit_data(meeting, title="Mine", version="2")
    )
    assert again.status_code == 302
    assert get_repository().get(meeting.id).title == "Mine"


def loaded_edit_form(client, meeting) -> dict[str, str]:
    """Return what the edit form posts as the browser loaded it."""
    page = client.get(f"/meetings/{meeting.id}/edit").content.decode()
    return form_values(page, "meeting-form")


def test_the_edit_form_carries_the_values_it_was_loaded_with(alice, browser_for):
    meeting = create(alice, duration_minutes=30)
    data = loaded_edit_form(browser_for(alice), meeting)
    assert data["initial-title"] == "Weekly sync"
    assert data["initial-duration_minutes"] == "30"
    assert data["version"] == "1"


def test_others_changes_to_fields_the_user_left_alone_are_kept(alice, browser_for):
    meeting = create(alice, duration_minutes=30)
    client = browser_for(alice)
    data = loaded_edit_form(client, meeting)
    walk_to_processing(alice, meeting)
    services.update_meeting(
        Viewer(str(alice.pk)),
        meeting.id,
        {"duration_minutes": 90, "progress": 40, "status_message": "Transcribing"},
    )
    response = client.post(f"/meetings/{meeting.id}/edit", {**data, "title": "Mine"})
    assert response.status_code == 302
    saved = get_repository().get(meeting.id)
    assert (saved.title, saved.duration_minutes) == ("Mine", 90)
    assert (saved.status, saved.progress, saved.status_message) == (
        Status.PROCESSING,
        40,
        "Transcribing",
    )


def test_a_conflict_on_the_title_alone_saves_on_the_second_try_keeping_the_others(
    alice, browser_for
):
    meeting = create(alice, duration_minutes=30)
    client = browser_for(alice)
    data = loaded_edit_form(client, meeting)
    walk_to_processing(alice, meeting)
    services.update_meeting(
        Viewer(str(alice.pk)),
        meeting.id,
        {"title": "Theirs", "duration_minutes": 90, "status_message": "Transcribing"},
    )
    response = client.post(f"/meetings/{meeting.id}/edit", {**data, "title": "Mine"})
    assert response.status_code == 409
    page = response.content.decode()
    assert "Someone else changed Title too." in page
    assert "Version" not in page  # end users are not shown versions
    assert get_repository().get(meeting.id).title == "Theirs"  # nothing saved
    again = form_values(page, "meeting-form")
    assert again["title"] == "Mine" and again["duration_minutes"] == "90"
    response = client.post(f"/meetings/{meeting.id}/edit", again)
    assert response.status_code == 302
    saved = get_repository().get(meeting.id)
    assert (saved.title, saved.duration_minutes, saved.status_message) == (
        "Mine",
        90,
        "Transcribing",
    )
    assert saved.status == Status.PROCESSING


def test_a_real_clash_on_the_edit_page_saves_nothing(alice, browser_for):
    meeting = create(alice, duration_minutes=30)
    client = browser_for(alice)
    data = loaded_edit_form(client, meeting)
    services.update_meeting(Viewer(str(alice.pk)), meeting.id, {"title": "Theirs"})
    response = client.post(
        f"/meetings/{meeting.id}/edit",
        {**data, "title": "Mine", "duration_minutes": "45"},
    )
    assert response.status_code == 409
    assert "changed since you opened the form; nothing was saved" in (
        response.content.decode()
    )
    saved = get_repository().get(meeting.id)
    assert (saved.title, saved.duration_minutes) == ("Theirs", 30)


def test_a_status_change_meanwhile_conflicts_with_a_form_lacking_its_loaded_values(
    alice, browser_for
):
    # Forms rendered before they carried their loaded values (initial-*) can
    # only go by the version.
    meeting = create(alice)
    walk_to_processing(alice, meeting)
    response = browser_for(alice).post(
        f"/meetings/{meeting.id}/edit", edit_data(meeting, title="Mine")
    )
    assert response.status_code == 409
    assert "<dt>Status</dt><dd>Processing</dd>" in response.content.decode()
    assert get_repository().get(meeting.id).title == "Weekly sync"


# Delete


def test_delete_asks_first_then_deletes(alice, browser_for):
    meeting = create(alice)
    client = browser_for(alice)
    confirm = client.get(f"/meetings/{meeting.id}/delete").content.decode()
    assert "Delete “Weekly sync”?" in confirm
    form = re.search(r'<form method="post"[^>]*>', confirm).group(0)
    assert "data-stops-live-updates" in form
    assert 'name="version" value="1"' in confirm
    response = client.post(f"/meetings/{meeting.id}/delete", {"version": "1"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert "Deleted “Weekly sync”." in client.get("/").content.decode()
    assert client.get(f"/meetings/{meeting.id}").status_code == 404


def test_delete_at_a_stale_version_keeps_the_meeting(alice, browser_for):
    meeting = create(alice)
    services.update_meeting(Viewer(str(alice.pk)), meeting.id, {"title": "Newer"})
    response = browser_for(alice).post(
        f"/meetings/{meeting.id}/delete", {"version": "1"}
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "nothing was deleted" in page and "Delete “Newer”?" in page
    assert 'name="version" value="2"' in page
    assert get_repository().get(meeting.id).title == "Newer"


def test_delete_without_a_version_keeps_the_meeting(alice, browser_for):
    meeting = create(alice)
    response = browser_for(alice).post(f"/meetings/{meeting.id}/delete")
    assert response.status_code == 400
    assert get_repository().get(meeting.id)


# Security


def test_forms_enforce_csrf(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    meeting = create(alice)
    posts = [
        ("/meetings/new", {"title": "x"}),
        (f"/meetings/{meeting.id}/edit", edit_data(meeting, title="x")),
        (f"/meetings/{meeting.id}/delete", {"version": "1"}),
        ("/accounts/logout/", {}),
    ]
    for path, data in posts:
        response = client.post(path, data)
        assert response.status_code == 403, path
        assert "This form has expired" in response.content.decode()
    assert get_repository().get(meeting.id).title == "Weekly sync"
    assert client.get("/").status_code == 200  # still logged in


def test_forms_work_with_their_csrf_token(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    meeting = create(alice)
    page = client.get(f"/meetings/{meeting.id}/delete").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post(
        f"/meetings/{meeting.id}/delete",
        {"version": "1", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302


def test_the_login_form_enforces_csrf(alice):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/accounts/login/", {"username": "alice", "password": "pw-12345678"}
    )
    assert response.status_code == 403


def test_pages_send_a_strict_content_security_policy(alice, browser_for):
    client = browser_for(alice)
    meeting = create(alice)
    for path in ("/", f"/meetings/{meeting.id}", "/meetings/new", "/accounts/login/"):
        response = client.get(path)
        directives = dict(
            part.partition(" ")[::2]
            for part in response["Content-Security-Policy"].split("; ")
        )
        assert directives["default-src"] == "'self'", path
        assert directives["script-src"] == "'self'"
        assert directives["connect-src"] == "'self'"
        assert directives["object-src"] == "'none'"
        assert directives["frame-ancestors"] == "'none'"
        assert "unsafe" not in response["Content-Security-Policy"]
    response = client.get("/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


# The store down


def test_a_store_outage_is_a_friendly_503(alice, browser_for, settings):
    meeting = create(alice)
    settings.DYNAMODB_TABLE = "missing-table"
    client = browser_for(alice)
    for path in ("/", f"/meetings/{meeting.id}", f"/meetings/{meeting.id}/edit"):
        response = client.get(path)
        assert response.status_code == 503, path
        assert response["Retry-After"]
        assert "Meetings are unavailable right now" in response.content.decode()
    response = client.post("/meetings/new", {"title": "Lost?"})
    assert response.status_code == 503


def test_templates_follow_the_house_style():
    pages = [path for path in TEMPLATES.rglob("*.html") if "admin" not in path.parts]
    assert len(pages) > 8
    for path in pages:
        text = path.read_text()
        if "{% extends" in text:
            assert text.startswith("{% extends "), path
        assert not re.search(r"{% endblock %}", text), path
        assert not re.search(r"{% endpartialdef %}", text), path
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), path
        assert " style=" not in text and "onclick=" not in text, path
