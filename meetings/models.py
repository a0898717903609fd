"""ORM models of the meetings app: what the admin needs, the quotas, the search index.

Meetings live in DynamoDB (see domain.py and repository.py). The admin still
needs a content type and permissions to authorise its meeting views and to
record their history in LogEntry; the unmanaged MeetingRecord provides both and
has no table. QuotaWindow counts the per-user create quotas in the database
that every instance shares. SearchEntry is the search index derived from the
meetings (meetings/search/), and SearchLease the lease and progress of the jobs
that keep it (meetings/indexing/).
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


class SearchEntry(models.Model):
    """One meeting as the search index holds it: never the source of truth.

    Derived from DynamoDB, keyed by meeting id, and replaced only by a newer
    write of the meeting: a later incarnation (created_at) or a higher version
    of the same one, so replays are harmless. A deletion leaves the row as a
    tombstone (deleted, no title) until the reconciler purges it a day later,
    so a late replay of an older write cannot bring the meeting back. On SQLite
    an FTS5 table follows its titles, on PostgreSQL a trigram GIN index (both
    made by migration 0004, not declared here: neither exists on the other).
    """

    # An integer key: SQLite's rowid, which the FTS5 table refers to.
    id = models.BigAutoField(primary_key=True)
    meeting_id = models.UUIDField(unique=True)
    owner_id = models.CharField(max_length=64)
    status = models.CharField(max_length=20, blank=True)
    title = models.CharField(max_length=200, blank=True)
    scheduled_start = models.DateTimeField(null=True)
    # The listing's order (newest first), which search results keep.
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    version = models.BigIntegerField()
    deleted = models.BooleanField(default=False)

    class Meta:
        # Derived data, not something staff manage.
        default_permissions = ()
        indexes = [
            models.Index(
                fields=["owner_id", "created_at"], name="search_owner_created"
            ),
            models.Index(fields=["created_at"], name="search_created"),
            # The list's orders by a date (meetings.search.base.IndexBase.ordered):
            # one owner's, and everyone's for staff.
            models.Index(
                fields=["owner_id", "scheduled_start", "meeting_id"],
                name="search_owner_scheduled",
            ),
            models.Index(
                fields=["owner_id", "updated_at", "meeting_id"],
                name="search_owner_updated",
            ),
            models.Index(
                fields=["scheduled_start", "meeting_id"], name="search_scheduled"
            ),
            models.Index(fields=["updated_at", "meeting_id"], name="search_updated"),
            models.Index(
                fields=["updated_at"],
                condition=models.Q(deleted=True),
                name="search_tombstones",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.meeting_id} v{self.version}{' (deleted)' if self.deleted else ''}"
        )


class SearchLease(models.Model):
    """Who holds a job of the search index, until when, and how far it got.

    One row per job (the reconciler, the rebuild). It is taken, renewed and
    moved on by conditional UPDATEs (holder is me or expires_at has passed),
    which every database serialises, so one instance at a time does the job.
    """

    name = models.CharField(max_length=50, primary_key=True)
    holder = models.CharField(max_length=100, blank=True)
    expires_at = models.DateTimeField()
    # The job's own: the reconciler's watermark, the rebuild's scan position.
    progress = models.JSONField(default=dict)

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.name}: {self.holder or 'nobody'} until {self.expires_at}"
