"""Serve a WSGI application to ASGI from a long-lived thread pool.

Each request costs one hop from the event loop to a pool thread and one back:
the thread runs the whole WSGI call, and a finite response (any Django response
but a streaming one) comes back to the loop as status, headers and body
together, which the loop writes. a2wsgi, used before, also sent every message
(start, body, end) from the thread through the loop and waited for each,
three more round trips per request (docs/performance.md).

Streaming responses (StreamingHttpResponse, FileResponse, static files) are
sent from the thread as they are produced, each chunk waiting until the loop
has written it, so a large file is never held in memory whole. The request body
is read from the loop as the application asks for it; the first message is
received on the loop before a thread is taken, so a client that is slow to
send its body does not hold one for that.
"""

from __future__ import annotations

import asyncio
import contextvars
import sys
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

# A file response is read and sent in blocks of at least this many bytes: one
# hop to the event loop per block.
FILE_BLOCK_BYTES = 64 * 1024


class WSGIPool:
    """An ASGI application that runs a WSGI application on `threads` threads."""

    def __init__(self, application: Callable, threads: int) -> None:
        self.application = application
        self.executor = ThreadPoolExecutor(
            max_workers=threads, thread_name_prefix="wsgi"
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            return await lifespan(receive, send)
        if scope["type"] != "http":
            raise ValueError(f"WSGIPool serves HTTP only, not {scope['type']}")
        first = await receive()
        if first["type"] == "http.disconnect":
            return
        loop = asyncio.get_running_loop()
        body = RequestBody(loop, receive, first)
        exchange = Exchange(self.application, loop, send)
        context = contextvars.copy_context()
        whole = await loop.run_in_executor(
            self.executor, context.run, exchange.run, environ_for(scope, body)
        )
        if whole is not None:
            status, headers, content = whole
            await send(
                {"type": "http.response.start", "status": status, "headers": headers}
            )
            await send({"type": "http.response.body", "body": content})


async def lifespan(receive: Receive, send: Send) -> None:
    """Acknowledge startup and shutdown: the pool needs neither."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


class Exchange:
    """One request's WSGI call, run in a pool thread."""

    def __init__(self, application: Callable, loop, send: Send) -> None:
        self.application = application
        self.loop = loop
        self.send = send
        self.status = 500
        self.headers: list[tuple[bytes, bytes]] = []
        self.started = False

    def run(self, environ: dict[str, Any]) -> tuple | None:
        """Call the application; return (status, headers, body) if it is finite.

        Return None once a streaming response has been sent from here.
        """
        iterable = self.application(environ, self.start_response)
        try:
            if not self.started and _is_finite(iterable):
                return self.status, self.headers, b"".join(iterable)
            for chunk in iterable:
                if chunk:
                    self._send_body(chunk)
            self._send_now({"type": "http.response.body", "body": b""})
            return None
        finally:
            close = getattr(iterable, "close", None)
            if close is not None:
                close()

    def start_response(
        self,
        status: str,
        headers: list[tuple[str, str]],
        exc_info: Any = None,
    ) -> Callable[[bytes], None]:
        if exc_info is not None and self.started:
            raise exc_info[1].with_traceback(exc_info[2])
        self.status = int(status.split(" ", 1)[0])
        self.headers = [
            (name.lower().encode("latin-1"), value.encode("latin-1"))
            for name, value in headers
        ]
        return self._send_body

    def _send_body(self, chunk: bytes) -> None:
        self._send_now({"type": "http.response.body", "body": chunk, "more_body": True})

    def _send_now(self, message: Message) -> None:
        """Send message through the event loop; wait until it is written.

        The start goes out before the first body message, so an application
        may change its status (start_response with exc_info) until then.
        """
        if not self.started:
            self.started = True
            start = {
                "type": "http.response.start",
                "status": self.status,
                "headers": self.headers,
            }
            asyncio.run_coroutine_threadsafe(self.send(start), self.loop).result()
        asyncio.run_coroutine_threadsafe(self.send(message), self.loop).result()


def _is_finite(iterable: Iterable[bytes]) -> bool:
    """Tell whether iterable is a body held in memory: a list or a Django
    response that is not streaming."""
    return (
        isinstance(iterable, list | tuple)
        or getattr(iterable, "streaming", True) is False
    )


class RequestBody:
    """wsgi.input: the request body, received from the event loop as read."""

    def __init__(self, loop, receive: Receive, first: Message) -> None:
        self.loop = loop
        self.receive = receive
        self.buffer = bytearray(first.get("body", b""))
        self.more = first.get("more_body", False)

    def _fill(self) -> None:
        message = asyncio.run_coroutine_threadsafe(self.receive(), self.loop).result()
        if message["type"] == "http.disconnect":
            self.more = False
            return
        self.buffer.extend(message.get("body", b""))
        self.more = message.get("more_body", False)

    def read(self, size: int | None = -1) -> bytes:
        while self.more and (size is None or size < 0 or len(self.buffer) < size):
            self._fill()
        if size is None or size < 0:
            size = len(self.buffer)
        data = bytes(self.buffer[:size])
        del self.buffer[:size]
        return data

    def readline(self, size: int | None = -1) -> bytes:
        while True:
            end = self.buffer.find(b"\n")
            limited = size is not None and size >= 0
            if end >= 0:
                take = end + 1
                return self.read(min(take, size) if limited else take)
            if limited and len(self.buffer) >= size:
                return self.read(size)
            if not self.more:
                return self.read(size)
            self._fill()

    def __iter__(self):
        while line := self.readline():
            yield line


class FileWrapper:
    """wsgi.file_wrapper: a file's body in blocks of at least FILE_BLOCK_BYTES."""

    def __init__(self, filelike, block_size: int = FILE_BLOCK_BYTES) -> None:
        self.filelike = filelike
        self.block_size = max(block_size, FILE_BLOCK_BYTES)

    def __iter__(self):
        while block := self.filelike.read(self.block_size):
            yield block

    def close(self) -> None:
        close = getattr(self.filelike, "close", None)
        if close is not None:
            close()


def environ_for(scope: Scope, body: RequestBody) -> dict[str, Any]:
    """Return the WSGI environ of an ASGI HTTP scope (PEP 3333, asgiref's rules)."""
    script_name = scope.get("root_path", "").encode("utf-8").decode("latin-1")
    path_info = scope["path"].encode("utf-8").decode("latin-1")
    if script_name and path_info.startswith(script_name):
        path_info = path_info[len(script_name) :]
    server = scope.get("server") or ("localhost", 80)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": script_name,
        "PATH_INFO": path_info,
        "QUERY_STRING": scope.get("query_string", b"").decode("latin-1"),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "SERVER_NAME": server[0],
        "SERVER_PORT": str(server[1] or 0),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": body,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.file_wrapper": FileWrapper,
    }
    client = scope.get("client")
    if client:
        environ["REMOTE_ADDR"] = client[0]
        environ["REMOTE_PORT"] = str(client[1])
    for raw_name, raw_value in scope.get("headers", ()):
        name = raw_name.decode("latin-1")
        if "_" in name:
            # X_Forwarded_Proto would pass for X-Forwarded-Proto: dropped, as
            # gunicorn and Django's runserver drop it.
            continue
        key = name.upper().replace("-", "_")
        if key not in ("CONTENT_LENGTH", "CONTENT_TYPE"):
            key = "HTTP_" + key
        value = raw_value.decode("latin-1")
        if key in environ:
            value = environ[key] + ("; " if key == "HTTP_COOKIE" else ",") + value
        environ[key] = value
    return environ
