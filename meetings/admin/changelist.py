"""MeetingChangeList: what the meetings changelist shows, as Django's ChangeList.

It reads the request's search, filters and page, asks the services for one page
of meetings and the counts per status, and names the rows' owners; the view
only renders it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.http import HttpRequest

from .. import services
from ..domain import Meeting, Status
from ..web import PagingTrail
from .forms import ChangeListForm

if TYPE_CHECKING:
    from .options import MeetingAdmin

# Owners the filter sidebar offers; any owner can still be filtered by URL.
MAX_OWNER_CHOICES = 100
FILTERS = ("q", "status", "owner")


class MeetingChangeList:
    """One page of the changelist: its query, rows, filters, counts and links.

    Building it raises InvalidCursor for a page link that is no longer valid
    and StoreUnavailable when the store cannot be reached.
    """

    def __init__(self, request: HttpRequest, model_admin: MeetingAdmin):
        self.model_admin = model_admin
        self.query = ChangeListForm(request.GET).query()
        self.trail = PagingTrail.from_request(
            request,
            model_admin.url("changelist"),
            {name: self.query[name] for name in FILTERS},
            self.query["cursor"],
        )
        self.page = services.list_meetings(
            services.viewer_for(request.user),
            owner_id=self.query["owner"],
            status=self.query["status"],
            title_contains=self.query["q"],
            limit=model_admin.list_per_page,
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
            (meeting, self.owner_names.get(meeting.owner_id, meeting.owner_id))
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
            {"status": status, "number": number, "url": self.status_url(status)}
            for status, number in self.counts.items()
        ]

    def status_url(self, status: Status) -> str:
        """Return the first page of the meetings in status, with no other filter."""
        return PagingTrail(self.trail.path, {}, "", []).url(status=status)

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
        """Return usernames by owner id, and the owner filter's choices.

        The filter offers the first users by username and the selected owner.
        """
        user_model = get_user_model()
        users = user_model._default_manager.order_by(user_model.USERNAME_FIELD)
        offered = {str(u.pk): u.get_username() for u in users[:MAX_OWNER_CHOICES]}
        selected = self.query["owner"]
        wanted = {m.owner_id for m in meetings} | ({selected} if selected else set())
        names = offered | services.owner_names(wanted - offered.keys())
        choices = list(offered.items())
        if selected and selected not in offered:
            choices.append((selected, names.get(selected, selected)))
        return names, choices
