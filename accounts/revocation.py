"""Write the revocation feed: who logged out, or whose login or reach changed.

Django's signals tell of every change that can end a stream's right to go on:
a logout (user_logged_out), a new password or a change of is_active,
is_staff or is_superuser (post_save, against the values the user was loaded
with), a deleted user, and a change to a user's groups or permissions or to
a group's permissions, from either side (m2m_changed), or a deleted group.
Each writes one row per user once its transaction commits, so a process that
reads the row and checks the user again sees the change. Changes that send
no signal (QuerySet.update, raw SQL, an expired session) are left to the
streams' slower periodic re-check.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model, user_logged_out
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models.signals import (
    m2m_changed,
    post_delete,
    post_init,
    post_save,
    pre_delete,
)
from django.utils import timezone

from .models import Revocation

# Rows older than this are deleted as new ones are written: a reader that has
# not looked for this long re-checks all its streams anyway (events/broker.py).
RETENTION = timedelta(hours=1)
# The fields of a user whose change may end or narrow their streams.
WATCHED_FIELDS = ("password", "is_active", "is_staff", "is_superuser")
_SNAPSHOT = "_revocation_fields"


@dataclass(frozen=True)
class Revoked:
    """One row of the feed, as a reader sees it."""

    id: int
    user_id: str
    session: str
    at: datetime


def session_digest(session_key: str) -> str:
    """Return how the feed names a session: SHA-256 of its key, in hex."""
    return hashlib.sha256(session_key.encode()).hexdigest()


def revoke(user_ids: Iterable[object], session_key: str | None = None) -> None:
    """Write one row per user once the current transaction commits."""
    ids = sorted({str(user_id) for user_id in user_ids})
    if not ids:
        return
    session = session_digest(session_key) if session_key else ""
    transaction.on_commit(lambda: _write(ids, session), robust=True)


def _write(user_ids: list[str], session: str) -> None:
    now = timezone.now()
    Revocation.objects.filter(at__lt=now - RETENTION).delete()
    Revocation.objects.bulk_create(
        Revocation(user_id=user_id, session=session, at=now) for user_id in user_ids
    )


def written_since(moment: datetime) -> list[Revoked]:
    """Return the rows written at or after moment, oldest first: one query."""
    return [
        Revoked(row_id, user_id, session, at)
        for row_id, user_id, session, at in Revocation.objects.filter(
            at__gte=moment
        ).values_list("id", "user_id", "session", "at")
    ]


def _remember_fields(sender, instance, **kwargs) -> None:
    instance.__dict__[_SNAPSHOT] = _watched(instance)


def _watched(user) -> tuple:
    return tuple(user.__dict__.get(name) for name in WATCHED_FIELDS)


def _user_saved(sender, instance, created: bool, **kwargs) -> None:
    before = instance.__dict__.get(_SNAPSHOT)
    now = _watched(instance)
    instance.__dict__[_SNAPSHOT] = now
    if not created and before != now:
        revoke([instance.pk])


def _user_deleted(sender, instance, **kwargs) -> None:
    revoke([instance.pk])


def _logged_out(sender, request, user, **kwargs) -> None:
    if user is None:
        return
    session = getattr(request, "session", None)
    revoke([user.pk], getattr(session, "session_key", None))


def _members(groups: Iterable[object]) -> list[object]:
    return list(
        get_user_model()
        ._default_manager.filter(groups__in=list(groups))
        .values_list("pk", flat=True)
        .distinct()
    )


def _user_relations_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """A user's groups or permissions changed, seen from the user or the other side."""
    if not reverse:
        if action in ("post_add", "post_remove", "post_clear"):
            revoke([instance.pk])
    elif action in ("post_add", "post_remove"):
        revoke(pk_set or ())
    elif action == "pre_clear":
        revoke(_users_of(instance))


def _users_of(instance) -> list[object]:
    return list(instance.user_set.values_list("pk", flat=True))


def _group_permissions_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """A group's permissions changed: its members' reach did."""
    if not reverse:
        if action in ("post_add", "post_remove", "pre_clear"):
            revoke(_members([instance.pk]))
    elif action in ("post_add", "post_remove"):
        revoke(_members(pk_set or ()))
    elif action == "pre_clear":
        revoke(_members(instance.group_set.values_list("pk", flat=True)))


def _group_deleted(sender, instance, **kwargs) -> None:
    revoke(_members([instance.pk]))


def connect() -> None:
    """Connect the handlers that write the feed (AccountsConfig.ready)."""
    user = get_user_model()
    uid = "accounts.revocation"
    post_init.connect(_remember_fields, sender=user, dispatch_uid=f"{uid}.init")
    post_save.connect(_user_saved, sender=user, dispatch_uid=f"{uid}.save")
    post_delete.connect(_user_deleted, sender=user, dispatch_uid=f"{uid}.delete")
    user_logged_out.connect(_logged_out, dispatch_uid=f"{uid}.logout")
    for relation in (user.groups.through, user.user_permissions.through):
        m2m_changed.connect(
            _user_relations_changed,
            sender=relation,
            dispatch_uid=f"{uid}.{relation._meta.label}",
        )
    m2m_changed.connect(
        _group_permissions_changed,
        sender=Group.permissions.through,
        dispatch_uid=f"{uid}.group_permissions",
    )
    # Deleting a permission takes it from users and groups without a signal;
    # the periodic re-check covers that.
    pre_delete.connect(_group_deleted, sender=Group, dispatch_uid=f"{uid}.group")
