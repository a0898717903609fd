"""Meetings: the entity, its lifecycle and limits, its errors, and the store contract.

This module is plain Python: it imports neither Django nor boto3, so every
layer above it (services, store backends, the ways in) can share it.
"""

from __future__ import annotations

import enum
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

TITLE_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 5_000
STATUS_MESSAGE_MAX_LENGTH = 500
EMAIL_MAX_LENGTH = 254
MAX_PARTICIPANTS = 100
MAX_DURATION_MINUTES = 1_440
PROGRESS_MIN, PROGRESS_MAX = 0, 100
MAX_PAGE_SIZE = 100
MAX_SEARCH_LENGTH = 100
# The longest paging cursor the ways in accept; the store's signed ones are far
# shorter, so a longer one cannot be one.
MAX_CURSOR_LENGTH = 4_096
# An owner id is a user's primary key as a string: 64 holds any a user model
# uses (a BigAutoField's 19 digits, a UUID's 36), with room to spare.
OWNER_ID_MAX_LENGTH = 64

# The text rules of every free text a meeting has (title, description, status
# message), which the API's serializers, the pages' and the admin's forms read
# through meetings/validators.py. C0 and C1 control characters are refused.
# Multi-line text may still hold tabs and newlines; one-line text (a title) may
# not.
_CONTROL = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
# Invisible characters that make text read other than it is (Trojan Source,
# CVE-2021-42574; spoofed titles): the bidirectional controls (LRE, RLE, PDF,
# LRO, RLO; LRI, RLI, FSI, PDI; LRM, RLM, ALM) and the zero-width characters
# (ZWSP, ZWNJ, ZWJ, word joiner, BOM). Escapes, so that the OpenAPI pattern
# shows them too.
_BIDI = r"\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c"
_ZERO_WIDTH = r"\u200b-\u200d\u2060\ufeff"
_INVISIBLE = _BIDI + _ZERO_WIDTH
# The one exception: a zero-width joiner inside an emoji ZWJ sequence (👩‍💻,
# 🏳️‍🌈), where it joins two visible pictographs and hides nothing. An emoji
# here is one of the pictographic blocks, with an optional variation selector
# and skin tone.
_EMOJI = (
    r"[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff]"
    r"\ufe0f?[\U0001f3fb-\U0001f3ff]?"
)
_EMOJI_ZWJ_SEQUENCE = rf"{_EMOJI}(?:\u200d{_EMOJI})+"
ONE_LINE_TEXT = rf"\A(?:{_EMOJI_ZWJ_SEQUENCE}|[^{_CONTROL}{_INVISIBLE}\t\n\r])*\Z"
MULTI_LINE_TEXT = rf"\A(?:{_EMOJI_ZWJ_SEQUENCE}|[^{_CONTROL}{_INVISIBLE}])*\Z"
# The characters a text may hold at all, for the OpenAPI `pattern`: the rule
# above without its one exception's context, so a zero-width joiner passes here
# and text_problem judges where it stands. A single character class, because a
# client's generator (schemathesis, hypothesis) can bound it by maxLength; the
# alternation above it can only filter, and takes minutes to fill 200 characters.
_INVISIBLE_BUT_ZWJ = _BIDI + _ZERO_WIDTH.replace(r"\u200b-\u200d", r"\u200b\u200c")
ONE_LINE_CHARACTERS = rf"^[^{_CONTROL}{_INVISIBLE_BUT_ZWJ}\t\n\r]*$"
MULTI_LINE_CHARACTERS = rf"^[^{_CONTROL}{_INVISIBLE_BUT_ZWJ}]*$"
CONTROL_CHARACTERS_MESSAGE = "Control characters are not allowed."
INVISIBLE_CHARACTERS_MESSAGE = (
    "Bidirectional control and zero-width characters are not allowed "
    "(found {codepoint})."
)


def text_problem(value: str, *, multi_line: bool) -> str | None:
    """Return why value breaks the free-text rules, or None if it keeps them."""
    if re.match(MULTI_LINE_TEXT if multi_line else ONE_LINE_TEXT, value):
        return None
    invisible = re.search(f"[{_INVISIBLE}]", re.sub(_EMOJI_ZWJ_SEQUENCE, "", value))
    if invisible:
        codepoint = f"U+{ord(invisible.group()):04X}"
        return INVISIBLE_CHARACTERS_MESSAGE.format(codepoint=codepoint)
    return CONTROL_CHARACTERS_MESSAGE


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

    @property
    def shows_progress(self) -> bool:
        """Return whether a meeting in this status shows its progress."""
        return self is Status.PROCESSING

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """Return (value, label) pairs, in lifecycle order, for forms and schemas."""
        return [(status.value, status.label) for status in cls]


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


def normalise_participants(addresses: Iterable[str]) -> list[str]:
    """Return addresses without repeats (ignoring case), first spelling kept."""
    unique: dict[str, str] = {}
    for address in addresses:
        unique.setdefault(address.lower(), address)
    return list(unique.values())


# Errors


class MeetingError(Exception):
    """Base class of every error the meetings domain raises."""

    code = "meeting_error"
    # Seconds until trying again may succeed, when this error knows them.
    wait_seconds: int | None = None

    def __init__(self, message: str, *, details: Any = None):
        super().__init__(message)
        self.message = message
        self.details = details


class MeetingNotFound(MeetingError):
    code = "not_found"

    def __init__(self, meeting_id: object):
        super().__init__(f"Meeting {meeting_id} does not exist.")
        self.meeting_id = meeting_id


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


class InvalidMeeting(InvalidChange):
    """A value outside the meeting's limits; details name the fields."""

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


class PreconditionFailed(VersionConflict):
    """The client's expected version (If-Match) is not the stored one."""

    code = "precondition_failed"


