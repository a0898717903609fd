"""What users do with meetings, and who may do it.

Every way in (the REST API, the pages, the admin, the live stream and the
management commands) calls these functions and nothing below them: they hold
the visibility rule, optimistic locking and idempotent creation, and they are
the only callers of the store (meetings.store), whichever backend it is.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from .domain import (
    MAX_PAGE_SIZE,
    MAX_SEARCH_LENGTH,
    Access,
    Change,
    CreateQuotaExceeded,
    ListQuery,
    Meeting,
    MeetingNotFound,
    Page,
    PreconditionFailed,
    Status,
    VersionConflict,
    Viewer,
)
from .indexing import listing_page
from .quota import Quota
from .retries import VERSION_RACE
from .signals import meeting_written
from .store import get_repository

logger = logging.getLogger(__name__)

# Meeting ids derived from idempotency keys live in their own UUID namespace.
IDEMPOTENCY_NAMESPACE = uuid.UUID("6f1d3c8e-8a51-4f64-9a57-7d0c0a4c2b11")

# Who is asking

# The permissions that reach other users' meetings, as Django's admin names them
# for the permission-only model meetings.models.MeetingRecord.
REACH_PERMISSIONS = {
    Access.VIEW: "meetings.view_meetingrecord",
    Access.CHANGE: "meetings.change_meetingrecord",
    Access.DELETE: "meetings.delete_meetingrecord",
}


def viewer_for(user) -> Viewer:
    """Return what an authenticated Django user may do with meetings.

    Everyone may do anything with their own meetings. Others' meetings are
    reached only by active staff through the meeting permissions, and by an
    active superuser, who holds every permission as in Django; changing one
    includes seeing it, as in the admin.
    """
    reach: set[Access] = set()
    if user.is_active and (user.is_staff or user.is_superuser):
        reach = {a for a, perm in REACH_PERMISSIONS.items() if user.has_perm(perm)}
        if Access.CHANGE in reach:
            reach.add(Access.VIEW)
    return Viewer(user_id=str(user.pk), reach=frozenset(reach))


# Reading


def get_meeting(
    viewer: Viewer, meeting_id: uuid.UUID, access: Access = Access.VIEW
) -> Meeting:
    """Return the meeting if viewer may do access with it.

    Anyone else is told it does not exist (404, never 403), so ids of other
    users' meetings cannot be probed.
    """
    meeting = get_repository().get(meeting_id)
    if not viewer.may(access, meeting):
        raise MeetingNotFound(meeting_id)
    return meeting


def visible_meetings(
    viewer: Viewer, meeting_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, Meeting]:
    """Return, read consistently, those of meeting_ids that viewer may see.

    A meeting that is missing and one that is not viewer's are both left out,
    as get_meeting tells both apart from nothing.
    """
    return visible_among(viewer, consistent_meetings(meeting_ids))


def visible_among(
    viewer: Viewer, meetings: dict[uuid.UUID, Meeting]
) -> dict[uuid.UUID, Meeting]:
    """Return those of meetings (keyed by id) that viewer may see."""
    return {
        meeting_id: meeting
        for meeting_id, meeting in meetings.items()
        if viewer.may(Access.VIEW, meeting)
    }


def consistent_meetings(meeting_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Meeting]:
    """Return the stored state of meeting_ids, read consistently, for anyone.

    For the live stream's connects, which share one read and then keep what
    each viewer may see with visible_among.
    """
    return get_repository().get_many(meeting_ids, consistent=True)


def latest_meetings(meeting_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Meeting]:
    """Return the stored state of meeting_ids, cheaply and eventually consistent.

    For the live stream's poller, which checks each stream's viewer itself.
    """
    return get_repository().get_many(meeting_ids)


def changes_since(
    since: datetime, marks: Mapping[int, datetime] | None = None
) -> list[Change]:
    """Return each meeting's last change since then (or its shard's mark), for
    the live stream's poller: eventually consistent (events/window.py).
    """
    return get_repository().changed_since(since, marks)


def list_meetings(
    viewer: Viewer,
    *,
    owner_id: str | None = None,
    status: Status | None = None,
    title_contains: str | None = None,
    limit: int = 20,
    cursor: str | None = None,
    sort: str = "newest",
) -> Page:
    """Return a page of the meetings viewer may see, in sort's order
    (indexing.SORTS; newest first by default).

    Viewers who reach everyone's may narrow to one owner; others see their own.
    """
    if not viewer.sees_everyone:
        owner_id = viewer.user_id
    query = ListQuery(
        requester_id=viewer.user_id,
        owner_id=owner_id or None,
        status=status,
        title_contains=(title_contains or "")[:MAX_SEARCH_LENGTH] or None,
        limit=max(1, min(limit, MAX_PAGE_SIZE)),
        cursor=cursor,
    )
    return listing_page(viewer, query, sort)


def status_counts() -> dict[Status, int]:
    """Return how many meetings are in each status, in lifecycle order."""
    return get_repository().status_counts()


# Writing


def create_meeting_as(
    requester_id: str,
    fields: dict[str, Any],
    idempotency_key: str | None = None,
    *,
    owner_id: str | None = None,
) -> Meeting:
    """Create a meeting that a user asked for, within that user's create quota.

    Every way in that users create through (the API, the pages, the admin)
    calls this, so one user looping creates cannot crowd out the others;
    commands and fixtures call create_meeting, which counts nothing. The
    meeting is the requester's, or owner_id's when the admin creates for
    someone.
    """
    quota = Quota.parse("meeting_create", settings.MEETINGS_CREATE_RATE)
    if (wait := quota.take(requester_id)) is not None:
        raise CreateQuotaExceeded(wait)
    return create_meeting(owner_id or requester_id, fields, idempotency_key)


def create_meeting(
    owner_id: str, fields: dict[str, Any], idempotency_key: str | None = None
) -> Meeting:
    """Create a meeting owned by owner_id; retries with the same key create one."""
    fingerprint = _fingerprint(owner_id, fields)
    if idempotency_key:
        meeting_id = meeting_id_for_key(owner_id, idempotency_key)
    else:
        meeting_id = uuid.uuid4()
    meeting = Meeting(id=meeting_id, owner_id=owner_id, **fields)
    return _written(get_repository().add(meeting, fingerprint=fingerprint))


def meeting_id_for_key(owner_id: str, idempotency_key: str) -> uuid.UUID:
    """Return the id a create with this idempotency key gives its meeting."""
    return uuid.uuid5(IDEMPOTENCY_NAMESPACE, f"{owner_id}:{idempotency_key}")


def update_meeting(
    viewer: Viewer,
    meeting_id: uuid.UUID,
    changes: dict[str, Any],
    expected_version: int | None = None,
) -> Meeting:
    """Apply changes to the meeting under optimistic locking.

    With expected_version, a stale version raises PreconditionFailed. Without
    it, a lost race is retried on the fresh meeting, so no write is lost and
    the lifecycle rules are checked against what is really stored.
    """

    def attempt() -> Meeting:
        meeting = get_meeting(viewer, meeting_id, Access.CHANGE)
        _check_expected(meeting, expected_version)
        meeting.apply(changes)
        return get_repository().update(meeting)

    return _written(_with_retries(attempt, expected_version))


def delete_meeting(
    viewer: Viewer, meeting_id: uuid.UUID, expected_version: int | None = None
) -> Meeting:
    """Delete the meeting, at expected_version when one is given; return it."""

    def attempt() -> Meeting:
        meeting = get_meeting(viewer, meeting_id, Access.DELETE)
        _check_expected(meeting, expected_version)
        get_repository().remove(meeting)
        return meeting

    return _written(_with_retries(attempt, expected_version), deleted=True)


# Users, who live in the ORM


def owner_pk(owner_id: str | None) -> Any:
    """Return a meeting's owner_id as a user pk, or None when it cannot be one."""
    if not owner_id:
        return None
    try:
        return get_user_model()._meta.pk.to_python(owner_id)
    except ValidationError:
        return None


