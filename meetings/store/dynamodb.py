"""The DynamoDB backend: meetings in one table, the only code that speaks boto3.

The table's keys and indexes are in schema.py; docs/dynamodb.md explains them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore import xform_name
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings

from ..domain import (
    Change,
    DuplicateMeeting,
    InvalidCursor,
    ListQuery,
    Meeting,
    MeetingNotFound,
    Page,
    Status,
    StoreThrottled,
    StoreUnavailable,
    VersionConflict,
    utcnow,
)
from . import cursors
from .backoff import sleep_with_jitter
from .schema import (
    ACTIVE_STATUS_INDEX,
    CAPACITY_OPERATIONS,
    CHANGE_INDEX,
    CHANGE_SHARD,
    CHANGED_AT,
    EXPIRES_AT,
    OWNER_INDEX,
    TIMELINE_INDEX,
    ensure_table,
    get_client,
    record_consumed_capacity,
)

BATCH_GET_LIMIT = 100
# How many meetings are in each status is spread over this many items, the
# shards STATS#status_counts#0 … #15, so that no item is written by every status
# change: one item takes about 1,000 write units a second, and transactions on
# it conflict. A status change adjusts one shard, picked by its meeting's id;
# reading the counts sums them all. 16 cuts each shard's writes (and so its
# conflicts) sixteenfold, while reading them all stays one BatchGetItem of at
# most 17 read units for the admin. It must stay under 100: the read and the
# recount's transaction hold every shard and the old item. docs/dynamodb.md
# has the figures.
STATUS_COUNT_SHARDS = 16
STATUS_COUNT_SHARD_PREFIX = "STATS#status_counts#"
# The one counts item of releases before the shards. Counts still read it, so
# writes by instances not yet upgraded keep counting; recount_statuses folds
# it into the shards and deletes it.
LEGACY_STATUS_COUNTS_PK = "STATS#status_counts"
TRANSACTION_ATTEMPTS = 5
# Every meeting write (and every deletion's tombstone) puts the meeting in the
# change index under one of these partitions, picked by its id, with the time
# of the write as sort key. One index partition key takes about 1,000 write
# units a second, and a write that moves the sort key costs the index two (out
# of the old place, into the new), so 8 shards carry about 4,000 changes a
# second; the poller pays one Query per shard per tick, at least 0.5 read
# units each. Raising it is safe once every poller queries the new count;
# docs/dynamodb.md has the figures.
CHANGE_SHARDS = 8
# A deleted meeting leaves a tombstone item, TOMBSTONE#<id>, in the change
# index, so pollers see the deletion as a change. TTL removes it after this
# long; correctness never waits for that (pollers only look back seconds).
TOMBSTONE_PREFIX = "TOMBSTONE#"
TOMBSTONE_SECONDS = 24 * 3600
# Unprocessed BatchGetItem keys are retried this many times; retries and lost
# transactions pause BACKOFF_BASE·2ⁿ seconds at most, up to BACKOFF_MAX.
UNPROCESSED_RETRIES = 5
BACKOFF_BASE = 0.05
BACKOFF_MAX = 2.0
# Statuses with an entry in the sparse status index: the ones staff watch.
INDEXED_STATUSES = frozenset(
    {Status.IN_PROGRESS, Status.UPLOADED, Status.PROCESSING, Status.FAILED}
)
# Reads one listing request may make, so a rare filter cannot run away.
MAX_READS_PER_PAGE = 25
# Items one Query call examines when a filter will drop some of them.
FILTERED_READ_SIZE = 200

_THROTTLING_CODES = {
    "ProvisionedThroughputExceededException",
    "ThrottlingError",
    "ThrottlingException",
    "RequestLimitExceeded",
}
_UNAVAILABLE_CODES = {
    "InternalServerError",
    "ServiceUnavailable",
    "ResourceNotFoundException",
    "UnrecognizedClientException",
}
_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


class DynamoDBRepository:
    """Store and find meetings in one DynamoDB table."""

    def __init__(self, table_name: str, client: Any = None):
        self.table_name = table_name
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = get_client()
        return self._client

    def add(self, meeting: Meeting, fingerprint: str = "") -> Meeting:
        """Store a new meeting; a retried add with the same fingerprint is a no-op.

        Return the stored meeting, which is the earlier one when this is a retry.
        """
        item = self._to_item(meeting)
        item["fingerprint"] = fingerprint
        request = {
            "TableName": self.table_name,
            "Item": _serialize(item),
            "ConditionExpression": "attribute_not_exists(pk)",
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        try:
            self._write("Put", request, meeting.id, {meeting.status: 1})
        except _ConditionFailed as failed:
            if failed.item and failed.item.get("fingerprint") == fingerprint:
                return self._from_item(failed.item)
            raise DuplicateMeeting(meeting.id) from None
        return meeting

    def get(self, meeting_id: uuid.UUID) -> Meeting:
        """Return the meeting, read consistently, or raise MeetingNotFound."""
        response = self._call(
            "GetItem",
            TableName=self.table_name,
            Key=_serialize({"pk": _pk(meeting_id)}),
            ConsistentRead=True,
        )
        if "Item" not in response:
            raise MeetingNotFound(meeting_id)
        return self._from_item(_deserialize(response["Item"]))

    def get_many(
        self, meeting_ids: Iterable[uuid.UUID], *, consistent: bool = False
    ) -> dict[uuid.UUID, Meeting]:
        """Return the meetings that exist among meeting_ids, keyed by id.

        Read with BatchGetItem, at most 100 unique keys a call, retrying
        unprocessed keys with jittered backoff; eventually consistent unless
        asked otherwise.
        """
        unique = list(dict.fromkeys(meeting_ids))
        found: dict[uuid.UUID, Meeting] = {}
        for start in range(0, len(unique), BATCH_GET_LIMIT):
            chunk = unique[start : start + BATCH_GET_LIMIT]
            keys = [_serialize({"pk": _pk(meeting_id)}) for meeting_id in chunk]
            for item in self._batch_get(keys, consistent):
                meeting = self._from_item(item)
                found[meeting.id] = meeting
        return found

    def list(self, query: ListQuery) -> Page:
        """Return one page of query's owner's meetings, or everyone's, newest first.

        An owner's come from the owner index; everyone's in an active status
        from the sparse status index, and the rest from the monthly timeline.
        """
        if query.owner_id:
            return self._list_index(OWNER_INDEX, "owner_id", query.owner_id, query)
        if query.status in INDEXED_STATUSES:
            return self._list_index(
                ACTIVE_STATUS_INDEX, "active_status", query.status, query
            )
        return self._list_timeline(query)

    def update(self, meeting: Meeting) -> Meeting:
        """Store meeting's changes if the stored version is still meeting.version.

        The per-status counts follow a transition from meeting.stored_status.
        Return the meeting as stored, at the next version; raise VersionConflict
        with the current meeting when another write came first.
        """
        item = self._to_item(meeting)
        item["version"] = meeting.version + 1
        item["updated_at"] = utcnow().isoformat()
        settable = {
            name: value
            for name, value in item.items()
            if name not in _IMMUTABLE_ATTRIBUTES and value is not None
        }
        removable = [
            name
            for name, value in item.items()
            if name not in _IMMUTABLE_ATTRIBUTES and value is None
        ]
        expression = "SET " + ", ".join(f"#{name} = :{name}" for name in settable)
        if removable:
            expression += " REMOVE " + ", ".join(f"#{name}" for name in removable)
        values = {f":{name}": value for name, value in settable.items()}
        values[":expected"] = meeting.version
        request = {
            "TableName": self.table_name,
            "Key": _serialize({"pk": _pk(meeting.id)}),
            "UpdateExpression": expression,
            "ConditionExpression": "#version = :expected",
            "ExpressionAttributeNames": {
                f"#{name}": name for name in [*settable, *removable]
            },
            "ExpressionAttributeValues": _serialize(values),
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        counts = {}
        if meeting.stored_status != meeting.status:
            counts = {meeting.stored_status: -1, meeting.status: 1}
        try:
            self._write("Update", request, meeting.id, counts)
        except _ConditionFailed as failed:
            raise self._conflict(meeting, failed) from None
        return self._from_item(item)

    def remove(self, meeting: Meeting) -> None:
        """Delete meeting if it is still at meeting.version, leaving a tombstone.

        The tombstone puts the deletion in the change index, in the same
        transaction as the delete and the counts.
        """
        request = {
            "TableName": self.table_name,
            "Key": _serialize({"pk": _pk(meeting.id)}),
            "ConditionExpression": "version = :expected",
            "ExpressionAttributeValues": _serialize({":expected": meeting.version}),
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        tombstone = {
            "Put": {
                "TableName": self.table_name,
                "Item": _serialize(_tombstone(meeting)),
            }
        }
        try:
            self._write(
                "Delete", request, meeting.id, {meeting.status: -1}, [tombstone]
            )
        except _ConditionFailed as failed:
            raise self._conflict(meeting, failed) from None

    def changed_since(self, since: datetime) -> list[Change]:
        """Return the last change of each meeting written at or after since.

        One eventually consistent Query of the change index per shard (more
        only past 1 MB), billed by the size of the entries it returns: about
        100 bytes each, so some 80 entries per read unit, and at least half a
        unit per shard. Meetings not written since cost nothing.
        """
        since_ms = _epoch_ms(since)
        changes: list[Change] = []
        for shard in range(CHANGE_SHARDS):
            request: dict[str, Any] = {
                "TableName": self.table_name,
                "IndexName": CHANGE_INDEX,
                "KeyConditionExpression": "#shard = :shard AND #at >= :since",
                "ExpressionAttributeNames": {"#shard": CHANGE_SHARD, "#at": CHANGED_AT},
                "ExpressionAttributeValues": _serialize(
                    {":shard": shard, ":since": since_ms}
                ),
            }
            while True:
                response = self._call("Query", **request)
                changes.extend(_change(_deserialize(raw)) for raw in response["Items"])
                if "LastEvaluatedKey" not in response:
                    break
                request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        return changes

    def status_counts(self) -> dict[Status, int]:
        """Return how many meetings are in each status: the sum of every shard.

        One consistent BatchGetItem of the STATUS_COUNT_SHARDS shards (and the
        counts item of older releases, while it exists). Each create,
        transition and delete adjusts one shard in the same transaction as its
        own write, so the sum is exact; a single shard may be negative.
        """
        keys = [_serialize({"pk": pk}) for pk in _STATUS_COUNT_PKS]
        counts = dict.fromkeys(Status, 0)
        for item in self._batch_get(keys, consistent=True):
            for status in Status:
                counts[status] += int(item.get(status.value, 0))
        return counts

    def recount_statuses(self) -> dict[Status, int]:
        """Count every meeting by status with a Scan and store the counts.

        For maintenance only (`manage.py recount_statuses`), never a request:
        it reads the whole table. One transaction then puts the totals on
        shard 0, zeros on every other shard, and deletes the counts item of
        older releases. Writes made during the Scan can leave the counts off
        by those writes, so run it while writes are quiet.
        """
        counts = dict.fromkeys(Status, 0)
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "ProjectionExpression": "#status",
            "FilterExpression": "begins_with(pk, :meeting)",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": _serialize({":meeting": "MEETING#"}),
        }
        while True:
            response = self._call("Scan", **request)
            for raw in response["Items"]:
                counts[Status(_deserialize(raw)["status"])] += 1
            if "LastEvaluatedKey" not in response:
                break
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        shards = [
            {
                "Put": {
                    "TableName": self.table_name,
                    "Item": _serialize(
                        {
                            "pk": _count_shard_pk(shard),
                            **{
                                status.value: count if shard == 0 else 0
                                for status, count in counts.items()
                            },
                        }
                    ),
                }
            }
            for shard in range(STATUS_COUNT_SHARDS)
        ]
        legacy = {
            "Delete": {
                "TableName": self.table_name,
                "Key": _serialize({"pk": LEGACY_STATUS_COUNTS_PK}),
            }
        }
        self._transact([*shards, legacy])
        return counts

    def ensure_schema(self) -> list[str]:
        """Create the table and any missing index; return what was created."""
        return ensure_table(self.client, self.table_name)

    def ping(self) -> None:
        """Raise StoreUnavailable unless the table can be reached."""
        self._call("DescribeTable", TableName=self.table_name)

    # Listing

    def _list_index(
        self, index: str, partition: str, value: str, query: ListQuery
    ) -> Page:
        scope = query.cursor_scope()
        position = cursors.decode(query.cursor, scope) if query.cursor else {}
        params = self._query_params(index, partition, value, query)
        items, next_key = self._read_pages(
            params, index, partition, query.limit, position.get("key"), budget=None
        )
        next_cursor = cursors.encode(scope, {"key": next_key}) if next_key else None
        return Page([self._from_item(item) for item in items], next_cursor)

    def _list_timeline(self, query: ListQuery) -> Page:
        """Walk the monthly buckets of the timeline index, newest month first."""
        scope = query.cursor_scope()
        position = cursors.decode(query.cursor, scope) if query.cursor else {}
        month = position.get("month") or utcnow().strftime("%Y-%m")
        start_key = position.get("key")
        if not isinstance(month, str) or not _is_month(month):
            raise InvalidCursor()
        items: list[dict] = []
        budget = _ReadBudget(MAX_READS_PER_PAGE)
        while month >= settings.MEETINGS_EPOCH_MONTH:
            params = self._query_params(TIMELINE_INDEX, "created_month", month, query)
            found, next_key = self._read_pages(
                params,
                TIMELINE_INDEX,
                "created_month",
                query.limit - len(items),
                start_key,
                budget,
            )
            items.extend(found)
            if next_key:
                return self._timeline_page(items, scope, month, next_key)
            month, start_key = _previous_month(month), None
            if len(items) == query.limit or budget.spent():
                break
        more = month >= settings.MEETINGS_EPOCH_MONTH
        return self._timeline_page(items, scope, month if more else None, None)

    def _timeline_page(
        self, items: list[dict], scope: str, month: str | None, key: dict | None
    ) -> Page:
        cursor = cursors.encode(scope, {"month": month, "key": key}) if month else None
        return Page([self._from_item(item) for item in items], cursor)

    def _query_params(
        self, index: str, partition: str, value: str, query: ListQuery
    ) -> dict[str, Any]:
        names = {"#p": partition}
        values: dict[str, Any] = {":p": value}
        filters = []
        if query.status and index != ACTIVE_STATUS_INDEX:
            names["#status"] = "status"
            values[":status"] = str(query.status)
            filters.append("#status = :status")
        if query.title_contains:
            names["#title_lower"] = "title_lower"
            values[":q"] = query.title_contains.lower()
            filters.append("contains(#title_lower, :q)")
        params = {
            "TableName": self.table_name,
            "IndexName": index,
            "KeyConditionExpression": "#p = :p",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": _serialize(values),
            "ScanIndexForward": False,
        }
        if filters:
            params["FilterExpression"] = " AND ".join(filters)
        return params

    def _read_pages(
        self,
        params: dict[str, Any],
        index: str,
        partition: str,
        limit: int,
        start_key: dict | None,
        budget: _ReadBudget | None,
    ) -> tuple[list[dict], dict | None]:
        """Query until limit items pass the filter, the index ends or reads run out.

        Return the items and the key to resume after the last one returned.
        """
        budget = budget or _ReadBudget(MAX_READS_PER_PAGE)
        filtered = "FilterExpression" in params
        items: list[dict] = []
        key = start_key
        while limit > len(items):
            request = dict(params, Limit=FILTERED_READ_SIZE if filtered else limit)
            if key:
                request["ExclusiveStartKey"] = key
            response = self._call("Query", **request)
            budget.spend()
            for raw in response["Items"]:
                items.append(_deserialize(raw))
                if len(items) == limit:
                    # Resume right after this item, not after the whole read.
                    return items, {name: raw[name] for name in _index_keys(partition)}
            key = response.get("LastEvaluatedKey")
            if not key or budget.spent():
                return items, key
        return items, key

    # Boundary

    def _batch_get(self, keys: list[dict], consistent: bool) -> list[dict]:
        items: list[dict] = []
        pending = {self.table_name: {"Keys": keys, "ConsistentRead": consistent}}
        for attempt in range(UNPROCESSED_RETRIES + 1):
            if attempt:
                sleep_with_jitter(attempt, BACKOFF_BASE, BACKOFF_MAX)
            response = self._call("BatchGetItem", RequestItems=pending)
            items.extend(
                _deserialize(raw)
                for raw in response.get("Responses", {}).get(self.table_name, [])
            )
            pending = response.get("UnprocessedKeys") or {}
            if not pending:
                return items
        raise StoreThrottled(
            "DynamoDB left keys unprocessed after retries; try again shortly."
        )

    def _write(
        self,
        action: str,
        request: dict,
        meeting_id: uuid.UUID,
        counts: dict[Status, int],
        also: list[dict] | None = None,
    ) -> None:
        """Run one conditional write, with the status counts when they change.

        Counts change on the meeting's shard in a transaction with the write,
        so they never drift; so do the writes in also (a deletion's tombstone).
        """
        deltas = {status: delta for status, delta in counts.items() if delta}
        if not deltas and not also:
            self._call(_SINGLE_WRITES[action], **request)
            return
        if not deltas:
            self._transact([{action: request}, *(also or [])])
            return
        names = {f"#c{n}": status.value for n, status in enumerate(deltas)}
        values = {f":c{n}": delta for n, delta in enumerate(deltas.values())}
        adjust_counts = {
            "Update": {
                "TableName": self.table_name,
                "Key": _serialize({"pk": _count_shard_pk(_shard_of(meeting_id))}),
                "UpdateExpression": "ADD "
                + ", ".join(f"#c{n} :c{n}" for n in range(len(deltas))),
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": _serialize(values),
            }
        }
        self._transact([{action: request}, adjust_counts, *(also or [])])

    def _transact(self, items: list[dict]) -> None:
        """Run TransactWriteItems, again after a jittered pause when it lost a race.

        A TransactionConflict means another transaction was writing one of the
        same items at that moment: for a meeting's write, the same counts
        shard. After TRANSACTION_ATTEMPTS lost races, raise StoreThrottled.
        """
        for attempt in range(1, TRANSACTION_ATTEMPTS + 1):
            try:
                self._call("TransactWriteItems", TransactItems=items)
                return
            except _TransactionConflict:
                if attempt == TRANSACTION_ATTEMPTS:
                    raise StoreThrottled(
                        "Too many concurrent changes; try again shortly."
                    ) from None
                sleep_with_jitter(attempt, BACKOFF_BASE, BACKOFF_MAX)

    def _conflict(self, meeting: Meeting, failed: _ConditionFailed) -> Exception:
        if not failed.item:
            return MeetingNotFound(meeting.id)
        return VersionConflict(meeting.version, self._from_item(failed.item))

    def _call(self, operation: str, **kwargs: Any) -> dict:
        """Call DynamoDB's operation, translating its failures into domain exceptions.

        Item operations ask for the capacity they consume, which goes to the
        capacity counters on /metrics. Errors report none, though a failed
        conditional write is billed.
        """
        if operation in CAPACITY_OPERATIONS:
            kwargs["ReturnConsumedCapacity"] = "TOTAL"
        try:
            response = getattr(self.client, xform_name(operation))(**kwargs)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code == "ConditionalCheckFailedException":
                item = error.response.get("Item")
                raise _ConditionFailed(_deserialize(item) if item else None) from None
            if code == "TransactionCanceledException":
                raise _cancellation(error) from None
            if code in _THROTTLING_CODES:
                raise StoreThrottled("DynamoDB is throttling requests.") from error
            if code in _UNAVAILABLE_CODES:
                raise StoreUnavailable(f"DynamoDB is unavailable ({code}).") from error
            raise
        except BotoCoreError as error:
            raise StoreUnavailable("DynamoDB cannot be reached.") from error
        record_consumed_capacity(operation, response.get("ConsumedCapacity"))
        return response

    @staticmethod
    def _to_item(meeting: Meeting) -> dict[str, Any]:
        created = meeting.created_at.isoformat()
        return {
            "pk": _pk(meeting.id),
            "id": str(meeting.id),
            "owner_id": meeting.owner_id,
            "title": meeting.title,
            "title_lower": meeting.title.lower(),
            "description": meeting.description,
            "scheduled_start": _iso_or_none(meeting.scheduled_start),
            "duration_minutes": meeting.duration_minutes,
            "participants": list(meeting.participants),
            "status": str(meeting.status),
            "active_status": (
                str(meeting.status) if meeting.status in INDEXED_STATUSES else None
            ),
            "progress": meeting.progress,
            "status_message": meeting.status_message,
            "created_at": created,
            "created_key": f"{created}#{meeting.id}",
            "created_month": meeting.created_at.strftime("%Y-%m"),
            "updated_at": _iso_or_none(meeting.updated_at),
            "version": meeting.version,
            # Every write moves the meeting to the head of the change index.
            CHANGE_SHARD: _change_shard_of(meeting.id),
            CHANGED_AT: _epoch_ms(utcnow()),
        }

    @staticmethod
    def _from_item(item: dict[str, Any]) -> Meeting:
        duration = item.get("duration_minutes")
        return Meeting(
            id=uuid.UUID(item["id"]),
            owner_id=item["owner_id"],
            title=item["title"],
            description=item.get("description", ""),
            scheduled_start=_datetime_or_none(item.get("scheduled_start")),
            duration_minutes=int(duration) if duration is not None else None,
            participants=list(item.get("participants", [])),
            status=Status(item["status"]),
            progress=int(item.get("progress", 0)),
            status_message=item.get("status_message", ""),
            created_at=datetime.fromisoformat(item["created_at"]),
            updated_at=_datetime_or_none(item.get("updated_at")),
            version=int(item["version"]),
        )


def repository() -> DynamoDBRepository:
    """Return the repository of the configured meetings table."""
    return DynamoDBRepository(settings.DYNAMODB_TABLE)


_IMMUTABLE_ATTRIBUTES = {"pk", "id", "created_at", "created_key", "created_month"}
_SINGLE_WRITES = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem"}


class _ConditionFailed(Exception):
    def __init__(self, item: dict | None):
        self.item = item


class _TransactionConflict(Exception):
    """Another transaction was changing the same item at the same moment."""


def _cancellation(error: ClientError) -> Exception:
    """Explain a cancelled transaction by its first item's reason."""
    reasons = error.response.get("CancellationReasons") or [{}]
    first = reasons[0]
    if first.get("Code") == "ConditionalCheckFailed":
        item = first.get("Item")
        return _ConditionFailed(_deserialize(item) if item else None)
    if any(reason.get("Code") == "TransactionConflict" for reason in reasons):
        return _TransactionConflict()
    if any(reason.get("Code") in _THROTTLING_CODES for reason in reasons):
        return StoreThrottled("DynamoDB is throttling requests.")
    return error


class _ReadBudget:
    def __init__(self, reads: int):
        self.left = reads

    def spend(self) -> None:
        self.left -= 1

    def spent(self) -> bool:
        return self.left <= 0


def _pk(meeting_id: uuid.UUID) -> str:
    return f"MEETING#{meeting_id}"


def _shard_of(meeting_id: uuid.UUID) -> int:
    # By id rather than at random: a meeting's status changes are serialised by
    # its version anyway, and a fault can be traced to its shard. Ids are
    # random (uuid4) or hashed (uuid5), so their low bits spread evenly.
    return meeting_id.int % STATUS_COUNT_SHARDS


def _change_shard_of(meeting_id: uuid.UUID) -> int:
    # The high bits: the low ones already pick the status-count shard.
    return (meeting_id.int >> 64) % CHANGE_SHARDS


def _epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _tombstone(meeting: Meeting) -> dict[str, Any]:
    """Return the item that marks meeting's deletion in the change index."""
    now = utcnow()
    return {
        "pk": f"{TOMBSTONE_PREFIX}{meeting.id}",
        "owner_id": meeting.owner_id,
        "version": meeting.version + 1,
        "deleted": True,
        CHANGE_SHARD: _change_shard_of(meeting.id),
        CHANGED_AT: _epoch_ms(now),
        EXPIRES_AT: int(now.timestamp()) + TOMBSTONE_SECONDS,
    }


def _change(entry: dict[str, Any]) -> Change:
    """Return the Change an entry of the change index describes."""
    kind, _, meeting_id = entry["pk"].partition("#")
    return Change(
        meeting_id=uuid.UUID(meeting_id),
        version=int(entry["version"]),
        owner_id=str(entry.get("owner_id", "")),
        deleted=bool(entry.get("deleted")) or f"{kind}#" == TOMBSTONE_PREFIX,
        changed_at=datetime.fromtimestamp(int(entry[CHANGED_AT]) / 1000, UTC),
    )


def _count_shard_pk(shard: int) -> str:
    return f"{STATUS_COUNT_SHARD_PREFIX}{shard}"


_STATUS_COUNT_PKS = [
    *(_count_shard_pk(shard) for shard in range(STATUS_COUNT_SHARDS)),
    LEGACY_STATUS_COUNTS_PK,
]


def _index_keys(partition: str) -> tuple[str, ...]:
    return ("pk", partition, "created_key")


def _serialize(values: dict[str, Any]) -> dict[str, Any]:
    return {
        name: _serializer.serialize(value)
        for name, value in values.items()
        if value is not None
    }


def _deserialize(item: dict[str, Any]) -> dict[str, Any]:
    return {name: _deserializer.deserialize(value) for name, value in item.items()}


def _iso_or_none(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _datetime_or_none(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _is_month(value: str) -> bool:
    try:
        datetime.strptime(value, "%Y-%m")
    except ValueError:
        return False
    return True


def _previous_month(month: str) -> str:
    year, number = map(int, month.split("-"))
    return f"{year - 1}-12" if number == 1 else f"{year}-{number - 1:02d}"
