"""Two instances behind nginx, no sticky sessions: lose one, drain the other.

Streams reconnect through nginx to whichever instance is up and end on the
latest version of every meeting; every acknowledged write is in DynamoDB.
"""

from __future__ import annotations

import asyncio
import random
import subprocess

import httpx
import pytest

from meetings import services
from meetings.store import get_repository
from tests.conftest import access_token_for
from tests.support.nginx import Nginx
from tests.support.watchers import Watcher, wait_until

pytestmark = pytest.mark.system
MEETINGS = 10


def worker_instance(server) -> str:
    """Return the `instance` a server's single worker reports in `connected`."""
    (pid,) = subprocess.check_output(["pgrep", "-P", str(server.process.pid)]).split()
    return f":{int(pid)}"


@pytest.mark.parametrize(
    "streams",
    [pytest.param(50, id="50-streams"), pytest.param(200, marks=pytest.mark.long)],
)
def test_streams_move_between_instances_and_no_write_is_lost(
    servers, alice, tmp_path, streams
):
    # DJANGO_DEBUG: `connected` names the serving process only when debugging.
    settings = {
        "SSE_DRAIN_WINDOW": 1,
        "SSE_MAX_STREAMS_PER_USER": 1000,
        "DJANGO_DEBUG": "true",
    }
    a, b = servers(**settings), servers(**settings)
    # One client plays every user here: lift nginx's cap on streams per client.
    nginx = Nginx(
        [a.port, b.port], tmp_path / "nginx", streams_per_client=10 * streams
    ).start()
    repository = get_repository()
    meetings = [
        str(services.create_meeting(str(alice.pk), {"title": f"m{n}"}).id)
        for n in range(MEETINGS)
    ]
    headers = {"Authorization": f"Bearer {access_token_for(alice)}"}
    try:
        acked = asyncio.run(_scenario(nginx, a, b, meetings, headers, streams, servers))
    finally:
        nginx.stop()
    for meeting_id, versions in acked.items():
        final = repository.get(meeting_id).version
        assert len(set(versions)) == len(versions), "two writes claimed one version"
        assert max(versions, default=1) <= final
        assert len(versions) <= final - 1


async def _scenario(nginx, a, b, meetings, headers, streams, servers) -> dict:
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    async with httpx.AsyncClient(
        base_url=nginx.url, timeout=httpx.Timeout(10, read=60), limits=limits
    ) as client:
        watchers = [
            Watcher(f"/v1/meetings/{meetings[n % MEETINGS]}/events", headers)
            for n in range(streams)
        ]
        tasks = [asyncio.create_task(w.run(client)) for w in watchers]
        acked: dict[str, list[int]] = {m: [] for m in meetings}
        stop_writing = asyncio.Event()
        writer = asyncio.create_task(
            _write(client, headers, meetings, acked, stop_writing)
        )
        try:
            await wait_until(lambda: all(w.connects for w in watchers), 30)
            on_a = worker_instance(a)
            assert any(w.instance.endswith(on_a) for w in watchers), (
                "nginx sent none to A"
            )

            a.kill()  # SIGKILL: streams on A are cut without a word
            await wait_until(
                lambda: not any(w.instance.endswith(on_a) for w in watchers), 30
            )
            a.start()  # back on the same port
            on_b = worker_instance(b)
            drain_seconds = b.terminate()  # SIGTERM: B drains to A
            assert drain_seconds < 5
            await wait_until(
                lambda: not any(w.instance.endswith(on_b) for w in watchers),
                30,
                describe=lambda: _census(watchers),
            )
            assert any("shutdown" in w.losses for w in watchers)

            stop_writing.set()
            await writer
            repository = get_repository()
            final = {m: repository.get(m).version for m in meetings}
            await wait_until(
                lambda: all(
                    w.latest.get(m) == final[m]
                    for w in watchers
                    for m in [w.url.split("/")[3]]
                ),
                15,
            )
        finally:
            stop_writing.set()
            for task in [*tasks, writer]:
                task.cancel()
            await asyncio.gather(*tasks, writer, return_exceptions=True)
    assert sum(len(v) for v in acked.values()) > 0
    return acked


def _census(watchers: list[Watcher]) -> str:
    """Summarise where the watchers are, for failure messages."""
    instances: dict[str, int] = {}
    for watcher in watchers:
        instances[watcher.instance] = instances.get(watcher.instance, 0) + 1
    refusals: dict[int, int] = {}
    for watcher in watchers:
        for code, count in watcher.refusals.items():
            refusals[code] = refusals.get(code, 0) + count
    return f"instances={instances} refusals={refusals}"


async def _write(client, headers, meetings, acked, stop: asyncio.Event) -> None:
    """PATCH random meetings through nginx; remember each acknowledged version."""
    number = 0
    while not stop.is_set():
        meeting_id = random.choice(meetings)
        number += 1
        try:
            response = await client.patch(
                f"/v1/meetings/{meeting_id}",
                json={"status_message": f"write {number}"},
                headers=headers,
            )
        except httpx.HTTPError:
            response = None
        if response is not None and response.status_code == 200:
            acked[meeting_id].append(response.json()["version"])
        else:
            assert response is None or response.status_code in {502, 503, 504}, (
                response.status_code,
                response.text,
            )
        await asyncio.sleep(0.05)