def owner_names(owner_ids: Iterable[str]) -> dict[str, str]:
    """Return the name of each owner by owner id, in one query.

    An owner's name is their username; an owner who is gone (or who never was
    a user) is named by the raw id.
    """
    wanted = set(owner_ids)
    pks = {pk for pk in map(owner_pk, wanted) if pk is not None}
    users = get_user_model()._default_manager.filter(pk__in=pks) if pks else []
    found = {str(user.pk): user.get_username() for user in users}
    return {owner_id: found.get(owner_id, owner_id) for owner_id in wanted}


def owner_name(owner_id: str) -> str:
    """Return the owner's name, as owner_names does."""
    return owner_names([owner_id])[owner_id]


# Operations


def check_store() -> None:
    """Raise StoreUnavailable unless the meetings store can be reached."""
    get_repository().ping()


def ensure_store() -> list[str]:
    """Create the store's tables and indexes if missing; return what was created."""
    return get_repository().ensure_schema()


def recount_statuses() -> dict[Status, int]:
    """Count every meeting by status again (maintenance, never a request)."""
    return get_repository().recount_statuses()


def _with_retries[T](attempt: Callable[[], T], expected_version: int | None) -> T:
    """Run attempt, again after a jittered pause each time it loses a version race.

    A client that named the version it expects gets PreconditionFailed at once.
    """
    for number in range(1, VERSION_RACE.attempts + 1):
        try:
            return attempt()
        except PreconditionFailed:
            raise
        except VersionConflict as conflict:
            if expected_version is not None:
                raise PreconditionFailed(expected_version, conflict.current) from None
            if number == VERSION_RACE.attempts:
                raise
            VERSION_RACE.sleep(number)
    raise AssertionError("unreachable")


def _written(meeting: Meeting, *, deleted: bool = False) -> Meeting:
    """Tell this process's listeners that meeting was written; return it.

    A listener that fails is logged (send_robust): the write has committed.
    """
    for receiver, outcome in meeting_written.send_robust(
        sender=None, meeting=meeting, deleted=deleted
    ):
        if isinstance(outcome, Exception):
            logger.error(
                "A listener of meeting_written failed: %r",
                receiver,
                exc_info=outcome,
            )
    return meeting


def _check_expected(meeting: Meeting, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != meeting.version:
        raise PreconditionFailed(expected_version, meeting)


def _fingerprint(owner_id: str, fields: dict[str, Any]) -> str:
    canonical = json.dumps([owner_id, fields], sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()
