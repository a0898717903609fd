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
from collections.abc import Awaitable, Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractAsyncContextManager, nullcontext
from typing import Any, NamedTuple

from config.wsgi_environ import environ_for

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Headers = Iterable[tuple[bytes, bytes]]
# Builds the answer to a request refused before the application saw it:
# (status, message) -> (headers, body).
Refusal = Callable[[int, str], tuple[list[tuple[bytes, bytes]], bytes]]
# Lets a request into the threads, or raises Refused: (scope) -> context.
Admission = Callable[[Scope], AbstractAsyncContextManager]

logger = logging.getLogger(__name__)


class Refused(Exception):
    """The request was refused before the application saw it."""

    def __init__(self, status: int, message: str, headers: Headers = ()) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = list(headers)


class ClientGone(Exception):
    """The client went away before its request was complete."""


class WSGIPool:
    """An ASGI application that runs a WSGI application on `threads` threads.

    `max_body` bounds a request body in bytes (None: unbounded); `body_timeout`
    is the longest wait for the next part of a body, and `send_timeout` for a
    client to take the next chunk of a streaming response, in seconds.
    `refusal` renders a 408 or 413 answered before the application is called;
    `admission(scope)` is entered around the application's call, and may
    refuse it (config/user_share.py).
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
        admission: Admission = lambda scope: nullcontext(),
    ) -> None:
        self.application = application
        self.executor = ThreadPoolExecutor(
            max_workers=threads, thread_name_prefix="wsgi"
        )
        self.max_body = max_body
        self.body_timeout = body_timeout
        self.send_timeout = send_timeout
        self.refusal = refusal
        self.admission = admission

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            raise ValueError(f"WSGIPool serves HTTP only, not {scope['type']}")
        try:
            body = await self.read_body(scope, receive)
        except ClientGone:
            return
        except Refused as refused:
            return await self.refuse(send, refused, close=True)
        loop = asyncio.get_running_loop()
        exchange = Exchange(self.application)
        context = contextvars.copy_context()
        environ = environ_for(scope, io.BytesIO(body))
        try:
            async with self.admission(scope):
                start = await loop.run_in_executor(
                    self.executor, context.run, exchange.start, environ
                )
        except Refused as refused:
            return await self.refuse(send, refused, close=False)
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
            raise Refused(413, f"The request body exceeds {limit} bytes.")
        parts: list[bytes] = []
        size = 0
        while True:
            try:
                async with asyncio.timeout(self.body_timeout if parts else None):
                    message = await receive()
            except TimeoutError:
                raise Refused(
                    408, "The request body stopped arriving; send it again."
                ) from None
            if message["type"] == "http.disconnect":
                raise ClientGone()
            chunk = message.get("body", b"")
            if chunk:
                size += len(chunk)
                if limit is not None and size > limit:
                    raise Refused(413, f"The request body exceeds {limit} bytes.")
                parts.append(chunk)
            if not message.get("more_body", False):
                return b"".join(parts)
            if not parts:
                parts.append(b"")  # the body has begun: its parts are timed

    async def refuse(self, send: Send, refused: Refused, *, close: bool) -> None:
        """Answer a refused request; close the connection if its body is unread."""
        headers, body = self.refusal(refused.status, refused.message)
        headers = [*headers, *refused.headers]
        if close:
            headers.append((b"connection", b"close"))
        await send(
            {
                "type": "http.response.start",
                "status": refused.status,
                "headers": headers,
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
