"""An ASGI handler for stream requests, with no middleware at all.

Django runs each sync middleware through a thread-sensitive executor that pins
a thread for the whole request; for a stream that is its whole life. Stream
views authenticate themselves (events/auth.py) and need nothing else, so their
requests go through this handler instead (see config/asgi.py).
"""

from __future__ import annotations

from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.exception import convert_exception_to_response
from django.urls import Resolver404, resolve

STREAM_URLCONF = "events.urls"


def is_stream_request(scope: dict) -> bool:
    """Return whether scope is an HTTP request for one of the stream URLs."""
    if scope["type"] != "http":
        return False
    try:
        resolve(scope.get("path", ""), urlconf=STREAM_URLCONF)
    except Resolver404:
        return False
    return True


class StreamingASGIHandler(ASGIHandler):
    def load_middleware(self, is_async: bool = False) -> None:
        self._view_middleware = []
        self._template_response_middleware = []
        self._exception_middleware = []
        self._middleware_chain = convert_exception_to_response(self._get_response_async)

    async def __call__(self, scope, receive, send) -> None:
        # Skip ThreadSensitiveContext: it would give each stream its own thread
        # for the few sync calls Django makes (request signals), held to the end.
        await self.handle(scope, receive, send)
