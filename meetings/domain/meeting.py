"""The meeting entity: its fields, their limits and the rules of changing them."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .errors import InvalidChange, InvalidMeeting, InvalidTransition
from .lifecycle import ALLOWED_TRANSITIONS, Status, StatusChange, bounded_history
from .text import text_problem

TITLE_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 5_000
STATUS_MESSAGE_MAX_LENGTH = 500
EMAIL_MAX_LENGTH = 254
MAX_PARTICIPANTS = 100
MAX_DURATION_MINUTES = 1_440
PROGRESS_MIN, PROGRESS_MAX = 0, 100
# An owner id is a user's primary key as a string: 64 holds any a user model
# uses (a BigAutoField's 19 digits, a UUID's 36), with room to spare.
OWNER_ID_MAX_LENGTH = 64

# Fields a client may change directly; status fields go through transition_to().
EDITABLE_FIELDS = (
    "title",
    "description",
    "scheduled_start",
    "duration_minutes",
    "participants",
)


def normalise_participants(addresses: Iterable[str]) -> list[str]:
    """Return addresses without repeats (ignoring case), first spelling kept."""
    unique: dict[str, str] = {}
    for address in addresses:
        unique.setdefault(address.lower(), address)
    return list(unique.values())


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
    # When it entered each status, oldest first (lifecycle.MAX_STATUS_HISTORY
    # at most); None for a new meeting, which enters its status when created.
    # A meeting stored before the history existed has [].
    status_history: list[StatusChange] | None = None
    # The status this meeting was created or read with, so that a store can
    # tell a transition from the entity alone (and keep per-status counts).
    stored_status: Status | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.status = Status(self.status)
        self.participants = normalise_participants(self.participants)
        if self.stored_status is None:
            self.stored_status = self.status
        if self.updated_at is None:
            self.updated_at = self.created_at
        if self.status_history is None:
            self.status_history = [StatusChange(self.status, self.created_at)]
        self.status_history = bounded_history(self.status_history)
        self.check_limits()

    def check_limits(self) -> None:
        """Raise InvalidMeeting naming every field outside the meeting's limits."""
        errors = {
            name: [problem]
            for name, problem in _limit_problems(self).items()
            if problem is not None
        }
        if errors:
            raise InvalidMeeting(
                "The meeting is not valid; see details.", details=errors
            )

    @property
    def status_changed_at(self) -> datetime | None:
        """Return when the meeting entered its status, or None if not recorded."""
        last = self.status_history[-1] if self.status_history else None
        return last.at if last and last.status == self.status else None

    def can_transition_to(self, status: Status) -> bool:
        return status == self.status or status in ALLOWED_TRANSITIONS[self.status]

    def transition_to(self, status: Status, at: datetime | None = None) -> None:
        """Move to status at time at (now), refusing what the lifecycle does not allow.

        A move is recorded in the status history; staying in a status is not.
        """
        status = Status(status)
        if status == self.status:
            return
        if status not in ALLOWED_TRANSITIONS[self.status]:
            raise InvalidTransition(self.status, status)
        previous, self.status = self.status, status
        self.status_history = bounded_history(
            [*self.status_history, (status, at or utcnow())]
        )
        if status == Status.PROCESSING and previous == Status.FAILED:
            self.progress = 0
        elif status == Status.COMPLETED:
            self.progress = PROGRESS_MAX

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

    def changes_from(self, values: dict[str, Any]) -> dict[str, Any]:
        """Return the entries of values that differ from this meeting's attributes."""
        return {
            name: value
            for name, value in values.items()
            if value != getattr(self, name)
        }

    def apply(self, changes: dict[str, Any], at: datetime | None = None) -> None:
        """Apply a validated partial update: fields first, then status, progress.

        A status change is recorded as made at time at (now).
        """
        for name in EDITABLE_FIELDS:
            if name in changes:
                setattr(self, name, changes[name])
        if "participants" in changes:
            self.participants = normalise_participants(self.participants)
        if "owner_id" in changes:
            # Only staff tools offer this; the REST API has no such field.
            self.owner_id = str(changes["owner_id"])
        if "status" in changes:
            self.transition_to(changes["status"], at)
        if "progress" in changes:
            self.report_progress(changes["progress"])
        if "status_message" in changes:
            self.status_message = changes["status_message"]
        self.check_limits()


def _limit_problems(meeting: Meeting) -> dict[str, str | None]:
    duration = meeting.duration_minutes
    return {
        "title": _text_problem(meeting.title, TITLE_MAX_LENGTH, multi_line=False),
        "description": _text_problem(
            meeting.description, DESCRIPTION_MAX_LENGTH, multi_line=True
        ),
        "status_message": _text_problem(
            meeting.status_message, STATUS_MESSAGE_MAX_LENGTH, multi_line=True
        ),
        "duration_minutes": None
        if duration is None or 1 <= duration <= MAX_DURATION_MINUTES
        else f"Between 1 and {MAX_DURATION_MINUTES} minutes.",
        "participants": _participants_problem(meeting.participants),
        "progress": None
        if PROGRESS_MIN <= meeting.progress <= PROGRESS_MAX
        else f"Between {PROGRESS_MIN} and {PROGRESS_MAX}.",
    }


def _participants_problem(addresses: list[str]) -> str | None:
    if len(addresses) > MAX_PARTICIPANTS or any(
        len(address) > EMAIL_MAX_LENGTH for address in addresses
    ):
        return f"At most {MAX_PARTICIPANTS} addresses of {EMAIL_MAX_LENGTH} characters."
    # An e-mail domain may be internationalised, so its validators let these by.
    for address in addresses:
        if problem := text_problem(address, multi_line=False):
            return problem
    return None


def _text_problem(value: str, max_length: int, *, multi_line: bool) -> str | None:
    if len(value) > max_length:
        return f"At most {max_length} characters."
    return text_problem(value, multi_line=multi_line)
