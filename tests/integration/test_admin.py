"""The admin's meeting views, through Django's test client on moto."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth.models import Permission
from django.test import Client

from meetings import services
from meetings.domain import ALLOWED_TRANSITIONS, Status, Viewer
from meetings.repository import get_repository

pytestmark = pytest.mark.django_db
BASE = "/admin/meetings/meetingrecord/"
STAFF = Viewer("admin-test", is_staff=True)
PAGES = [
    "/admin/meetings/",
    BASE,
    f"{BASE}add/",
    BASE + "{id}/change/",
    BASE + "{id}/history/",
    BASE + "{id}/delete/",
]


@pytest.fixture(autouse=True)
def _store(moto_table):
    return moto_table


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("root", password="pw-12345678")


def staff_with(make_user, name: str, *codenames: str):
    user = make_user(name, is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="meetings", codename__in=codenames
        )
    )
    return user


@pytest.fixture
def viewer_staff(make_user):
    return staff_with(make_user, "viewer", "view_meetingrecord")


@pytest.fixture
def editor(make_user):
    return staff_with(
        make_user,
        "editor",
        "view_meetingrecord",
        "add_meetingrecord",
        "change_meetingrecord",
        "delete_meetingrecord",
    )


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def create(owner, title="Sync", status: Status = Status.SCHEDULED):
    repository = get_repository()
    meeting = services.create_meeting(repository, str(owner.pk), {"title": title})
    path = [Status.IN_PROGRESS, Status.UPLOADED, Status.PROCESSING, Status.COMPLETED]
    if status == Status.FAILED:
        path = [Status.IN_PROGRESS, Status.UPLOADED, Status.PROCESSING, Status.FAILED]
    for step in path[: path.index(status) + 1] if status != Status.SCHEDULED else []:
        meeting = services.update_meeting(
            repository, STAFF, meeting.id, {"status": step}
        )
    return meeting


def form_data(meeting, owner, **overrides) -> dict:
    data = {
        "title": meeting.title,
        "description": meeting.description,
        "participants": "",
        "owner": owner.pk,
        "status": meeting.status.value,
        "progress": meeting.progress,
        "status_message": meeting.status_message,
        "version": meeting.version,
        "_save": "Save",
    }
    data.update(overrides)
    return data


# Who may


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_and_non_staff_users_get_the_admin_login(alice, path):
    meeting = create(alice)
    url = path.format(id=meeting.id)
    for user in (None, alice):
        response = client_for(user).get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("path", PAGES)
def test_staff_without_the_permission_get_403(make_user, alice, path):
    meeting = create(alice)
    staff = make_user("plain-staff", is_staff=True)
    response = client_for(staff).get(path.format(id=meeting.id))
    assert response.status_code == 403


def test_view_permission_reads_but_does_not_write(viewer_staff, alice):
    meeting = create(alice)
    client = client_for(viewer_staff)
    assert client.get(BASE).status_code == 200
    assert client.get(f"{BASE}{meeting.id}/change/").status_code == 200
    assert client.get(f"{BASE}{meeting.id}/history/").status_code == 200
    assert client.get(f"{BASE}add/").status_code == 403
    assert client.get(f"{BASE}{meeting.id}/delete/").status_code == 403
    post = client.post(
        f"{BASE}{meeting.id}/change/", form_data(meeting, alice, title="x")
    )
    assert post.status_code == 403
    assert get_repository().get(meeting.id).title == "Sync"


@pytest.mark.parametrize("who", ["editor", "superuser"])
def test_permitted_staff_and_superusers_use_every_view(who, request, alice):
    user = request.getfixturevalue(who)
    meeting = create(alice)
    client = client_for(user)
    for path in PAGES:
        assert client.get(path.format(id=meeting.id)).status_code == 200, path


def test_the_index_lists_meetings_beside_users_and_groups(editor, make_user):
    page = client_for(editor).get("/admin/").content.decode()
    assert "Meetings" in page and BASE in page
    plain = make_user("plain-staff", is_staff=True)
    assert BASE not in client_for(plain).get("/admin/").content.decode()


def test_forms_need_the_csrf_token(editor, alice):
    meeting = create(alice)
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    response = client.post(f"{BASE}{meeting.id}/delete/", {"version": "1"})
    assert response.status_code == 403
    assert get_repository().get(meeting.id)


# Changelist


def test_search_filters_and_pagination(editor, alice, bob):
    for n in range(27):
        create(alice, title=f"Planning {n:02}")
    create(bob, title="Bob's retro")
    create(alice, title="Processing one", status=Status.PROCESSING)
    client = client_for(editor)
    first = client.get(BASE).content.decode()
    assert "Processing one" in first and "Planning 00" not in first
    assert "Scheduled</span> 28" in first and "Processing</span> 1" in first
    next_url = first.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0]
    second = client.get(next_url.replace("&amp;", "&")).content.decode()
    assert "Planning 00" in second and 'rel="prev"' in second
    searched = client.get(BASE, {"q": "retro"}).content.decode()
    assert "Bob&#x27;s retro" in searched and "Planning" not in searched
    by_status = client.get(BASE, {"status": "processing"}).content.decode()
    assert "Processing one" in by_status and "Planning" not in by_status
    by_owner = client.get(BASE, {"owner": bob.pk}).content.decode()
    assert "Bob&#x27;s retro" in by_owner and "Planning" not in by_owner


def test_a_forged_cursor_goes_back_to_the_first_page(editor):
    response = client_for(editor).get(BASE, {"cursor": "forged"})
    assert response.status_code == 302 and response["Location"] == BASE


# Add, change, delete


def test_add_chooses_the_owner_and_records_history(editor, bob):
    response = client_for(editor).post(
        f"{BASE}add/",
        {
            "title": "Kickoff",
            "owner": bob.pk,
            "participants": "a@example.com",
            "_save": "1",
        },
    )
    assert response.status_code == 302
    entry = LogEntry.objects.get(action_flag=ADDITION)
    meeting = get_repository().get(uuid.UUID(entry.object_id))
    assert (meeting.title, meeting.owner_id) == ("Kickoff", str(bob.pk))
    assert entry.user == editor


ALLOWED_PAIRS = [(a, b) for a, targets in ALLOWED_TRANSITIONS.items() for b in targets]
REFUSED_PAIRS = [
    (a, b) for a in Status for b in Status if a != b and (a, b) not in ALLOWED_PAIRS
]


@pytest.mark.parametrize(("current", "requested"), ALLOWED_PAIRS)
def test_allowed_transitions_save_through_the_form(editor, alice, current, requested):
    meeting = create(alice, status=current)
    response = client_for(editor).post(
        f"{BASE}{meeting.id}/change/", form_data(meeting, alice, status=requested.value)
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert get_repository().get(meeting.id).status == requested


@pytest.mark.parametrize(("current", "requested"), REFUSED_PAIRS)
def test_other_transitions_are_form_errors(editor, alice, current, requested):
    meeting = create(alice, status=current)
    response = client_for(editor).post(
        f"{BASE}{meeting.id}/change/", form_data(meeting, alice, status=requested.value)
    )
    assert response.status_code == 200
    assert "errornote" in response.content.decode()
    assert get_repository().get(meeting.id).status == current


def test_changing_fields_records_what_changed(editor, alice, bob):
    meeting = create(alice)
    response = client_for(editor).post(
        f"{BASE}{meeting.id}/change/",
        form_data(meeting, bob, title="Renamed", status="in_progress", _continue="1"),
    )
    assert response["Location"] == f"{BASE}{meeting.id}/change/"
    stored = get_repository().get(meeting.id)
    assert (stored.title, stored.owner_id, stored.status) == (
        "Renamed",
        str(bob.pk),
        Status.IN_PROGRESS,
    )
    entry = LogEntry.objects.get(action_flag=CHANGE)
    assert entry.get_change_message() == "Changed Title, Status and Owner."
    history = client_for(editor).get(f"{BASE}{meeting.id}/history/").content.decode()
    assert "Changed Title, Status and Owner." in history


def test_a_concurrent_change_shows_the_current_values_and_saves_nothing(editor, alice):
    meeting = create(alice)
    services.update_meeting(get_repository(), STAFF, meeting.id, {"title": "Theirs"})
    response = client_for(editor).post(
        f"{BASE}{meeting.id}/change/", form_data(meeting, alice, title="Mine")
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "changed since you opened the form; nothing was saved" in page
    assert "Theirs" in page
    assert get_repository().get(meeting.id).title == "Theirs"
    assert not LogEntry.objects.exists()


def test_delete_asks_then_deletes_and_records_it(editor, alice):
    meeting = create(alice, title="Doomed")
    client = client_for(editor)
    confirm = client.get(f"{BASE}{meeting.id}/delete/").content.decode()
    assert "All of the following will be deleted" in confirm and "Doomed" in confirm
    response = client.post(f"{BASE}{meeting.id}/delete/", {"version": "1"})
    assert response.status_code == 302
    assert LogEntry.objects.get(action_flag=DELETION).object_repr == "Doomed"
    assert client.get(f"{BASE}{meeting.id}/change/").status_code == 404


# Bulk actions


def selection(*meetings) -> list[str]:
    return [f"{m.id}:{m.version}" for m in meetings]


def test_bulk_delete_confirms_then_reports_deleted_and_conflicted(editor, alice):
    a, b, c = (create(alice, title=t) for t in ("A", "B", "C"))
    client = client_for(editor)
    confirm = client.post(
        BASE, {"action": "delete_selected", "_selected_action": selection(a, b, c)}
    )
    assert confirm.status_code == 200 and "Are you sure" in confirm.content.decode()
    services.update_meeting(get_repository(), STAFF, b.id, {"title": "B2"})
    response = client.post(
        BASE,
        {
            "action": "delete_selected",
            "post": "yes",
            "_selected_action": selection(a, b, c),
        },
        follow=True,
    )
    text = response.content.decode()
    assert "Deleted 2 meetings." in text and "1 had changed" in text
    assert get_repository().get(b.id).title == "B2"
    assert LogEntry.objects.filter(action_flag=DELETION).count() == 2


def test_bulk_mark_failed_asks_a_reason_and_reports_each_outcome(editor, alice):
    ready = create(alice, title="Ready", status=Status.PROCESSING)
    raced = create(alice, title="Raced", status=Status.PROCESSING)
    early = create(alice, title="Early")
    client = client_for(editor)
    chosen = selection(ready, raced, early)
    ask = client.post(BASE, {"action": "mark_failed", "_selected_action": chosen})
    assert "Reason" in ask.content.decode()
    services.update_meeting(get_repository(), STAFF, raced.id, {"progress": 50})
    response = client.post(
        BASE,
        {"action": "mark_failed", "reason": "Disk full", "_selected_action": chosen},
        follow=True,
    )
    text = response.content.decode()
    assert "Marked as failed 1 meeting." in text
    assert "1 had changed" in text and "1 cannot fail" in text
    stored = get_repository().get(ready.id)
    assert (stored.status, stored.status_message) == (Status.FAILED, "Disk full")
    assert get_repository().get(raced.id).status == Status.PROCESSING
    assert LogEntry.objects.filter(action_flag=CHANGE).count() == 1


def test_bulk_actions_need_their_permission(viewer_staff, alice):
    meeting = create(alice)
    response = client_for(viewer_staff).post(
        BASE, {"action": "delete_selected", "post": "yes",
               "_selected_action": selection(meeting)}
    )  # fmt: skip
    assert response.status_code == 403
    assert get_repository().get(meeting.id)


# Dashboard


def test_the_dashboard_charts_statuses_and_counts_streams(editor, alice):
    create(alice)
    create(alice, status=Status.COMPLETED)
    page = client_for(editor).get("/admin/meetings/").content.decode()
    assert "<svg" in page and "Meetings per status, 2 in all" in page
    assert "data-open-streams>0<" in page
