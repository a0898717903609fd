"""The admin site lists meetings beside the ORM's models and links their history."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from meetings import services
from meetings.admin import history as admin_history

pytestmark = [pytest.mark.django_db, pytest.mark.orm]
CHANGELIST = "/admin/meetings/meetingrecord/"


@pytest.fixture(autouse=True)
def _store(memory_store):
    return memory_store


def staff_with(make_user, name: str, *actions: str):
    user = make_user(name, is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            codename__in=[f"{action}_meetingrecord" for action in actions]
        )
    )
    return user


def page_for(user, path: str) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == 200
    # The admin's templates spread a tag's content over many lines.
    return re.sub(r">\s+<", "><", response.content.decode())


def test_the_index_lists_meetings_beside_users_and_groups(django_user_model):
    root = django_user_model.objects.create_superuser("root", password="pw-12345678")
    page = page_for(root, "/admin/")
    apps = page.split('id="content-main"')[1]
    assert apps.index("Authentication and Authorization") < apps.index(
        'href="/admin/meetings/"'
    )
    row = apps.split('id="meetings-meetingrecord"')[1].split("</tr>")[0]
    assert f'<a href="{CHANGELIST}">Meetings</a>' in row
    assert f'href="{CHANGELIST}add/" class="addlink"' in row
    assert f'href="{CHANGELIST}" class="changelink"' in row
    assert "Users" in apps and "Groups" in apps


def test_the_sidebar_of_every_admin_page_offers_meetings(django_user_model):
    root = django_user_model.objects.create_superuser("root", password="pw-12345678")
    sidebar = page_for(root, "/admin/auth/user/").split('id="nav-sidebar"')[1]
    assert f'href="{CHANGELIST}"' in sidebar.split("</nav>")[0]


def test_the_index_shows_meetings_only_to_who_may_see_them(make_user):
    viewer = staff_with(make_user, "viewer", "view")
    index = page_for(viewer, "/admin/")
    assert f'href="{CHANGELIST}"' in index and "viewlink" in index
    assert f"{CHANGELIST}add/" not in index
    plain = make_user("plain", is_staff=True)
    assert "/admin/meetings/" not in page_for(plain, "/admin/")


def test_the_app_index_name_reaches_the_dashboard_and_keeps_the_others():
    assert reverse("admin:app_list", kwargs={"app_label": "meetings"}) == (
        "/admin/meetings/"
    )
    assert reverse("admin:app_list", kwargs={"app_label": "auth"}) == "/admin/auth/"


def test_recent_actions_link_to_the_meeting(make_user, alice):
    editor = staff_with(make_user, "editor", "view", "change")
    meeting = services.create_meeting(str(alice.pk), {"title": "Q1"})
    entry = admin_history.log_change(editor, meeting, ["Title"])
    assert entry.get_admin_url() == f"{CHANGELIST}{meeting.id}/change/"
    recent = page_for(editor, "/admin/").split('id="recent-actions-module"')[1]
    assert f'<a href="{CHANGELIST}{meeting.id}/change/">Q1</a>' in recent
    assert "Meeting" in recent


def test_the_permission_only_model_gives_the_meeting_permissions():
    names = set(
        Permission.objects.filter(content_type__app_label="meetings").values_list(
            "codename", "name"
        )
    )
    assert names == {
        (f"{action}_meetingrecord", f"Can {action} meeting")
        for action in ("add", "change", "delete", "view")
    }
