"""The user's time zone, as the browser reports it."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.http import HttpRequest

# The cookie static/js/time-zone.js sets to the browser's IANA time zone.
TIME_ZONE_COOKIE = "tz"


def user_time_zone(request: HttpRequest) -> ZoneInfo | None:
    """Return the browser's time zone from its cookie, or None when unknown."""
    name = request.COOKIES.get(TIME_ZONE_COOKIE, "")
    if not name or len(name) > 64:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
