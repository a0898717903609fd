"""Meetings per status: counts kept on write shards, moved with every write.

Each create, transition and delete adjusts one shard in the same transaction
as its own write, so the counts never drift; reading them sums every shard.
docs/dynamodb.md, "Counts per status", explains the design.
"""

from __future__ import annotations

import uuid
from typing import Any

from ...domain import Status
from .client import Table, deserialize, serialize
from .schema import MEETING_PREFIX

# How many meetings are in each status is spread over this many items, the
# shards STATS#status_counts#0 … #15, so that no item is written by every
# status change: one item takes a bounded write rate, and transactions on it
# conflict. A status change adjusts one shard, picked by its meeting's id;
# reading the counts sums them all in one BatchGetItem, so more shards cost
# every read (docs/dynamodb.md, "Counts per status"). It must stay under 100:
# the read and the recount's transaction hold every shard and the old item.
STATUS_COUNT_SHARDS = 16
STATUS_COUNT_SHARD_PREFIX = "STATS#status_counts#"
# The one counts item that releases before the shards write
# (docs/dynamodb.md, "Upgrading from the single counts item"). Counts still
# read it, so writes by instances not yet upgraded keep counting; recount()
# folds it into the shards and deletes it.
LEGACY_STATUS_COUNTS_PK = "STATS#status_counts"


def shard_of(meeting_id: uuid.UUID) -> int:
    """Return the counts shard meeting_id's status changes adjust."""
    # By id rather than at random: a meeting's status changes are serialised by
    # its version anyway, and a fault can be traced to its shard. Ids are
    # random (uuid4) or hashed (uuid5), so their low bits spread evenly.
    return meeting_id.int % STATUS_COUNT_SHARDS


def shard_key(shard: int) -> str:
    """Return the pk of counts shard number shard."""
    return f"{STATUS_COUNT_SHARD_PREFIX}{shard}"


_COUNT_KEYS = [
    *(shard_key(shard) for shard in range(STATUS_COUNT_SHARDS)),
    LEGACY_STATUS_COUNTS_PK,
]


def adjustment(
    table_name: str, meeting_id: uuid.UUID, deltas: dict[Status, int]
) -> dict[str, Any]:
    """Return the transaction item that adds deltas on meeting_id's shard."""
    names = {f"#c{n}": status.value for n, status in enumerate(deltas)}
    values = {f":c{n}": delta for n, delta in enumerate(deltas.values())}
    return {
        "Update": {
            "TableName": table_name,
            "Key": serialize({"pk": shard_key(shard_of(meeting_id))}),
            "UpdateExpression": "ADD "
            + ", ".join(f"#c{n} :c{n}" for n in range(len(deltas))),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": serialize(values),
        }
    }


def status_counts(table: Table) -> dict[Status, int]:
    """Return how many meetings are in each status: the sum of every shard.

    One consistent BatchGetItem of the STATUS_COUNT_SHARDS shards (and the
    counts item of older releases, while it exists). The sum is exact; a
    single shard may be negative.
    """
    keys = [serialize({"pk": pk}) for pk in _COUNT_KEYS]
    counts = dict.fromkeys(Status, 0)
    for item in table.batch_get(keys, consistent=True):
        for status in Status:
            counts[status] += int(item.get(status.value, 0))
    return counts


def recount(table: Table) -> dict[Status, int]:
    """Count every meeting by status with a Scan and store the counts.

    For maintenance only (`manage.py recount_statuses`), never a request: it
    reads the whole table. One transaction then puts the totals on shard 0,
    zeros on every other shard, and deletes the counts item of older releases.
    Writes made during the Scan can leave the counts off by those writes, so
    run it while writes are quiet.
    """
    counts = dict.fromkeys(Status, 0)
    request: dict[str, Any] = {
        "TableName": table.name,
        "ProjectionExpression": "#status",
        "FilterExpression": "begins_with(pk, :meeting)",
        "ExpressionAttributeNames": {"#status": "status"},
        "ExpressionAttributeValues": serialize({":meeting": MEETING_PREFIX}),
    }
    while True:
        response = table.call("Scan", **request)
        for raw in response["Items"]:
            counts[Status(deserialize(raw)["status"])] += 1
        if "LastEvaluatedKey" not in response:
            break
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
    shards = [
        {
            "Put": {
                "TableName": table.name,
                "Item": serialize(
                    {
                        "pk": shard_key(shard),
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
            "TableName": table.name,
            "Key": serialize({"pk": LEGACY_STATUS_COUNTS_PK}),
        }
    }
    table.transact([*shards, legacy])
    return counts
