"""One authorization model on every door: REST, pages and admin (streams: system).

Owners may do anything with their own meetings. Other users' meetings are
reached only by active staff holding the meeting permissions, and by active
superusers, who hold them all; without the right one, a meeting is 404, never 403.
"""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from meetings import services
from meetings.store import get_repository
from tests.conftest import access_token_for

pytestmark = [pytest.mark.django_db, pytest.mark.orm]


@pytest.fixture(autouse=True)
def _store(memory_store):
    return memory_store


@pytest.fixture
def theirs(bob):
    return services.create_meeting(str(bob.pk), {"title": "Bob's"})


def api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token_for(user)}")
    return client


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def rest_answers(user, meeting) -> dict[str, int]:
    """Return the status of each REST action on meeting, changing nothing first."""
    client = api(user)
    url = f"/v1/meetings/{meeting.id}"
    listed = client.get("/v1/meetings").json()["results"]
    return {
        "list": any(m["id"] == str(meeting.id) for m in listed),
        "view": client.get(url).status_code,
        "change": client.patch(url, {"title": "Changed"}, format="json").status_code,
        "delete": client.delete(url).status_code,
    }


# Who may do what, by the meeting permissions they hold.
MATRIX = [
    # is_staff, permissions, listed, view, change, delete
    (True, (), False, 404, 404, 404),
    (True, ("view",), True, 200, 404, 404),
    (True, ("change",), True, 200, 200, 404),
    (True, ("delete",), False, 404, 404, 204),
    (True, ("view", "change", "delete"), True, 200, 200, 204),
    # Permissions reach others' meetings only for staff, as the admin requires.
    (False, ("view", "change", "delete"), False, 404, 404, 404),
]


@pytest.mark.parametrize(
    ("is_staff", "perms", "listed", "view", "change", "delete"), MATRIX
)
def test_rest_reach_follows_the_meeting_permissions(
    make_user, theirs, is_staff, perms, listed, view, change, delete
):
    user = make_user("carol", is_staff=is_staff, perms=perms)
    assert rest_answers(user, theirs) == {
        "list": listed,
        "view": view,
        "change": change,
        "delete": delete,
    }


@pytest.mark.parametrize(
    ("is_staff", "perms", "listed", "view", "change", "delete"), MATRIX
)
def test_pages_reach_follows_the_same_permissions(
    make_user, theirs, is_staff, perms, listed, view, change, delete
):
    client = browser(make_user("carol", is_staff=is_staff, perms=perms))
    url = f"/meetings/{theirs.id}"
    assert (str(theirs.id) in client.get("/").content.decode()) is listed
    assert client.get(url).status_code == view
    edited = client.post(
        f"{url}/edit", {"title": "Changed", "version": str(theirs.version)}
    )
    assert edited.status_code == (302 if change == 200 else 404)
    version = get_repository().get(theirs.id).version
    deleted = client.post(f"{url}/delete", {"version": str(version)})
    assert deleted.status_code == (302 if delete == 204 else 404)


EVERY_RIGHT = {"list": True, "view": 200, "change": 200, "delete": 204}


@pytest.mark.parametrize("is_staff", [True, False])
def test_a_superuser_reaches_every_meeting(django_user_model, theirs, is_staff):
    # Staff or not: a superuser holds every permission, as Django's has_perm says.
    root = django_user_model.objects.create_user(
        "root", password="pw-12345678", is_staff=is_staff, is_superuser=True
    )
    assert rest_answers(root, theirs) == EVERY_RIGHT


def test_owners_keep_every_right_on_their_own_meetings_without_permissions(bob, theirs):
    assert rest_answers(bob, theirs) == EVERY_RIGHT


def test_an_inactive_staff_member_reaches_nothing(make_user, theirs):
    carol = make_user("carol", is_staff=True, perms=("view", "change", "delete"))
    carol.is_active = False
    viewer = services.viewer_for(carol)
    assert viewer.reach == frozenset()


def test_the_list_page_names_owners_only_for_those_who_see_everyone(make_user, theirs):
    plain_staff = browser(make_user("carol", is_staff=True)).get("/").content
    assert b"All meetings" not in plain_staff
    viewer = browser(make_user("dan", is_staff=True, perms=("view",))).get("/")
    assert b"All meetings" in viewer.content
    assert b'<th scope="col">Owner</th>' in viewer.content
