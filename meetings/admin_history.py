"""The admin's history (LogEntry) of meetings, which live outside the ORM."""

from __future__ import annotations

import json

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.contenttypes.models import ContentType

from .domain import Meeting
from .models import MeetingRecord

__all__ = ["ADDITION", "CHANGE", "DELETION", "entries_for", "record"]


def _content_type() -> ContentType:
    return ContentType.objects.get_for_model(MeetingRecord, for_concrete_model=False)


def record(user, meeting: Meeting, action_flag: int, changed: list[str] | None = None,
           message: str = "") -> LogEntry:  # fmt: skip
    """Write one history entry for a change made through the admin.

    The message uses the admin's JSON form, so the history page renders it in
    the usual words ("Changed Title and Status.").
    """
    if message:
        change_message = message
    elif action_flag == ADDITION:
        change_message = json.dumps([{"added": {}}])
    elif action_flag == CHANGE:
        change_message = json.dumps([{"changed": {"fields": changed or []}}])
    else:
        change_message = ""
    return LogEntry.objects.create(
        user_id=user.pk,
        content_type=_content_type(),
        object_id=str(meeting.id),
        object_repr=meeting.title[:200],
        action_flag=action_flag,
        change_message=change_message,
    )


def entries_for(meeting_id) -> list[LogEntry]:
    return list(
        LogEntry.objects.filter(content_type=_content_type(), object_id=str(meeting_id))
        .select_related("user")
        .order_by("action_time")
    )
