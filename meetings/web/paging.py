"""Cursor-paged lists: their URLs, the trail back to newer pages, a fresh start."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

# How many earlier pages "Newer" can walk back through.
MAX_TRAIL = 20
STALE_PAGE_LINK = "That page link is no longer valid; back to the first page."


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


def restart_paging(request: HttpRequest, trail: PagingTrail) -> HttpResponse:
    """Say a page link is no longer valid and go to the first page, filters kept."""
    messages.warning(request, STALE_PAGE_LINK)
    return HttpResponseRedirect(trail.url())
