"""Scanning every meeting: the table page by page, for maintenance only.

The search index's rebuild reads the whole table through scan(); no request
path ever scans (docs/dynamodb.md, "Indexes"). Each page is one Scan call,
eventually consistent (half a read unit per 4 KB read), that skips the items
that are not meetings (status-count shards, tombstones), and its position is
the Scan's LastEvaluatedKey as plain data, which a rebuild stores to resume.
"""

from __future__ import annotations

from typing import Any

from ...domain import InvalidCursor, ScanPage
from .client import Table, deserialize, serialize
from .items import from_item
from .schema import MEETING_PREFIX


def scan(table: Table, position: dict[str, Any] | None, limit: int) -> ScanPage:
    """Return the meetings among the next limit items after position, and the
    position after them (None at the end of the table)."""
    request: dict[str, Any] = {
        "TableName": table.name,
        "Limit": limit,
        "FilterExpression": "begins_with(pk, :meeting)",
        "ExpressionAttributeValues": serialize({":meeting": MEETING_PREFIX}),
    }
    if position:
        if set(position) != {"pk"} or not isinstance(position["pk"], str):
            raise InvalidCursor()
        request["ExclusiveStartKey"] = serialize(position)
    response = table.call("Scan", **request)
    meetings = [from_item(deserialize(raw)) for raw in response["Items"]]
    last = response.get("LastEvaluatedKey")
    return ScanPage(meetings, deserialize(last) if last else None)
