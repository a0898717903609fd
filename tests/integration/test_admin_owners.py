"""The admin's owner search over 10,000 users: the autocomplete, the forms and the
owner filter, through Django's test client on the in-memory store.

How fast it answers is bench/admin_owners.py's to measure (docs/performance.md,
"Admin owners at scale"); these check what it answers.
"""

from __future__ import annotations

import html
import re
import uuid

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.test import Client

from meetings import services
from meetings.admin.owners import PAGE_SIZE
from meetings.store import get_repository

pytestmark = [pytest.mark.django_db, pytest.mark.orm]
BASE = "/admin/meetings/meetingrecord/"
OWNERS = f"{BASE}owners/"
USERS = 10_000


@pytest.fixture(autouse=True)
def _store(memory_store):
    return memory_store


@pytest.fixture
def crowd(django_user_model):
    """10,000 users, user00000 to user09999; every 50th is deactivated."""
    password = make_password("pw-12345678")
    django_user_model.objects.bulk_create(
        django_user_model(
            username=f"user{n:05}",
            email=f"person{n:05}@example.com",
            password=password,
            is_active=n % 50 != 0,
        )
        for n in range(USERS)
    )
    return USERS


def user(django_user_model, username: str):
    return django_user_model.objects.get(username=username)


@pytest.fixture
def staff(make_user):
    """Return a staff user with the given meeting permissions and, with users,
    the user admin's view permission."""

    def make(name: str, *actions: str, users: bool = True):
        person = make_user(name, is_staff=True, perms=actions)
        if users:
            person.user_permissions.add(
                Permission.objects.get(
                    content_type__app_label="auth", codename="view_user"
                )
            )
        return person

    return make


@pytest.fixture
def searcher(staff):
    return staff("searcher", "view", "add", "change")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def search(client: Client, **params) -> dict:
    response = client.get(OWNERS, params)
    assert response.status_code == 200, response.content
    return response.json()


def names(answer: dict) -> list[str]:
    return [result["text"] for result in answer["results"]]


def test_the_search_answers_twenty_users_at_a_time_in_select2s_shape(
    crowd, searcher, django_user_model
):
    client = client_for(searcher)
    first = search(client, term="user0", active="1")
    assert len(first["results"]) == PAGE_SIZE == 20
    assert first["pagination"] == {"more": True}
    # By username, deactivated users (user00000, user00050, …) left out.
    assert names(first) == [f"user{n:05}" for n in range(1, 21)]
    picked = user(django_user_model, "user00001")
    assert first["results"][0] == {"id": str(picked.pk), "text": "user00001"}
    second = search(client, term="user0", active="1", page="2")
    assert names(second)[0] == "user00021"
    # The last page says there is no more.
    last = search(client, term="user0999", active="1")
    assert names(last) == [f"user{n:05}" for n in range(9990, 10000)]
    assert last["pagination"] == {"more": False}
    assert search(client, term="user0999", page="9") == {
        "results": [],
        "pagination": {"more": False},
    }


def test_the_search_reads_the_user_admins_search_fields_and_active_only_on_demand(
    crowd, searcher
):
    client = client_for(searcher)
    # E-mail addresses are among the user admin's search_fields.
    assert names(search(client, term="person04321@")) == ["user04321"]
    # The owner field asks for active users; the filter finds anyone.
    assert names(search(client, term="user00050", active="1")) == []
    assert names(search(client, term="user00050")) == ["user00050"]
    # No term: everyone, still 20 at a time.
    everyone = search(client)
    assert len(everyone["results"]) == 20 and everyone["pagination"]["more"]


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"page": "two"}, "The page must be a whole number from 1."),
        ({"page": "0"}, "The page must be a whole number from 1."),
        ({"term": "x" * 255}, "Search for at most 254 characters; you gave 255."),
    ],
)
def test_malformed_input_answers_400_saying_why(searcher, params, error):
    response = client_for(searcher).get(OWNERS, params)
    assert response.status_code == 400
    assert response.json() == {"error": error}


def test_only_staff_who_may_see_users_and_meetings_reach_the_search(
    staff, make_user, django_user_model
):
    anonymous = Client().get(OWNERS, {"term": "a"})
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/admin/login/")
    not_staff = client_for(make_user("outsider")).get(OWNERS)
    assert not_staff.status_code == 302
    # The user admin's own rule, as Django's autocomplete applies it.
    assert (
        client_for(staff("no-users", "add", users=False)).get(OWNERS).status_code == 403
    )
    # And only for someone who works with meetings.
    assert client_for(staff("no-meetings")).get(OWNERS).status_code == 403
    for allowed in (staff("adder", "add"), staff("looker", "view")):
        assert client_for(allowed).get(OWNERS).status_code == 200
    root = django_user_model.objects.create_superuser("root", password="pw-12345678")
    assert client_for(root).get(OWNERS).status_code == 200


def owner_select(page: str) -> str:
    return re.search(r'<select name="owner".*?</select>', page, re.S).group(0)


def test_no_page_lists_every_user(crowd, searcher):
    client = client_for(searcher)
    meeting = services.create_meeting(str(searcher.pk), {"title": "Plan"})
    for path in (f"{BASE}add/", f"{BASE}{meeting.id}/change/", BASE):
        page = client.get(path).content.decode()
        assert len(re.findall(r"user\d{5}", page)) == 0, path
        select = owner_select(page)
        # The chosen owner only (and, in the filter, the empty choice).
        assert len(re.findall("<option", select)) <= 2, path


