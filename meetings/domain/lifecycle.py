"""A meeting's lifecycle: its statuses and the steps allowed between them."""

from __future__ import annotations

import enum


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
