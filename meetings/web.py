"""What the two browser ways in, the pages and the admin, share.

The paging trail of a cursor-paged list, the decorator that turns domain errors
into pages, the words both say when a meeting changed under the user, and the
user's time zone.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.http import HttpRequest, HttpResponse

from config.errors import retry_after

from .domain import MeetingNotFound, StoreUnavailable

# The cookie static/js/time-zone.js sets to the browser's IANA time zone.
TIME_ZONE_COOKIE = "tz"

# How many earlier pages "Newer" can walk back through.
MAX_TRAIL = 20

DELETE_CONFLICT = (
    "The meeting changed since this page was opened; nothing was deleted. "
    "Check it below, then delete it again if you still mean to."
)
INCOMPLETE_DELETE = "The form was incomplete; nothing was deleted."


def list_url(
    path: str,
    filters: Mapping[str, object],
    cursor: str | None = None,
    trail: Iterable[str] = (),
) -> str:
    """Return the URL of a list at path: its filters, a page's cursor, the trail."""
    params = [(name, str(value)) for name, value in filters.items() if value]
    if cursor:
        params.append(("cursor", cursor))
    params += [("back", entry) for entry in list(trail)[-MAX_TRAIL:]]
    return f"{path}?{urlencode(params)}" if params else path


@dataclass(frozen=True)
class PagingTrail:
    """Where a cursor-paged list is: the cursors of the pages before it travel
    in the URL (`back`), so "Newer" needs no memory on the server.
    """

    path: str
    filters: Mapping[str, object]
    cursor: str
    back: list[str]

    @classmethod
    def from_request(
        cls,
        request: HttpRequest,
        path: str,
        filters: Mapping[str, object],
        cursor: str | None,
    ) -> PagingTrail:
        back = request.GET.getlist("back")[-MAX_TRAIL:]
        return cls(path, filters, cursor or "", back)

    def older_url(self, next_cursor: str | None) -> str | None:
        """Return the link to the page after this one, if there is one."""
        if not next_cursor:
            return None
        return list_url(self.path, self.filters, next_cursor, [*self.back, self.cursor])

    def newer_url(self) -> str | None:
        """Return the link to the page before this one, if this is not the first."""
        if not self.back:
            return None
        return list_url(self.path, self.filters, self.back[-1], self.back[:-1])

    def url(self, **filters: object) -> str:
        """Return the first page's URL with some filters changed (None drops one)."""
        return list_url(self.path, {**self.filters, **filters})


def domain_errors(
    *,
    missing: Callable[..., HttpResponse],
    unavailable: Callable[..., HttpResponse],
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Return a view decorator answering a missing meeting and an unreachable store.

    Each handler gets the view's positional arguments (the request, or the
    admin and the request) and the error. A 503 also says when to retry.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> HttpResponse:
            try:
                return view(*args, **kwargs)
            except MeetingNotFound as error:
                return missing(*args, error)
            except StoreUnavailable as error:
                response = unavailable(*args, error)
                response["Retry-After"] = str(retry_after(error))
                return response

        return wrapper

    return decorator


def user_time_zone(request: HttpRequest) -> ZoneInfo | None:
    """Return the browser's time zone from its cookie, or None when unknown."""
    name = request.COOKIES.get(TIME_ZONE_COOKIE, "")
    if not name or len(name) > 64:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