class DuplicateMeeting(MeetingError):
    code = "duplicate"

    def __init__(self, meeting_id: object):
        super().__init__(f"Meeting {meeting_id} already exists with other content.")


class InvalidCursor(MeetingError):
    code = "invalid_cursor"

    def __init__(
        self,
        message: str = (
            "The cursor is invalid, was altered, or belongs to another listing."
        ),
    ) -> None:
        super().__init__(
            message, details={"cursor": ["Start again from the first page."]}
        )

    @staticmethod
    def expired(max_age: float) -> str:
        """Return the message of a cursor older than max_age seconds."""
        return f"The cursor has expired: cursors are valid for {max_age:g} s."


class StoreUnavailable(MeetingError):
    """The store could not be reached or refused to serve: try again later."""

    code = "store_unavailable"


class StoreThrottled(StoreUnavailable):
    code = "store_throttled"


class CreateQuotaExceeded(MeetingError):
    """The user created as many meetings as their quota allows for now."""

    code = "quota_exceeded"

    def __init__(self, wait_seconds: int):
        self.wait_seconds = wait_seconds
        super().__init__(
            "You have created too many meetings in a short time; "
            f"try again in {wait_seconds} s.",
            details={"retryAfterSeconds": wait_seconds},
        )


# The entity


class Access(enum.StrEnum):
    """What someone does with a meeting; owners may do all of it with their own."""

    VIEW = "view"
    CHANGE = "change"
    DELETE = "delete"


@dataclass(frozen=True)
class Viewer:
    """Who is asking, and what they may do with other users' meetings (reach).

    Enough to decide access without touching the database; services.viewer_for
    builds it from the user's permissions.
    """

    user_id: str
    reach: frozenset[Access] = frozenset()

    def may(self, access: Access, meeting: Meeting) -> bool:
        """Return whether this viewer may do access with meeting."""
        return self.may_with_owner(access, meeting.owner_id)

    def may_with_owner(self, access: Access, owner_id: str) -> bool:
        """Return whether this viewer may do access with a meeting of owner_id.

        For what names only the owner, such as an entry of the change index.
        """
        return owner_id == self.user_id or access in self.reach

    @property
    def sees_everyone(self) -> bool:
        """Return whether listings show everyone's meetings, not only their own."""
        return Access.VIEW in self.reach

    def covers(self, other: Viewer) -> bool:
        """Return whether this viewer may do at least all that other may."""
        return self.user_id == other.user_id and self.reach >= other.reach


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

    def apply(self, changes: dict[str, Any]) -> None:
        """Apply a validated partial update: fields first, then status, progress."""
        for name in EDITABLE_FIELDS:
            if name in changes:
                setattr(self, name, changes[name])
        if "participants" in changes:
            self.participants = normalise_participants(self.participants)
        if "owner_id" in changes:
            # Only staff tools offer this; the REST API has no such field.
            self.owner_id = str(changes["owner_id"])
        if "status" in changes:
            self.transition_to(changes["status"])
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


# The store's contract


@dataclass(frozen=True)
class Page:
    meetings: list[Meeting]
    next_cursor: str | None


@dataclass(frozen=True)
class ListQuery:
    """What a listing asks for, on whose behalf, and where it resumes.

    A cursor is valid only for the same requester, owner, filters and limit.
    """

    requester_id: str
    owner_id: str | None = None
    status: Status | None = None
    title_contains: str | None = None
    limit: int = 20
    cursor: str | None = None

    def cursor_scope(self) -> str:
        """Return the string a cursor of this listing is bound to."""
        return "|".join(
            [
                f"{self.requester_id}:{self.owner_id or '*'}",
                self.status or "",
                self.title_contains or "",
                str(self.limit),
            ]
        )


@dataclass(frozen=True)
class Change:
    """A meeting's last write as the change index shows it: enough to decide a read.

    deleted marks a tombstone: the meeting was removed at version - 1.
    """

    meeting_id: uuid.UUID
    version: int
    owner_id: str
    deleted: bool
    changed_at: datetime


class Repository(Protocol):
    """Where meetings are kept: every backend in meetings.store provides this."""

    def add(self, meeting: Meeting, fingerprint: str = "") -> Meeting:
        """Store a new meeting; a retry with the same fingerprint returns it."""
        ...

    def get(self, meeting_id: uuid.UUID) -> Meeting:
        """Return the meeting, read consistently, or raise MeetingNotFound."""
        ...

    def get_many(
        self, meeting_ids: Iterable[uuid.UUID], *, consistent: bool = False
    ) -> dict[uuid.UUID, Meeting]:
        """Return the meetings that exist among meeting_ids, keyed by id."""
        ...

    def list(self, query: ListQuery) -> Page:
        """Return one page of meetings, newest first: an owner's, or everyone's."""
        ...

    def update(self, meeting: Meeting) -> Meeting:
        """Store meeting at the next version, or raise VersionConflict."""
        ...

    def remove(self, meeting: Meeting) -> None:
        """Delete meeting if it is still at meeting.version."""
        ...

    def changed_since(self, since: datetime) -> list[Change]:
        """Return the last change of each meeting written at or after since.

        Eventually consistent, and billed by what it returns: meetings not
        written since cost nothing. Deletions come back as deleted changes.
        """
        ...

    def status_counts(self) -> dict[Status, int]:
        """Return how many meetings are in each status."""
        ...

    def recount_statuses(self) -> dict[Status, int]:
        """Count every meeting by status again, store and return the counts."""
        ...

    def ensure_schema(self) -> list[str]:
        """Create what the store needs if missing; return what was created."""
        ...

    def ping(self) -> None:
        """Raise StoreUnavailable unless the store can be reached."""
        ...
