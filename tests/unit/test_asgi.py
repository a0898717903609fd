"""The ASGI entry point: streams stay on the event loop, the rest on a thread pool."""

from __future__ import annotations

import asyncio
import json
import threading

import httpx
import pytest
from django.core.signals import request_started

from config import asgi


def serve(*paths: str) -> list[threading.Thread]:
    """Send GET paths one after another through the app; return who served each.

    A request_started receiver is a sync call Django makes for every request,
    so the thread it runs in is the thread that serves the request.
    """
    served: list[threading.Thread] = []

    def record(**kwargs) -> None:
        served.append(threading.current_thread())

    async def requests() -> None:
        transport = httpx.ASGITransport(app=asgi.application)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://127.0.0.1"
        ) as client:
            for path in paths:
                assert (await client.get(path)).status_code == 200

    request_started.connect(record)
    try:
        asyncio.run(requests())
    finally:
        request_started.disconnect(record)
    return served


def test_sequential_requests_are_served_by_long_lived_pool_threads():
    first, second = serve("/healthz", "/healthz")
    # Django's ASGI handler would make an executor, and a thread, per request
    # and shut it down at the end: the first thread would be gone by now.
    # (The pool may start a second thread for the second request: its worker
    # counts itself idle only after the first request's answer is out.)
    assert first.is_alive() and second.is_alive()
    assert first.name.startswith("wsgi") and second.name.startswith("wsgi")


def test_concurrent_requests_share_a_bounded_pool(settings):
    async def requests() -> None:
        transport = httpx.ASGITransport(app=asgi.application)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://127.0.0.1"
        ) as client:
            replies = await asyncio.gather(
                *(client.get("/healthz") for _ in range(4 * settings.REQUEST_THREADS))
            )
        assert all(reply.status_code == 200 for reply in replies)

    served: set[threading.Thread] = set()

    def record(**kwargs) -> None:
        served.add(threading.current_thread())

    request_started.connect(record)
    try:
        asyncio.run(requests())
    finally:
        request_started.disconnect(record)
    assert 1 <= len(served) <= settings.REQUEST_THREADS
    assert all(thread.is_alive() for thread in served)


@pytest.mark.parametrize(
    ("path", "stream"),
    [
        ("/v1/events", True),
        ("/v1/meetings/0f8fad5b-d9cb-469f-a165-70867728950e/events", True),
        ("/v1/meetings/0f8fad5b-d9cb-469f-a165-70867728950e", False),
        ("/healthz", False),
    ],
)
def test_only_the_stream_urls_go_to_the_async_handler(path, stream):
    scope = {"type": "http", "path": path}
    assert asgi.is_stream_request(scope) is stream


def test_a_response_goes_out_as_one_start_and_one_body():
    # The pool thread hands the whole response back in one hop (wsgi_pool.py).
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/healthz",
        "query_string": b"",
        "http_version": "1.1",
        "headers": [(b"host", b"127.0.0.1")],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
    }
    asyncio.run(asgi.application(scope, receive, send))
    assert [message["type"] for message in sent] == [
        "http.response.start",
        "http.response.body",
    ]
    assert sent[0]["status"] == 200
    assert json.loads(sent[1]["body"]) == {"status": "ok"}
    assert not sent[1].get("more_body")
