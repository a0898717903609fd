"""ORM models of the meetings app: what the admin needs, and the quotas.

Meetings live in DynamoDB (see domain.py and repository.py). The admin still
needs a content type and permissions to authorise its meeting views and to
record their history in LogEntry; the unmanaged MeetingRecord provides both and
has no table. QuotaWindow counts the per-user create quotas in the database
that every instance shares.
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


class QuotaWindow(models.Model):
    """How many times a holder used a quota in one fixed window (meetings/quota.py).

    One row per quota, window start and holder, which the unique constraint
    guarantees and whose index also serves the sweep of old windows
    (quota, window < …). A use is one conditional UPDATE of n.
    """

    quota = models.CharField(max_length=50)
    # The window's start, in whole seconds since the epoch (a multiple of the
    # quota's period).
    window = models.BigIntegerField()
    holder = models.CharField(max_length=64)
    n = models.PositiveIntegerField(default=0)

    class Meta:
        # A counter, not something staff manage: no add/change/delete/view.
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(
                fields=["quota", "window", "holder"], name="quota_window_holder"
            )
        ]

    def __str__(self) -> str:
        return f"{self.quota} {self.holder} @{self.window}: {self.n}"
