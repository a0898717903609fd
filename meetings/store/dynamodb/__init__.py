"""The DynamoDB backend: meetings in one table, the only code that speaks boto3.

DynamoDBRepository keeps the contract of meetings.domain.Repository; each of
its methods is served by the module of its concept:

- items: one meeting's item, read and written by id;
- listing: pages over the indexes, within a read budget;
- counts: meetings per status, kept on write shards;
- changes: the change index the stream's poller reads;
- scan: every meeting, page by page, for maintenance;
- client: the process's client, errors translated, retries and metrics;
- schema: the table's keys and indexes (docs/dynamodb.md explains them).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from ...domain import Change, ListQuery, Meeting, ScanPage, Status, utcnow
from ...retries import BATCH_GET, TRANSACTION, Retry
from ..base import Position, StoreBase
from . import changes, counts, items, listing, scan
from .client import Table
from .schema import ensure_table


def repository(table_name: str) -> DynamoDBRepository:
    """Return the repository of the named table."""
    return DynamoDBRepository(table_name)


class DynamoDBRepository(StoreBase):
    """Store and find meetings in one DynamoDB table.

    Its collaborators are arguments, so tests pass fakes: the boto3 client
    (default: this process's), the clock writes are stamped with, and the
    retry budgets of lost transactions and unprocessed batch keys.
    """

    def __init__(
        self,
        table_name: str,
        client: Any = None,
        *,
        clock: Callable[[], datetime] = utcnow,
        transaction_retry: Retry = TRANSACTION,
        batch_get_retry: Retry = BATCH_GET,
    ) -> None:
        super().__init__(table_name, clock=clock)
        self.table = Table(
            table_name,
            client,
            transaction_retry=transaction_retry,
            batch_get_retry=batch_get_retry,
        )

    @property
    def client(self) -> Any:
        return self.table.client

    def add(self, meeting: Meeting, fingerprint: str = "") -> Meeting:
        """Store a new meeting; a retried add with the same fingerprint is a no-op.

        Return the stored meeting, which is the earlier one when this is a retry.
        """
        return items.add(self.table, meeting, fingerprint, self.clock())

    def get(self, meeting_id: uuid.UUID) -> Meeting:
        """Return the meeting, read consistently, or raise MeetingNotFound."""
        return items.get(self.table, meeting_id)

    def get_many(
        self, meeting_ids: Iterable[uuid.UUID], *, consistent: bool = False
    ) -> dict[uuid.UUID, Meeting]:
        """Return the meetings that exist among meeting_ids, keyed by id.

        Read with BatchGetItem, retrying unprocessed keys with jittered
        backoff; eventually consistent unless asked otherwise.
        """
        return items.get_many(self.table, meeting_ids, consistent)

    def update(self, meeting: Meeting) -> Meeting:
        """Store meeting's changes if the stored version is still meeting.version.

        Return the meeting as stored, at the next version; raise
        VersionConflict with the current meeting when another write came first.
        """
        return items.update(self.table, meeting, self.clock())

    def remove(self, meeting: Meeting) -> None:
        """Delete meeting if it is still at meeting.version, leaving a tombstone."""
        items.remove(self.table, meeting, self.clock())

    def changed_since(
        self, since: datetime, marks: Mapping[int, datetime] | None = None
    ) -> list[Change]:
        """Return the last change of each meeting written at or after since
        (or, in a shard with a mark, at or after the mark).
        """
        return changes.changed_since(self.table, since, marks)

    def scan(self, position: dict[str, Any] | None, limit: int) -> ScanPage:
        """Return the meetings among the next limit items of a Scan from position.

        For maintenance only (`manage.py rebuild_search_index`): it reads the
        whole table, a page at a time.
        """
        return scan.scan(self.table, position, limit)

    def status_counts(self) -> dict[Status, int]:
        """Return how many meetings are in each status: the sum of every shard."""
        return counts.status_counts(self.table)

    def recount_statuses(self) -> dict[Status, int]:
        """Count every meeting by status with a Scan and store the counts.

        For maintenance only (`manage.py recount_statuses`): it reads the
        whole table.
        """
        return counts.recount(self.table)

    def ensure_schema(self) -> list[str]:
        """Create the table and any missing index; return what was created."""
        return ensure_table(self.client, self.table_name)

    def ping(self) -> None:
        """Raise StoreUnavailable unless the table can be reached."""
        self.table.call("DescribeTable", TableName=self.table_name)

    def _page(
        self, query: ListQuery, position: Position
    ) -> tuple[list[Meeting], Position | None]:
        return listing.page(self.table, query, position, self.clock())
