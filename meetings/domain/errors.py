"""The errors the meetings domain raises, each with the code clients see.

The ways in map them to responses (meetings/http.py for the API, web/errors.py
for the pages and the admin); the store raises them in place of boto3's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .lifecycle import ALLOWED_TRANSITIONS, Status

if TYPE_CHECKING:
    from .meeting import Meeting


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