def test_the_owner_field_is_the_admins_autocomplete_for_those_who_may_search(
    crowd, searcher, staff
):
    page = client_for(searcher).get(f"{BASE}add/").content.decode()
    select = owner_select(page)
    assert 'class="admin-autocomplete"' in select
    assert f'data-ajax--url="{OWNERS}?active=1"' in select
    assert f'<option value="{searcher.pk}" selected>searcher</option>' in select
    assert "admin/js/vendor/select2/select2.full" in page
    assert "admin/js/autocomplete.js" in page
    # Without JavaScript, a username box instead.
    assert re.search(r'<noscript>.*name="owner_username"', page, re.S)
    # Someone who may not search users picks one by username.
    adder = client_for(staff("adder", "add", users=False))
    page = adder.get(f"{BASE}add/").content.decode()
    assert "data-ajax--url" not in page and "<noscript>" not in page
    assert 'name="owner_username"' in page


def add(client: Client, **fields):
    return client.post(f"{BASE}add/", {"title": "Kickoff", "_save": "1", **fields})


def added_owner() -> str:
    """Return the owner id of the meeting added last."""
    entry = LogEntry.objects.filter(action_flag=ADDITION).latest("pk")
    return get_repository().get(uuid.UUID(entry.object_id)).owner_id


def test_an_owner_is_chosen_by_search_or_by_username(
    crowd, searcher, django_user_model
):
    client = client_for(searcher)
    chosen = user(django_user_model, "user04321")
    assert add(client, owner=chosen.pk).status_code == 302
    assert added_owner() == str(chosen.pk)
    # The username box (no JavaScript) wins over the select's value.
    typed = user(django_user_model, "user01234")
    response = add(client, owner=searcher.pk, owner_username=" user01234 ")
    assert response.status_code == 302
    assert added_owner() == str(typed.pk)


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        (
            {"owner_username": "nobody"},
            "No user who may own meetings has the username “nobody”.",
        ),
        (
            {"owner_username": "user00050"},  # deactivated
            "No user who may own meetings has the username “user00050”.",
        ),
        ({"owner": "abc"}, "That user does not exist or may not own meetings."),
        ({"owner": "999999"}, "That user does not exist or may not own meetings."),
    ],
)
def test_an_owner_nobody_can_be_is_a_clear_error(crowd, searcher, fields, error):
    response = add(client_for(searcher), **fields)
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert error in page
    # What was typed stays in the box.
    if "owner_username" in fields:
        assert f'value="{fields["owner_username"]}"' in page
    assert not LogEntry.objects.exists()


def test_a_deactivated_owner_stays_chosen_when_editing(
    crowd, searcher, django_user_model
):
    gone = user(django_user_model, "user00100")
    gone.is_active = False
    gone.save()
    meeting = services.create_meeting(str(gone.pk), {"title": "Plan"})
    client = client_for(searcher)
    change = f"{BASE}{meeting.id}/change/"
    page = client.get(change).content.decode()
    assert f'<option value="{gone.pk}" selected>user00100</option>' in page
    data = {
        "title": "Plan B",
        "owner": gone.pk,
        "status": "scheduled",
        "progress": "0",
        "version": meeting.version,
        "_save": "1",
    }
    assert client.post(change, data).status_code == 302
    saved = get_repository().get(meeting.id)
    assert (saved.title, saved.owner_id) == ("Plan B", str(gone.pk))
    # Typing their username keeps them too.
    data.update(version=saved.version, title="Plan C", owner_username="user00100")
    assert client.post(change, data).status_code == 302
    assert get_repository().get(meeting.id).owner_id == str(gone.pk)


def test_the_filter_takes_a_username_without_javascript(
    crowd, searcher, django_user_model
):
    owner = user(django_user_model, "user04321")
    services.create_meeting(str(owner.pk), {"title": "Theirs"})
    services.create_meeting(str(searcher.pk), {"title": "Mine"})
    client = client_for(searcher)
    page = client.get(BASE, {"owner_username": "user04321", "q": "the"}).content
    page = page.decode()
    assert "Theirs" in page and ">Mine<" not in page
    sidebar = page.split('data-filter-title="owner"')[1].split("</details>")[0]
    assert re.search(
        r'class="selected"><a href="[^"]*owner=\d+[^"]*">user04321</a>', sidebar
    )
    # The filter's form keeps the other filters.
    assert '<input type="hidden" name="q" value="the">' in sidebar
    # The search box's own form: a select of the chosen owner, Select2's data.
    assert f'data-ajax--url="{OWNERS}"' in sidebar
    # Paging links carry the owner's id, not the username.
    assert "owner_username" not in page.split("<tbody>")[1]


def test_a_username_nobody_has_offers_the_first_twenty_the_search_finds(
    crowd, searcher, staff, django_user_model
):
    client = client_for(searcher)
    page = html.unescape(
        client.get(
            BASE, {"owner_username": "user042", "status": "failed"}
        ).content.decode()
    )
    sidebar = page.split('data-filter-title="owner"')[1].split("</details>")[0]
    assert "No user has the username “user042”. The search finds:" in sidebar
    offered = re.findall(r'<a href="([^"]+)">(user\d{5})</a>', sidebar)
    assert [name for _, name in offered] == [f"user{n:05}" for n in range(4200, 4220)]
    first = user(django_user_model, "user04200")
    assert offered[0][0] == f"{BASE}?status=failed&owner={first.pk}"
    assert "The first 20 only; search again for others." in sidebar
    assert 'value="user042"' in sidebar  # the box keeps what was typed
    # Whoever may not search users is told, and shown nobody.
    viewer = client_for(staff("viewer", "view", users=False))
    page = html.unescape(
        viewer.get(BASE, {"owner_username": "user042"}).content.decode()
    )
    assert "No user has the username “user042”." in page
    assert not re.search(r">user\d{5}</a>", page)
