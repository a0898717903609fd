"""The stream handler, driven with raw ASGI messages and views of its own."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.core.signals import request_finished, request_started
from django.http import Http404, StreamingHttpResponse
from django.urls import path

from config.errors import error_response
from events.handler import StreamingASGIHandler

URLCONF = __name__
closed: list[str] = []


async def chunks(name: str, count: int):
    try:
        for number in range(count):
            yield f"{name} {number}\n".encode()
        await asyncio.Event().wait()  # a stream waits until the client leaves
    finally:
        closed.append(name)


async def stream_view(request, count: str):
    return StreamingHttpResponse(chunks(request.GET.get("name", ""), int(count)))


async def ending_view(request):
    async def two():
        yield b"one\n"
        yield "two\n"  # not bytes: converted as Django would

    response = StreamingHttpResponse(two(), content_type="text/event-stream")
    response["X-Accel-Buffering"] = "no"
    return response


async def sync_iterator_view(request):
    return StreamingHttpResponse(iter([b"a", b"b"]))


async def refusal_view(request):
    return error_response(429, "too_many_streams", "No.", headers={"Retry-After": "3"})


async def failing_view(request):
    raise RuntimeError("secret detail")


async def missing_view(request):
    raise Http404("no such meeting")


async def forbidden_view(request):
    raise PermissionDenied


urlpatterns = [
    path("v1/stream/<str:count>", stream_view),
    path("v1/ending", ending_view),
    path("v1/sync", sync_iterator_view),
    path("v1/refusal", refusal_view),
    path("v1/failing", failing_view),
    path("v1/missing", missing_view),
    path("v1/forbidden", forbidden_view),
]


class Client:
    """One ASGI request: the messages the handler sent, and a way to leave."""

    def __init__(self, path: str, query: bytes = b"", complete: bool = True):
        self.scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "path": path,
            "raw_path": path.encode(),
            "root_path": "",
            "query_string": query,
            "headers": [(b"host", b"testserver")],
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
        }
        self.complete = complete
        self.sent: list[dict] = []
        self.left = asyncio.Event()
        self.body_seen = asyncio.Event()
        self._requested = False

    async def receive(self) -> dict:
        if not self._requested:
            self._requested = True
            if self.complete:
                return {"type": "http.request", "body": b"", "more_body": False}
        await self.left.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: dict) -> None:
        self.sent.append(message)
        if message["type"] == "http.response.body":
            self.body_seen.set()

    @property
    def status(self) -> int:
        return self.sent[0]["status"]

    @property
    def headers(self) -> dict[str, str]:
        return {k.decode(): v.decode() for k, v in self.sent[0]["headers"]}

    @property
    def body(self) -> bytes:
        return b"".join(m.get("body", b"") for m in self.sent[1:])

    def json(self) -> dict:
        return json.loads(self.body)


def serve(client: Client) -> Client:
    handler = StreamingASGIHandler(URLCONF)
    asyncio.run(handler(client.scope, client.receive, client.send))
    return client


def test_a_stream_sends_each_chunk_then_closes_when_the_client_leaves():
    async def run() -> Client:
        client = Client("/v1/stream/2", b"name=leaving")
        handler = StreamingASGIHandler(URLCONF)
        served = asyncio.create_task(handler(client.scope, client.receive, client.send))
        while len(client.sent) < 3:
            await asyncio.sleep(0.01)
        client.left.set()
        await asyncio.wait_for(served, 2)  # returns, no CancelledError
        return client

    closed.clear()
    client = asyncio.run(run())
    assert client.status == 200
    assert [m.get("body") for m in client.sent[1:]] == [b"leaving 0\n", b"leaving 1\n"]
    assert all(m["more_body"] for m in client.sent[1:])  # no end after a leave
    assert closed == ["leaving"]  # the generator's finally ran


def test_a_stream_that_ends_sends_the_end_and_its_headers():
    client = serve(Client("/v1/ending"))
    assert client.status == 200
    assert client.headers["Content-Type"] == "text/event-stream"
    assert client.headers["X-Accel-Buffering"] == "no"
    assert client.body == b"one\ntwo\n"
    assert client.sent[-1] == {"type": "http.response.body"}


@pytest.mark.filterwarnings("ignore:StreamingHttpResponse must consume")
def test_a_streaming_response_over_a_sync_iterator_is_sent():
    assert serve(Client("/v1/sync")).body == b"ab"


def test_a_refusal_is_sent_as_json_with_its_headers():
    client = serve(Client("/v1/refusal"))
    assert client.status == 429
    assert client.headers["Content-Type"] == "application/json"
    assert client.headers["Retry-After"] == "3"
    assert client.json()["error"]["code"] == "too_many_streams"


def test_an_exception_in_a_view_is_logged_and_answered_500_json(caplog):
    client = serve(Client("/v1/failing"))
    assert client.status == 500
    assert client.json()["error"]["code"] == "server_error"
    assert b"secret detail" not in client.body
    assert b"Traceback" not in client.body
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert record.levelname == "ERROR"
    assert record.exc_info[0] is RuntimeError


@pytest.mark.parametrize(
    ("path", "status"),
    [("/v1/missing", 404), ("/v1/forbidden", 403), ("/v1/elsewhere", 404)],
)
def test_http_errors_are_answered_as_json(path, status):
    client = serve(Client(path))
    assert client.status == status
    assert set(client.json()["error"]) == {"code", "message", "details"}


def test_a_query_string_that_is_not_utf8_is_a_400():
    client = serve(Client("/v1/ending", b"meeting=\xff"))
    assert client.status == 400
    assert client.json()["error"]["code"] == "bad_request"


def test_a_client_gone_before_its_request_ended_gets_nothing():
    async def run() -> Client:
        client = Client("/v1/ending", complete=False)
        client.left.set()
        await StreamingASGIHandler(URLCONF)(client.scope, client.receive, client.send)
        return client

    assert asyncio.run(run()).sent == []


def test_no_request_signal_and_no_thread_for_a_stream():
    # Django's handler sends both through asgiref's shared sync thread.
    seen: list[str] = []

    def record(sender, **kwargs) -> None:
        seen.append(threading.current_thread().name)

    request_started.connect(record)
    request_finished.connect(record)
    threads = threading.active_count()
    try:
        serve(Client("/v1/ending"))
        serve(Client("/v1/refusal"))
    finally:
        request_started.disconnect(record)
        request_finished.disconnect(record)
    assert seen == []
    assert threading.active_count() == threads
