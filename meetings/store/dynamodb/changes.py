"""The change index: every meeting's last write, and deletions as tombstones.

Every write of a meeting stamps its item with a change shard and the time of
the write, which puts it in the sparse index schema.CHANGE_INDEX; a deletion
leaves a tombstone there instead. The stream's poller then asks what changed
since a moment with changed_since(): one statement over every shard.
"""

from __future__ import annotations

import re
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
# What DynamoDB allows in a table's name.
TABLE_NAME = re.compile(r"[A-Za-z0-9_.-]{3,255}")


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

    A shard with a mark is read from its mark instead. One eventually
    consistent PartiQL SELECT of the change index over every shard (`IN` on
    its partition key: DynamoDB runs it as a Query per shard and bills it so,
    docs/dynamodb.md, "The change index"), from the earliest of those starts;
    more calls only past 1 MB. One call where eight Queries were: each call
    costs the poller about a millisecond of CPU, whatever it returns. Meetings
    not written since cost nothing.
    """
    starts = {
        shard: epoch_ms((marks or {}).get(shard, since))
        for shard in range(CHANGE_SHARDS)
    }
    request: dict[str, Any] = {
        "Statement": _statement(table.name),
        "Parameters": [serialize({"at": min(starts.values())})["at"]],
    }
    changes: list[Change] = []
    while True:
        response = table.call("ExecuteStatement", **request)
        for raw in response["Items"]:
            entry = deserialize(raw)
            if int(entry[CHANGED_AT]) >= starts[int(entry[CHANGE_SHARD])]:
                changes.append(_change(entry))
        if "NextToken" not in response:
            return changes
        request["NextToken"] = response["NextToken"]


def _statement(table_name: str) -> str:
    """Return the change query of table_name (PartiQL takes no name as a
    parameter; DynamoDB's table names hold no quote, and this one is checked)."""
    if not TABLE_NAME.fullmatch(table_name):
        raise ValueError(f"Not a DynamoDB table name: {table_name!r}")
    shards = ", ".join(str(shard) for shard in range(CHANGE_SHARDS))
    return (
        f'SELECT * FROM "{table_name}"."{CHANGE_INDEX}" '  # noqa: S608
        f'WHERE "{CHANGE_SHARD}" IN [{shards}] AND "{CHANGED_AT}" >= ?'
    )


def _change(entry: dict[str, Any]) -> Change:
    """Return the Change an entry of the change index describes."""
    kind, _, meeting_id = entry["pk"].partition("#")
    return Change(
        meeting_id=uuid.UUID(meeting_id),
        version=int(entry["version"]),
        owner_id=str(entry.get("owner_id", "")),
        deleted=bool(entry.get("deleted")) or f"{kind}#" == TOMBSTONE_PREFIX,
        changed_at=datetime.fromtimestamp(int(entry[CHANGED_AT]) / 1000, UTC),
        shard=int(entry[CHANGE_SHARD]),
    )
