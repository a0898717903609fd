"""Faults neither emulator produces, injected with botocore's Stubber.

The repository takes its retry budgets and its clock as arguments: these tests
pass budgets that record their pauses instead of sleeping, and a fixed clock.
"""

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError
from botocore.stub import ANY, Stubber
from prometheus_client import REGISTRY

from meetings.domain import Meeting, Status, StoreThrottled, StoreUnavailable
from meetings.retries import BATCH_GET, TRANSACTION, Retry
from meetings.store.dynamodb import DynamoDBRepository
from meetings.store.dynamodb.changes import CHANGE_SHARDS
from meetings.store.dynamodb.counts import STATUS_COUNT_SHARDS

TABLE = "meetings"


@dataclass(frozen=True)
class RecordedRetry(Retry):
    """A retry budget that records the attempt number of each pause, unslept."""

    pauses: list[int] = field(default_factory=list)

    def sleep(self, attempt: int) -> None:
        self.pauses.append(attempt)


def offline_client():
    """Return a DynamoDB client with fake credentials, for a Stubber or a hook."""
    return boto3.client(
        "dynamodb",
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
    )


@pytest.fixture
def transaction_retry() -> RecordedRetry:
    """The store's budget for lost transactions, pausing without sleeping."""
    return RecordedRetry(attempts=TRANSACTION.attempts)


@pytest.fixture
def stubbed(transaction_retry):
    client = offline_client()
    repository = DynamoDBRepository(
        TABLE,
        client=client,
        transaction_retry=transaction_retry,
        batch_get_retry=RecordedRetry(attempts=BATCH_GET.attempts),
    )
    with Stubber(client) as stubber:
        yield repository, stubber
        stubber.assert_no_pending_responses()


def item(meeting_id: uuid.UUID) -> dict:
    return {
        "pk": {"S": f"MEETING#{meeting_id}"},
        "id": {"S": str(meeting_id)},
        "owner_id": {"S": "1"},
        "title": {"S": "Sync"},
        "status": {"S": "scheduled"},
        "progress": {"N": "0"},
        "created_at": {"S": "2026-11-28T10:00:00+00:00"},
        "updated_at": {"S": "2026-11-28T10:00:00+00:00"},
        "version": {"N": "1"},
    }


def keys(ids) -> list[dict]:
    return [{"pk": {"S": f"MEETING#{i}"}} for i in ids]


def test_get_many_retries_unprocessed_keys(stubbed):
    repository, stubber = stubbed
    ids = [uuid.uuid4() for _ in range(3)]
    stubber.add_response(
        "batch_get_item",
        {
            "Responses": {TABLE: [item(ids[0])]},
            "UnprocessedKeys": {TABLE: {"Keys": keys(ids[1:])}},
        },
        {
            "RequestItems": {TABLE: {"Keys": keys(ids), "ConsistentRead": False}},
            "ReturnConsumedCapacity": "TOTAL",
        },
    )
    stubber.add_response(
        "batch_get_item",
        {"Responses": {TABLE: [item(ids[1]), item(ids[2])]}, "UnprocessedKeys": {}},
        {
            "RequestItems": {TABLE: {"Keys": keys(ids[1:])}},
            "ReturnConsumedCapacity": "TOTAL",
        },
    )
    assert set(repository.get_many(ids)) == set(ids)


def test_get_many_sends_at_most_a_hundred_unique_keys_a_call(stubbed):
    repository, stubber = stubbed
    ids = [uuid.uuid4() for _ in range(150)]
    for chunk in (ids[:100], ids[100:]):
        stubber.add_response(
            "batch_get_item",
            {"Responses": {TABLE: [item(i) for i in chunk]}},
            {
                "RequestItems": {TABLE: {"Keys": keys(chunk), "ConsistentRead": False}},
                "ReturnConsumedCapacity": "TOTAL",
            },
        )
    assert len(repository.get_many(ids + ids[:10])) == 150


def test_get_many_gives_up_as_throttled_when_keys_stay_unprocessed(stubbed):
    repository, stubber = stubbed
    budget = RecordedRetry(attempts=3)
    repository = DynamoDBRepository(
        TABLE, client=repository.client, batch_get_retry=budget
    )
    ids = [uuid.uuid4()]
    for _ in range(3):
        stubber.add_response(
            "batch_get_item", {"UnprocessedKeys": {TABLE: {"Keys": keys(ids)}}}
        )
    with pytest.raises(StoreThrottled):
        repository.get_many(ids)
    # Three reads (the stubber holds no more), a pause before each re-read.
    assert budget.pauses == [1, 2]


def test_throttling_maps_to_store_throttled(stubbed):
    repository, stubber = stubbed
    stubber.add_client_error(
        "get_item", "ProvisionedThroughputExceededException", http_status_code=400
    )
    with pytest.raises(StoreThrottled):
        repository.get(uuid.uuid4())


