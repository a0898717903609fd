"""A naive SSE endpoint for comparison only: every stream polls DynamoDB itself.

`uvicorn bench.naive_sse:app`; GET /?meeting=<id> streams, GET /count reports
how many GetItem calls it has made. No auth, no Django: the cheapest possible
version of "each stream reads its meeting every 3 s".
"""

import asyncio
import json
import os
from urllib.parse import parse_qs

import boto3

INTERVAL = float(os.environ.get("SSE_POLL_INTERVAL", "3"))
TABLE = os.environ["DYNAMODB_TABLE"]
client = boto3.client(
    "dynamodb",
    endpoint_url=os.environ["DYNAMODB_ENDPOINT_URL"],
    region_name="us-east-1",
    aws_access_key_id="local",
    aws_secret_access_key="local",
)
requests_made = 0
HEADERS = [(b"content-type", b"text/event-stream; charset=utf-8")]


async def app(scope, receive, send) -> None:
    global requests_made
    if scope["type"] != "http":
        return
    if scope["path"] == "/count":
        body = json.dumps({"get_item": requests_made}).encode()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body})
        return
    meeting_id = parse_qs(scope["query_string"].decode())["meeting"][0]
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": b"event: connected\ndata: {}\n\n",
                "more_body": True})  # fmt: skip
    version = None
    while True:
        item = await asyncio.to_thread(
            client.get_item, TableName=TABLE, Key={"pk": {"S": f"MEETING#{meeting_id}"}}
        )
        requests_made += 1
        current = item.get("Item", {}).get("version", {}).get("N")
        if current != version:
            version = current
            event = f'event: status\ndata: {{"version": {current}}}\n\n'.encode()
            await send({"type": "http.response.body", "body": event, "more_body": True})
        try:
            async with asyncio.timeout(INTERVAL):
                if (await receive())["type"] == "http.disconnect":
                    return
        except TimeoutError:
            pass
