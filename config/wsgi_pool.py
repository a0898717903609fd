"""Serve a WSGI application to ASGI from a long-lived thread pool.

A pool thread runs only the application: it never waits on a client. The loop
receives the request body whole before a thread is taken, up to a limit (past
it, 413 without reading further), with a timeout between its parts (408). A
finite response (any Django response but a streaming one) comes back to the
loop whole, status, headers and body: one hop to the thread and one back. A
streaming one (a file, a StreamingHttpResponse) is made in the pool a chunk at
a time, and the loop waits for the client to take each (backpressure) before
asking for the next. So a slow client holds a coroutine and its buffers, never
a pool thread; one that takes no chunk for `send_timeout` seconds is dropped
(docs/performance.md, "Serving the request path" and "Slow clients").
"""

from __future__ import annotations

import asyncio
import contextvars
import io
import logging
import sys
from collections.abc import Awaitable, Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, NamedTuple

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
# Builds the answer to a request refused before the application saw it:
# (status, message) -> (headers, body).
Refusal = Callable[[int, str], tuple[list[tuple[bytes, bytes]], bytes]]

logger = logging.getLogger(__name__)

# A file response is read and sent in blocks of at least this many bytes: one
# hop to a pool thread and one write per block.
FILE_BLOCK_BYTES = 64 * 1024


