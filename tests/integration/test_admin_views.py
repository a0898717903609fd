"""The admin's meeting views through Django's test client, on the in-memory store."""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.test import Client

from meetings import services
from meetings.admin.dashboard import DashboardView
from meetings.admin.options import MeetingAdmin
from meetings.domain import ALLOWED_TRANSITIONS, Access, Status, Viewer
from meetings.store import get_repository, memory
from tests.support.forms import form_values

pytestmark = pytest.mark.django_db
BASE = "/admin/meetings/meetingrecord/"
DASHBOARD = "/admin/meetings/"
# Someone else, changing meetings behind the admin's back.
OTHER = Viewer("someone-else", reach=frozenset(Access))
PAGES = [
    DASHBOARD,
    BASE,
    f"{BASE}add/",
    BASE + "{id}/change/",
    BASE + "{id}/history/",
    BASE + "{id}/delete/",
]
ALL_PERMISSIONS = ("view", "add", "change", "delete")


@pytest.fixture(autouse=True)
def _store(memory_store):
    return memory_store


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("root", password="pw-12345678")


@pytest.fixture
def staff_with(make_user):
    """Return a staff user holding the given meeting permissions."""

    def make(name: str, *actions: str, **fields):
        user = make_user(name, is_staff=True)
        for attribute, value in fields.items():
            setattr(user, attribute, value)
        user.save()
        codenames = [f"{action}_meetingrecord" for action in actions]
        user.user_permissions.add(
            *Permission.objects.filter(
                content_type__app_label="meetings", codename__in=codenames
            )
        )
        return user

    return make


@pytest.fixture
def viewer(staff_with):
    return staff_with("viewer", "view")


@pytest.fixture
def editor(staff_with):
    return staff_with("editor", *ALL_PERMISSIONS)


def client_for(user, **options) -> Client:
    client = Client(**options)
    if user is not None:
        client.force_login(user)
    return client


def create(owner, title="Sync", status: Status = Status.SCHEDULED, **fields):
    """Create a meeting and walk it to status the way the lifecycle allows."""
    meeting = services.create_meeting(str(owner.pk), {"title": title, **fields})
    last = Status.FAILED if status == Status.FAILED else Status.COMPLETED
    path = [Status.IN_PROGRESS, Status.UPLOADED, Status.PROCESSING, last]
    steps = path[: path.index(status) + 1] if status != Status.SCHEDULED else []
    for step in steps:
        meeting = services.update_meeting(OTHER, meeting.id, {"status": step})
    return meeting


def at(moment: str) -> datetime:
    return datetime.fromisoformat(moment)


def change_elsewhere(meeting, **changes):
    return services.update_meeting(OTHER, meeting.id, changes)


def stored(meeting):
    return get_repository().get(meeting.id)


def form_data(meeting, owner, **overrides) -> dict:
    """Return what the browser posts for the change form as loaded, and overrides."""
    data = {
        "title": meeting.title,
        "owner": owner.pk,
        "description": meeting.description,
        "participants": "\n".join(meeting.participants),
        "status": meeting.status.value,
        "progress": meeting.progress,
        "status_message": meeting.status_message,
        "version": meeting.version,
        "_save": "Save",
    }
    return {**data, **overrides}


