"""Stream clients that reconnect like the browser script, for system tests."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

import httpx

from .sse import Parser


@dataclass
class Watcher:
    """Keep one stream open, reconnecting with Last-Event-ID whenever it ends."""

    url: str
    headers: dict[str, str]
    latest: dict[str, int] = field(default_factory=dict)
    instance: str = ""
    connects: int = 0
    refusals: dict[int, int] = field(default_factory=dict)
    errors: list[dict] = field(default_factory=list)
    losses: list[str] = field(default_factory=list)
    last_event_id: str = ""

    async def run(self, client: httpx.AsyncClient) -> None:
        while True:
            delay = 0.2
            headers = dict(self.headers, Accept="text/event-stream")
            if self.last_event_id:
                headers["Last-Event-ID"] = self.last_event_id
            with contextlib.suppress(httpx.HTTPError):
                async with client.stream("GET", self.url, headers=headers) as response:
                    if response.status_code != 200:
                        code = response.status_code
                        self.refusals[code] = self.refusals.get(code, 0) + 1
                        delay = 0.5
                    else:
                        delay = await self._read(response)
            await asyncio.sleep(delay)

    async def _read(self, response: httpx.Response) -> float:
        parser = Parser()
        delay = 0.2
        async for text in response.aiter_text():
            for event in parser.feed(text):
                data = event.json()
                if event.event == "connected":
                    self.connects += 1
                    self.instance = data.get("instance", "")  # only under DEBUG
                elif event.event == "status":
                    self.latest[data["meetingId"]] = data["version"]
                elif event.event == "error":
                    self.errors.append(data)
                elif event.event == "connectionLost":
                    self.losses.append(data["reason"])
                    delay = data["retryAfterMs"] / 1000
            self.last_event_id = parser.last_event_id
        return delay


async def wait_until(
    predicate, timeout: float, interval: float = 0.1, describe=lambda: ""
) -> None:
    """Wait until predicate() is true, or fail after timeout seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s {describe()}")
        await asyncio.sleep(interval)
