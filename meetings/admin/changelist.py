"""MeetingChangeList: what the meetings changelist shows, as Django's ChangeList.

It reads the request's search, filters and page, asks the services for one page
of meetings and the counts per status (get_results), and names the rows'
owners; the view only renders it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

from .. import services
from ..domain import Meeting, Status
from ..web.paging import PagingTrail
from .forms import ChangeListForm

if TYPE_CHECKING:
    from .options import MeetingAdmin

# Owners the filter sidebar offers; any owner can still be filtered by URL.
MAX_OWNER_CHOICES = 100
FILTERS = ("q", "status", "owner")


class MeetingChangeList:
    """One page of the changelist: its query, rows, filters, counts and links."""

    def __init__(self, request: HttpRequest, model_admin: MeetingAdmin):
        self.request = request
        self.model_admin = model_admin
        self.query = ChangeListForm(request.GET).query()
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
        self.page = services.list_meetings(
            services.viewer_for(self.request.user),
            owner_id=self.query["owner"],
            status=self.query["status"],
            title_contains=self.query["q"],
            limit=self.model_admin.list_per_page,
            cursor=self.query["cursor"],
        )
        self.counts = services.status_counts()
        self.owner_names, self.owner_choices = self._owners(self.page.meetings)

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
            self._filter("owner", self.owner_choices),
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
            "search_hidden": self.search_hidden(),
            "counts": self.count_links(),
            "total": sum(self.counts.values()),
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

    def _owners(
        self, meetings: list[Meeting]
    ) -> tuple[dict[str, str], list[tuple[str, str]]]:
        """Return owners' names by owner id, and the owner filter's choices.

        The filter offers the first users by username and the selected owner.
        """
        offered = services.first_owners(MAX_OWNER_CHOICES)
        selected = self.query["owner"]
        wanted = {m.owner_id for m in meetings} | ({selected} if selected else set())
        names = offered | services.owner_names(wanted - offered.keys())
        choices = list(offered.items())
        if selected and selected not in offered:
            choices.append((selected, names[selected]))
        return names, choices
