"""The stream URLs' gate (events/gate.py) on a live server, direct and through nginx.

Streams are served outside Django's handler and middleware (events/handler.py),
so each rule the rest of the site keeps is checked here on the wire: the Host
must be one of ALLOWED_HOSTS, only GET opens a stream (HEAD and OPTIONS answer
as Django's views do, other methods 405), no request body is read, and every
answer carries the site's security headers, read from a REST answer of the
same server rather than written down here.
"""

from __future__ import annotations

import re
import socket
import time
from dataclasses import dataclass

import httpx
import pytest

from meetings import services
from tests.conftest import access_token_for
from tests.support.live import LiveServer
from tests.support.nginx import Nginx
from tests.support.sse import Parser

pytestmark = pytest.mark.system

ALLOW = "GET, HEAD, OPTIONS"
SECURITY_HEADERS = (
    "x-content-type-options",
    "referrer-policy",
    "x-frame-options",
    "content-security-policy",
    "cross-origin-opener-policy",
)
# What a GET's stream sends besides them, and HEAD must send too.
STREAM_HEADERS = ("content-type", "cache-control", "x-accel-buffering")
BIG_BODY = 20 * 1024 * 1024  # far past DATA_UPLOAD_MAX_MEMORY_SIZE and nginx's cap
FIRST_PART = 16 * 1024  # what the client sends of it before reading the answer
QUICK = 2.0  # seconds: an answer that waited on a body or a stream takes longer


@dataclass(frozen=True)
class Door:
    """Where a client reaches the server: itself ("direct") or nginx before it."""

    name: str
    url: str
    port: int
    server: LiveServer


@pytest.fixture(params=["direct", "nginx"])
def door(request, start_server, tmp_path, collected_static):
    server = start_server()
    if request.param == "direct":
        yield Door("direct", server.url, server.port, server)
    else:
        # The session's collected files, not a fresh collection (some 15 s).
        nginx = Nginx(
            [server.port], tmp_path / "nginx", static_root=collected_static
        ).start()
        try:
            yield Door("nginx", nginx.url, nginx.port, server)
        finally:
            nginx.stop()
    # Django's own DisallowedHost log has a traceback: look for 500s only.
    assert "Internal Server Error" not in server.logs()


@pytest.fixture
def meeting(alice, local_table):
    return services.create_meeting(str(alice.pk), {"title": "Gated"})


@pytest.fixture
def bearer(alice) -> dict[str, str]:
    return {"Authorization": f"Bearer {access_token_for(alice)}"}


@pytest.fixture
def site_headers(door) -> dict[str, str]:
    """The security headers the site answers a REST call with (and a page)."""
    rest = httpx.get(f"{door.url}/v1/meetings", timeout=5)
    assert rest.status_code == 401, rest.text
    headers = security_headers(rest)
    assert all(headers.values()), headers
    page = httpx.get(f"{door.url}/accounts/login/", timeout=5)
    assert page.status_code == 200
    assert security_headers(page) == headers
    return headers


def stream_paths(meeting) -> list[str]:
    return [f"/v1/meetings/{meeting.id}/events", f"/v1/events?meeting={meeting.id}"]


def security_headers(response: httpx.Response | Head) -> dict[str, str | None]:
    return {name: response.headers.get(name) for name in SECURITY_HEADERS}


def assert_json_error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["error"]["code"] == code, response.text


# -- The Host -----------------------------------------------------------------


def test_a_host_not_served_is_400_on_streams_as_on_rest(
    door, meeting, bearer, site_headers
):
    evil = {"Host": "evil.example"}
    with httpx.Client(base_url=door.url, timeout=5) as client:
        rest = client.get("/v1/meetings", headers={**evil, **bearer})
        assert_json_error(rest, 400, "bad_request")
        for path in stream_paths(meeting):
            # Refused before authentication: with credentials or without.
            for headers in ({**evil, **bearer}, evil):
                refused = client.get(path, headers=headers)
                assert_json_error(refused, 400, "bad_request")
                assert security_headers(refused) == site_headers


