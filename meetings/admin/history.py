"""The admin's history (LogEntry) of meetings, which live outside the ORM.

Entries point at the content type of the permission-only MeetingRecord model,
with the meeting's UUID as object_id, so the admin's "Recent actions" and the
history page treat them as they treat any model's. Change messages use the
admin's JSON form, so they read "Changed Title and Status." in every language.
"""

from __future__ import annotations

import json

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet

from ..domain import Meeting
from ..models import MeetingRecord


def log_addition(user, meeting: Meeting) -> LogEntry:
    """Record that user added meeting through the admin."""
    return _log(user, meeting, ADDITION, [{"added": {}}])


def log_change(user, meeting: Meeting, fields: list[str]) -> LogEntry:
    """Record that user changed fields (their labels) of meeting."""
    return _log(user, meeting, CHANGE, [{"changed": {"fields": fields}}])


def log_deletion(user, meeting: Meeting) -> LogEntry:
    """Record that user deleted meeting."""
    # As the admin logs deletions: the action says it all.
    return _log(user, meeting, DELETION, None)


def entries_for(meeting_id: object) -> QuerySet[LogEntry]:
    """Return the history of one meeting, oldest first."""
    return (
        LogEntry.objects.filter(content_type=_content_type(), object_id=str(meeting_id))
        .select_related("user")
        .order_by("action_time")
    )


def _log(
    user, meeting: Meeting, action_flag: int, message: list[dict] | None
) -> LogEntry:
    return LogEntry.objects.create(
        user_id=user.pk,
        content_type=_content_type(),
        object_id=str(meeting.id),
        object_repr=meeting.title[:200],
        action_flag=action_flag,
        change_message=json.dumps(message) if message else "",
    )


def _content_type() -> ContentType:
    # Cached by ContentTypeManager after the first call.
    return ContentType.objects.get_for_model(MeetingRecord)
