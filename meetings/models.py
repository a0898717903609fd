"""ORM models of the meetings app: only what the Django admin needs.

Meetings live in DynamoDB (see domain.py and repository.py). The admin still
needs a content type and permissions to authorise its meeting views and to
record their history in LogEntry; this unmanaged model provides both and has no
table.
"""

from django.db import models


class MeetingRecord(models.Model):
    """The permissions of the admin's meeting views; never queried.

    view_meetingrecord opens the changelist and the read-only pages; add_,
    change_ (which includes viewing) and delete_ allow what they say. LogEntry
    rows of meeting changes point at this content type, with the meeting's
    UUID as object_id.
    """

    id = models.UUIDField(primary_key=True)

    class Meta:
        managed = False
        verbose_name = "meeting"
        verbose_name_plural = "meetings"

    def __str__(self) -> str:
        return str(self.id)