def test_an_unreachable_endpoint_maps_to_store_unavailable():
    client = offline_client()

    def refuse(**kwargs):
        raise EndpointConnectionError(endpoint_url="http://127.0.0.1:9")

    client.meta.events.register("before-send.dynamodb.GetItem", refuse)
    with pytest.raises(StoreUnavailable):
        DynamoDBRepository(TABLE, client=client).get(uuid.uuid4())


def conflict(stubber: Stubber) -> None:
    """Queue a transaction cancelled because its counts shard was busy."""
    stubber.add_client_error(
        "transact_write_items",
        "TransactionCanceledException",
        http_status_code=400,
        modeled_fields={
            "CancellationReasons": [{"Code": "None"}, {"Code": "TransactionConflict"}]
        },
    )


def transition_on_its_shard(meeting: Meeting) -> dict:
    """Return the TransactWriteItems request of meeting's move to in_progress."""
    shard = meeting.id.int % STATUS_COUNT_SHARDS
    return {
        "TransactItems": [
            {"Update": ANY},
            {
                "Update": {
                    "TableName": TABLE,
                    "Key": {"pk": {"S": f"STATS#status_counts#{shard}"}},
                    "UpdateExpression": "ADD #c0 :c0, #c1 :c1",
                    "ExpressionAttributeNames": {
                        "#c0": "scheduled",
                        "#c1": "in_progress",
                    },
                    "ExpressionAttributeValues": {
                        ":c0": {"N": "-1"},
                        ":c1": {"N": "1"},
                    },
                }
            },
        ],
        "ReturnConsumedCapacity": "TOTAL",
    }


def test_a_transaction_conflict_on_the_counts_is_retried(stubbed):
    repository, stubber = stubbed
    conflict(stubber)
    stubber.add_response("transact_write_items", {})
    meeting = Meeting(owner_id="1", title="t")
    assert repository.add(meeting) == meeting


# Counts per status, kept on shards


@pytest.mark.parametrize("conflicts", [1, 2])
def test_a_transition_that_lost_races_for_its_shard_is_retried(
    stubbed, transaction_retry, conflicts
):
    repository, stubber = stubbed
    meeting = Meeting(owner_id="1", title="t")
    meeting.status = Status.IN_PROGRESS
    for _ in range(conflicts):
        conflict(stubber)
    stubber.add_response("transact_write_items", {}, transition_on_its_shard(meeting))
    saved = repository.update(meeting)
    assert (saved.status, saved.version) == (Status.IN_PROGRESS, 2)
    # A growing pause before each retry, so racing writers spread out.
    assert transaction_retry.pauses == list(range(1, conflicts + 1))


def test_a_write_that_keeps_losing_races_is_throttled(stubbed, transaction_retry):
    repository, stubber = stubbed
    meeting = Meeting(owner_id="1", title="t")
    meeting.status = Status.IN_PROGRESS
    attempts = transaction_retry.attempts
    for _ in range(attempts):
        conflict(stubber)
    with pytest.raises(StoreThrottled):
        repository.update(meeting)
    # All the budget's tries (the stubber holds no more), no pause after the last.
    assert transaction_retry.pauses == list(range(1, attempts))


def shard_keys() -> list[dict]:
    shards = [f"STATS#status_counts#{n}" for n in range(STATUS_COUNT_SHARDS)]
    return [{"pk": {"S": pk}} for pk in [*shards, "STATS#status_counts"]]


def test_status_counts_sum_every_shard_from_one_consistent_batch_get(stubbed):
    repository, stubber = stubbed
    stubber.add_response(
        "batch_get_item",
        {
            "Responses": {
                TABLE: [
                    {"pk": {"S": "STATS#status_counts#0"}, "scheduled": {"N": "5"}},
                    # A shard may go below zero after a recount moved its
                    # meetings' counts to shard 0; only the sum means anything.
                    {
                        "pk": {"S": "STATS#status_counts#7"},
                        "scheduled": {"N": "-1"},
                        "completed": {"N": "2"},
                    },
                    # The single item of older releases, until recounted.
                    {"pk": {"S": "STATS#status_counts"}, "failed": {"N": "3"}},
                ]
            }
        },
        {
            "RequestItems": {TABLE: {"Keys": shard_keys(), "ConsistentRead": True}},
            "ReturnConsumedCapacity": "TOTAL",
        },
    )
    counts = repository.status_counts()
    assert counts == {
        **dict.fromkeys(Status, 0),
        Status.SCHEDULED: 4,
        Status.COMPLETED: 2,
        Status.FAILED: 3,
    }


