"""Meetings: the entity, its lifecycle rules and the errors they raise."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

TITLE_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 5_000
STATUS_MESSAGE_MAX_LENGTH = 500
MAX_PARTICIPANTS = 100
MAX_DURATION_MINUTES = 1_440


class Status(enum.StrEnum):
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    UPLOADED = "uploaded"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


ALLOWED_TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.SCHEDULED: frozenset({Status.IN_PROGRESS}),
    Status.IN_PROGRESS: frozenset({Status.UPLOADED}),
    Status.UPLOADED: frozenset({Status.PROCESSING}),
    Status.PROCESSING: frozenset({Status.COMPLETED, Status.FAILED}),
    Status.COMPLETED: frozenset(),
    Status.FAILED: frozenset({Status.PROCESSING}),
}

# Fields a client may change directly; status fields go through transition_to().
EDITABLE_FIELDS = (
    "title",
    "description",
    "scheduled_start",
    "duration_minutes",
    "participants",
)


class MeetingError(Exception):
    """Base class of every error the meetings domain raises."""

    code = "meeting_error"

    def __init__(self, message: str, *, details: Any = None):
        super().__init__(message)
        self.message = message
        self.details = details


class MeetingNotFound(MeetingError):
    code = "not_found"

    def __init__(self, meeting_id: object):
        super().__init__(f"Meeting {meeting_id} does not exist.")


class InvalidTransition(MeetingError):
    code = "invalid_transition"

    def __init__(self, current: Status, requested: Status):
        allowed = sorted(ALLOWED_TRANSITIONS[current])
        super().__init__(
            f"Cannot change status from '{current}' to '{requested}'.",
            details={"from": current, "to": requested, "allowed": allowed},
        )


class InvalidChange(MeetingError):
    """A change that is well-formed but breaks a rule of the meeting."""

    code = "invalid"


class VersionConflict(MeetingError):
    """The stored meeting is not at the version the writer expected."""

    code = "version_conflict"

    def __init__(self, expected: int, current: Meeting | None):
        self.expected = expected
        self.current = current
        actual = current.version if current else None
        super().__init__(
            f"Meeting changed meanwhile: expected version {expected}, found {actual}.",
            details={"expectedVersion": expected, "currentVersion": actual},
        )


class DuplicateMeeting(MeetingError):
    code = "duplicate"

    def __init__(self, meeting_id: object):
        super().__init__(f"Meeting {meeting_id} already exists with other content.")


class StoreUnavailable(MeetingError):
    """DynamoDB could not be reached or refused to serve: try again later."""

    code = "store_unavailable"
    retry_after_seconds = 5


class StoreThrottled(StoreUnavailable):
    code = "store_throttled"
    retry_after_seconds = 2


@dataclass(frozen=True)
class Viewer:
    """Who is asking: enough to decide visibility without touching the database."""

    user_id: str
    is_staff: bool = False


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Meeting:
    owner_id: str
    title: str
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    description: str = ""
    scheduled_start: datetime | None = None
    duration_minutes: int | None = None
    participants: list[str] = field(default_factory=list)
    status: Status = Status.SCHEDULED
    progress: int = 0
    status_message: str = ""
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime | None = None
    version: int = 1

    def __post_init__(self) -> None:
        self.status = Status(self.status)
        if self.updated_at is None:
            self.updated_at = self.created_at

    def is_visible_to(self, viewer: Viewer) -> bool:
        """Return whether viewer may see and change this meeting."""
        return viewer.is_staff or viewer.user_id == self.owner_id

    def can_transition_to(self, status: Status) -> bool:
        return status == self.status or status in ALLOWED_TRANSITIONS[self.status]

    def transition_to(self, status: Status) -> None:
        """Move to status, refusing what the lifecycle does not allow."""
        status = Status(status)
        if status == self.status:
            return
        if status not in ALLOWED_TRANSITIONS[self.status]:
            raise InvalidTransition(self.status, status)
        previous, self.status = self.status, status
        if status == Status.PROCESSING and previous == Status.FAILED:
            self.progress = 0
        elif status == Status.COMPLETED:
            self.progress = 100

    def report_progress(self, progress: int) -> None:
        """Record processing progress, which only means something while processing."""
        if progress == self.progress:
            return
        if self.status != Status.PROCESSING:
            raise InvalidChange(
                f"Progress can only change while the meeting is processing; "
                f"it is '{self.status}'.",
                details={"progress": ["Only allowed while status is 'processing'."]},
            )
        self.progress = progress

    def apply(self, changes: dict[str, Any]) -> None:
        """Apply a validated partial update: fields first, then status, progress."""
        for name in EDITABLE_FIELDS:
            if name in changes:
                setattr(self, name, changes[name])
        if "owner_id" in changes:
            # Only staff tools offer this; the REST API has no such field.
            self.owner_id = str(changes["owner_id"])
        if "status" in changes:
            self.transition_to(changes["status"])
        if "progress" in changes:
            self.report_progress(changes["progress"])
        if "status_message" in changes:
            self.status_message = changes["status_message"]
