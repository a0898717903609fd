"""Each user's share of the request threads, on a live server (config/user_share.py).

One user's burst wider than their share and queue gets 429 (`throttled`, with
Retry-After) once its wait is over, the rest of it is served, and another user
asking meanwhile is served at once. The timings are the bench's
(bench/rate_limits.py, docs/performance.md "Per-user rate limits").
"""

from __future__ import annotations

import asyncio

import httpx
import pytest

from meetings import services
from tests.conftest import access_token_for

pytestmark = pytest.mark.system
BURST = 40


def test_a_burst_past_its_share_gets_429_and_another_user_is_served(
    start_server, alice, bob
):
    server = start_server(
        DJANGO_REQUEST_USER_SHARE=1,
        DJANGO_REQUEST_USER_QUEUE=2,
        DJANGO_REQUEST_USER_WAIT=0.5,
        API_READ_RATE="",
    )
    mine = services.create_meeting(str(alice.pk), {"title": "Busy"})
    theirs = services.create_meeting(str(bob.pk), {"title": "Calm"})
    tokens = {alice: access_token_for(alice), bob: access_token_for(bob)}

    async def run() -> tuple[list[httpx.Response], httpx.Response]:
        async with httpx.AsyncClient(
            base_url=server.url, timeout=30, limits=httpx.Limits(max_connections=None)
        ) as client:

            def get(user, meeting):
                return client.get(
                    f"/v1/meetings/{meeting.id}",
                    headers={"Authorization": f"Bearer {tokens[user]}"},
                )

            burst = [asyncio.create_task(get(alice, mine)) for _ in range(BURST)]
            await asyncio.sleep(0.1)  # the burst is in: its share, queue and rest
            other = await get(bob, theirs)
            return await asyncio.gather(*burst), other

    burst, other = asyncio.run(run())
    statuses = [response.status_code for response in burst]
    assert other.status_code == 200
    assert set(statuses) == {200, 429}, statuses
    refused = next(r for r in burst if r.status_code == 429)
    assert refused.headers["Retry-After"] == "1"
    assert refused.json()["error"]["code"] == "throttled"
    assert "Traceback" not in server.logs()
