"""Credential guessing: django-axes counts failed log-ins in the database.

Every instance shares the counts, since they are rows of the ORM database.
Failures count per username and per client address, each against its own
limit; once either is reached, axes' backend refuses the attempt before any
password is hashed, until LOGIN_FAILURE_WINDOW_SECONDS pass. docs/security.md
tells the whole story.
"""

from __future__ import annotations

import math

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import QuerySet, Sum
from django.http import HttpResponse
from django.http.response import HttpResponseBase

from shared.errors import error_response

# Axes keeps the username tried in a column this long; a longer one would not
# fit on PostgreSQL.
USERNAME_MAX_LENGTH = AccessAttempt._meta.get_field("username").max_length


class LoginFailures(AxesDatabaseHandler):
    """Axes' database handler, with one limit per username and one per address."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        """Return the failures that count, on the scale of axes' one limit.

        Axes compares one number with AXES_FAILURE_LIMIT; this one reaches it
        exactly when the username's failures reach LOGIN_FAILURES_PER_USERNAME
        or the address's reach LOGIN_FAILURES_PER_ADDRESS, whichever is first.
        """
        recent = AccessAttempt.objects.filter(
            attempt_time__gte=get_cool_off_threshold(request)
        )
        username = get_client_username(request, credentials)
        left = min(
            settings.LOGIN_FAILURES_PER_USERNAME
            - _failures(recent.filter(username=username)),
            settings.LOGIN_FAILURES_PER_ADDRESS
            - _failures(recent.filter(ip_address=request.axes_ip_address)),
        )
        return get_failure_limit(request, credentials) - left


def _failures(attempts: QuerySet) -> int:
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


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
        "Too many failed log-in attempts for this username or from this address. "
        f"Wait {minutes} {unit}, then try again."
    )


def lockout_response(
    request, original_response: HttpResponseBase | None = None, credentials=None
) -> HttpResponseBase:
    """Answer a locked-out log-in with 429: the error JSON, or the login form.

    The forms of accounts.forms already show lockout_message(); axes'
    middleware calls this with the page they rendered.
    """
    headers = {"Retry-After": str(retry_after())}
    if request.path.startswith("/v1/"):
        return error_response(429, "locked_out", lockout_message(), None, headers)
    if isinstance(original_response, HttpResponseBase):
        original_response.status_code = 429
        original_response["Retry-After"] = headers["Retry-After"]
        return original_response
    return HttpResponse(
        lockout_message(), status=429, headers=headers, content_type="text/plain"
    )
