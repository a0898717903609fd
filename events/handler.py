"""The ASGI application of the stream URLs: no middleware, no thread, no hop.

Django's ASGIHandler costs a stream more than the stream costs itself. Each
sync middleware pins a thread for the request, which for a stream is its whole
life. Around the view it sends request_started and, when the response closes,
request_finished, each through a thread-sensitive sync_to_async: a hop to
asgiref's one shared sync thread and back, serialised across every stream of
the process. In a reconnect storm or a drain those hops dominate
(docs/performance.md, "Reconnect storms: connect rate, drain, delivery at full
size"). Stream views authenticate themselves (events/auth.py) and need
nothing else, so this handler does only what they need: resolve the path
against events.urls, build Django's ASGIRequest, pass it through the gate that
holds it to the site's rules (events/gate.py), await the async view, and send
its response, stopping the stream when the client goes away.

request_started is not sent, and request_finished only by a short answer's own
close() (a refusal, an error), on the loop's thread with no hop; an open
stream's response is let go once its head is sent. Their receivers reset the
serving thread's query log, close its database and cache connections and reset
its urlconf. A stream is served on the event loop's thread, where nothing opens
those: authentication and rechecks run in pooled threads that close their own
connections (events/auth.py), meetings are read from DynamoDB in pooled
threads, and the Django ORM refuses to run on an event loop anyway.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import aclosing

from django.core.exceptions import (
    BadRequest,
    PermissionDenied,
    SuspiciousOperation,
)
from django.core.handlers.asgi import ASGIRequest
from django.http import Http404
from django.http.response import HttpResponseBase
from django.urls import Resolver404, get_resolver, resolve
from django.utils.log import log_response

from shared import errors

from .gate import Gate
from .responses import EventStreamResponse

STREAM_URLCONF = "events.urls"

Receive = Callable[[], Awaitable[dict]]
Send = Callable[[dict], Awaitable[None]]


def is_stream_request(asgi_scope: dict) -> bool:
    """Return whether asgi_scope is an HTTP request for one of the stream URLs."""
    if asgi_scope["type"] != "http":
        return False
    try:
        resolve(asgi_scope.get("path", ""), urlconf=STREAM_URLCONF)
    except Resolver404:
        return False
    return True


class StreamingASGIHandler:
    """Serve the stream URLs: gate, resolve, await the async view, send its response.

    Refusals and errors before a stream are the API's JSON errors
    (shared/errors.py); an exception in a view is logged and answered 500.
    Every answer carries the site's security headers.
    """

    def __init__(self, urlconf: str = STREAM_URLCONF) -> None:
        self.urlconf = urlconf
        self.gate = Gate()

    async def __call__(self, asgi_scope: dict, receive: Receive, send: Send) -> None:
        if asgi_scope["type"] != "http":
            kind = asgi_scope["type"]
            raise ValueError(f"Streams are served over HTTP, not {kind}.")
        response = await self.get_response(asgi_scope)
        if isinstance(response, EventStreamResponse):
            events = response.events
            await send(_start(response))
            # The stream needs its events and nothing else for its whole life:
            # its response (the headers, the cookies, Django's wrapper around
            # the generator) goes now. Nothing is left for close() to do: no
            # resource to close, and no request_finished, whose receivers
            # close what only other threads open (see above).
            del response
            await _send_stream(events, receive, send)
            return
        try:
            await send(_start(response))
            if asgi_scope["method"] == "HEAD":
                await send({"type": "http.response.body"})
            elif response.streaming:
                await _send_stream(_chunks(response), receive, send)
            else:
                await send({"type": "http.response.body", "body": response.content})
        finally:
            response.close()

    async def get_response(self, asgi_scope: dict) -> HttpResponseBase:
        """Return the answer to the request in asgi_scope: the gate's, or the
        view's, or an error's, with the site's headers."""
        try:
            request = ASGIRequest(asgi_scope, io.BytesIO())
        except UnicodeDecodeError:  # a query string that is not UTF-8
            return errors.bad_request()
        response = self.gate.refusal(request) or await self.call_view(request)
        self.gate.dress(request, response)
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

    async def call_view(self, request) -> HttpResponseBase:
        """Return the view's response, or the JSON error an exception stands for."""
        try:
            match = get_resolver(self.urlconf).resolve(request.path_info)
            request.resolver_match = match
            return await match.func(request, *match.args, **match.kwargs)
        except Http404:
            return errors.not_found(request.path)
        except PermissionDenied:
            return errors.permission_denied()
        except (BadRequest, SuspiciousOperation):
            return errors.bad_request()
        except Exception as error:
            response = errors.server_error()
            log_response(
                "Internal Server Error: %s",
                request.path,
                response=response,
                request=request,
                exception=error,
            )
            return response


def _start(response: HttpResponseBase) -> dict:
    return {
        "type": "http.response.start",
        "status": response.status_code,
        "headers": _headers(response),
    }


def _headers(response: HttpResponseBase) -> list[tuple[bytes, bytes]]:
    headers = [
        (name.encode("ascii"), value.encode("latin1"))
        for name, value in response.items()
    ]
    for cookie in response.cookies.values():
        headers.append((b"Set-Cookie", cookie.OutputString().encode("ascii")))
    return headers


async def _send_stream(
    chunks: AsyncIterator[bytes], receive: Receive, send: Send
) -> None:
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
    try:
        async with aclosing(chunks):
            async for chunk in chunks:
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


async def _chunks(response) -> AsyncIterator[bytes]:
    """Return the response's chunks as an async iterator of bytes.

    An async view's generator comes through streaming_content; a sync iterator
    through the response's own async iteration, which Django runs in a thread.
    """
    chunks = response.streaming_content if response.is_async else aiter(response)
    async with aclosing(chunks):
        async for chunk in chunks:
            yield chunk if type(chunk) is bytes else response.make_bytes(chunk)
