"""How the meetings' errors answer over HTTP: status, Retry-After and ETag."""

from __future__ import annotations

from django.http import JsonResponse

from shared.errors import error_response

from .domain import (
    CreateQuotaExceeded,
    DuplicateMeeting,
    InvalidChange,
    InvalidCursor,
    InvalidMeeting,
    InvalidTransition,
    Meeting,
    MeetingError,
    MeetingNotFound,
    PreconditionFailed,
    StoreThrottled,
    StoreUnavailable,
    VersionConflict,
)

# The HTTP status of each domain error; a subclass not listed takes its
# nearest listed base's, so the order of this table does not matter.
DOMAIN_STATUS: dict[type[MeetingError], int] = {
    MeetingNotFound: 404,
    InvalidMeeting: 400,
    InvalidCursor: 400,
    VersionConflict: 409,
    PreconditionFailed: 412,
    InvalidTransition: 409,
    InvalidChange: 409,
    DuplicateMeeting: 409,
    StoreUnavailable: 503,
    CreateQuotaExceeded: 429,
}
# Seconds a client should wait before retrying, by the same rule.
RETRY_AFTER: dict[type[MeetingError], int] = {
    StoreUnavailable: 5,
    StoreThrottled: 2,
}


def _nearest[T](table: dict[type[MeetingError], T], error: MeetingError) -> T | None:
    for kind in type(error).__mro__:
        if kind in table:
            return table[kind]
    return None


def status_for(
    error: MeetingError, table: dict[type[MeetingError], int] = DOMAIN_STATUS
) -> int | None:
    """Return the HTTP status of a domain error in table, or None for one unmapped."""
    return _nearest(table, error)


def retry_after(error: MeetingError) -> int | None:
    """Return the Retry-After seconds an error's answer carries, if any: its
    own wait when it knows one, else its kind's.
    """
    if error.wait_seconds is not None:
        return error.wait_seconds
    return _nearest(RETRY_AFTER, error)


def etag_for(meeting: Meeting) -> str:
    """Return a meeting's ETag: its version, quoted (If-Match sends it back)."""
    return f'"{meeting.version}"'


def domain_error_response(error: MeetingError) -> JsonResponse:
    """Map a domain error to its HTTP answer."""
    headers = {}
    if (seconds := retry_after(error)) is not None:
        headers["Retry-After"] = str(seconds)
    if isinstance(error, VersionConflict) and error.current is not None:
        headers["ETag"] = etag_for(error.current)
    return error_response(
        status_for(error) or 500,
        error.code,
        error.message,
        error.details,
        headers,
    )
