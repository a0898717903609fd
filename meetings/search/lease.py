"""Leases on the search index's jobs: one holder at a time, by conditional UPDATE.

A job (the reconciler, the rebuild) runs wherever any instance starts it; the
lease row in the ORM database makes sure only one of them does the work at a
time. Taking it is one UPDATE … WHERE holder = me OR expires_at <= now, and
saving progress one UPDATE … WHERE holder = me AND expires_at > now, which
SQLite and PostgreSQL both serialise per row: two instances cannot both win,
and one that lost its lease (paused past its expiry) cannot move the job on.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone

from ..models import SearchLease

# Long enough for a pass of the job between renewals, short enough that a
# crashed holder's work is picked up soon.
DEFAULT_TTL = 30.0


def holder_name() -> str:
    """Return a name for this process's leases: host, process and a nonce."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Lease:
    """The lease of the job name, for holder, renewed for ttl seconds at a time.

    clock reads the time the lease compares with; tests pass a fake.
    """

    def __init__(
        self,
        name: str,
        holder: str | None = None,
        *,
        ttl: float = DEFAULT_TTL,
        clock: Callable[[], datetime] = timezone.now,
    ) -> None:
        self.name = name
        self.holder = holder or holder_name()
        self.ttl = timedelta(seconds=ttl)
        self.clock = clock

    def take(self) -> dict[str, Any] | None:
        """Take or renew the lease; return the job's progress, or None if another
        holder has it."""
        now = self.clock()
        SearchLease.objects.get_or_create(
            name=self.name, defaults={"expires_at": now, "holder": ""}
        )
        taken = (
            SearchLease.objects.filter(name=self.name)
            .filter(Q(holder=self.holder) | Q(expires_at__lte=now))
            .update(holder=self.holder, expires_at=now + self.ttl)
        )
        if not taken:
            return None
        return SearchLease.objects.get(name=self.name).progress

    def save(self, progress: dict[str, Any]) -> bool:
        """Store the job's progress and renew the lease, if still held; return
        whether it was."""
        now = self.clock()
        return bool(
            SearchLease.objects.filter(
                name=self.name, holder=self.holder, expires_at__gt=now
            ).update(progress=progress, expires_at=now + self.ttl)
        )

    def release(self) -> None:
        """Let another holder take the lease at once."""
        SearchLease.objects.filter(name=self.name, holder=self.holder).update(
            expires_at=self.clock()
        )

    def reset(self, progress: dict[str, Any]) -> None:
        """Replace the job's progress, whoever holds the lease (starting over)."""
        SearchLease.objects.update_or_create(
            name=self.name,
            defaults={"progress": progress},
            create_defaults={
                "progress": progress,
                "expires_at": self.clock(),
                "holder": "",
            },
        )
