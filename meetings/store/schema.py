"""The process's DynamoDB client and the meetings table's schema."""

from __future__ import annotations

import threading
import time
from typing import Any

import boto3
from botocore.config import Config
from django.conf import settings
from prometheus_client import Counter, Gauge

from ..retries import sdk_attempts

OWNER_INDEX = "by_owner"
TIMELINE_INDEX = "by_month"
ACTIVE_STATUS_INDEX = "by_active_status"
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

REQUESTS = Counter(
    "meetstream_dynamodb_requests_total",
    "HTTP requests sent to DynamoDB, retries included, by operation.",
    ["operation"],
)
# What the table is billed for: requests alone hide that a BatchGetItem of 100
# meetings or a transaction costs many units. From ConsumedCapacity, which the
# store asks for on every item operation (ReturnConsumedCapacity=TOTAL).
READ_CAPACITY = Counter(
    "meetstream_dynamodb_read_capacity_units_total",
    "Read capacity units DynamoDB reported consumed, indexes included, by operation.",
    ["operation"],
)
WRITE_CAPACITY = Counter(
    "meetstream_dynamodb_write_capacity_units_total",
    "Write capacity units DynamoDB reported consumed, indexes included, by operation.",
    ["operation"],
)
ERRORS = Counter(
    "meetstream_dynamodb_errors_total",
    "DynamoDB attempts that failed, retried ones included, by operation and code "
    "(throttles: ThrottlingException, ProvisionedThroughputExceededException).",
    ["operation", "code"],
)
# What the operator budgets, for alerts on consumed capacity (0: no budget).
CAPACITY_BUDGET = Gauge(
    "meetstream_dynamodb_capacity_budget_units",
    "Capacity units per second the operator budgets for the table, by kind.",
    ["kind"],
    multiprocess_mode="livemax",
)
READ_OPERATIONS = frozenset(
    {"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"}
)
WRITE_OPERATIONS = frozenset(
    {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}
)
# The operations that accept ReturnConsumedCapacity.
CAPACITY_OPERATIONS = READ_OPERATIONS | WRITE_OPERATIONS

_lock = threading.Lock()
_client: Any = None


def get_client() -> Any:
    """Return this process's DynamoDB client, building it on first use."""
    global _client
    if _client is None:
        with _lock:
            if _client is None:
                _client = build_client()
    return _client


def reset_client() -> None:
    """Forget the client, so the next use builds one from current settings."""
    global _client
    with _lock:
        _client = None


def build_client() -> Any:
    config = Config(
        retries={"mode": "standard", "max_attempts": sdk_attempts()},
        connect_timeout=settings.DYNAMODB_CONNECT_TIMEOUT,
        read_timeout=settings.DYNAMODB_READ_TIMEOUT,
        max_pool_connections=settings.DYNAMODB_MAX_POOL_CONNECTIONS,
    )
    client = boto3.session.Session().client(
        "dynamodb",
        region_name=settings.AWS_REGION,
        endpoint_url=settings.DYNAMODB_ENDPOINT_URL or None,
        config=config,
        **settings.DYNAMODB_CREDENTIALS,
    )
    client.meta.events.register("before-send.dynamodb", _count_request)
    client.meta.events.register("needs-retry.dynamodb", _count_error)
    return client


def publish_capacity_budget() -> None:
    """Export the configured capacity budget (settings), for the alert rules."""
    CAPACITY_BUDGET.labels("read").set(settings.DYNAMODB_READ_BUDGET)
    CAPACITY_BUDGET.labels("write").set(settings.DYNAMODB_WRITE_BUDGET)


def _count_error(
    response: Any = None,
    caught_exception: Any = None,
    operation: Any = None,
    **kwargs: Any,
) -> None:
    """Count a failed attempt; botocore asks after every attempt whether to retry."""
    if caught_exception is not None:
        code = type(caught_exception).__name__
    elif response is not None and "Error" in response[1]:
        code = response[1]["Error"].get("Code", "unknown")
    else:
        return
    name = operation.name if operation is not None else "unknown"
    ERRORS.labels(name, code).inc()


def _count_request(request: Any, **kwargs: Any) -> None:
    operation = request.headers.get("X-Amz-Target", b"")
    if isinstance(operation, bytes):
        operation = operation.decode()
    REQUESTS.labels(operation.rpartition(".")[2] or "unknown").inc()


def record_consumed_capacity(operation: str, consumed: Any) -> None:
    """Add the units one response's ConsumedCapacity reports to the counters.

    Batches and transactions report a list, one entry per table; the others
    one entry. An entry that does not split read from write units counts as
    the operation's kind. A missing ConsumedCapacity (moto's transactions)
    counts nothing.
    """
    if not consumed:
        return
    for entry in consumed if isinstance(consumed, list) else [consumed]:
        read = entry.get("ReadCapacityUnits")
        write = entry.get("WriteCapacityUnits")
        if read is None and write is None:
            units = entry.get("CapacityUnits") or 0
            if operation in READ_OPERATIONS:
                read = units
            else:
                write = units
        if read:
            READ_CAPACITY.labels(operation).inc(read)
        if write:
            WRITE_CAPACITY.labels(operation).inc(write)


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
