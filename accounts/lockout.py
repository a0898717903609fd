"""Credential guessing: django-axes counts failed log-ins in the database.

Every instance shares the counts, since they are rows of the ORM database.
Three limits hold, each on the failures of the last LOGIN_FAILURE_WINDOW_SECONDS:

- one address guessing one username is locked out of that username once it
  has failed LOGIN_FAILURES_PER_USERNAME times, and no other address is;
- one address guessing many usernames is locked out of all of them once it
  has failed LOGIN_FAILURES_PER_ADDRESS times;
- a username guessed at from many addresses, once it has failed
  LOGIN_USERNAME_SLOWDOWN_FAILURES times in all, is slowed down: an address
  that has failed for it waits LOGIN_USERNAME_SLOWDOWN_SECONDS after the
  username's last failure, while an address that has not (its owner, say)
  is checked at once.

Axes' backend refuses a locked or slowed attempt before any password is
hashed, and does not count it. docs/security.md weighs the choices.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Max, QuerySet, Sum
from django.http import HttpResponse
from django.http.response import HttpResponseBase

from shared.errors import error_response

# Axes keeps the username tried in a column this long; a longer one would not
# fit on PostgreSQL.
USERNAME_MAX_LENGTH = AccessAttempt._meta.get_field("username").max_length
# Where LoginFailures.is_locked leaves the seconds a slowed attempt must wait.
DELAY_ATTRIBUTE = "login_delay_seconds"


class LoginFailures(AxesDatabaseHandler):
    """Axes' database handler, with the three limits of this module."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        """Return the failures that count, on the scale of axes' one limit.

        Axes compares one number with AXES_FAILURE_LIMIT; this one reaches it
        exactly when this address's failures for this username reach
        LOGIN_FAILURES_PER_USERNAME, or its failures for any username reach
        LOGIN_FAILURES_PER_ADDRESS, whichever is first.
        """
        from_here = _recent(request).filter(ip_address=request.axes_ip_address)
        username = get_client_username(request, credentials)
        left = min(
            settings.LOGIN_FAILURES_PER_USERNAME
            - _failures(from_here.filter(username=username)),
            settings.LOGIN_FAILURES_PER_ADDRESS - _failures(from_here),
        )
        return get_failure_limit(request, credentials) - left

    def is_locked(self, request, credentials: dict | None = None) -> bool:
        """Return whether to refuse this attempt unchecked: locked, or slowed.

        Axes asks this before the password is checked, and only then; the
        slowdown is left out of get_failures, which axes also asks after a
        failure, so that a wrong password checked is a 401, not a 429.
        """
        if super().is_locked(request, credentials):
            return True
        delay = username_delay(request, get_client_username(request, credentials))
        if delay:
            setattr(request, DELAY_ATTRIBUTE, delay)
        return delay > 0


def _recent(request) -> QuerySet:
    return AccessAttempt.objects.filter(
        attempt_time__gte=get_cool_off_threshold(request)
    )


def _failures(attempts: QuerySet) -> int:
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


def username_delay(request, username: str | None) -> int:
    """Return the seconds this address must wait to guess at username again.

    Zero unless the username has failed LOGIN_USERNAME_SLOWDOWN_FAILURES times
    from all addresses together, and this address is one of them.
    """
    for_username = _recent(request).filter(username=username)
    seen = for_username.aggregate(
        failures=Sum("failures_since_start"), last=Max("attempt_time")
    )
    if (seen["failures"] or 0) < settings.LOGIN_USERNAME_SLOWDOWN_FAILURES:
        return 0
    if not for_username.filter(ip_address=request.axes_ip_address).exists():
        return 0
    now: datetime = request.axes_attempt_time
    until = seen["last"] + timedelta(seconds=settings.LOGIN_USERNAME_SLOWDOWN_SECONDS)
    return max(0, math.ceil((until - now).total_seconds()))


def attempted_username(request, credentials: dict | None) -> str | None:
    """Return the username a log-in tried, cut to the length axes stores."""
    field = get_user_model().USERNAME_FIELD
    source = credentials if credentials else getattr(request, "data", request.POST)
    username = source.get(field)
    return None if username is None else str(username)[:USERNAME_MAX_LENGTH]


def is_locked_out(request) -> bool:
    """Return whether axes refused, or has just locked out, this log-in."""
    return bool(getattr(request, "axes_locked_out", False))


def retry_after() -> int:
    """Return the seconds after which a locked-out log-in is allowed again.

    The window is an upper bound: the lock ends once the failures that set it
    are that old, and no attempt during the lock is counted.
    """
    return math.ceil(get_cool_off().total_seconds())


def lockout_message() -> str:
    """Return what a locked-out user reads."""
    minutes = math.ceil(retry_after() / 60)
    unit = "minute" if minutes == 1 else "minutes"
    return (
        "Too many failed log-in attempts from this address. "
        f"Wait {minutes} {unit}, then try again."
    )


def delay_message(seconds: int) -> str:
    """Return what a user slowed down by the username's limit reads."""
    unit = "second" if seconds == 1 else "seconds"
    return (
        "Too many failed log-in attempts for this username lately. "
        f"Wait {seconds} {unit}, then try again."
    )


@dataclass(frozen=True)
class Refusal:
    """Why a log-in was refused unchecked, in the terms of the error shape."""

    code: str
    message: str
    retry_after: int
    details: dict[str, Any] | None


def refusal(request) -> Refusal:
    """Return why axes refused this log-in: a lockout, or the slowdown."""
    delay = getattr(request, DELAY_ATTRIBUTE, 0)
    if delay:
        return Refusal(
            "login_delayed", delay_message(delay), delay, {"retryAfterSeconds": delay}
        )
    return Refusal("locked_out", lockout_message(), retry_after(), None)


def lockout_response(
    request, original_response: HttpResponseBase | None = None, credentials=None
) -> HttpResponseBase:
    """Answer a refused log-in with 429: the error JSON, or the login form.

    The forms of accounts.forms already show the refusal's message; axes'
    middleware calls this with the page they rendered.
    """
    why = refusal(request)
    headers = {"Retry-After": str(why.retry_after)}
    if request.path.startswith("/v1/"):
        return error_response(429, why.code, why.message, why.details, headers)
    if isinstance(original_response, HttpResponseBase):
        original_response.status_code = 429
        original_response["Retry-After"] = headers["Retry-After"]
        return original_response
    return HttpResponse(
        why.message, status=429, headers=headers, content_type="text/plain"
    )
