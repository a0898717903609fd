"""Capacity DynamoDB reports consumed, counted for /metrics, on DynamoDB Local."""

from collections import defaultdict

import pytest
from prometheus_client import REGISTRY

from meetings.domain import ListQuery, Meeting, Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(local_repository) -> list[tuple[str, str | None]]:
    """Record each call the store makes: its operation and ReturnConsumedCapacity."""
    calls: list[tuple[str, str | None]] = []

    def record(params, model, **kwargs) -> None:
        calls.append((model.name, params.get("ReturnConsumedCapacity")))

    events = local_repository.client.meta.events
    events.register("before-parameter-build.dynamodb", record, unique_id="test-sent")
    yield calls
    events.unregister("before-parameter-build.dynamodb", unique_id="test-sent")


@pytest.fixture
def reported(local_repository) -> dict[str, float]:
    """Sum the CapacityUnits DynamoDB reports, by operation, as it answers."""
    units: dict[str, float] = defaultdict(float)

    def record(parsed, model, **kwargs) -> None:
        consumed = parsed.get("ConsumedCapacity") or []
        for entry in consumed if isinstance(consumed, list) else [consumed]:
            units[model.name] += entry["CapacityUnits"]

    events = local_repository.client.meta.events
    events.register("after-call.dynamodb", record, unique_id="test-reported")
    yield units
    events.unregister("after-call.dynamodb", unique_id="test-reported")


def capacity(kind: str, operation: str) -> float:
    sample = REGISTRY.get_sample_value(
        f"meetstream_dynamodb_{kind}_capacity_units_total", {"operation": operation}
    )
    return sample or 0.0


def six_kilobyte_meeting() -> Meeting:
    return Meeting(
        owner_id="1",
        title="Large",
        description="x" * 5_000,
        participants=[f"person{n:02d}@example.com" for n in range(40)],
    )


def test_every_item_operation_asks_for_its_consumed_capacity(local_repository, sent):
    repository = local_repository
    meeting = repository.add(Meeting(owner_id="1", title="t"))
    repository.get(meeting.id)
    repository.get_many([meeting.id])
    repository.list(ListQuery("1", owner_id="1"))
    repository.list(ListQuery("s"))
    meeting.title = "renamed"
    meeting = repository.update(meeting)
    meeting.status = Status.IN_PROGRESS
    meeting = repository.update(meeting)
    repository.status_counts()
    repository.recount_statuses()
    repository.remove(meeting)
    repository.changed_since(meeting.updated_at)
    repository.ping()
    item_operations = {operation for operation, _ in sent} - {"DescribeTable"}
    assert item_operations == {
        "TransactWriteItems",
        "GetItem",
        "BatchGetItem",
        "Query",
        "UpdateItem",
        "Scan",
        "ExecuteStatement",
    }
    assert all(
        asked == "TOTAL" for operation, asked in sent if operation != "DescribeTable"
    )


def test_reads_and_transactions_move_the_counters_by_what_dynamodb_reports(
    local_repository, reported, client
):
    repository = local_repository
    meeting = repository.add(six_kilobyte_meeting())
    before = {
        "GetItem": capacity("read", "GetItem"),
        "BatchGetItem": capacity("read", "BatchGetItem"),
        "TransactWriteItems": capacity("write", "TransactWriteItems"),
    }
    # Reads should count no write units, writes no read units.
    unmoved = capacity("write", "GetItem"), capacity("read", "TransactWriteItems")
    reported.clear()
    repository.get(meeting.id)
    repository.get_many([meeting.id])
    meeting.status = Status.IN_PROGRESS
    repository.update(meeting)

    assert set(reported) == {"GetItem", "BatchGetItem", "TransactWriteItems"}
    assert capacity("read", "GetItem") - before["GetItem"] == reported["GetItem"]
    assert (
        capacity("read", "BatchGetItem") - before["BatchGetItem"]
        == reported["BatchGetItem"]
    )
    assert (
        capacity("write", "TransactWriteItems") - before["TransactWriteItems"]
        == reported["TransactWriteItems"]
    )
    # Units, not requests: a 6 KB meeting read eventually consistent costs 1
    # unit, consistently 2, and the transition writes it and its indexes twice.
    assert reported["BatchGetItem"] == 1.0
    assert reported["GetItem"] == 2.0
    assert reported["TransactWriteItems"] > 2
    assert (
        capacity("write", "GetItem"),
        capacity("read", "TransactWriteItems"),
    ) == unmoved

    metrics = client.get("/metrics").content.decode()
    for line in (
        'meetstream_dynamodb_read_capacity_units_total{operation="BatchGetItem"}',
        'meetstream_dynamodb_write_capacity_units_total{operation="TransactWriteItems"}',
    ):
        assert line in metrics