# -- Methods ------------------------------------------------------------------


def test_only_get_opens_a_stream_options_tells_what_does(
    door, meeting, bearer, site_headers
):
    with httpx.Client(base_url=door.url, timeout=5) as client:
        for path in stream_paths(meeting):
            for method in ("POST", "PUT", "PATCH", "DELETE"):
                refused = client.request(method, path, headers=bearer)
                assert_json_error(refused, 405, "method_not_allowed")
                assert refused.headers["allow"] == ALLOW
                assert security_headers(refused) == site_headers
            options = client.options(path, headers=bearer)
            assert options.status_code == 200, options.text
            assert options.headers["allow"] == ALLOW
            assert options.content == b""
            assert security_headers(options) == site_headers


def test_head_answers_a_gets_headers_and_holds_no_stream(
    door, meeting, bearer, site_headers
):
    for path in stream_paths(meeting):
        with (
            httpx.Client(base_url=door.url, timeout=5) as client,
            client.stream("GET", path, headers=bearer) as get,
        ):
            assert get.status_code == 200
        opened = streams_opened(door.server)
        # Connection: close, so the server ends the connection once it answered:
        # at once, unless it held a stream behind the headers.
        started = time.monotonic()
        head = request_head("HEAD", path, {**bearer, "Connection": "close"})
        answer = exchange(door.port, head, until_eof=True)
        assert time.monotonic() - started < QUICK
        assert answer.eof, "the server held the connection open after a HEAD"
        assert answer.status == 200, answer
        assert answer.body == b""
        assert answer.headers["content-type"].startswith("text/event-stream")
        for name in STREAM_HEADERS:
            assert answer.headers.get(name) == get.headers.get(name), name
        assert security_headers(answer) == site_headers
        assert streams_opened(door.server) == opened


# -- Bodies -------------------------------------------------------------------


def test_a_stream_request_with_a_body_is_400_before_authentication(
    door, meeting, bearer, site_headers
):
    with httpx.Client(base_url=door.url, timeout=5) as client:
        for path in stream_paths(meeting):
            for credentials in (bearer, {}):
                sized = client.request(
                    "GET", path, content=b"hello", headers=credentials
                )
                chunked = client.request(
                    "GET", path, content=iter([b"hel", b"lo"]), headers=credentials
                )
                for refused in (sized, chunked):
                    assert_json_error(refused, 400, "bad_request")
                    assert security_headers(refused) == site_headers
                    if door.name == "direct":  # nginx keeps its client's connection
                        assert refused.headers["connection"] == "close"


def test_a_big_body_is_refused_before_it_is_sent(door):
    for method in ("POST", "GET"):
        head = request_head(
            method,
            "/v1/events",
            {"Content-Type": "application/octet-stream", "Content-Length": BIG_BODY},
        )
        started = time.monotonic()
        with socket.create_connection(("127.0.0.1", door.port), timeout=QUICK) as sock:
            sock.sendall(head + b"x" * FIRST_PART)
            answer = read_head(sock)
            assert time.monotonic() - started < QUICK
            if door.name == "nginx":  # client_max_body_size: nginx's own 413
                assert 400 <= answer.status < 500, answer
                continue
            assert answer.status == (405 if method == "POST" else 413), answer
            assert answer.headers["content-type"].startswith("application/json")
            assert answer.headers["connection"] == "close"
            sent = send_until_refused(sock, BIG_BODY - FIRST_PART)
            assert sent < BIG_BODY // 4, f"the server read {sent} bytes after refusing"


