"""The meeting statuses, from the domain, for the pages' scripts."""

from django import template
from django.utils.html import json_script
from django.utils.safestring import SafeString

from meetings.domain import Status

register = template.Library()


@register.simple_tag
def meeting_statuses() -> SafeString:
    """Return Status as JSON in a <script id="meeting-statuses"> data block.

    The live scripts (static/js/live/statuses.js) read the labels and which
    statuses show progress from it, so the browser keeps no copy of them.
    """
    statuses = [
        {
            "value": status.value,
            "label": status.label,
            "showsProgress": status.shows_progress,
        }
        for status in Status
    ]
    return json_script(statuses, "meeting-statuses")
