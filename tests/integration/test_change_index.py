"""The change index on a table made before it: ensure_table adds it, writes fill it."""

import uuid
from datetime import timedelta

import pytest

from meetings.domain import Meeting, utcnow
from meetings.store.dynamodb import DynamoDBRepository
from meetings.store.dynamodb.client import get_client
from meetings.store.dynamodb.items import to_item
from meetings.store.dynamodb.schema import (
    CHANGE_INDEX,
    ensure_table,
    table_definition,
)
from tests.conftest import raw_client

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["moto", "dynamodb_local"])
def table(request):
    """A fresh table on moto, or on a DynamoDB Local of the test's own.

    Not the session's DynamoDB Local: once it holds dozens of tables with TTL
    on (every other test's), it leaves a newly added index CREATING for minutes.
    """
    name = "moto_table" if request.param == "moto" else "own_dynamodb"
    return request.getfixturevalue(name)


def old_table_definition(name: str) -> dict:
    """Return the CreateTable request of the releases before the change index."""
    definition = table_definition(name)
    definition["GlobalSecondaryIndexes"] = [
        index
        for index in definition["GlobalSecondaryIndexes"]
        if index["IndexName"] != CHANGE_INDEX
    ]
    definition["AttributeDefinitions"] = [
        attribute
        for attribute in definition["AttributeDefinitions"]
        if attribute["AttributeName"] not in ("change_shard", "changed_at")
    ]
    return definition


def test_ensure_table_adds_the_change_index_to_an_older_table(table, settings, request):
    if request.node.callspec.params["table"] == "moto":
        pytest.skip("moto's PartiQL cannot SELECT from an index (changed_since)")
    name = f"old-{uuid.uuid4().hex[:8]}"
    client = raw_client(settings)
    client.create_table(**old_table_definition(name))
    client.get_waiter("table_exists").wait(TableName=name)
    written_before = Meeting(owner_id="1", title="written by the old release")
    item = to_item(written_before, utcnow())
    for attribute in ("change_shard", "changed_at"):
        del item[attribute]
    client.put_item(
        TableName=name,
        Item={
            key: {"N": str(v)} if isinstance(v, int) else {"S": v}
            for key, v in item.items()
            if isinstance(v, (int, str))
        },
    )

    created = ensure_table(get_client(), name)
    assert CHANGE_INDEX in created
    assert ensure_table(get_client(), name) == []  # idempotent
    repository = DynamoDBRepository(name)
    since = utcnow() - timedelta(minutes=5)
    # An item from before is not in the sparse index until its next write.
    assert repository.changed_since(since) == []
    meeting = repository.get(written_before.id)
    meeting.title = "written after the upgrade"
    repository.update(meeting)
    (change,) = repository.changed_since(since)
    assert (change.meeting_id, change.version) == (meeting.id, 2)


def test_ensure_table_lets_tombstones_expire(table, settings):
    described = raw_client(settings).describe_time_to_live(
        TableName=settings.DYNAMODB_TABLE
    )["TimeToLiveDescription"]
    assert described["TimeToLiveStatus"] in ("ENABLED", "ENABLING")
    assert described["AttributeName"] == "expires_at"
