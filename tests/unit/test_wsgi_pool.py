"""The WSGI pool: one hop each way for a finite response, a hop per chunk for a
streaming one, and the client's side (body, slow reading) on the event loop."""

from __future__ import annotations

import asyncio
import contextlib
import io
import sys
import threading

import pytest

from config.wsgi_environ import FILE_BLOCK_BYTES, FileWrapper, environ_for
from config.wsgi_pool import Refused, WSGIPool


def scope(method: str = "GET", path: str = "/", headers=(), **extra) -> dict:
    return {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": b"",
        "http_version": "1.1",
        "headers": list(headers),
        "client": ("10.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
        **extra,
    }


def refusal(status: int, message: str):
    return [(b"content-type", b"text/plain")], f"{status} {message}".encode()


def make_pool(app, threads: int = 2, **limits) -> WSGIPool:
    options = {
        "max_body": 1000,
        "body_timeout": 5.0,
        "send_timeout": 5.0,
        "refusal": refusal,
    }
    return WSGIPool(app, threads=threads, **(options | limits))


def serve(app, request_scope: dict, body_chunks=(b"",), threads: int = 2) -> list:
    """Run app behind a WSGIPool for one request; return the messages it sent."""
    incoming = [
        {"type": "http.request", "body": chunk, "more_body": n < len(body_chunks) - 1}
        for n, chunk in enumerate(body_chunks)
    ]
    sent: list[dict] = []

    async def receive() -> dict:
        if incoming:
            return incoming.pop(0)
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    pool = make_pool(app, threads=threads)
    try:
        asyncio.run(pool(request_scope, receive, send))
    finally:
        pool.executor.shutdown()
    return sent


def test_a_finite_response_comes_back_whole_from_a_pool_thread():
    ran_in: list[threading.Thread] = []

    def app(environ, start_response):
        ran_in.append(threading.current_thread())
        start_response("201 Created", [("Content-Type", "text/plain"), ("X-A", "1")])
        return [b"hello ", b"world"]

    sent = serve(app, scope())
    assert sent == [
        {
            "type": "http.response.start",
            "status": 201,
            "headers": [(b"content-type", b"text/plain"), (b"x-a", b"1")],
        },
        {"type": "http.response.body", "body": b"hello world"},
    ]
    assert ran_in[0] is not threading.main_thread()


def test_a_streaming_response_is_sent_chunk_by_chunk_and_closed():
    closed = []

    class Stream:
        def __iter__(self):
            yield b"one"
            yield b""
            yield b"two"

        def close(self):
            closed.append(threading.current_thread())

    def app(environ, start_response):
        start_response("200 OK", [])
        return Stream()

    sent = serve(app, scope())
    assert [m["type"] for m in sent] == [
        "http.response.start",
        "http.response.body",
        "http.response.body",
        "http.response.body",
    ]
    assert [(m["body"], m.get("more_body")) for m in sent[1:]] == [
        (b"one", True),
        (b"two", True),
        (b"", None),
    ]
    assert closed and closed[0] is not threading.main_thread()


def test_a_finite_response_is_closed_before_it_is_sent():
    events = []

    class Finite(list):
        streaming = False

        def close(self):
            events.append("closed")

    def app(environ, start_response):
        start_response("200 OK", [])
        return Finite([b"body"])

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        events.append(message["type"])

    pool = make_pool(app, threads=1)
    asyncio.run(pool(scope(), receive, send))
    pool.executor.shutdown()
    # Django's request_finished (database connections closed) runs in the
    # request's thread, as under a WSGI server, before the response goes out.
    assert events == ["closed", "http.response.start", "http.response.body"]


def test_the_body_is_read_across_messages():
    read = {}

    def app(environ, start_response):
        stream = environ["wsgi.input"]
        read["line"] = stream.readline()
        read["five"] = stream.read(5)
        read["rest"] = stream.read()
        read["after"] = stream.read()
        start_response("200 OK", [])
        return [b""]

    serve(app, scope("POST"), [b"first", b" line\nsec", b"ond and ", b"third"])
    assert read == {
        "line": b"first line\n",
        "five": b"secon",
        "rest": b"d and third",
        "after": b"",
    }


def test_readline_stops_at_size_and_at_the_end():
    def app(environ, start_response):
        stream = environ["wsgi.input"]
        lines = [stream.readline(3), stream.readline(), stream.readline()]
        start_response("200 OK", [])
        return lines

    sent = serve(app, scope("POST"), [b"abcdef\n", b"gh"])
    assert sent[1]["body"] == b"abcdef\ngh"


def test_a_client_gone_before_its_request_arrived_is_not_served():
    calls = []

    def app(environ, start_response):
        calls.append(environ)
        start_response("200 OK", [])
        return [b""]

    sent: list = []

    async def receive():
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    pool = make_pool(app, threads=1)
    asyncio.run(pool(scope(), receive, send))
    pool.executor.shutdown()
    assert calls == [] and sent == []


def test_a_client_gone_while_sending_its_body_is_not_served():
    calls = []

    def app(environ, start_response):
        calls.append(environ)
        start_response("200 OK", [])
        return [b""]

    # serve() answers http.disconnect once the listed messages are used up.
    incoming = [{"type": "http.request", "body": b"part", "more_body": True}]
    sent: list = []

    async def receive():
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    pool = make_pool(app, threads=1)
    asyncio.run(pool(scope("POST"), receive, send))
    pool.executor.shutdown()
    assert calls == [] and sent == []


def test_an_error_in_the_application_reaches_the_server():
    def app(environ, start_response):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        serve(app, scope())


def test_an_error_after_streaming_began_cannot_change_the_status():
    def app(environ, start_response):
        start_response("200 OK", [])

        def body():
            yield b"partial"
            try:
                raise ValueError("late")
            except ValueError:
                start_response("500 Error", [], sys.exc_info())

        return body()

    with pytest.raises(ValueError, match="late"):
        serve(app, scope())


def test_an_error_before_the_first_chunk_may_still_change_the_status():
    def app(environ, start_response):
        start_response("200 OK", [])
        try:
            raise ValueError("early")
        except ValueError:
            start_response("500 Internal Server Error", [], sys.exc_info())
        return [b"sorry"]

    sent = serve(app, scope())
    assert sent[0]["status"] == 500
    assert sent[1]["body"] == b"sorry"


def test_what_write_sent_goes_first():
    def app(environ, start_response):
        write = start_response("200 OK", [])
        write(b"early ")
        return [b"late"]

    sent = serve(app, scope())
    assert [m.get("body") for m in sent] == [None, b"early late"]


def test_a_file_is_sent_in_large_blocks():
    data = bytes(range(256)) * (3 * FILE_BLOCK_BYTES // 256 + 10)

    def app(environ, start_response):
        start_response("200 OK", [("Content-Length", str(len(data)))])
        return environ["wsgi.file_wrapper"](io.BytesIO(data), 4096)

    sent = serve(app, scope())
    bodies = [m["body"] for m in sent[1:]]
    assert b"".join(bodies) == data
    assert max(len(b) for b in bodies) == FILE_BLOCK_BYTES
    assert len(bodies) == 5  # four blocks, the last one short, then the end


def test_the_file_wrapper_closes_its_file():
    handle = io.BytesIO(b"x")
    FileWrapper(handle).close()
    assert handle.closed


def test_many_requests_at_once_use_at_most_the_pool_threads():
    threads: set[threading.Thread] = set()
    barrier = threading.Barrier(2, timeout=5)

    def app(environ, start_response):
        threads.add(threading.current_thread())
        barrier.wait()  # two at once, at least
        start_response("200 OK", [])
        return [b"ok"]

    pool = make_pool(app, threads=2)

    async def one() -> int:
        sent: list = []

        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message):
            sent.append(message)

        await pool(scope(), receive, send)
        return sent[0]["status"]

    async def many():
        return await asyncio.gather(*(one() for _ in range(10)))

    assert asyncio.run(many()) == [200] * 10
    pool.executor.shutdown()
    assert len(threads) == 2


def test_the_environ_follows_pep_3333():
    body = object()
    environ = environ_for(
        scope(
            "POST",
            "/root/v1/café",
            headers=[
                (b"content-type", b"application/json"),
                (b"content-length", b"2"),
                (b"x-forwarded-proto", b"https"),
                (b"accept", b"a"),
                (b"accept", b"b"),
                (b"cookie", b"a=1"),
                (b"cookie", b"b=2"),
            ],
            root_path="/root",
            query_string=b"q=1",
        ),
        body,
    )
    assert environ["REQUEST_METHOD"] == "POST"
    assert environ["SCRIPT_NAME"] == "/root"
    assert environ["PATH_INFO"] == "/v1/café".encode().decode("latin-1")
    assert environ["QUERY_STRING"] == "q=1"
    assert environ["CONTENT_TYPE"] == "application/json"
    assert environ["CONTENT_LENGTH"] == "2"
    assert environ["HTTP_X_FORWARDED_PROTO"] == "https"
    assert environ["HTTP_ACCEPT"] == "a,b"
    assert environ["HTTP_COOKIE"] == "a=1; b=2"
    assert environ["REMOTE_ADDR"] == "10.0.0.1"
    assert environ["SERVER_NAME"] == "127.0.0.1"
    assert environ["SERVER_PORT"] == "8000"
    assert environ["wsgi.input"] is body
    assert environ["wsgi.url_scheme"] == "http"


def test_header_names_with_underscores_are_dropped():
    # Else X_Forwarded_Proto: https would pass for the proxy's X-Forwarded-Proto.
    environ = environ_for(
        scope(headers=[(b"x_forwarded_proto", b"https"), (b"content_length", b"9")]),
        None,
    )
    assert "HTTP_X_FORWARDED_PROTO" not in environ
    assert "CONTENT_LENGTH" not in environ


def test_only_http_is_served():
    pool = make_pool(lambda environ, start_response: [], threads=1)
    with pytest.raises(ValueError):
        asyncio.run(pool({"type": "websocket"}, None, None))
    pool.executor.shutdown()


def echo(environ, start_response):
    start_response("200 OK", [])
    return [environ["wsgi.input"].read()]


def test_a_declared_body_over_the_limit_is_refused_before_it_is_read():
    received = []

    async def receive():
        received.append(1)
        return {"type": "http.request", "body": b"x", "more_body": True}

    sent: list = []

    async def send(message):
        sent.append(message)

    pool = make_pool(echo, max_body=10)
    request = scope("POST", headers=[(b"content-length", b"11")])
    asyncio.run(pool(request, receive, send))
    pool.executor.shutdown()
    assert received == []
    assert sent[0]["status"] == 413
    assert (b"connection", b"close") in sent[0]["headers"]
    assert sent[1]["body"] == b"413 The request body exceeds 10 bytes."


def test_a_body_is_read_only_until_it_passes_the_limit():
    chunks = [b"12345", b"67890", b"1", b"never read"]
    pool = make_pool(echo, max_body=10)
    incoming = [
        {"type": "http.request", "body": chunk, "more_body": True} for chunk in chunks
    ]
    sent = []

    async def receive():
        return incoming.pop(0)

    async def send(message):
        sent.append(message)

    asyncio.run(pool(scope("POST"), receive, send))
    pool.executor.shutdown()
    assert sent[0]["status"] == 413
    assert incoming == [
        {"type": "http.request", "body": b"never read", "more_body": True}
    ]


def test_a_body_that_stops_arriving_is_refused_with_408():
    async def receive():
        if not started:
            started.append(1)
            return {"type": "http.request", "body": b"x", "more_body": True}
        await asyncio.Event().wait()  # the rest never comes

    started: list = []
    sent: list = []

    async def send(message):
        sent.append(message)

    pool = make_pool(echo, body_timeout=0.05)
    asyncio.run(pool(scope("POST"), receive, send))
    pool.executor.shutdown()
    assert sent[0]["status"] == 408


def test_a_client_that_does_not_read_holds_no_thread():
    """A streaming response's chunks are made in the pool, but written by the
    loop: while one client takes nothing, the only thread serves another."""
    closed = []

    class Stream:
        def __iter__(self):
            yield from (b"a" * 10, b"b" * 10, b"c" * 10)

        def close(self):
            closed.append(threading.current_thread())

    def app(environ, start_response):
        start_response("200 OK", [])
        if environ["PATH_INFO"] == "/large":
            return Stream()
        return [b"small"]

    pool = make_pool(app, threads=1, send_timeout=0.5)

    async def request(path: str, stalled: bool) -> list:
        sent: list = []

        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message):
            sent.append(message)
            if stalled and message.get("more_body"):
                await asyncio.Event().wait()  # the client never takes it

        await pool(scope(path=path), receive, send)
        return sent

    async def both():
        stalled = asyncio.create_task(request("/large", stalled=True))
        await asyncio.sleep(0.05)
        small = await asyncio.wait_for(request("/small", stalled=False), 0.3)
        return small, stalled.done(), await stalled

    small, stalled_done_early, stalled = asyncio.run(both())
    pool.executor.shutdown()
    assert small[1]["body"] == b"small"
    assert not stalled_done_early  # still waiting for its client then
    # Dropped after send_timeout: one chunk went out, the stream was closed.
    assert [m.get("body") for m in stalled] == [None, b"a" * 10]
    assert len(closed) == 1


