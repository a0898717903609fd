"""A meeting's lifecycle: its statuses, the steps between them and their history.

A meeting keeps when it entered each of its last MAX_STATUS_HISTORY statuses,
oldest first. Each entry costs the stored item about 58 bytes (a status and an
ISO-8601 time), so a full history adds about 1.2 KB: far from DynamoDB's 400 KB
item limit, and within the 4 KB a read unit covers (docs/dynamodb.md, "Item").
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

# A whole lifecycle is five statuses (scheduled to completed or failed), and
# each retry of a failed processing adds two: 20 keeps one with seven retries.
MAX_STATUS_HISTORY = 20


class Status(enum.StrEnum):
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    UPLOADED = "uploaded"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @property
    def shows_progress(self) -> bool:
        """Return whether a meeting in this status shows its progress."""
        return self is Status.PROCESSING

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """Return (value, label) pairs, in lifecycle order, for forms and schemas."""
        return [(status.value, status.label) for status in cls]


ALLOWED_TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.SCHEDULED: frozenset({Status.IN_PROGRESS}),
    Status.IN_PROGRESS: frozenset({Status.UPLOADED}),
    Status.UPLOADED: frozenset({Status.PROCESSING}),
    Status.PROCESSING: frozenset({Status.COMPLETED, Status.FAILED}),
    Status.COMPLETED: frozenset(),
    Status.FAILED: frozenset({Status.PROCESSING}),
}


class StatusChange(NamedTuple):
    """When a meeting entered a status."""

    status: Status
    at: datetime


def bounded_history(entries: Iterable[tuple[str, datetime]]) -> list[StatusChange]:
    """Return entries as StatusChanges, oldest first, the last MAX_STATUS_HISTORY."""
    changes = [StatusChange(Status(status), at) for status, at in entries]
    return changes[-MAX_STATUS_HISTORY:]
