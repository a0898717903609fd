"""The stream handler, driven with raw ASGI messages and views of its own."""

from __future__ import annotations

import asyncio
import gc
import json
import threading
import weakref

import pytest
from django.core.exceptions import PermissionDenied
from django.core.signals import request_finished, request_started
from django.http import Http404, StreamingHttpResponse
from django.urls import path

from events.handler import StreamingASGIHandler
from events.responses import EventStreamResponse
from shared.errors import error_response

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


responses: list[weakref.ref] = []


async def event_stream_view(request):
    response = EventStreamResponse(chunks("events", 1))
    responses.append(weakref.ref(response))
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
    path("v1/events", event_stream_view),
    path("v1/refusal", refusal_view),
    path("v1/failing", failing_view),
    path("v1/missing", missing_view),
    path("v1/forbidden", forbidden_view),
]


class Client:
    """One ASGI request: the messages the handler sent, and a way to leave."""

    def __init__(
        self,
        path: str,
        query: bytes = b"",
        complete: bool = True,
        method: str = "GET",
        headers: tuple = (),
    ):
        self.scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "path": path,
            "raw_path": path.encode(),
            "root_path": "",
            "query_string": query,
            "headers": [(b"host", b"testserver"), *headers],
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


def test_a_client_gone_before_its_stream_began_closes_it():
    async def run() -> None:
        client = Client("/v1/stream/0", b"name=early", complete=False)
        client.left.set()
        await StreamingASGIHandler(URLCONF)(client.scope, client.receive, client.send)

    asyncio.run(run())
    assert "early" in closed


def test_no_thread_and_no_request_started_for_a_stream():
    # Django's handler sends both signals through asgiref's shared sync thread.
    # Here request_started is not sent, and request_finished, which
    # HttpResponse.close() sends, runs on the event loop's own thread.
    started: list[str] = []
    finished: list[str] = []

    def record_start(sender, **kwargs) -> None:
        started.append(threading.current_thread().name)

    def record_finish(sender, **kwargs) -> None:
        finished.append(threading.current_thread().name)

    request_started.connect(record_start)
    request_finished.connect(record_finish)
    threads = threading.active_count()
    try:
        serve(Client("/v1/ending"))
        serve(Client("/v1/refusal"))
    finally:
        request_started.disconnect(record_start)
        request_finished.disconnect(record_finish)
    assert started == []
    assert finished == [threading.main_thread().name] * 2
    assert threading.active_count() == threads


def test_an_open_stream_holds_its_events_only_and_sends_no_request_finished():
    finished: list[str] = []

    def record_finish(sender, **kwargs) -> None:
        finished.append("finished")

    async def run() -> tuple[Client, bool]:
        client = Client("/v1/events")
        handler = StreamingASGIHandler(URLCONF)
        served = asyncio.create_task(handler(client.scope, client.receive, client.send))
        while len(client.sent) < 2:
            await asyncio.sleep(0.01)
        gc.collect()
        response_alive = responses[-1]() is not None
        client.left.set()
        await asyncio.wait_for(served, 2)
        return client, response_alive

    closed.clear()
    request_finished.connect(record_finish)
    try:
        client, response_alive = asyncio.run(run())
    finally:
        request_finished.disconnect(record_finish)
    assert client.status == 200
    assert client.headers["Content-Type"] == "text/event-stream; charset=utf-8"
    assert client.headers["X-Accel-Buffering"] == "no"
    assert "Content-Security-Policy" in client.headers  # dressed before let go
    assert client.sent[1]["body"] == b"events 0\n"
    assert not response_alive  # the headers, the wrapper: gone while it streams
    assert closed == ["events"]  # the generator still closed when the client left
    assert finished == []


# The gate (events/gate.py): the site's rules, before any view runs.

SECURITY_HEADERS = (
    "X-Content-Type-Options",
    "Referrer-Policy",
    "X-Frame-Options",
    "Content-Security-Policy",
    "Cross-Origin-Opener-Policy",
)


@pytest.mark.parametrize("path", ["/v1/ending", "/v1/refusal", "/v1/missing"])
def test_every_answer_carries_the_sites_security_headers(path):
    client = serve(Client(path))
    for name in SECURITY_HEADERS:
        assert name in client.headers, name
    assert client.headers["X-Frame-Options"] == "DENY"


def test_a_host_not_allowed_is_a_400_before_the_view():
    client = Client("/v1/failing")
    client.scope["headers"] = [(b"host", b"evil.example")]
    serve(client)
    assert client.status == 400
    assert client.json()["error"]["code"] == "bad_request"


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_only_get_opens_a_stream(method):
    client = serve(Client("/v1/failing", method=method))
    assert client.status == 405
    assert client.headers["Allow"] == "GET, HEAD, OPTIONS"
    assert client.json()["error"]["code"] == "method_not_allowed"


def test_options_answers_what_a_django_view_would():
    client = serve(Client("/v1/failing", method="OPTIONS"))
    assert client.status == 200
    assert client.headers["Allow"] == "GET, HEAD, OPTIONS"
    assert client.body == b""


def test_head_sends_the_headers_without_a_body():
    client = serve(Client("/v1/ending", method="HEAD"))
    assert client.status == 200
    assert client.headers["Content-Type"] == "text/event-stream"
    assert client.body == b""


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ([(b"content-length", b"5")], 400),
        ([(b"transfer-encoding", b"chunked")], 400),
        ([(b"content-length", b"20000000")], 413),
    ],
)
def test_a_body_is_refused_unread_and_the_connection_closed(headers, status):
    read: list[dict] = []

    class Unread(Client):
        async def receive(self) -> dict:
            read.append({})
            return await super().receive()

    client = serve(Unread("/v1/failing", method="GET", headers=headers))
    assert client.status == status
    assert client.headers["Connection"] == "close"
    assert read == []  # neither the body nor the view was waited for


def test_any_refusal_of_a_request_with_a_body_closes_the_connection():
    client = serve(
        Client("/v1/failing", method="POST", headers=[(b"content-length", b"9")])
    )
    assert client.status == 405
    assert client.headers["Connection"] == "close"
    assert "Connection" not in serve(Client("/v1/failing", method="POST")).headers
