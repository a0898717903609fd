"""Listing meetings: pages over three indexes, newest first, within a read budget.

An owner's meetings come from the owner index; everyone's in an active status
from the sparse status index, and the rest from the monthly timeline, walked
back a month at a time. A filter that drops items makes a page read more, up
to MAX_READS_PER_PAGE Queries, then the page returns what it found with a
position to continue from (docs/dynamodb.md, "Indexes" and "Paging").
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings

from ...domain import InvalidCursor, ListQuery, Meeting
from ..base import Position
from .client import Table, deserialize, serialize
from .items import from_item
from .schema import (
    ACTIVE_STATUS_INDEX,
    INDEXED_STATUSES,
    OWNER_INDEX,
    TIMELINE_INDEX,
    index_keys,
)

# Reads one listing request may make, so a rare filter cannot run away.
MAX_READS_PER_PAGE = 25
# Items one Query call examines when a filter will drop some of them.
FILTERED_READ_SIZE = 200


def page(
    table: Table, query: ListQuery, position: Position, now: datetime
) -> tuple[list[Meeting], Position | None]:
    """Return query's meetings from position on, and the position after them.

    now names the timeline's newest month.
    """
    if query.owner_id:
        index = (OWNER_INDEX, "owner_id", query.owner_id)
    elif query.status in INDEXED_STATUSES:
        index = (ACTIVE_STATUS_INDEX, "active_status", str(query.status))
    else:
        return _timeline_page(table, query, position, now)
    return _index_page(table, *index, query, position)


class _ReadBudget:
    def __init__(self, reads: int):
        self.left = reads

    def spend(self) -> None:
        self.left -= 1

    def spent(self) -> bool:
        return self.left <= 0


def _index_page(
    table: Table,
    index: str,
    partition: str,
    value: str,
    query: ListQuery,
    position: Position,
) -> tuple[list[Meeting], Position | None]:
    params = _query_params(table.name, index, partition, value, query)
    items, next_key = _read_pages(
        table,
        params,
        partition,
        query.limit,
        position.get("key"),
        _ReadBudget(MAX_READS_PER_PAGE),
    )
    meetings = [from_item(item) for item in items]
    return meetings, {"key": next_key} if next_key else None


def _timeline_page(
    table: Table, query: ListQuery, position: Position, now: datetime
) -> tuple[list[Meeting], Position | None]:
    """Walk the monthly buckets of the timeline index, newest month first."""
    month = position.get("month") or now.strftime("%Y-%m")
    start_key = position.get("key")
    if not isinstance(month, str) or not _is_month(month):
        raise InvalidCursor()
    items: list[dict] = []
    next_key = None
    budget = _ReadBudget(MAX_READS_PER_PAGE)
    while month >= settings.MEETINGS_EPOCH_MONTH:
        params = _query_params(
            table.name, TIMELINE_INDEX, "created_month", month, query
        )
        found, next_key = _read_pages(
            table,
            params,
            "created_month",
            query.limit - len(items),
            start_key,
            budget,
        )
        items.extend(found)
        if next_key:
            break
        month, start_key = _previous_month(month), None
        if len(items) == query.limit or budget.spent():
            break
    meetings = [from_item(item) for item in items]
    if next_key or month >= settings.MEETINGS_EPOCH_MONTH:
        return meetings, {"month": month, "key": next_key}
    return meetings, None


def _query_params(
    table_name: str, index: str, partition: str, value: str, query: ListQuery
) -> dict[str, Any]:
    names = {"#p": partition}
    values: dict[str, Any] = {":p": value}
    filters = []
    if query.status and index != ACTIVE_STATUS_INDEX:
        names["#status"] = "status"
        values[":status"] = str(query.status)
        filters.append("#status = :status")
    if query.title_contains:
        names["#title_lower"] = "title_lower"
        values[":q"] = query.title_contains.lower()
        filters.append("contains(#title_lower, :q)")
    params = {
        "TableName": table_name,
        "IndexName": index,
        "KeyConditionExpression": "#p = :p",
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": serialize(values),
        "ScanIndexForward": False,
    }
    if filters:
        params["FilterExpression"] = " AND ".join(filters)
    return params


def _read_pages(
    table: Table,
    params: dict[str, Any],
    partition: str,
    limit: int,
    start_key: dict | None,
    budget: _ReadBudget,
) -> tuple[list[dict], dict | None]:
    """Query until limit items pass the filter, the index ends or reads run out.

    Return the items and the key to resume after the last one returned.
    """
    filtered = "FilterExpression" in params
    items: list[dict] = []
    key = start_key
    while limit > len(items):
        request = dict(params, Limit=FILTERED_READ_SIZE if filtered else limit)
        if key:
            request["ExclusiveStartKey"] = key
        response = table.call("Query", **request)
        budget.spend()
        for raw in response["Items"]:
            items.append(deserialize(raw))
            if len(items) == limit:
                # Resume right after this item, not after the whole read.
                return items, {name: raw[name] for name in index_keys(partition)}
        key = response.get("LastEvaluatedKey")
        if not key or budget.spent():
            return items, key
    return items, key


def _is_month(value: str) -> bool:
    try:
        datetime.strptime(value, "%Y-%m")
    except ValueError:
        return False
    return True


def _previous_month(month: str) -> str:
    year, number = map(int, month.split("-"))
    return f"{year - 1}-12" if number == 1 else f"{year}-{number - 1:02d}"