def text(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def checkbox_values(page: str) -> dict[str, str]:
    """Return the changelist's action checkbox values, by meeting title."""
    rows = re.findall(
        r'name="_selected_action" value="([^"]+)".*?aria-label="Select this meeting '
        r'for an action - ([^"]+)"',
        page,
    )
    return {title: value for value, title in rows}


# Who may


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("who", ["anonymous", "non-staff", "inactive staff"])
def test_others_get_the_admin_login(who, path, alice, staff_with):
    meeting = create(alice)
    user = {
        "anonymous": None,
        "non-staff": alice,
        "inactive staff": staff_with("gone", *ALL_PERMISSIONS, is_active=False),
    }[who]
    url = path.format(id=meeting.id)
    response = client_for(user).get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/admin/login/?next={url}"


@pytest.mark.parametrize("path", PAGES)
def test_staff_without_a_meetings_permission_get_403(path, make_user, alice):
    meeting = create(alice)
    staff = make_user("plain-staff", is_staff=True)
    assert client_for(staff).get(path.format(id=meeting.id)).status_code == 403


@pytest.mark.parametrize("who", ["editor", "superuser"])
def test_permitted_staff_and_superusers_use_every_view(who, request, alice):
    user = request.getfixturevalue(who)
    meeting = create(alice)
    client = client_for(user)
    for path in PAGES:
        assert client.get(path.format(id=meeting.id)).status_code == 200, path


def test_every_page_hands_the_live_scripts_the_statuses_of_the_domain(editor, alice):
    meeting = create(alice)
    client = client_for(editor)
    expected = [
        {"value": s.value, "label": s.label, "showsProgress": s.shows_progress}
        for s in Status
    ]
    for path in PAGES:
        page = client.get(path.format(id=meeting.id)).content.decode()
        found = re.search(
            r'<script id="meeting-statuses" type="application/json">(.*?)</script>',
            page,
        )
        assert found and json.loads(found[1]) == expected, path


def test_the_view_permission_reads_but_does_not_write(viewer, alice):
    meeting = create(alice)
    client = client_for(viewer)
    listing = text(client.get(BASE))
    assert "Select meeting to view" in listing
    assert 'name="action"' not in listing and "Add meeting" not in listing
    response = client.get(f"{BASE}{meeting.id}/change/")
    page = text(response)
    assert "View meeting" in page and 'name="_save"' not in page
    assert "disabled" in re.search(r'<input[^>]*id="id_title"[^>]*>', page).group()
    form = response.context["adminform"].form
    assert all(field.disabled for field in form.fields.values())
    assert client.get(f"{BASE}{meeting.id}/history/").status_code == 200
    assert client.get(DASHBOARD).status_code == 200
    assert client.get(f"{BASE}add/").status_code == 403
    assert client.get(f"{BASE}{meeting.id}/delete/").status_code == 403
    post = client.post(f"{BASE}{meeting.id}/change/", form_data(meeting, alice))
    assert post.status_code == 403
    assert stored(meeting).version == meeting.version


def test_each_action_needs_its_permission(staff_with, alice):
    meeting = create(alice, status=Status.PROCESSING)
    changer = client_for(staff_with("changer", "view", "change"))
    listing = text(changer.get(BASE))
    assert 'value="mark_failed"' in listing
    assert 'value="delete_selected"' not in listing
    response = changer.post(
        BASE,
        {
            "action": "delete_selected",
            "post": "yes",
            "_selected_action": f"{meeting.id}:{meeting.version}",
        },
    )
    assert response.status_code == 403
    assert stored(meeting)


@pytest.mark.parametrize(
    "path", [f"{BASE}add/", BASE + "{id}/change/", BASE + "{id}/delete/", BASE]
)
def test_every_form_needs_the_csrf_token(path, editor, alice):
    meeting = create(alice)
    client = client_for(editor, enforce_csrf_checks=True)
    data = {
        **form_data(meeting, alice, title="Forged"),
        "action": "delete_selected",
        "post": "yes",
        "_selected_action": f"{meeting.id}:{meeting.version}",
    }
    response = client.post(path.format(id=meeting.id), data)
    assert response.status_code == 403
    assert stored(meeting).title == "Sync"
    assert not LogEntry.objects.exists()


# Changelist


def test_the_changelist_shows_every_column_and_the_counts(editor, alice, bob):
    create(alice, title="Design review", scheduled_start=at("2030-01-15T09:00:00Z"))
    create(bob, title="Retro", status=Status.PROCESSING)
    page = text(client_for(editor).get(BASE))
    for heading in ("Title", "Owner", "Status", "Progress", "Scheduled start"):
        assert f"<span>{heading}" in page
    assert "<span>Updated (UTC)</span>" in page
    row = page[page.index("Design review") :].split("</tr>")[0]
    assert "alice" in row and "Scheduled" in row and "2030-01-15 09:00" in row
    assert 'data-status-count="scheduled">1<' in page
    assert 'data-status-count="processing">1<' in page
    assert 'data-status-count="completed">0<' in page
    assert 'data-status-count="all">2<' in page


def test_search_finds_titles_containing_the_words(editor, alice):
    create(alice, title="Quarterly Review")
    create(alice, title="Standup")
    client = client_for(editor)
    page = text(client.get(BASE, {"q": "review"}))
    assert "Quarterly Review" in page and "Standup" not in page
    assert 'value="review"' in page
    assert "Clear all filters" in page
    assert "No meetings match." in text(client.get(BASE, {"q": "nothing"}))


def test_status_and_owner_filters_combine_and_keep_the_search(editor, alice, bob):
    create(alice, title="Alice plans")
    create(alice, title="Alice processes", status=Status.PROCESSING)
    create(bob, title="Bob processes", status=Status.PROCESSING)
    create(bob, title="Bob completes", status=Status.COMPLETED)
    client = client_for(editor)
    by_status = text(client.get(BASE, {"status": "processing"}))
    assert "Alice processes" in by_status and "Bob processes" in by_status
    assert "Alice plans" not in by_status
    both = text(client.get(BASE, {"status": "processing", "owner": bob.pk}))
    assert "Bob processes" in both and "Alice processes" not in both
    completed = text(client.get(BASE, {"status": "completed", "q": "bob"}))
    assert "Bob completes" in completed and "Alice" not in completed.split("<tbody>")[1]
    # The sidebar's links change one filter and keep the others.
    sidebar = both.split('id="changelist-filter"')[1].split("</search>")[0]
    assert f'href="{BASE}?status=failed&amp;owner={bob.pk}"' in sidebar
    assert f'href="{BASE}?status=processing"' in sidebar  # All owners
    # The chosen owner, and a search for others instead of every user's link.
    assert ">bob</a>" in sidebar
    assert f"owner={alice.pk}" not in sidebar and ">alice</a>" not in sidebar
    # The search box carries the filters along.
    assert '<input type="hidden" name="status" value="processing">' in both


def test_next_and_previous_walk_the_pages_keeping_the_filters(editor, alice):
    for n in range(30):
        create(alice, title=f"Planning {n:02}")
    create(alice, title="Other")
    client = client_for(editor)
    first = text(client.get(BASE, {"q": "planning"}))
    titles = re.findall(r">(Planning \d\d)</a>", first)
    assert titles == [f"Planning {n:02}" for n in range(29, 4, -1)]
    assert 'rel="prev"' not in first
    second = text(client.get(link(first, "next")))
    assert re.findall(r">(Planning \d\d)</a>", second) == [
        f"Planning {n:02}" for n in range(4, -1, -1)
    ]
    assert 'rel="next"' not in second
    back = text(client.get(link(second, "prev")))
    assert re.findall(r">(Planning \d\d)</a>", back) == titles


def link(page: str, rel: str) -> str:
    href = re.search(rf'href="([^"]+)" rel="{rel}"', page).group(1)
    return href.replace("&amp;", "&")


def test_a_forged_cursor_goes_back_to_the_first_page_keeping_the_filters(editor):
    client = client_for(editor)
    response = client.get(
        BASE, {"cursor": "forged", "q": "x", "status": "failed", "owner": "7"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{BASE}?q=x&status=failed&owner=7"
    assert messages_of(client.get(response["Location"])) == [
        "That page link is no longer valid; back to the first page."
    ]
    assert client.get(BASE, {"cursor": "forged"})["Location"] == BASE


# Add


@pytest.mark.orm
def test_add_chooses_the_owner_and_records_the_addition(editor, bob):
    response = client_for(editor).post(
        f"{BASE}add/",
        {
            "title": "Kickoff",
            "owner": bob.pk,
            "participants": "ana@example.com, ben@example.com",
            "scheduled_start": "2030-02-01T10:30",
            "duration_minutes": "45",
            "_save": "Save",
        },
    )
    assert response.status_code == 302 and response["Location"] == BASE
    entry = LogEntry.objects.get()
    assert (entry.action_flag, entry.user, entry.get_change_message()) == (
        ADDITION,
        editor,
        "Added.",
    )
    meeting = get_repository().get(uuid.UUID(entry.object_id))
    assert (meeting.title, meeting.owner_id, meeting.status) == (
        "Kickoff",
        str(bob.pk),
        Status.SCHEDULED,
    )
    assert meeting.participants == ["ana@example.com", "ben@example.com"]
    assert meeting.scheduled_start.isoformat() == "2030-02-01T10:30:00+00:00"


@pytest.mark.orm
def test_the_add_form_offers_active_users_and_defaults_to_oneself(editor, alice):
    page = text(client_for(editor).get(f"{BASE}add/"))
    assert f'<option value="{editor.pk}" selected>editor</option>' in page
    # No user but the chosen one is listed: the owner is searched for.
    assert f'<option value="{alice.pk}">alice</option>' not in page
    assert 'name="status"' not in page


@pytest.mark.parametrize(
    ("button", "goes_to"), [("_continue", "change"), ("_addanother", "add")]
)
def test_add_then_continue_or_add_another(button, goes_to, editor, alice):
    response = client_for(editor).post(
        f"{BASE}add/", {"title": "Kickoff", "owner": alice.pk, button: "1"}
    )
    meeting_id = LogEntry.objects.get().object_id
    expected = f"{BASE}{meeting_id}/change/" if goes_to == "change" else f"{BASE}add/"
    assert response["Location"] == expected


def test_an_invalid_add_shows_the_errors_and_stores_nothing(editor, alice):
    response = client_for(editor).post(
        f"{BASE}add/", {"title": "", "owner": alice.pk, "participants": "not-mail"}
    )
    page = text(response)
    assert response.status_code == 200
    assert "Please correct the errors below." in page
    assert "“not-mail” is not an e-mail address." in page
    assert not LogEntry.objects.exists()


# Change

ALLOWED = [(a, b) for a, targets in ALLOWED_TRANSITIONS.items() for b in targets]
REFUSED = [(a, b) for a in Status for b in Status if a != b and (a, b) not in ALLOWED]


@pytest.mark.parametrize(("current", "requested"), ALLOWED)
def test_each_allowed_transition_saves_through_the_form(
    current, requested, editor, alice
):
    meeting = create(alice, status=current)
    response = client_for(editor).post(
        f"{BASE}{meeting.id}/change/", form_data(meeting, alice, status=requested)
    )
    assert response.status_code == 302, text(response)[:2000]
    assert stored(meeting).status == requested
    assert LogEntry.objects.get().get_change_message() == "Changed Status."


@pytest.mark.parametrize(("current", "requested"), REFUSED)
def test_every_other_transition_is_a_form_error(current, requested, editor, alice):
    meeting = create(alice, status=current)
    response = client_for(editor).post(
        f"{BASE}{meeting.id}/change/", form_data(meeting, alice, status=requested)
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert f"to “{requested.label}”" in errors["status"][0]
    assert stored(meeting).version == meeting.version
    assert not LogEntry.objects.exists()


def test_progress_changes_only_while_processing(editor, alice):
    uploaded = create(alice, status=Status.UPLOADED)
    client = client_for(editor)
    refused = client.post(
        f"{BASE}{uploaded.id}/change/", form_data(uploaded, alice, progress=30)
    )
    assert "only change while the meeting is processing" in text(refused)
    assert stored(uploaded).progress == 0
    processing = create(alice, status=Status.PROCESSING)
    client.post(
        f"{BASE}{processing.id}/change/", form_data(processing, alice, progress=30)
    )
    assert stored(processing).progress == 30


def test_changing_fields_saves_them_and_records_their_labels(editor, alice, bob):
    meeting = create(alice)
    client = client_for(editor)
    response = client.post(
        f"{BASE}{meeting.id}/change/",
        form_data(
            meeting,
            bob,
            title="Renamed",
            status="in_progress",
            participants="ana@example.com",
            _continue="1",
        ),
        follow=True,
    )
    assert response.redirect_chain == [(f"{BASE}{meeting.id}/change/", 302)]
    assert messages_of(response) == [
        "The meeting “Renamed” was changed successfully. You may edit it again below."
    ]
    saved = stored(meeting)
    assert (saved.title, saved.owner_id, saved.status, saved.participants) == (
        "Renamed",
        str(bob.pk),
        Status.IN_PROGRESS,
        ["ana@example.com"],
    )
    entry = LogEntry.objects.get(action_flag=CHANGE)
    assert entry.get_change_message() == (
        "Changed Title, Owner, Participants and Status."
    )
    assert entry.object_id == str(meeting.id) and entry.object_repr == "Renamed"


def test_saving_an_unchanged_form_writes_nothing(editor, alice):
    meeting = create(alice, scheduled_start=at("2030-01-15T09:00:42Z"))
    data = form_data(meeting, alice, scheduled_start="2030-01-15T09:00")
    response = client_for(editor).post(f"{BASE}{meeting.id}/change/", data, follow=True)
    assert messages_of(response) == ["No fields changed."]
    assert stored(meeting).version == meeting.version
    assert not LogEntry.objects.exists()


def test_a_meeting_changed_since_the_form_opened_is_not_overwritten(editor, alice):
    meeting = create(alice, description="Agenda")
    change_elsewhere(meeting, title="Theirs", description="Their agenda")
    client = client_for(editor)
    response = client.post(
        f"{BASE}{meeting.id}/change/", form_data(meeting, alice, title="Mine")
    )
    assert response.status_code == 409
    page = text(response)
    assert "changed since you opened the form; nothing was saved" in page
    current = page.split('class="current-values"')[1].split("</dl>")[0]
    assert "Theirs" in current and "Their agenda" in current
    # The form keeps what the user typed, now at the current version.
    assert 'value="Mine"' in page and 'name="version" value="2"' in page
    assert stored(meeting).title == "Theirs"
    assert not LogEntry.objects.exists()
    # Saving again, having seen the current values, replaces them.
    again = client.post(
        f"{BASE}{meeting.id}/change/",
        form_data(meeting, alice, title="Mine", version=2),
    )
    assert again.status_code == 302
    assert stored(meeting).title == "Mine"


def loaded_form(client, meeting) -> dict[str, str]:
    """Return what the change form posts as the browser loaded it."""
    page = text(client.get(f"{BASE}{meeting.id}/change/"))
    return {**form_values(page, "meetingrecord_form"), "_save": "Save"}


def walk_elsewhere_to_processing(meeting, **changes):
    for status in (Status.IN_PROGRESS, Status.UPLOADED, Status.PROCESSING):
        change_elsewhere(meeting, status=status)
    return change_elsewhere(meeting, **changes)


def test_the_form_carries_the_values_it_was_loaded_with(editor, alice):
    meeting = create(alice, description="Agenda")
    data = loaded_form(client_for(editor), meeting)
    assert data["initial-title"] == "Sync" and data["initial-status"] == "scheduled"
    assert data["initial-description"] == "Agenda"
    assert data["initial-owner"] == str(alice.pk)


def test_others_changes_to_fields_the_user_left_alone_are_no_conflict(editor, alice):
    meeting = create(alice)
    client = client_for(editor)
    data = loaded_form(client, meeting)
    walk_elsewhere_to_processing(meeting, progress=40, status_message="Transcribing")
    response = client.post(f"{BASE}{meeting.id}/change/", {**data, "title": "Mine"})
    assert response.status_code == 302
    saved = stored(meeting)
    assert (saved.title, saved.status, saved.progress, saved.status_message) == (
        "Mine",
        Status.PROCESSING,
        40,
        "Transcribing",
    )
    assert LogEntry.objects.get(action_flag=CHANGE).get_change_message() == (
        "Changed Title."
    )


def test_a_conflict_on_the_title_alone_saves_on_the_second_try_keeping_the_others(
    editor, alice
):
    meeting = create(alice)
    client = client_for(editor)
    data = loaded_form(client, meeting)
    walk_elsewhere_to_processing(
        meeting, title="Theirs", progress=40, status_message="Transcribing"
    )
    response = client.post(f"{BASE}{meeting.id}/change/", {**data, "title": "Mine"})
    assert response.status_code == 409
    page = text(response)
    assert "Someone else changed Title too." in page
    assert response.context["adminform"].form.errors == {}  # no status refused
    assert (
        "in_progress" not in page.split('class="current-values"')[1].split("</dl>")[0]
    )
    assert stored(meeting).title == "Theirs"  # nothing saved
    # The form keeps the user's title and shows the others' current values.
    again = form_values(page, "meetingrecord_form")
    assert again["title"] == "Mine" and again["status"] == "processing"
    assert again["status_message"] == "Transcribing" and again["progress"] == "40"
    response = client.post(f"{BASE}{meeting.id}/change/", {**again, "_save": "Save"})
    assert response.status_code == 302
    saved = stored(meeting)
    assert (saved.title, saved.status, saved.progress, saved.status_message) == (
        "Mine",
        Status.PROCESSING,
        40,
        "Transcribing",
    )


def test_a_real_clash_on_the_title_still_shows_the_conflict_page(editor, alice):
    meeting = create(alice, description="Agenda")
    client = client_for(editor)
    data = loaded_form(client, meeting)
    change_elsewhere(meeting, title="Theirs")
    response = client.post(
        f"{BASE}{meeting.id}/change/",
        {**data, "title": "Mine", "description": "My agenda"},
    )
    assert response.status_code == 409
    assert "Someone else changed Title too." in text(response)
    assert (stored(meeting).title, stored(meeting).description) == ("Theirs", "Agenda")
    assert not LogEntry.objects.exists()


def test_an_invalid_change_is_a_form_error_not_a_conflict(editor, alice):
    meeting = create(alice)
    client = client_for(editor)
    data = loaded_form(client, meeting)
    change_elsewhere(meeting, description="Theirs")
    response = client.post(f"{BASE}{meeting.id}/change/", {**data, "title": ""})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["title"]
    assert stored(meeting).title == "Sync"


def test_a_refused_progress_names_the_status_by_its_label(editor, alice):
    meeting = create(alice, status=Status.IN_PROGRESS)
    client = client_for(editor)
    data = loaded_form(client, meeting)
    response = client.post(f"{BASE}{meeting.id}/change/", {**data, "progress": "50"})
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["progress"]
    assert errors == [
        "Progress can only change while the meeting is processing; it is “In progress”."
    ]


def test_a_stale_form_is_a_conflict_before_any_lifecycle_check(editor, alice):
    meeting = create(alice)
    change_elsewhere(meeting, status=Status.IN_PROGRESS)
    change_elsewhere(meeting, status=Status.UPLOADED)
    response = client_for(editor).post(
        f"{BASE}{meeting.id}/change/", form_data(meeting, alice, status="in_progress")
    )
    assert response.status_code == 409
    # Against the current status the user's step is refused; the form says so.
    errors = response.context["adminform"].form.errors
    assert "from “Uploaded” it can only go to “Processing”" in errors["status"][0]
    assert stored(meeting).status == Status.UPLOADED


def test_a_write_that_loses_a_race_after_the_check_is_a_conflict(editor, alice):
    meeting = create(alice)
    # Another client renames it between the form's check and its write.
    get_repository().interleave_write({"title": "Theirs"})
    response = client_for(editor).post(
        f"{BASE}{meeting.id}/change/", form_data(meeting, alice, title="Mine")
    )
    assert response.status_code == 409
    assert stored(meeting).title == "Theirs"


def test_a_form_without_its_version_saves_nothing(editor, alice):
    meeting = create(alice)
    data = form_data(meeting, alice, title="Mine")
    del data["version"]
    response = client_for(editor).post(f"{BASE}{meeting.id}/change/", data)
    assert response.status_code == 200
    assert "lacks the version it was loaded at" in text(response)
    assert stored(meeting).title == "Sync"


def test_the_change_page_links_history_delete_and_the_site(editor, alice):
    meeting = create(alice)
    page = text(client_for(editor).get(f"{BASE}{meeting.id}/change/"))
    assert f'href="{BASE}{meeting.id}/history/" class="historylink"' in page
    assert f'href="{BASE}{meeting.id}/delete/" class="deletelink"' in page
    assert f'href="/meetings/{meeting.id}" class="viewsitelink"' in page
    for button in ("_save", "_continue", "_addanother"):
        assert f'name="{button}"' in page
    assert '<option value="in_progress">In progress</option>' in page
    assert '<option value="completed">' not in page


@pytest.mark.parametrize("view", ["change", "history", "delete"])
def test_a_missing_meeting_sends_to_the_index_with_a_warning(view, editor):
    missing = uuid.uuid4()
    response = client_for(editor).get(f"{BASE}{missing}/{view}/", follow=True)
    assert response.redirect_chain == [("/admin/", 302)]
    assert messages_of(response) == [
        f"Meeting with ID “{missing}” doesn't exist. Perhaps it was deleted?"
    ]


# Delete


@pytest.mark.orm
def test_delete_lists_what_goes_then_deletes_and_records_it(editor, alice):
    meeting = create(alice, title="Doomed", participants=["ana@example.com"])
    client = client_for(editor)
    confirm = text(client.get(f"{BASE}{meeting.id}/delete/"))
    assert "Are you sure you want to delete the meeting “Doomed”?" in confirm
    objects = confirm.split('id="deleted-objects"')[1].split("</ul>")[0]
    assert "Doomed" in objects and "ana@example.com" in objects and "alice" in objects
    response = client.post(
        f"{BASE}{meeting.id}/delete/", {"version": meeting.version}, follow=True
    )
    assert response.redirect_chain == [(BASE, 302)]
    assert messages_of(response) == ["The meeting “Doomed” was deleted successfully."]
    entry = LogEntry.objects.get()
    assert (entry.action_flag, entry.object_repr) == (DELETION, "Doomed")
    assert client.get(f"{BASE}{meeting.id}/change/").status_code == 302


def test_a_meeting_changed_since_the_confirmation_is_not_deleted(editor, alice):
    meeting = create(alice)
    change_elsewhere(meeting, title="Theirs")
    response = client_for(editor).post(
        f"{BASE}{meeting.id}/delete/", {"version": meeting.version}
    )
    assert response.status_code == 409
    page = text(response)
    assert "nothing was deleted" in page and "Theirs" in page
    assert 'name="version" value="2"' in page
    assert stored(meeting).title == "Theirs"
    assert not LogEntry.objects.exists()


def test_a_delete_without_its_version_deletes_nothing(editor, alice):
    meeting = create(alice)
    response = client_for(editor).post(f"{BASE}{meeting.id}/delete/", {})
    assert response.status_code == 400
    assert stored(meeting)


# History


@pytest.mark.orm
def test_history_lists_each_change_with_its_user_oldest_first(editor, alice):
    client = client_for(editor)
    client.post(f"{BASE}add/", {"title": "Plan", "owner": alice.pk, "_save": "1"})
    meeting = get_repository().get(uuid.UUID(LogEntry.objects.get().object_id))
    client.post(
        f"{BASE}{meeting.id}/change/", form_data(meeting, alice, title="Plan B")
    )
    page = text(client.get(f"{BASE}{meeting.id}/history/"))
    assert "Change history: Plan B" in page
    rows = page.split('id="change-history"')[1].split("<tbody>")[1].split("</tr>")
    assert "editor" in rows[0] and "Added." in rows[0]
    assert "editor" in rows[1] and "Changed Title." in rows[1]
    assert "2 entries" in page


def test_a_meeting_never_changed_here_has_no_history(editor, alice):
    meeting = create(alice)
    page = text(client_for(editor).get(f"{BASE}{meeting.id}/history/"))
    assert "have a change history. It probably wasn" in page


# Bulk actions


def test_bulk_delete_confirms_then_reports_deleted_and_conflicted(editor, alice):
    for title in ("Keep going", "Changed meanwhile", "Gone meanwhile"):
        create(alice, title=title)
    client = client_for(editor)
    chosen = checkbox_values(text(client.get(BASE)))
    selection = {"action": "delete_selected", "_selected_action": chosen.values()}
    confirm = client.post(BASE, selection)
    assert confirm.status_code == 200
    assert "Are you sure you want to delete the selected meetings?" in text(confirm)
    assert "Meetings: 3" in text(confirm)
    changed, gone = (
        get_repository().get(uuid.UUID(chosen[title].split(":")[0]))
        for title in ("Changed meanwhile", "Gone meanwhile")
    )
    change_elsewhere(changed, title="Changed meanwhile!")
    services.delete_meeting(OTHER, gone.id)
    response = client.post(BASE, {**selection, "post": "yes"}, follow=True)
    assert messages_of(response) == [
        "Deleted 1 meeting. 2 meetings conflicted (changed or deleted since the "
        "list was loaded) and were left alone."
    ]
    assert stored(changed).title == "Changed meanwhile!"
    assert LogEntry.objects.get(action_flag=DELETION).object_repr == "Keep going"


@pytest.mark.orm
def test_bulk_delete_without_conflicts_says_so(editor, alice):
    meetings = [create(alice, title=t) for t in ("A", "B")]
    response = client_for(editor).post(
        BASE,
        {
            "action": "delete_selected",
            "post": "yes",
            "_selected_action": [f"{m.id}:{m.version}" for m in meetings],
        },
        follow=True,
    )
    assert messages_of(response) == ["Deleted 2 meetings. None conflicted."]
    assert LogEntry.objects.filter(action_flag=DELETION).count() == 2


def test_the_confirmation_marks_rows_changed_since_the_list(editor, alice):
    meeting = create(alice, title="Moving")
    client = client_for(editor)
    chosen = checkbox_values(text(client.get(BASE)))
    change_elsewhere(meeting, title="Moved")
    page = text(
        client.post(
            BASE, {"action": "delete_selected", "_selected_action": chosen["Moving"]}
        )
    )
    assert "Moved" in page and "changed since the list was loaded" in page
    # The versions the list showed travel on, so the delete will conflict.
    assert f'value="{meeting.id}:{meeting.version}"' in page


def test_mark_failed_asks_a_reason_then_reports_each_outcome(editor, alice):
    create(alice, title="Processing", status=Status.PROCESSING)
    create(alice, title="Raced", status=Status.PROCESSING)
    create(alice, title="Too early")
    client = client_for(editor)
    chosen = checkbox_values(text(client.get(BASE)))
    selection = {"action": "mark_failed", "_selected_action": chosen.values()}
    ask = text(client.post(BASE, selection))
    assert 'name="reason"' in ask and "cannot fail from “Scheduled”" in ask
    blank = client.post(BASE, {**selection, "post": "yes", "reason": ""})
    assert "This field is required." in text(blank)
    raced = get_repository().get(uuid.UUID(chosen["Raced"].split(":")[0]))
    change_elsewhere(raced, progress=50)
    response = client.post(
        BASE, {**selection, "post": "yes", "reason": "Disk full"}, follow=True
    )
    assert messages_of(response) == [
        "Marked 1 meeting as failed. 1 meeting conflicted (changed or deleted "
        "since the list was loaded) and was left alone. 1 meeting was not "
        "processing, so could not fail, and left alone."
    ]
    failed = next(m for m in list_all() if m.title == "Processing")
    assert (failed.status, failed.status_message) == (Status.FAILED, "Disk full")
    assert stored(raced).status == Status.PROCESSING
    entry = LogEntry.objects.get(action_flag=CHANGE)
    assert entry.get_change_message() == "Changed Status and Status message."


def test_mark_failed_asks_no_reason_when_none_of_the_selection_can_fail(editor, alice):
    create(alice, title="Too early")
    create(alice, title="Done", status=Status.COMPLETED)
    client = client_for(editor)
    chosen = checkbox_values(text(client.get(BASE)))
    selection = {"action": "mark_failed", "_selected_action": chosen.values()}
    response = client.post(BASE, selection, follow=True)
    assert 'name="reason"' not in text(response)
    assert messages_of(response) == [
        "None of the 2 meetings selected can fail: only a processing (or failed) "
        "meeting, unchanged since the list was loaded, can. Nothing was changed."
    ]
    assert {m.status for m in list_all()} == {Status.SCHEDULED, Status.COMPLETED}


def list_all():
    return services.list_meetings(OTHER, limit=100).meetings


class TableLosingAdmin(MeetingAdmin):
    """MeetingAdmin whose meetings table is lost once it logs a deletion."""

    def log_deletion(self, request, meeting):
        entry = super().log_deletion(request, meeting)
        memory.drop_table(settings.DYNAMODB_TABLE)
        return entry


def with_messages(view, request):
    """Answer request with view, behind the middleware that keeps messages."""
    return SessionMiddleware(MessageMiddleware(view))(request)


def test_a_bulk_action_stops_where_the_store_goes_away(editor, alice, rf):
    meetings = [create(alice, title=t) for t in ("A", "B", "C")]
    model_admin = TableLosingAdmin(admin.site)
    request = rf.post(
        BASE,
        {
            "action": "delete_selected",
            "post": "yes",
            "_selected_action": [f"{m.id}:{m.version}" for m in meetings],
        },
    )
    request.user = editor
    response = with_messages(model_admin.changelist_view, request)
    assert response.status_code == 302 and response["Location"] == BASE
    assert [str(message) for message in get_messages(request)] == [
        "Deleted 1 meeting. None conflicted. 2 meetings were not attempted: the "
        "meetings store is unavailable."
    ]
    back = rf.get(BASE)
    back.user = editor
    assert model_admin.changelist_view(back).status_code == 503


def test_an_action_without_rows_or_a_choice_changes_nothing(editor, alice):
    meeting = create(alice)
    client = client_for(editor)
    none_ticked = client.post(
        f"{BASE}?q=sync", {"action": "delete_selected"}, follow=True
    )
    assert none_ticked.redirect_chain == [(f"{BASE}?q=sync", 302)]
    assert "Items must be selected" in messages_of(none_ticked)[0]
    no_action = client.post(
        BASE, {"action": "", "_selected_action": f"{meeting.id}:1"}, follow=True
    )
    assert messages_of(no_action) == ["No action selected."]
    assert stored(meeting)


# Dashboard and outages


def test_the_dashboard_charts_statuses_and_counts_this_process_streams(
    editor, alice, rf
):
    create(alice)
    create(alice)
    create(alice, status=Status.COMPLETED)
    dashboard = DashboardView.as_view(
        model_admin=admin.site.meeting_admin, stream_counter=lambda: 3
    )
    request = rf.get(DASHBOARD)
    request.user = editor
    page = text(dashboard(request, app_label="meetings").render())
    assert "<svg" in page and "Meetings per status, 3 in all" in page
    assert "Scheduled: 2; In progress: 0;" in page
    bars = {
        status: width
        for width, status in re.findall(
            r'width="(\d+)" class="status-chart__bar status-chart__bar--(\w+)"', page
        )
    }
    assert int(bars["scheduled"]) == 2 * int(bars["completed"]) > 0
    assert bars["failed"] == "0"
    assert f'href="{BASE}?status=completed"' in page
    assert "data-open-streams>3</strong> live status streams open here" in page
    assert f'href="{BASE}add/"' in page  # the app's models, as on an app index


@pytest.mark.parametrize("path", [DASHBOARD, BASE, BASE + "{id}/change/"])
def test_a_store_outage_is_a_503_that_changes_nothing(path, editor, settings):
    settings.DYNAMODB_TABLE = "missing-table"
    response = client_for(editor).get(path.format(id=uuid.uuid4()))
    assert response.status_code == 503
    assert response["Retry-After"]
    assert "cannot be reached right now" in text(response)
