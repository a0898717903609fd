"""Per-user quotas on the API's writes, counted in the cache every instance shares."""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import UserRateThrottle


class MeetingCreateThrottle(UserRateThrottle):
    """Allow each user settings.MEETINGS_CREATE_RATE creates, e.g. "60/min".

    DRF keeps each user's recent creates in Django's default cache, which is
    the database (settings.CACHES), so all instances count them together.
    Beyond the rate DRF answers 429 with Retry-After.
    """

    scope = "meeting_create"

    def get_rate(self) -> str:
        # Read per request, not DRF's DEFAULT_THROTTLE_RATES, which DRF copies
        # onto the class once at import.
        return settings.MEETINGS_CREATE_RATE
