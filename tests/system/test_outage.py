"""A 20 s DynamoDB outage under light load: 503s, error events, full recovery."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from meetings import services
from meetings.store import get_repository
from tests.conftest import access_token_for
from tests.support.watchers import Watcher, wait_until

pytestmark = pytest.mark.system
OUTAGE_SECONDS = 20
# Connect timeout 0.5 s, 2 attempts: no request may take much longer.
MAX_REQUEST_SECONDS = 4


def test_an_outage_gives_503s_and_error_events_then_everything_recovers(
    servers, own_dynamodb, alice
):
    server = servers(
        DYNAMODB_ENDPOINT_URL=own_dynamodb.endpoint_url,
        DYNAMODB_CONNECT_TIMEOUT=0.5,
        DYNAMODB_READ_TIMEOUT=1,
        DYNAMODB_MAX_ATTEMPTS=2,
        # The load creates a few meetings a second: above the default quota.
        MEETINGS_CREATE_RATE="10000/min",
        API_READ_RATE="",
        API_WRITE_RATE="",
    )
    repository = get_repository()
    meetings = [
        services.create_meeting(str(alice.pk), {"title": f"m{n}"}) for n in range(3)
    ]
    headers = {"Authorization": f"Bearer {access_token_for(alice)}"}
    load = asyncio.run(_scenario(server, own_dynamodb, meetings, headers))

    assert load["server_errors"] == [], load["server_errors"][:3]
    assert load["slowest"] < MAX_REQUEST_SECONDS
    assert load["503"] > 0, "the outage was not noticed"
    for meeting_id in load["created"]:
        assert repository.get(meeting_id)  # every acknowledged create is there
    for meeting_id, versions in load["patched"].items():
        final = repository.get(meeting_id).version
        assert len(set(versions)) == len(versions)
        assert max(versions, default=0) <= final


async def _scenario(server, dynamodb, meetings, headers) -> dict:
    load = {"server_errors": [], "slowest": 0.0, "503": 0, "created": [], "patched": {}}
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        watchers = [
            Watcher(f"/v1/meetings/{m.id}/events", headers) for m in meetings * 2
        ]
        tasks = [asyncio.create_task(w.run(client)) for w in watchers]
        stop = asyncio.Event()
        loader = asyncio.create_task(_load(client, headers, meetings, load, stop))
        try:
            await wait_until(lambda: all(w.connects for w in watchers), 15)
            await asyncio.sleep(1)
            dynamodb.stop()
            outage_started = time.monotonic()
            await wait_until(lambda: all(w.errors for w in watchers), 10)
            await asyncio.sleep(
                max(0, OUTAGE_SECONDS - (time.monotonic() - outage_started))
            )
            dynamodb.start()
            await asyncio.sleep(3)
            stop.set()
            await loader
            # Streams stayed open through the outage and caught up afterwards.
            assert all(w.connects == 1 for w in watchers), [
                w.connects for w in watchers
            ]
            repository = get_repository()
            final = {str(m.id): repository.get(m.id).version for m in meetings}
            await wait_until(
                lambda: all(
                    w.latest == {_watched(w): final[_watched(w)]} for w in watchers
                ),
                10,
            )
        finally:
            stop.set()
            for task in [*tasks, loader]:
                task.cancel()
            await asyncio.gather(*tasks, loader, return_exceptions=True)
    return load


def _watched(watcher: Watcher) -> str:
    return watcher.url.split("/")[3]


async def _load(client, headers, meetings, load, stop: asyncio.Event) -> None:
    """Read, create and patch a few times a second, recording every answer."""
    number = 0
    while not stop.is_set():
        number += 1
        meeting = meetings[number % len(meetings)]
        for method, url, body in (
            ("GET", f"/v1/meetings/{meeting.id}", None),
            ("GET", "/v1/meetings", None),
            ("PATCH", f"/v1/meetings/{meeting.id}", {"status_message": f"w{number}"}),
            ("POST", "/v1/meetings", {"title": f"new {number}"}),
        ):
            started = time.monotonic()
            response = await client.request(method, url, json=body, headers=headers)
            load["slowest"] = max(load["slowest"], time.monotonic() - started)
            if response.status_code >= 500 and response.status_code != 503:
                load["server_errors"].append((method, url, response.status_code))
            elif response.status_code == 503:
                load["503"] += 1
                assert response.headers["Retry-After"].isdigit()
                assert response.json()["error"]["code"] == "store_unavailable"
            elif method == "POST":
                assert response.status_code == 201, response.text
                load["created"].append(response.json()["id"])
            elif method == "PATCH":
                assert response.status_code == 200, response.text
                load["patched"].setdefault(str(meeting.id), []).append(
                    response.json()["version"]
                )
        await asyncio.sleep(0.2)
