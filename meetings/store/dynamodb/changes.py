"""The change index: every meeting's last write, and deletions as tombstones.

Every write of a meeting stamps its item with a change shard and the time of
the write, which puts it in the sparse index schema.CHANGE_INDEX; a deletion
leaves a tombstone there instead. The stream's poller then asks what changed
since a moment with changed_since(): one Query per shard.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from ...domain import Change, Meeting
from .client import Table, deserialize, serialize
from .schema import CHANGE_INDEX, CHANGE_SHARD, CHANGED_AT, EXPIRES_AT

# The index partitions changes over this many shards, picked by the meeting's
# id: an index partition takes a bounded write rate, and a write that moves the
# sort key costs the index two writes (out of the old place, into the new),
# while the poller pays one Query per shard per tick (docs/dynamodb.md, "The
# change index"). Raising it is safe once every poller queries the new count.
CHANGE_SHARDS = 8
# A deleted meeting leaves a tombstone item, TOMBSTONE#<id>, in the change
# index, so pollers see the deletion as a change. TTL removes it after this
# long; correctness never waits for that (pollers only look back seconds).
TOMBSTONE_PREFIX = "TOMBSTONE#"
TOMBSTONE_SECONDS = 24 * 3600


def stamp(meeting_id: uuid.UUID, now: datetime) -> dict[str, Any]:
    """Return the attributes that put a write at now at the head of the index."""
    return {CHANGE_SHARD: shard_of(meeting_id), CHANGED_AT: epoch_ms(now)}


def shard_of(meeting_id: uuid.UUID) -> int:
    """Return the change shard of meeting_id."""
    # The high bits: the low ones already pick the status-count shard.
    return (meeting_id.int >> 64) % CHANGE_SHARDS


def epoch_ms(moment: datetime) -> int:
    """Return moment in milliseconds since the epoch, the index's sort key."""
    return int(moment.timestamp() * 1000)


def tombstone(table_name: str, meeting: Meeting, now: datetime) -> dict[str, Any]:
    """Return the transaction item that marks meeting's deletion in the index."""
    item = {
        "pk": f"{TOMBSTONE_PREFIX}{meeting.id}",
        "owner_id": meeting.owner_id,
        "version": meeting.version + 1,
        "deleted": True,
        **stamp(meeting.id, now),
        EXPIRES_AT: int(now.timestamp()) + TOMBSTONE_SECONDS,
    }
    return {"Put": {"TableName": table_name, "Item": serialize(item)}}


def changed_since(
    table: Table, since: datetime, marks: Mapping[int, datetime] | None = None
) -> list[Change]:
    """Return the last change of each meeting written at or after since.

    One eventually consistent Query of the change index per shard (more only
    past 1 MB), from the shard's mark when marks has one, else from since;
    billed by the size of the small entries it returns, with a minimum per
    shard (docs/dynamodb.md, "The change index"). Meetings not written since
    cost nothing.
    """
    changes: list[Change] = []
    for shard in range(CHANGE_SHARDS):
        since_ms = epoch_ms((marks or {}).get(shard, since))
        request: dict[str, Any] = {
            "TableName": table.name,
            "IndexName": CHANGE_INDEX,
            "KeyConditionExpression": "#shard = :shard AND #at >= :since",
            "ExpressionAttributeNames": {"#shard": CHANGE_SHARD, "#at": CHANGED_AT},
            "ExpressionAttributeValues": serialize(
                {":shard": shard, ":since": since_ms}
            ),
        }
        while True:
            response = table.call("Query", **request)
            changes.extend(
                _change(deserialize(raw), shard) for raw in response["Items"]
            )
            if "LastEvaluatedKey" not in response:
                break
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
    return changes


def _change(entry: dict[str, Any], shard: int) -> Change:
    """Return the Change an entry of the change index describes."""
    kind, _, meeting_id = entry["pk"].partition("#")
    return Change(
        meeting_id=uuid.UUID(meeting_id),
        version=int(entry["version"]),
        owner_id=str(entry.get("owner_id", "")),
        deleted=bool(entry.get("deleted")) or f"{kind}#" == TOMBSTONE_PREFIX,
        changed_at=datetime.fromtimestamp(int(entry[CHANGED_AT]) / 1000, UTC),
        shard=shard,
    )
