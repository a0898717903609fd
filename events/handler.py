"""The ASGI application of the stream URLs: no middleware, no thread, no hop.

Django's ASGIHandler costs a stream more than the stream costs itself. Each
sync middleware pins a thread for the request, which for a stream is its whole
life. Around the view it sends request_started and, when the response closes,
request_finished, each through a thread-sensitive sync_to_async: a hop to
asgiref's one shared sync thread and back, serialised across every stream of
the process. In a reconnect storm or a drain of 15,000 streams those hops were
most of the time (docs/performance.md). Stream views authenticate themselves
(events/auth.py) and need nothing else, so this handler does only what they
need: resolve the path against events.urls, build Django's ASGIRequest, await
the async view, and send its response, stopping the stream when the client
goes away.

Django's request signals are not sent. Their receivers reset the serving
thread's query log, close its database and cache connections and reset its
urlconf. A stream is served on the event loop's thread, where nothing opens
those: authentication and rechecks run in pooled threads that close their own
connections (events/auth.py), meetings are read from DynamoDB in pooled
threads, and the Django ORM refuses to run on an event loop anyway.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager, aclosing, nullcontext

from django.core.exceptions import (
    BadRequest,
    PermissionDenied,
    SuspiciousOperation,
)
from django.core.handlers.asgi import ASGIRequest
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.urls import Resolver404, get_resolver, resolve
from django.utils.log import log_response

from config import errors

STREAM_URLCONF = "events.urls"

Receive = Callable[[], Awaitable[dict]]
Send = Callable[[dict], Awaitable[None]]


def is_stream_request(scope: dict) -> bool:
    """Return whether scope is an HTTP request for one of the stream URLs."""
    if scope["type"] != "http":
        return False
    try:
        resolve(scope.get("path", ""), urlconf=STREAM_URLCONF)
    except Resolver404:
        return False
    return True


class StreamingASGIHandler:
    """Serve the stream URLs: resolve, await the async view, send its response.

    Refusals and errors before a stream are the API's JSON errors
    (config/errors.py); an exception in a view is logged and answered 500.
    """

    def __init__(self, urlconf: str = STREAM_URLCONF) -> None:
        self.urlconf = urlconf

    async def __call__(self, scope: dict, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Streams are served over HTTP, not {scope['type']}.")
        if not await _read_request(receive):
            return  # the client left before the request was complete
        response = await self.get_response(scope)
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": response.status_code,
                    "headers": _headers(response),
                }
            )
            if response.streaming:
                await _send_stream(response, receive, send)
            else:
                await send({"type": "http.response.body", "body": response.content})
        finally:
            await _close(response)

    async def get_response(self, scope: dict) -> HttpResponseBase:
        """Return the view's response to the request in scope, or an error's."""
        try:
            request = ASGIRequest(scope, io.BytesIO())
        except UnicodeDecodeError:  # a query string that is not UTF-8
            bad = HttpRequest()
            bad.path = scope["path"]
            return errors.handler400(bad)
        try:
            match = get_resolver(self.urlconf).resolve(request.path_info)
            request.resolver_match = match
            response = await match.func(request, *match.args, **match.kwargs)
        except Http404 as error:
            response = errors.handler404(request, error)
        except PermissionDenied as error:
            response = errors.handler403(request, error)
        except (BadRequest, SuspiciousOperation) as error:
            response = errors.handler400(request, error)
        except Exception as error:
            response = errors.handler500(request)
            log_response(
                "Internal Server Error: %s",
                request.path,
                response=response,
                request=request,
                exception=error,
            )
        if response.status_code >= 400:
            # As Django logs them, but on the loop: a line, not a thread hop.
            log_response(
                "%s: %s",
                response.reason_phrase,
                request.path,
                response=response,
                request=request,
            )
        return response


async def _read_request(receive: Receive) -> bool:
    """Read the request to its end; return False if the client went away.

    Stream views read no body, so whatever a client sends is dropped.
    """
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return False
        if not message.get("more_body", False):
            return True


def _headers(response: HttpResponseBase) -> list[tuple[bytes, bytes]]:
    headers = [
        (name.encode("ascii"), value.encode("latin1"))
        for name, value in response.items()
    ]
    for cookie in response.cookies.values():
        headers.append((b"Set-Cookie", cookie.OutputString().encode("ascii")))
    return headers


async def _send_stream(response, receive: Receive, send: Send) -> None:
    """Send each chunk as it comes; stop the iterator when the client leaves.

    A client going away shows only as http.disconnect from receive(), so a
    watcher waits for it and cancels this task, which raises CancelledError
    inside the view's generator wherever it waits: its finally runs (the
    stream unsubscribes) and aclosing closes it if it was suspended at a yield.
    """
    task = asyncio.current_task()
    streaming, left = True, False

    def on_disconnect(watcher: asyncio.Task) -> None:
        nonlocal left
        # Run by the loop later: the stream may have ended in the meantime.
        if streaming and not watcher.cancelled() and not watcher.exception():
            left = True
            task.cancel()

    watcher = asyncio.create_task(_disconnected(receive))
    watcher.add_done_callback(on_disconnect)
    chunks = _chunks(response)
    try:
        async with _closing(chunks):
            async for chunk in chunks:
                if type(chunk) is not bytes:
                    chunk = response.make_bytes(chunk)
                if chunk:
                    await send(
                        {"type": "http.response.body", "body": chunk, "more_body": True}
                    )
        await send({"type": "http.response.body"})
    except asyncio.CancelledError:
        if not left:
            raise  # cancelled by the server (a forced shutdown), not the client
        task.uncancel()
    finally:
        streaming = False
        watcher.cancel()


async def _disconnected(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


def _chunks(response):
    """Return the response's chunks as an async iterator.

    An async view's own generator is iterated, not the two generators that
    StreamingHttpResponse.__aiter__ wraps around it: closing them would not
    close it, and each chunk would pass through both.
    """
    if response.is_async:
        return response._iterator
    return aiter(response)  # a sync iterator, which Django maps in a thread


def _closing(iterator) -> AbstractAsyncContextManager:
    return aclosing(iterator) if hasattr(iterator, "aclose") else nullcontext()


async def _close(response: HttpResponseBase) -> None:
    """Close the response's resources, in a pooled thread only if it has any.

    Closers are sync (a file, a sync iterator's close()). A stream's async
    generator has none (it has aclose(), not close()), nor has a JSON answer,
    so for those there is nothing to run and no thread to hop to.
    """
    if response._resource_closers:
        await asyncio.to_thread(response.close)
    else:
        response.closed = True