def test_recount_puts_totals_on_shard_zero_zeros_elsewhere_and_drops_the_old_item(
    stubbed, transaction_retry
):
    repository, stubber = stubbed
    stubber.add_response(
        "scan",
        {
            "Items": [{"status": {"S": "scheduled"}}] * 2,
            "LastEvaluatedKey": {"pk": {"S": "MEETING#x"}},
        },
    )
    stubber.add_response("scan", {"Items": [{"status": {"S": "failed"}}]})
    zeros = {status.value: {"N": "0"} for status in Status}
    shards = [
        {
            "Put": {
                "TableName": TABLE,
                "Item": {
                    "pk": {"S": f"STATS#status_counts#{n}"},
                    **zeros,
                    **(
                        {"scheduled": {"N": "2"}, "failed": {"N": "1"}}
                        if n == 0
                        else {}
                    ),
                },
            }
        }
        for n in range(STATUS_COUNT_SHARDS)
    ]
    legacy = {
        "Delete": {"TableName": TABLE, "Key": {"pk": {"S": "STATS#status_counts"}}}
    }
    expected = {
        "TransactItems": [*shards, legacy],
        "ReturnConsumedCapacity": "TOTAL",
    }
    # It writes every shard, so it can meet any write's transaction: retried too.
    conflict(stubber)
    stubber.add_response("transact_write_items", {}, expected)
    counts = repository.recount_statuses()
    assert counts == {**dict.fromkeys(Status, 0), Status.SCHEDULED: 2, Status.FAILED: 1}
    assert transaction_retry.pauses == [1]


# The change index


def test_a_deletion_is_stamped_by_the_repository_clock(stubbed):
    repository, stubber = stubbed
    now = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
    repository = DynamoDBRepository(TABLE, client=repository.client, clock=lambda: now)
    meeting = Meeting(owner_id="1", title="t")
    tombstone = {
        "pk": {"S": f"TOMBSTONE#{meeting.id}"},
        "owner_id": {"S": "1"},
        "version": {"N": "2"},
        "deleted": {"BOOL": True},
        "change_shard": {"N": str((meeting.id.int >> 64) % CHANGE_SHARDS)},
        "changed_at": {"N": str(int(now.timestamp()) * 1000)},
        # TTL removes it a day later.
        "expires_at": {"N": str(int(now.timestamp()) + 24 * 3600)},
    }
    expected = {
        "TransactItems": [
            {"Delete": ANY},
            {"Update": ANY},
            {"Put": {"TableName": TABLE, "Item": tombstone}},
        ],
        "ReturnConsumedCapacity": "TOTAL",
    }
    stubber.add_response("transact_write_items", {}, expected)
    repository.remove(meeting)


# Consumed capacity


def capacity(kind: str, operation: str) -> float:
    sample = REGISTRY.get_sample_value(
        f"meetstream_dynamodb_{kind}_capacity_units_total", {"operation": operation}
    )
    return sample or 0.0


def test_consumed_capacity_is_asked_for_and_counted_by_operation(stubbed):
    repository, stubber = stubbed
    meeting_id = uuid.uuid4()
    before = capacity("read", "GetItem"), capacity("write", "GetItem")
    stubber.add_response(
        "get_item",
        {
            "Item": item(meeting_id),
            "ConsumedCapacity": {"TableName": TABLE, "CapacityUnits": 1.5},
        },
        {
            "TableName": TABLE,
            "Key": {"pk": {"S": f"MEETING#{meeting_id}"}},
            "ConsistentRead": True,
            "ReturnConsumedCapacity": "TOTAL",
        },
    )
    repository.get(meeting_id)
    assert capacity("read", "GetItem") == before[0] + 1.5
    assert capacity("write", "GetItem") == before[1]


def test_capacity_split_into_read_and_write_units_is_counted_as_split(stubbed):
    repository, stubber = stubbed
    before = capacity("read", "TransactWriteItems")
    before_write = capacity("write", "TransactWriteItems")
    stubber.add_response(
        "transact_write_items",
        {
            "ConsumedCapacity": [
                {
                    "TableName": TABLE,
                    "CapacityUnits": 6.0,
                    "ReadCapacityUnits": 2.0,
                    "WriteCapacityUnits": 4.0,
                }
            ]
        },
    )
    repository.add(Meeting(owner_id="1", title="t"))
    assert capacity("read", "TransactWriteItems") == before + 2.0
    assert capacity("write", "TransactWriteItems") == before_write + 4.0


def test_a_response_without_consumed_capacity_counts_nothing(stubbed):
    repository, stubber = stubbed
    before = capacity("write", "TransactWriteItems")
    # moto answers transactions with an empty list, stubs with nothing at all.
    stubber.add_response("transact_write_items", {"ConsumedCapacity": []})
    stubber.add_response("transact_write_items", {})
    repository.add(Meeting(owner_id="1", title="t"))
    repository.add(Meeting(owner_id="1", title="t"))
    assert capacity("write", "TransactWriteItems") == before
