"""System checks of the meetings' settings, run by `manage.py check` and migrate."""

from importlib import import_module

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from .quota import Quota
from .search import AUTO, BACKENDS, NONE


@checks.register(checks.Tags.compatibility)
def create_rate_check(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """Refuse a MEETINGS_CREATE_RATE that is not N/s, N/min, N/hour or N/day."""
    try:
        Quota.parse("MEETINGS_CREATE_RATE", settings.MEETINGS_CREATE_RATE)
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="meetings.E001")]
    return []


@checks.register(checks.Tags.compatibility)
def search_index_check(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """Refuse a MEETINGS_SEARCH_INDEX that is not auto, none or a backend module."""
    name = settings.MEETINGS_SEARCH_INDEX
    if name in (AUTO, NONE, ""):
        return []
    try:
        backend = import_module(name)
    except ImportError:
        backend = None
    if not callable(getattr(backend, "index", None)):
        message = (
            f"MEETINGS_SEARCH_INDEX {name!r} is not a search index: use "
            f"{AUTO!r}, {NONE!r} or one of {', '.join(BACKENDS.values())}."
        )
        return [checks.Error(message, id="meetings.E002")]
    return []
