"""MeetingChangeList: what the meetings changelist shows, as Django's ChangeList.

It reads the request's search, filters and page, asks the services for one page
of meetings and the counts per status (get_results), and names the rows'
owners; the view only renders it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

from .. import indexing, services
from ..domain import Meeting, Status
from ..web.paging import PagingTrail
from . import owners
from .forms import ChangeListForm, OwnerFilterForm
from .widgets import TypedUsername

if TYPE_CHECKING:
    from .options import MeetingAdmin

FILTERS = ("q", "status", "owner")


class MeetingChangeList:
    """One page of the changelist: its query, rows, filters, counts and links."""

    def __init__(self, request: HttpRequest, model_admin: MeetingAdmin):
        self.request = request
        self.model_admin = model_admin
        form = ChangeListForm(request.GET)
        self.query = form.query()
        # A username typed into the owner filter that nobody has (owner_filter).
        self.owner_search = form.owner_search
        self.trail = PagingTrail.from_request(
            request,
            model_admin.url("changelist"),
            {name: self.query[name] for name in FILTERS},
            self.query["cursor"],
        )

    def get_results(self) -> None:
        """Read the page, the counts and the owners' names, as ChangeList does.

        Raise InvalidCursor for a page link that is no longer valid and
        StoreUnavailable when the store cannot be reached.
        """
        viewer = services.viewer_for(self.request.user)
        self.page = services.list_meetings(
            viewer,
            owner_id=self.query["owner"],
            status=self.query["status"],
            title_contains=self.query["q"],
            limit=self.model_admin.list_per_page,
            cursor=self.query["cursor"],
        )
        self.counts = services.status_counts()
        # The counts above are of every meeting; a search's own come from the
        # search index (None without one).
        self.search_counts = (
            indexing.search_status_counts(viewer, self.query["q"], self.query["owner"])
            if self.query["q"]
            else None
        )
        self.owner_names = self._owners(self.page.meetings)

    @property
    def filtered(self) -> bool:
        return any(self.query[name] for name in FILTERS)

    def rows(self) -> list[tuple[Meeting, str]]:
        """Return each meeting of the page with its owner's name."""
        return [
            (meeting, self.owner_names[meeting.owner_id])
            for meeting in self.page.meetings
        ]

    def filters(self) -> list[dict]:
        """Return the sidebar's filters, as admin/filter.html renders them."""
        return [
            self._filter("status", Status.choices()),
        ]

    def search_hidden(self) -> list[tuple[str, str]]:
        """Return the filters the search form must carry along."""
        return [
            (name, self.query[name]) for name in ("status", "owner") if self.query[name]
        ]

    def count_links(self) -> list[dict]:
        """Return each status with its count and a link to the meetings in it."""
        return [
            {
                "status": status,
                "number": number,
                "url": self.model_admin.status_url(status),
            }
            for status, number in self.counts.items()
        ]

    def context(self) -> dict:
        """Return what admin/meetings/change_list.html renders."""
        return {
            "rows": self.rows(),
            "query": self.query,
            "filtered": self.filtered,
            "clear_filters_url": self.trail.path,
            "filters": self.filters(),
            "owner_filter": self.owner_filter(),
            "search_hidden": self.search_hidden(),
            "counts": self.count_links(),
            "total": sum(self.counts.values()),
            # The search's matches by status, from the search index (the
            # counts above are of all meetings, and stay live).
            "search_counts": self.search_counts,
            "search_total": sum((self.search_counts or {}).values()),
            "next_url": self.trail.older_url(self.page.next_cursor),
            "previous_url": self.trail.newer_url(),
        }

    def _filter(self, name: str, choices: list[tuple[str, str]]) -> dict:
        current = self.query[name]
        return {
            "title": name,
            "choices": [
                {
                    "display": "All",
                    "selected": not current,
                    "query_string": self.trail.url(**{name: None}),
                },
                *(
                    {
                        "display": label,
                        "selected": current == value,
                        "query_string": self.trail.url(**{name: value}),
                    }
                    for value, label in choices
                ),
            ],
        }

    def owner_filter(self) -> dict:
        """Return the owner filter: the chosen owner, a search box for another
        (an autocomplete, or a username without JavaScript) and, for a
        username nobody has, the first users the search finds."""
        selected = self.query["owner"]
        matches, more = [], False
        may_search = owners.may_search(self.request, self.model_admin)
        if self.owner_search and may_search:
            found = owners.search(self.request, self.model_admin, self.owner_search)
            users, more = owners.page_of(found, 1)
            matches = [
                (user.get_username(), self.trail.url(owner=str(user.pk)))
                for user in users
            ]
        typed = self.owner_search and TypedUsername(self.owner_search)
        return {
            "all_url": self.trail.url(owner=None),
            "selected": selected and self.owner_names[selected],
            "selected_url": selected and self.trail.url(owner=selected),
            "form": OwnerFilterForm(
                initial={"owner": typed or selected},
                search_url=self.model_admin.owner_search_url(self.request),
            ),
            "hidden": [
                (name, self.query[name]) for name in ("q", "status") if self.query[name]
            ],
            "search": self.owner_search,
            "matches": matches,
            "more": more,
        }

    def _owners(self, meetings: list[Meeting]) -> dict[str, str]:
        """Return the names of the page's owners and the chosen one, by owner id."""
        selected = self.query["owner"]
        wanted = {m.owner_id for m in meetings} | ({selected} if selected else set())
        return services.owner_names(wanted)
