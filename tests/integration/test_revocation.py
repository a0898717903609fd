"""Every change that can end a stream's right to go on writes the revocation feed."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.utils import timezone

from accounts.models import Revocation
from accounts.revocation import RETENTION, session_digest, written_since

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.orm]


def rows() -> list[tuple[str, str]]:
    return [(r.user_id, r.session) for r in Revocation.objects.all()]


def view_permission():
    return Permission.objects.get(codename="view_meetingrecord")


@pytest.fixture
def sam(make_user):
    return make_user("sam", is_staff=True, perms=("view",))


CHANGES = {
    "demotion": lambda u: (setattr(u, "is_staff", False), u.save()),
    "deactivation": lambda u: (setattr(u, "is_active", False), u.save()),
    "made superuser": lambda u: (setattr(u, "is_superuser", True), u.save()),
    "password change": lambda u: (u.set_password("another-pw-42"), u.save()),
    "deletion": lambda u: u.delete(),
    "permission removed": lambda u: u.user_permissions.remove(view_permission()),
    "permissions cleared": lambda u: u.user_permissions.clear(),
    "permission granted": lambda u: u.user_permissions.add(
        Permission.objects.get(codename="change_meetingrecord")
    ),
    "removed from the permission's side": lambda u: view_permission().user_set.remove(
        u
    ),
    "permission's users cleared": lambda u: view_permission().user_set.clear(),
}


@pytest.mark.parametrize("change", list(CHANGES.values()), ids=list(CHANGES))
def test_each_change_of_login_or_reach_writes_one_row(sam, change):
    Revocation.objects.all().delete()
    pk = sam.pk
    change(sam)
    assert rows() == [(str(pk), "")]


def test_a_save_that_changes_nothing_that_matters_writes_nothing(sam):
    Revocation.objects.all().delete()
    sam.first_name = "Sam"
    sam.save()
    sam.last_login = timezone.now()
    sam.save(update_fields=["last_login"])  # as every log-in does
    assert rows() == []


def test_group_changes_revoke_every_member(make_user, sam):
    ana = make_user("ana", is_staff=True)
    viewers = Group.objects.create(name="viewers")
    viewers.user_set.add(sam, ana)
    Revocation.objects.all().delete()
    viewers.permissions.add(view_permission())
    viewers.permissions.remove(view_permission())
    viewers.permissions.add(view_permission())
    view_permission().group_set.clear()
    viewers.user_set.remove(ana)
    viewers.delete()
    members = sorted([str(sam.pk), str(ana.pk)])
    per_change = [
        sorted(r.user_id for r in Revocation.objects.filter(at=at))
        for at in Revocation.objects.values_list("at", flat=True).distinct()
    ]
    assert per_change == [members] * 4 + [[str(ana.pk)], [str(sam.pk)]]


def test_a_logout_names_its_session(alice):
    browser = Client()
    browser.force_login(alice)
    key = browser.session.session_key
    Revocation.objects.all().delete()
    browser.post("/accounts/logout/")
    assert rows() == [(str(alice.pk), session_digest(key))]


def test_a_change_rolled_back_writes_nothing(sam):
    from django.db import transaction

    Revocation.objects.all().delete()
    with pytest.raises(RuntimeError), transaction.atomic():
        sam.is_staff = False
        sam.save()
        raise RuntimeError
    assert rows() == []


def test_rows_expire_as_new_ones_are_written_and_are_read_since_a_time(sam, alice):
    old = Revocation.objects.create(
        user_id="old", at=timezone.now() - RETENTION - timedelta(seconds=1)
    )
    before = timezone.now()
    sam.is_staff = False
    sam.save()
    assert not Revocation.objects.filter(pk=old.pk).exists()
    assert [r.user_id for r in written_since(before)] == [str(sam.pk)]
    assert written_since(timezone.now() + timedelta(seconds=1)) == []