def test_a_405_closes_the_connection_rather_than_read_the_body(start_server):
    server = start_server()
    head = request_head(
        "POST",
        "/v1/events",
        {"Content-Type": "application/octet-stream", "Content-Length": BIG_BODY},
    )
    with socket.create_connection(("127.0.0.1", server.port), timeout=QUICK) as sock:
        sock.sendall(head + b"x" * FIRST_PART)
        assert read_head(sock).status == 405
        sent = send_until_refused(sock, BIG_BODY - FIRST_PART)
        assert sent < BIG_BODY // 4, f"the server read {sent} bytes after 405"


# -- Security headers and the stream itself -----------------------------------


def test_a_stream_and_its_refusals_wear_the_sites_security_headers(
    door, meeting, bearer, site_headers
):
    with httpx.Client(base_url=door.url, timeout=5) as client:
        for path in stream_paths(meeting):
            with client.stream("GET", path, headers=bearer) as stream:
                assert stream.status_code == 200
                assert stream.headers["content-type"].startswith("text/event-stream")
                assert security_headers(stream) == site_headers
            anonymous = client.get(path)
            assert_json_error(anonymous, 401, "not_authenticated")
            assert security_headers(anonymous) == site_headers
        missing = client.get(
            "/v1/meetings/00000000-0000-4000-8000-000000000000/events", headers=bearer
        )
        assert_json_error(missing, 404, "not_found")
        assert security_headers(missing) == site_headers


def test_an_authenticated_stream_still_streams(door, meeting, bearer):
    headers = {"Accept": "text/event-stream", **bearer}
    with httpx.Client(base_url=door.url, timeout=5) as client:
        for path in stream_paths(meeting):
            with client.stream("GET", path, headers=headers) as stream:
                assert stream.status_code == 200
                parser = Parser()
                events = (
                    event for text in stream.iter_text() for event in parser.feed(text)
                )
                connected = next(events)
                assert connected.event == "connected", connected
                data = connected.json()
                assert data.get("meetingIds", [data.get("meetingId")]) == [
                    str(meeting.id)
                ]
                status = next(events)
                assert status.event == "status", status
                assert status.json()["meetingId"] == str(meeting.id)


# -- HTTP on a raw socket -----------------------------------------------------


@dataclass
class Head:
    """An answer read off a socket: its status, headers and what followed them."""

    status: int
    headers: dict[str, str]  # names in lower case
    body: bytes
    eof: bool


def request_head(method: str, path: str, headers: dict[str, object]) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def exchange(port: int, head: bytes, *, until_eof: bool = False) -> Head:
    """Send head on a new connection; read the answer's head (or all, to EOF)."""
    with socket.create_connection(("127.0.0.1", port), timeout=QUICK) as sock:
        sock.sendall(head)
        return read_head(sock, until_eof=until_eof)


def read_head(sock: socket.socket, *, until_eof: bool = False) -> Head:
    """Read an answer's head, and with until_eof whatever follows until EOF.

    Gives up after QUICK seconds; eof tells whether the server ended the
    connection in that time.
    """
    deadline = time.monotonic() + QUICK
    data, eof = b"", False
    while until_eof or b"\r\n\r\n" not in data:
        sock.settimeout(max(deadline - time.monotonic(), 0.01))
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            break
        if not chunk:
            eof = True
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin1").split("\r\n")
    match = re.match(r"HTTP/1\.[01] (\d{3}) ", status_line)
    assert match, f"not an HTTP answer: {data[:200]!r}"
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Head(int(match[1]), headers, body, eof)


def send_until_refused(sock: socket.socket, length: int) -> int:
    """Send up to length more bytes; return how many went before the server
    closed the connection (all of them when it read them)."""
    sock.settimeout(QUICK)
    sent = 0
    chunk = b"x" * 65536
    try:
        while sent < length:
            sock.sendall(chunk)
            sent += len(chunk)
    except OSError:  # reset, broken pipe, or a full window the server stopped reading
        pass
    return sent


def streams_opened(server: LiveServer) -> float:
    text = httpx.get(f"{server.url}/metrics", timeout=5).text
    return float(re.search(r"(?m)^meetstream_streams_opened_total (\S+)", text)[1])
