"""Counts per status on write shards, and the move from one item, on DynamoDB Local."""

import pytest

from meetings.domain import Meeting, Status
from meetings.store.dynamodb.counts import (
    LEGACY_STATUS_COUNTS_PK,
    STATUS_COUNT_SHARD_PREFIX,
    STATUS_COUNT_SHARDS,
)
from tests.conftest import raw_client

SHARDS = [f"{STATUS_COUNT_SHARD_PREFIX}{n}" for n in range(STATUS_COUNT_SHARDS)]


@pytest.fixture
def transactions(local_repository) -> list[set[str]]:
    """Record the keys of the items each TransactWriteItems call writes."""
    written: list[set[str]] = []

    def record(params, **kwargs) -> None:
        written.append({_key(entry) for entry in params["TransactItems"]})

    events = local_repository.client.meta.events
    event = "before-parameter-build.dynamodb.TransactWriteItems"
    events.register(event, record, unique_id="test-transactions")
    yield written
    events.unregister(event, unique_id="test-transactions")


def _key(entry: dict) -> str:
    (write,) = entry.values()
    return (write.get("Key") or write["Item"])["pk"]["S"]


def test_no_item_is_written_by_every_status_change(local_repository, transactions):
    repository = local_repository
    meetings = [repository.add(Meeting(owner_id="1", title=f"m{n}")) for n in range(32)]
    for n, meeting in enumerate(meetings):
        meeting.status = Status.IN_PROGRESS
        moved = repository.update(meeting)
        if n % 2:
            repository.remove(moved)
    assert len(transactions) == 32 + 32 + 16
    assert set.intersection(*transactions) == set()
    # A delete also puts its meeting's own tombstone (the change index's).
    own_items = {
        f"{kind}#{m.id}" for m in meetings for kind in ("MEETING", "TOMBSTONE")
    }
    counts_items = [keys - own_items for keys in transactions]
    # Each write adjusts exactly one shard, never the single item of old.
    assert all(len(keys) == 1 for keys in counts_items)
    used = set.union(*counts_items)
    assert used <= set(SHARDS) and len(used) > 1
    assert repository.status_counts() == repository.recount_statuses()


def _stored(settings, pk: str) -> dict[str, int] | None:
    item = raw_client(settings).get_item(
        TableName=settings.DYNAMODB_TABLE, Key={"pk": {"S": pk}}, ConsistentRead=True
    )
    if "Item" not in item:
        return None
    return {
        name: int(value["N"]) for name, value in item["Item"].items() if "N" in value
    }


def test_counts_of_an_older_release_count_until_a_recount_moves_them_to_the_shards(
    local_repository, settings
):
    repository = local_repository
    client = raw_client(settings)
    table = settings.DYNAMODB_TABLE
    first, second = (repository.add(Meeting(owner_id="1", title=t)) for t in "ab")
    # The table as an older release left it: no shards, one counts item.
    for pk in SHARDS:
        client.delete_item(TableName=table, Key={"pk": {"S": pk}})
    client.put_item(
        TableName=table,
        Item={"pk": {"S": LEGACY_STATUS_COUNTS_PK}, "scheduled": {"N": "2"}},
    )
    # After the upgrade, before any recount: writes go to the shards, and the
    # counts are still exact because the old item is read with them.
    first.status = Status.IN_PROGRESS
    repository.update(first)
    repository.add(Meeting(owner_id="1", title="c"))
    expected = {
        **dict.fromkeys(Status, 0),
        Status.SCHEDULED: 2,
        Status.IN_PROGRESS: 1,
    }
    assert repository.status_counts() == expected

    assert repository.recount_statuses() == expected
    assert _stored(settings, LEGACY_STATUS_COUNTS_PK) is None
    totals = {status.value: n for status, n in expected.items()}
    assert _stored(settings, SHARDS[0]) == totals
    for pk in SHARDS[1:]:
        assert _stored(settings, pk) == dict.fromkeys(totals, 0)
    assert repository.status_counts() == expected
    # Writes after the recount adjust the reset shards, below zero if need be.
    repository.remove(second)
    assert repository.status_counts()[Status.SCHEDULED] == 1


def test_a_recount_corrects_shards_that_drifted(local_repository, settings):
    repository = local_repository
    repository.add(Meeting(owner_id="1", title="a"))
    raw_client(settings).update_item(
        TableName=settings.DYNAMODB_TABLE,
        Key={"pk": {"S": SHARDS[3]}},
        UpdateExpression="ADD completed :n",
        ExpressionAttributeValues={":n": {"N": "7"}},
    )
    assert repository.status_counts()[Status.COMPLETED] == 7
    counts = repository.recount_statuses()
    assert counts == {**dict.fromkeys(Status, 0), Status.SCHEDULED: 1}
    assert repository.status_counts() == counts
