"""The meetings app's dashboard: meetings per status, and the counts view behind it.

As Django's AutocompleteJsonView serves an admin site, these views serve a
MeetingAdmin, which routes to them (options.py) and renders their pages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import View

from .. import services
from ..web.live import now_ms
from .chart import status_chart

if TYPE_CHECKING:
    from .options import MeetingAdmin


def count_open_streams() -> int:
    """Return how many live status streams this process holds."""
    # The stream registry is the events app's; only this page needs it.
    from events.broker import open_stream_count

    return open_stream_count()


class DashboardView(View):
    """Show meetings per status as a bar chart, and this process's open streams."""

    model_admin: MeetingAdmin | None = None
    # What counts this process's streams: a seam, as DRF's throttles take
    # their timer, so a test can pass its own.
    stream_counter = staticmethod(count_open_streams)

    def get(self, request: HttpRequest, app_label: str) -> HttpResponse:
        admin = self.model_admin
        if not admin.has_module_permission(request):
            raise PermissionDenied
        counts = {}
        read_at_ms = now_ms()
        if admin.has_view_permission(request):
            counts = services.status_counts()
        return admin.render(
            request,
            "dashboard.html",
            {
                "title": f"{admin.opts.app_config.verbose_name} administration",
                "subtitle": None,
                "app_list": admin.admin_site.get_app_list(request, app_label),
                "chart": status_chart(counts, admin.status_url),
                "total": sum(counts.values()),
                "read_at_ms": read_at_ms,
                "open_streams": self.stream_counter(),
            },
        )


class CountsView(View):
    """Return the meetings per status, for the pages that keep them live.

    The response is {"counts": {status: number, …}, "total": number,
    "chart": {"title", "description", "bars": [{"status", "label", "count",
    "url", "y", "width", "count_x"}, …], "label_width", "width", "height"}},
    counts in lifecycle order and the chart as the dashboard draws it.
    """

    model_admin: MeetingAdmin | None = None

    def get(self, request: HttpRequest) -> JsonResponse:
        admin = self.model_admin
        if not admin.has_view_permission(request):
            raise PermissionDenied
        counts = services.status_counts()
        return JsonResponse(
            {
                "counts": {str(status): number for status, number in counts.items()},
                "total": sum(counts.values()),
                "chart": status_chart(counts, admin.status_url),
            }
        )
