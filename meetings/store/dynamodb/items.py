"""Meeting items: a meeting as one item of the table, read and written by id.

to_item and from_item keep Decimal, keys and ISO dates at the boundary. Writes
are conditional (optimistic locking by version) and carry the status counts
and the change index along (counts.py, changes.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from ...domain import (
    DuplicateMeeting,
    Meeting,
    MeetingNotFound,
    Status,
    VersionConflict,
)
from . import changes, counts
from .client import ConditionFailed, Table, deserialize, serialize
from .schema import INDEXED_STATUSES, meeting_key

# BatchGetItem's limit of keys a call.
BATCH_GET_LIMIT = 100
_IMMUTABLE_ATTRIBUTES = {"pk", "id", "created_at", "created_key", "created_month"}


def add(table: Table, meeting: Meeting, fingerprint: str, now: datetime) -> Meeting:
    """Store a new meeting; a retried add with the same fingerprint is a no-op.

    Return the stored meeting, which is the earlier one when this is a retry.
    """
    item = to_item(meeting, now)
    item["fingerprint"] = fingerprint
    put = {
        "TableName": table.name,
        "Item": serialize(item),
        "ConditionExpression": "attribute_not_exists(pk)",
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }
    try:
        _write(table, {"Put": put}, meeting.id, {meeting.status: 1})
    except ConditionFailed as failed:
        if failed.item and failed.item.get("fingerprint") == fingerprint:
            return from_item(failed.item)
        raise DuplicateMeeting(meeting.id) from None
    return meeting


def get(table: Table, meeting_id: uuid.UUID) -> Meeting:
    """Return the meeting, read consistently, or raise MeetingNotFound."""
    response = table.call(
        "GetItem",
        TableName=table.name,
        Key=serialize({"pk": meeting_key(meeting_id)}),
        ConsistentRead=True,
    )
    if "Item" not in response:
        raise MeetingNotFound(meeting_id)
    return from_item(deserialize(response["Item"]))


def get_many(
    table: Table, meeting_ids: Iterable[uuid.UUID], consistent: bool
) -> dict[uuid.UUID, Meeting]:
    """Return the meetings that exist among meeting_ids, keyed by id.

    Read with BatchGetItem, at most BATCH_GET_LIMIT unique keys a call.
    """
    unique = list(dict.fromkeys(meeting_ids))
    found: dict[uuid.UUID, Meeting] = {}
    for start in range(0, len(unique), BATCH_GET_LIMIT):
        chunk = unique[start : start + BATCH_GET_LIMIT]
        keys = [serialize({"pk": meeting_key(meeting_id)}) for meeting_id in chunk]
        for item in table.batch_get(keys, consistent):
            meeting = from_item(item)
            found[meeting.id] = meeting
    return found


def update(table: Table, meeting: Meeting, now: datetime) -> Meeting:
    """Store meeting's changes if the stored version is still meeting.version.

    The per-status counts follow a transition from meeting.stored_status.
    Return the meeting as stored, at the next version; raise VersionConflict
    with the current meeting when another write came first.
    """
    item = to_item(meeting, now)
    item["version"] = meeting.version + 1
    item["updated_at"] = now.isoformat()
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
        "TableName": table.name,
        "Key": serialize({"pk": meeting_key(meeting.id)}),
        "UpdateExpression": expression,
        "ConditionExpression": "#version = :expected",
        "ExpressionAttributeNames": {
            f"#{name}": name for name in [*settable, *removable]
        },
        "ExpressionAttributeValues": serialize(values),
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }
    moved = {}
    if meeting.stored_status != meeting.status:
        moved = {meeting.stored_status: -1, meeting.status: 1}
    try:
        _write(table, {"Update": request}, meeting.id, moved)
    except ConditionFailed as failed:
        raise _conflict(meeting, failed) from None
    return from_item(item)


def remove(table: Table, meeting: Meeting, now: datetime) -> None:
    """Delete meeting if it is still at meeting.version, leaving a tombstone.

    The tombstone puts the deletion in the change index, in the same
    transaction as the delete and the counts.
    """
    request = {
        "TableName": table.name,
        "Key": serialize({"pk": meeting_key(meeting.id)}),
        "ConditionExpression": "version = :expected",
        "ExpressionAttributeValues": serialize({":expected": meeting.version}),
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }
    tombstone = changes.tombstone(table.name, meeting, now)
    try:
        _write(
            table, {"Delete": request}, meeting.id, {meeting.status: -1}, [tombstone]
        )
    except ConditionFailed as failed:
        raise _conflict(meeting, failed) from None


def to_item(meeting: Meeting, now: datetime) -> dict[str, Any]:
    """Return meeting's attributes, written at now (None: no such attribute)."""
    created = meeting.created_at.isoformat()
    return {
        "pk": meeting_key(meeting.id),
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
        # Written whole by every write, so the conditional update that moves
        # the status writes its entry with it (docs/dynamodb.md, "Item").
        "status_history": [
            {"status": str(change.status), "at": change.at.isoformat()}
            for change in meeting.status_history
        ],
        # Every write moves the meeting to the head of the change index.
        **changes.stamp(meeting.id, now),
    }


def from_item(item: dict[str, Any]) -> Meeting:
    """Return the meeting a (deserialized) item holds."""
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
        # An item written before the history existed has none: it reads as [].
        status_history=[
            (change["status"], datetime.fromisoformat(change["at"]))
            for change in item.get("status_history", [])
        ],
    )


def _write(
    table: Table,
    write: dict[str, Any],
    meeting_id: uuid.UUID,
    moved: dict[Status, int],
    also: list[dict] | None = None,
) -> None:
    """Run one conditional write, with the status counts when they change.

    Counts change on the meeting's shard in a transaction with the write, so
    they never drift; so do the writes in also (a deletion's tombstone).
    """
    deltas = {status: delta for status, delta in moved.items() if delta}
    adjust = [counts.adjustment(table.name, meeting_id, deltas)] if deltas else []
    table.write([write, *adjust, *(also or [])])


def _conflict(meeting: Meeting, failed: ConditionFailed) -> Exception:
    if not failed.item:
        return MeetingNotFound(meeting.id)
    return VersionConflict(meeting.version, from_item(failed.item))


def _iso_or_none(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _datetime_or_none(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
