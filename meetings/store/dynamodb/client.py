"""The DynamoDB client: one per process, each call counted, retried and translated.

Every call to DynamoDB goes through Table.call, which asks item operations for
the capacity they consume (the counters on /metrics) and turns DynamoDB's
errors into the domain's: nothing above the store sees boto3. Batch reads and
transactions are retried here, by the budgets of meetings/retries.py. Inside
retries.failing_fast() (a page load, the stream's poller) calls use a client
that gives up sooner, by a quick budget of the retry table.
"""

from __future__ import annotations

import threading
from typing import Any

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore import xform_name
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from prometheus_client import Counter, Gauge

from ...domain import StoreThrottled, StoreUnavailable
from ...retries import (
    BATCH_GET,
    TRANSACTION,
    QuickBudget,
    Retry,
    quick_budget,
    sdk_attempts,
)

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
    {"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems", "ExecuteStatement"}
)
WRITE_OPERATIONS = frozenset(
    {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}
)
# The operations that accept ReturnConsumedCapacity.
CAPACITY_OPERATIONS = READ_OPERATIONS | WRITE_OPERATIONS

THROTTLING_CODES = {
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
# A write alone is the single-item operation of its kind; writes together are
# a transaction of such items.
SINGLE_WRITES = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem"}

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()
_lock = threading.Lock()
# The process's clients: the SDK's budget from settings (None), and one per
# quick budget.
_clients: dict[QuickBudget | None, Any] = {}


def get_client() -> Any:
    """Return this process's DynamoDB client (quick when failing fast), built once."""
    budget = quick_budget()
    client = _clients.get(budget)
    if client is None:
        with _lock:
            client = _clients.get(budget)
            if client is None:
                client = _clients[budget] = build_client(budget)
    return client


def reset_client() -> None:
    """Forget the clients, so the next use builds them from current settings."""
    with _lock:
        _clients.clear()


def build_client(budget: QuickBudget | None = None) -> Any:
    """Return a new DynamoDB client from settings (and budget), counted."""
    retries = {"mode": "standard", "max_attempts": sdk_attempts()}
    connect_timeout = settings.DYNAMODB_CONNECT_TIMEOUT
    read_timeout = settings.DYNAMODB_READ_TIMEOUT
    if budget is not None:
        # botocore's max_attempts counts the retries; this, every try.
        tries = min(sdk_attempts() + 1, budget.tries)
        retries = {"mode": "standard", "total_max_attempts": tries}
        connect_timeout = min(connect_timeout, budget.connect_timeout)
        read_timeout = min(read_timeout, budget.read_timeout)
    config = Config(
        retries=retries,
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
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


def serialize(values: dict[str, Any]) -> dict[str, Any]:
    """Return values as DynamoDB attribute values, leaving out the None ones."""
    return {
        name: _serializer.serialize(value)
        for name, value in values.items()
        if value is not None
    }


def deserialize(item: dict[str, Any]) -> dict[str, Any]:
    """Return the plain values of an item's DynamoDB attribute values."""
    return {name: _deserializer.deserialize(value) for name, value in item.items()}


class ConditionFailed(Exception):
    """A conditional write found the item otherwise: item is what it found."""

    def __init__(self, item: dict | None):
        self.item = item


class TransactionConflict(Exception):
    """Another transaction was changing the same item at the same moment."""


class Table:
    """One table through this process's client: calls, batch reads, writes."""

    def __init__(
        self,
        name: str,
        client: Any = None,
        *,
        transaction_retry: Retry = TRANSACTION,
        batch_get_retry: Retry = BATCH_GET,
    ) -> None:
        self.name = name
        self._client = client
        self.transaction_retry = transaction_retry
        self.batch_get_retry = batch_get_retry

    @property
    def client(self) -> Any:
        """Return the client given, else this process's (quick or full) one."""
        return self._client if self._client is not None else get_client()

    def call(self, operation: str, **kwargs: Any) -> dict:
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
                raise ConditionFailed(deserialize(item) if item else None) from None
            if code == "TransactionCanceledException":
                raise _cancellation(error) from None
            if code in THROTTLING_CODES:
                raise StoreThrottled("DynamoDB is throttling requests.") from error
            if code in _UNAVAILABLE_CODES:
                raise StoreUnavailable(f"DynamoDB is unavailable ({code}).") from error
            raise
        except BotoCoreError as error:
            raise StoreUnavailable("DynamoDB cannot be reached.") from error
        record_consumed_capacity(operation, response.get("ConsumedCapacity"))
        return response

    def batch_get(self, keys: list[dict], consistent: bool) -> list[dict]:
        """Return the items of keys (at most 100) found, read with BatchGetItem.

        Keys DynamoDB leaves unprocessed are read again after a jittered pause;
        still unprocessed after the budget's attempts, raise StoreThrottled.
        """
        items: list[dict] = []
        pending = {self.name: {"Keys": keys, "ConsistentRead": consistent}}
        for attempt in range(self.batch_get_retry.attempts):
            if attempt:
                self.batch_get_retry.sleep(attempt)
            response = self.call("BatchGetItem", RequestItems=pending)
            items.extend(
                deserialize(raw)
                for raw in response.get("Responses", {}).get(self.name, [])
            )
            pending = response.get("UnprocessedKeys") or {}
            if not pending:
                return items
        raise StoreThrottled(
            "DynamoDB left keys unprocessed after retries; try again shortly."
        )

    def write(self, items: list[dict]) -> None:
        """Run transaction items ({"Put": request}, …): one alone as its single
        write, several together in one transaction."""
        if len(items) == 1:
            ((kind, request),) = items[0].items()
            self.call(SINGLE_WRITES[kind], **request)
            return
        self.transact(items)

    def transact(self, items: list[dict]) -> None:
        """Run TransactWriteItems, again after a jittered pause when it lost a race.

        A TransactionConflict means another transaction was writing one of the
        same items at that moment: for a meeting's write, the same counts
        shard. After the budget's attempts, raise StoreThrottled.
        """
        for attempt in range(1, self.transaction_retry.attempts + 1):
            try:
                self.call("TransactWriteItems", TransactItems=items)
                return
            except TransactionConflict:
                if attempt == self.transaction_retry.attempts:
                    raise StoreThrottled(
                        "Too many concurrent changes; try again shortly."
                    ) from None
                self.transaction_retry.sleep(attempt)


def _cancellation(error: ClientError) -> Exception:
    """Explain a cancelled transaction by its first item's reason."""
    reasons = error.response.get("CancellationReasons") or [{}]
    first = reasons[0]
    if first.get("Code") == "ConditionalCheckFailed":
        item = first.get("Item")
        return ConditionFailed(deserialize(item) if item else None)
    if any(reason.get("Code") == "TransactionConflict" for reason in reasons):
        return TransactionConflict()
    if any(reason.get("Code") in THROTTLING_CODES for reason in reasons):
        return StoreThrottled("DynamoDB is throttling requests.")
    return error


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
