"""The meetings table's schema: its keys, its indexes, and how to create them.

docs/dynamodb.md explains the design; deploy/aws/table.yaml declares the same
table, and tests/integration/test_aws_table.py keeps the two alike.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from ...domain import Status

# A meeting's item: pk = MEETING#<id>. Other kinds of item share the table
# under other prefixes (the counts' STATS#, the deletions' TOMBSTONE#).
MEETING_PREFIX = "MEETING#"

OWNER_INDEX = "by_owner"
TIMELINE_INDEX = "by_month"
ACTIVE_STATUS_INDEX = "by_active_status"
# Statuses with an entry in the sparse status index: the ones staff watch.
INDEXED_STATUSES = frozenset(
    {Status.IN_PROGRESS, Status.UPLOADED, Status.PROCESSING, Status.FAILED}
)
# The change index: a sparse GSI of every meeting's last write (and of
# deletions' tombstones), partitioned by a small number of write shards and
# sorted by the time of the change, so the stream's poller asks "what changed
# since t" with one Query per shard and pays only for what changed.
CHANGE_INDEX = "by_change"
# Attributes of the change index; items without them (the status-count shards,
# meetings last written before the index existed) are not in it.
CHANGE_SHARD = "change_shard"
CHANGED_AT = "changed_at"
# What the index carries besides the keys (pk, change_shard, changed_at): enough
# to decide whether a meeting needs reading. The id is in pk.
CHANGE_PROJECTION = ["version", "owner_id", "deleted"]
# Tombstones carry an expiry time; DynamoDB's TTL deletes them some time after.
# Nothing relies on it: it only bounds what they store.
EXPIRES_AT = "expires_at"

_KEY_ATTRIBUTES = [
    ("pk", "S"),
    ("owner_id", "S"),
    ("created_key", "S"),
    ("created_month", "S"),
    ("active_status", "S"),
    (CHANGE_SHARD, "N"),
    (CHANGED_AT, "N"),
]
# Each index is sorted newest first by created_key ("<ISO time>#<id>").
_INDEXES = {
    OWNER_INDEX: "owner_id",
    TIMELINE_INDEX: "created_month",
    ACTIVE_STATUS_INDEX: "active_status",
}


def meeting_key(meeting_id: uuid.UUID) -> str:
    """Return the pk of meeting_id's item."""
    return f"{MEETING_PREFIX}{meeting_id}"


def index_keys(partition: str) -> tuple[str, ...]:
    """Return the key attributes of an entry of the index partitioned by partition:
    a Query's LastEvaluatedKey on it."""
    return ("pk", partition, "created_key")


def table_definition(table_name: str) -> dict[str, Any]:
    """Return the CreateTable request for the meetings table and its indexes."""
    return {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [
            {"AttributeName": name, "AttributeType": kind}
            for name, kind in _KEY_ATTRIBUTES
        ],
        "GlobalSecondaryIndexes": [
            *(
                _index_definition(name, partition)
                for name, partition in _INDEXES.items()
            ),
            _change_index_definition(),
        ],
    }


def _index_definition(name: str, partition: str) -> dict[str, Any]:
    return {
        "IndexName": name,
        "KeySchema": [
            {"AttributeName": partition, "KeyType": "HASH"},
            {"AttributeName": "created_key", "KeyType": "RANGE"},
        ],
        "Projection": {"ProjectionType": "ALL"},
    }


def _change_index_definition() -> dict[str, Any]:
    return {
        "IndexName": CHANGE_INDEX,
        "KeySchema": [
            {"AttributeName": CHANGE_SHARD, "KeyType": "HASH"},
            {"AttributeName": CHANGED_AT, "KeyType": "RANGE"},
        ],
        # Small entries: a Query is billed by the size it returns.
        "Projection": {
            "ProjectionType": "INCLUDE",
            "NonKeyAttributes": CHANGE_PROJECTION,
        },
    }


def ensure_table(client: Any, table_name: str, timeout: float = 120.0) -> list[str]:
    """Create the table and any missing index, then wait until all are active.

    Return what was created, so callers can report it; an up-to-date table
    yields an empty list.
    """
    created: list[str] = []
    definition = table_definition(table_name)
    try:
        description = client.describe_table(TableName=table_name)["Table"]
    except client.exceptions.ResourceNotFoundException:
        try:
            client.create_table(**definition)
            created.append(table_name)
        except client.exceptions.ResourceInUseException:
            pass  # Another process created it first.
        description = _wait_until_active(client, table_name, timeout)
    existing = {i["IndexName"] for i in description.get("GlobalSecondaryIndexes", [])}
    for index in definition["GlobalSecondaryIndexes"]:
        if index["IndexName"] in existing:
            continue
        # DynamoDB adds one index per UpdateTable call.
        client.update_table(
            TableName=table_name,
            AttributeDefinitions=definition["AttributeDefinitions"],
            GlobalSecondaryIndexUpdates=[{"Create": index}],
        )
        created.append(index["IndexName"])
        _wait_until_active(client, table_name, timeout)
    _wait_until_active(client, table_name, timeout)
    if _ensure_time_to_live(client, table_name):
        created.append(f"ttl:{EXPIRES_AT}")
    return created


def _ensure_time_to_live(client: Any, table_name: str) -> bool:
    """Let DynamoDB expire tombstones by EXPIRES_AT; return whether it was off."""
    described = client.describe_time_to_live(TableName=table_name)
    status = described.get("TimeToLiveDescription", {})
    if status.get("TimeToLiveStatus") in ("ENABLED", "ENABLING"):
        return False
    client.update_time_to_live(
        TableName=table_name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": EXPIRES_AT},
    )
    return True


def _wait_until_active(client: Any, table_name: str, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        table = client.describe_table(TableName=table_name)["Table"]
        statuses = [table["TableStatus"]] + [
            index["IndexStatus"] for index in table.get("GlobalSecondaryIndexes", [])
        ]
        if all(status == "ACTIVE" for status in statuses):
            return table
        if time.monotonic() > deadline:
            raise TimeoutError(f"Table {table_name} not active after {timeout}s")
        time.sleep(0.5)
