"""System checks of the meetings' settings, run by `manage.py check` and migrate."""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from .quota import Quota


@checks.register(checks.Tags.compatibility)
def create_rate_check(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """Refuse a MEETINGS_CREATE_RATE that is not N/s, N/min, N/hour or N/day."""
    try:
        Quota.parse("MEETINGS_CREATE_RATE", settings.MEETINGS_CREATE_RATE)
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="meetings.E001")]
    return []