class BodyRefused(Exception):
    """The request body was refused before the application saw it."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class ClientGone(Exception):
    """The client went away before its request was complete."""


class WSGIPool:
    """An ASGI application that runs a WSGI application on `threads` threads.

    `max_body` bounds a request body in bytes (None: unbounded); `body_timeout`
    is the longest wait for the next part of a body, and `send_timeout` for a
    client to take the next chunk of a streaming response, in seconds.
    `refusal` renders a 408 or 413 answered before the application is called.
    """

    def __init__(
        self,
        application: Callable,
        threads: int,
        *,
        max_body: int | None,
        body_timeout: float,
        send_timeout: float,
        refusal: Refusal,
    ) -> None:
        self.application = application
        self.executor = ThreadPoolExecutor(
            max_workers=threads, thread_name_prefix="wsgi"
        )
        self.max_body = max_body
        self.body_timeout = body_timeout
        self.send_timeout = send_timeout
        self.refusal = refusal

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            raise ValueError(f"WSGIPool serves HTTP only, not {scope['type']}")
        try:
            body = await self.read_body(scope, receive)
        except ClientGone:
            return
        except BodyRefused as refused:
            return await self.refuse(send, refused)
        loop = asyncio.get_running_loop()
        exchange = Exchange(self.application)
        context = contextvars.copy_context()
        environ = environ_for(scope, io.BytesIO(body))
        start = await loop.run_in_executor(
            self.executor, context.run, exchange.start, environ
        )
        await send(
            {
                "type": "http.response.start",
                "status": start.status,
                "headers": start.headers,
            }
        )
        if exchange.finished:
            await send({"type": "http.response.body", "body": start.body})
            return
        await self.stream(exchange, start.body, send, context)

    async def read_body(self, scope: Scope, receive: Receive) -> bytes:
        """Receive the whole body on the loop; refuse it past max_body.

        A Content-Length over the limit is refused before any of it is read.
        """
        limit = self.max_body
        declared = _content_length(scope)
        if limit is not None and declared is not None and declared > limit:
            raise BodyRefused(413, f"The request body exceeds {limit} bytes.")
        parts: list[bytes] = []
        size = 0
        while True:
            try:
                async with asyncio.timeout(self.body_timeout if parts else None):
                    message = await receive()
            except TimeoutError:
                raise BodyRefused(
                    408, "The request body stopped arriving; send it again."
                ) from None
            if message["type"] == "http.disconnect":
                raise ClientGone()
            chunk = message.get("body", b"")
            if chunk:
                size += len(chunk)
                if limit is not None and size > limit:
                    raise BodyRefused(413, f"The request body exceeds {limit} bytes.")
                parts.append(chunk)
            if not message.get("more_body", False):
                return b"".join(parts)
            if not parts:
                parts.append(b"")  # the body has begun: its parts are timed

    async def refuse(self, send: Send, refused: BodyRefused) -> None:
        """Answer a refused body and close the connection, reading no more of it."""
        headers, body = self.refusal(refused.status, refused.message)
        await send(
            {
                "type": "http.response.start",
                "status": refused.status,
                "headers": [*headers, (b"connection", b"close")],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def stream(
        self, exchange: Exchange, first: bytes, send: Send, context
    ) -> None:
        """Write a streaming response chunk by chunk, each made in a pool thread.

        The loop waits for the client to take a chunk before the next is made;
        a client that takes none for send_timeout seconds is dropped, and the
        application's iterable is closed either way.
        """
        loop = asyncio.get_running_loop()
        try:
            chunk: bytes | None = first
            while chunk is not None:
                if chunk:
                    async with asyncio.timeout(self.send_timeout):
                        await send(
                            {
                                "type": "http.response.body",
                                "body": chunk,
                                "more_body": True,
                            }
                        )
                chunk = await loop.run_in_executor(
                    self.executor, context.run, exchange.next_chunk
                )
            await send({"type": "http.response.body", "body": b""})
        except TimeoutError:
            logger.warning(
                "Dropped a client that took no response for %s s.", self.send_timeout
            )
        finally:
            await loop.run_in_executor(self.executor, context.run, exchange.close)


class Start(NamedTuple):
    """What the loop needs to begin a response: status, headers, first bytes."""

    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes  # the whole body when the response is finite


class Exchange:
    """One request's WSGI call, run in pool threads: a hop at a time."""

    def __init__(self, application: Callable) -> None:
        self.application = application
        self.status = 500
        self.headers: list[tuple[bytes, bytes]] = []
        self.written: list[bytes] = []
        self.iterable: Iterable[bytes] | None = None
        self.chunks: Iterator[bytes] | None = None
        self.finished = False
        self.began = False  # the loop has the status: it can no longer change

    def start(self, environ: dict[str, Any]) -> Start:
        """Call the application; return its status, headers and first bytes.

        A finite body is returned whole, and the iterable closed. A streaming
        one is begun: its first non-empty chunk is made here, so that the
        application may still change its status (start_response with
        exc_info) while making it.
        """
        iterable = self.iterable = self.application(environ, self.start_response)
        if _is_finite(iterable):
            try:
                body = b"".join([*self.written, *iterable])
            finally:
                self.close()
            self.finished = True
            return Start(self.status, self.headers, body)
        self.chunks = iter(iterable)
        try:
            first = self.next_chunk()
        except BaseException:
            self.close()
            raise
        if first is None:
            self.finished = True
            self.close()
            first = b""
        self.began = True
        return Start(self.status, self.headers, first)

    def next_chunk(self) -> bytes | None:
        """Return the next non-empty chunk of the body, or None at its end."""
        if self.written:
            chunk = b"".join(self.written)
            self.written.clear()
            return chunk
        for chunk in self.chunks:
            if chunk:
                return chunk
        return None

    def close(self) -> None:
        close = getattr(self.iterable, "close", None)
        self.iterable = None
        if close is not None:
            close()

    def start_response(
        self,
        status: str,
        headers: list[tuple[str, str]],
        exc_info: Any = None,
    ) -> Callable[[bytes], None]:
        if exc_info is not None and self.began:
            raise exc_info[1].with_traceback(exc_info[2])  # the status is sent
        self.status = int(status.split(" ", 1)[0])
        self.headers = [
            (name.lower().encode("latin-1"), value.encode("latin-1"))
            for name, value in headers
        ]
        return self.written.append


def _is_finite(iterable: Iterable[bytes]) -> bool:
    """Tell whether iterable is a body in memory: a list, a non-streaming response."""
    return (
        isinstance(iterable, list | tuple)
        or getattr(iterable, "streaming", True) is False
    )


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


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


def environ_for(scope: Scope, body: io.BytesIO) -> dict[str, Any]:
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
