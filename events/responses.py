"""The response of an open stream: its SSE headers, and the stream's own events."""

from __future__ import annotations

from collections.abc import AsyncIterator

from django.http import StreamingHttpResponse

from . import protocol


class EventStreamResponse(StreamingHttpResponse):
    """A live stream's response: text/event-stream, never cached or buffered.

    `events` is the stream's async generator of SSE bytes. The stream handler
    (events/handler.py) sends the head, then lets the response go and sends
    `events` as they come: a stream that lives for minutes holds its generator
    and nothing else (docs/performance.md, "Stream responses let go"). Any
    other ASGI handler (Django's, the test client) streams it as it would any
    StreamingHttpResponse.
    """

    def __init__(self, events: AsyncIterator[bytes]) -> None:
        super().__init__(
            events, content_type=protocol.CONTENT_TYPE, headers=protocol.HEADERS
        )
        self.events = events