def test_the_admission_holds_the_application_call_only_after_the_body():
    events: list[str] = []

    @contextlib.asynccontextmanager
    async def admission(request_scope):
        events.append("admitted")
        yield
        events.append("left")

    def app(environ, start_response):
        events.append(f"app read {environ['wsgi.input'].read()!r}")
        start_response("200 OK", [])
        return [b"ok"]

    sent: list = []
    incoming = [
        {"type": "http.request", "body": b"ab", "more_body": True},
        {"type": "http.request", "body": b"c", "more_body": False},
    ]

    async def receive():
        return incoming.pop(0)

    async def send(message):
        sent.append(message)

    pool = make_pool(app, admission=admission)
    asyncio.run(pool(scope("POST"), receive, send))
    pool.executor.shutdown()
    assert events == ["admitted", "app read b'abc'", "left"]
    assert sent[0]["status"] == 200


def test_a_refused_admission_is_answered_without_a_thread_or_closing():
    @contextlib.asynccontextmanager
    async def admission(request_scope):
        raise Refused(429, "Slow down.", [(b"retry-after", b"1")])
        yield

    def app(environ, start_response):
        raise AssertionError("a refused request reaches no thread")

    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    pool = make_pool(app, admission=admission)
    asyncio.run(pool(scope(), receive, send))
    pool.executor.shutdown()
    assert sent[0]["status"] == 429
    assert (b"retry-after", b"1") in sent[0]["headers"]
    assert (b"connection", b"close") not in sent[0]["headers"]  # the body was read
    assert sent[1]["body"] == b"429 Slow down."
