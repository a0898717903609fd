"""Faults neither emulator produces, injected with botocore's Stubber."""

import uuid

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError
from botocore.stub import Stubber

from meetings.domain import StoreThrottled, StoreUnavailable
from meetings.store import dynamodb
from meetings.store.dynamodb import DynamoDBRepository

TABLE = "meetings"


@pytest.fixture
def stubbed(monkeypatch):
    monkeypatch.setattr(dynamodb, "BACKOFF_BASE", 0.001)
    client = boto3.client(
        "dynamodb",
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
    )
    with Stubber(client) as stubber:
        yield DynamoDBRepository(TABLE, client=client), stubber
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
        {"RequestItems": {TABLE: {"Keys": keys(ids), "ConsistentRead": False}}},
    )
    stubber.add_response(
        "batch_get_item",
        {"Responses": {TABLE: [item(ids[1]), item(ids[2])]}, "UnprocessedKeys": {}},
        {"RequestItems": {TABLE: {"Keys": keys(ids[1:])}}},
    )
    assert set(repository.get_many(ids)) == set(ids)


def test_get_many_sends_at_most_a_hundred_unique_keys_a_call(stubbed):
    repository, stubber = stubbed
    ids = [uuid.uuid4() for _ in range(150)]
    for chunk in (ids[:100], ids[100:]):
        stubber.add_response(
            "batch_get_item",
            {"Responses": {TABLE: [item(i) for i in chunk]}},
            {"RequestItems": {TABLE: {"Keys": keys(chunk), "ConsistentRead": False}}},
        )
    assert len(repository.get_many(ids + ids[:10])) == 150


def test_get_many_gives_up_as_throttled_when_keys_stay_unprocessed(
    stubbed, monkeypatch
):
    monkeypatch.setattr(dynamodb, "UNPROCESSED_RETRIES", 2)
    repository, stubber = stubbed
    ids = [uuid.uuid4()]
    for _ in range(3):
        stubber.add_response(
            "batch_get_item", {"UnprocessedKeys": {TABLE: {"Keys": keys(ids)}}}
        )
    with pytest.raises(StoreThrottled):
        repository.get_many(ids)


def test_throttling_maps_to_store_throttled(stubbed):
    repository, stubber = stubbed
    stubber.add_client_error(
        "get_item", "ProvisionedThroughputExceededException", http_status_code=400
    )
    with pytest.raises(StoreThrottled):
        repository.get(uuid.uuid4())


def test_an_unreachable_endpoint_maps_to_store_unavailable():
    client = boto3.client(
        "dynamodb",
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
    )

    def refuse(**kwargs):
        raise EndpointConnectionError(endpoint_url="http://127.0.0.1:9")

    client.meta.events.register("before-send.dynamodb.GetItem", refuse)
    with pytest.raises(StoreUnavailable):
        DynamoDBRepository(TABLE, client=client).get(uuid.uuid4())


def test_a_transaction_conflict_on_the_counts_is_retried(stubbed):
    from meetings.domain import Meeting

    repository, stubber = stubbed
    stubber.add_client_error(
        "transact_write_items",
        "TransactionCanceledException",
        http_status_code=400,
        modeled_fields={
            "CancellationReasons": [{"Code": "None"}, {"Code": "TransactionConflict"}]
        },
    )
    stubber.add_response("transact_write_items", {})
    meeting = Meeting(owner_id="1", title="t")
    assert repository.add(meeting) == meeting
