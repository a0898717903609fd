"""What users do with meetings: the rules that span the entity and its store."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from typing import Any, Protocol

from django.conf import settings

from .backoff import sleep_with_jitter
from .domain import (
    Meeting,
    MeetingNotFound,
    Status,
    VersionConflict,
    Viewer,
)
from .repository import ListQuery, Page

# Meeting ids derived from idempotency keys live in their own UUID namespace.
IDEMPOTENCY_NAMESPACE = uuid.UUID("6f1d3c8e-8a51-4f64-9a57-7d0c0a4c2b11")
MAX_PAGE_SIZE = 100
MAX_SEARCH_LENGTH = 100


class Repository(Protocol):
    def add(self, meeting: Meeting, fingerprint: str = "") -> Meeting: ...
    def get(self, meeting_id: uuid.UUID) -> Meeting: ...
    def get_many(
        self, meeting_ids: Any, *, consistent: bool = False
    ) -> dict[uuid.UUID, Meeting]: ...
    def list_for_owner(self, owner_id: str, query: ListQuery) -> Page: ...
    def list_all(self, query: ListQuery) -> Page: ...
    def update(
        self, meeting: Meeting, previous_status: Status | None = None
    ) -> Meeting: ...
    def remove(self, meeting: Meeting) -> None: ...


class PreconditionFailed(VersionConflict):
    """The client's expected version (If-Match) is not the stored one."""

    code = "precondition_failed"


def create_meeting(
    repository: Repository,
    owner_id: str,
    fields: dict[str, Any],
    idempotency_key: str | None = None,
) -> Meeting:
    """Create a meeting owned by owner_id; retries with the same key create one."""
    fingerprint = _fingerprint(owner_id, fields)
    if idempotency_key:
        meeting_id = meeting_id_for_key(owner_id, idempotency_key)
    else:
        meeting_id = uuid.uuid4()
    meeting = Meeting(id=meeting_id, owner_id=owner_id, **fields)
    return repository.add(meeting, fingerprint=fingerprint)


def meeting_id_for_key(owner_id: str, idempotency_key: str) -> uuid.UUID:
    """Return the id a create with this idempotency key gives its meeting."""
    return uuid.uuid5(IDEMPOTENCY_NAMESPACE, f"{owner_id}:{idempotency_key}")


def get_meeting(
    repository: Repository, viewer: Viewer, meeting_id: uuid.UUID
) -> Meeting:
    """Return the meeting if viewer may see it; others are told it does not exist."""
    meeting = repository.get(meeting_id)
    if not meeting.is_visible_to(viewer):
        raise MeetingNotFound(meeting_id)
    return meeting


def list_meetings(
    repository: Repository,
    viewer: Viewer,
    *,
    owner_id: str | None = None,
    status: Status | None = None,
    title_contains: str | None = None,
    limit: int = 20,
    cursor: str | None = None,
) -> Page:
    """Return a page of the meetings viewer may see, newest first.

    Staff see everyone's and may narrow to one owner; others see their own.
    """
    if not viewer.is_staff:
        owner_id = viewer.user_id
    query = ListQuery(
        scope=f"{viewer.user_id}:{owner_id or '*'}",
        status=status,
        title_contains=(title_contains or "")[:MAX_SEARCH_LENGTH] or None,
        limit=max(1, min(limit, MAX_PAGE_SIZE)),
        cursor=cursor,
    )
    if owner_id:
        return repository.list_for_owner(owner_id, query)
    return repository.list_all(query)


def update_meeting(
    repository: Repository,
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
        meeting = get_meeting(repository, viewer, meeting_id)
        _check_expected(meeting, expected_version)
        previous_status = meeting.status
        meeting.apply(changes)
        return repository.update(meeting, previous_status)

    return _with_retries(attempt, expected_version)


def delete_meeting(
    repository: Repository,
    viewer: Viewer,
    meeting_id: uuid.UUID,
    expected_version: int | None = None,
) -> None:
    """Delete the meeting, at expected_version when one is given."""

    def attempt() -> None:
        meeting = get_meeting(repository, viewer, meeting_id)
        _check_expected(meeting, expected_version)
        repository.remove(meeting)

    _with_retries(attempt, expected_version)


def _with_retries[T](attempt: Callable[[], T], expected_version: int | None) -> T:
    """Run attempt, again after a jittered pause each time it loses a version race.

    A client that named the version it expects gets PreconditionFailed at once.
    """
    attempts = settings.MEETINGS_WRITE_ATTEMPTS
    for number in range(1, attempts + 1):
        try:
            return attempt()
        except PreconditionFailed:
            raise
        except VersionConflict as conflict:
            if expected_version is not None:
                raise PreconditionFailed(expected_version, conflict.current) from None
            if number == attempts:
                raise
            sleep_with_jitter(
                number, settings.MEETINGS_RETRY_BASE, settings.MEETINGS_RETRY_MAX
            )
    raise AssertionError("unreachable")


def _check_expected(meeting: Meeting, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != meeting.version:
        raise PreconditionFailed(expected_version, meeting)


def _fingerprint(owner_id: str, fields: dict[str, Any]) -> str:
    canonical = json.dumps([owner_id, fields], sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()
