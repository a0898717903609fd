"""The revocation feed: one row each time a user's login or reach may have shrunk."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Revocation(models.Model):
    """A user whose open streams must be checked again, written at `at`.

    Every server process reads the rows newer than its last look, once a
    tick, and checks again only the streams of those users (events/broker.py).
    A logout names its session too (a hash of its key), so that session's
    streams end without a lookup. Rows expire after a while
    (accounts/revocation.py).
    """

    # A string, as Viewer.user_id is: the row outlives a deleted user.
    user_id = models.CharField(max_length=64)
    # SHA-256 of the session key a logout ended; empty otherwise.
    session = models.CharField(max_length=64, blank=True, default="")
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["at"]
        # A feed the code writes and reads, not something staff manage.
        default_permissions = ()

    def __str__(self) -> str:
        return f"user {self.user_id} at {self.at.isoformat()}"
