"""The live status endpoints: async views streaming Server-Sent Events."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.http import HttpResponse

from meetings import services
from meetings.domain import StoreUnavailable, utcnow
from meetings.http import domain_error_response
from shared.errors import error_response

from . import metrics, protocol
from .auth import Credentials, authenticate
from .broker import Draining, TooManyStreams, get_broker
from .connects import get_connect_reads
from .responses import EventStreamResponse
from .streams import (
    SCOPES,
    VERSION,
    StreamSpec,
    event_stream,
    feed_start,
    known_versions,
    parse_meeting_ids,
)
from .subscription import ListFeed, WatchList

MAX_MEETINGS_PER_STREAM = 50


async def meeting_events(request, meeting_id: str) -> HttpResponse:
    """Stream one meeting: retry, connected, status, then changes (docs/events.md).

    Refusals before the stream are JSON errors: 401, 400, 404, 429 or 503.
    """
    meeting_ids = parse_meeting_ids([meeting_id])
    return await _open_stream(request, meeting_ids, multi=False)


async def multi_events(request) -> HttpResponse:
    """Stream up to 50 meetings (?meeting=<id>&meeting=<id>…) on one connection.

    Same events as the single stream; status ids are `<id>:<version>,…`.
    With ?scope=visible (and ?since=<milliseconds>, where a list was read),
    also `changed` events naming every meeting the user may see that changed,
    and the meeting parameters become optional.
    """
    values = request.GET.getlist("meeting")
    scope = request.GET.get("scope")
    if scope is not None and scope not in SCOPES:
        return error_response(
            400,
            "invalid",
            "Unknown scope.",
            {"scope": [f"One of: {', '.join(SCOPES)}."]},
        )
    since = request.GET.get("since")
    if since is not None and (scope is None or not VERSION.fullmatch(since)):
        return error_response(
            400,
            "invalid",
            "since is a time in milliseconds since 1970, with scope.",
            {"since": ["Up to 18 digits, with scope=visible."]},
        )
    fewest = 0 if scope else 1
    if not fewest <= len(values) <= MAX_MEETINGS_PER_STREAM:
        return error_response(
            400,
            "invalid",
            f"Give between {fewest} and {MAX_MEETINGS_PER_STREAM} meeting parameters.",
            {"meeting": [f"{fewest} to {MAX_MEETINGS_PER_STREAM} meeting ids."]},
        )
    return await _open_stream(
        request,
        parse_meeting_ids(values),
        multi=True,
        list_feed=scope is not None,
        since_ms=since and int(since),
    )


async def _open_stream(
    request,
    meeting_ids: list[uuid.UUID] | None,
    *,
    multi: bool,
    list_feed: bool = False,
    since_ms: int | None = None,
) -> HttpResponse:
    credentials = await authenticate(request)
    if credentials is None:
        metrics.STREAM_REFUSALS.labels("auth").inc()
        return error_response(
            401,
            "not_authenticated",
            "Log in or send a valid bearer token.",
            headers={"WWW-Authenticate": 'Bearer realm="api"'},
        )
    if meeting_ids is None:
        return error_response(
            400, "invalid", "Not a valid meeting id (a UUID).", {"meeting": ["UUID"]}
        )
    broker = get_broker()
    try:
        broker.admit(credentials.viewer)
    except (TooManyStreams, Draining) as refused:
        return _refusal(refused)
    try:
        # Shared with the connects arriving at the same moment (a reconnect storm).
        stored = await get_connect_reads().read(meeting_ids) if meeting_ids else {}
    except StoreUnavailable as error:
        return domain_error_response(error)
    found = services.visible_among(credentials.viewer, stored)
    missing = [str(meeting_id) for meeting_id in meeting_ids if meeting_id not in found]
    if missing:
        return error_response(
            404, "not_found", "No such meeting.", {"meeting": missing}
        )
    if request.method == "HEAD":
        # What GET would send, no stream.
        return HttpResponse(
            content_type=protocol.CONTENT_TYPE, headers=protocol.HEADERS
        )
    last_event_id = request.headers.get("Last-Event-ID", "")
    if last_event_id:
        metrics.STREAM_RECONNECTS.inc()
    known = known_versions(last_event_id, multi)
    feed_cursor = feed_start(known, since_ms, utcnow()) if list_feed else None
    return _stream_response(
        credentials, [found[i] for i in meeting_ids], multi, known, feed_cursor
    )


def _stream_response(
    credentials: Credentials,
    meetings,
    multi: bool,
    known: dict[str, int],
    feed_cursor: datetime | None,
):
    broker = get_broker()
    args = (
        credentials.viewer,
        {m.id: m for m in meetings},
        credentials.key,
        credentials.checked_at,
    )
    subscription = (
        WatchList(*args) if feed_cursor is None else ListFeed(*args, cursor=feed_cursor)
    )
    try:
        broker.subscribe(subscription)
    except (TooManyStreams, Draining) as refused:
        # Admitted before the read, but the cap filled up or a drain began since.
        return _refusal(refused)
    spec = StreamSpec(
        subscription=subscription,
        initial=meetings,
        multi=multi,
        known=known,
        expires_at=credentials.expires_at,
    )
    return EventStreamResponse(event_stream(broker, spec))


def _refusal(refused: TooManyStreams | Draining) -> HttpResponse:
    if isinstance(refused, TooManyStreams):
        metrics.STREAM_REFUSALS.labels("cap").inc()
        retry_after = str(int(settings.SSE_POLL_INTERVAL * 10))
        return error_response(
            429, "too_many_streams", str(refused), headers={"Retry-After": retry_after}
        )
    metrics.STREAM_REFUSALS.labels("drain").inc()
    return error_response(
        503,
        "shutting_down",
        "This instance is restarting; reconnect.",
        headers={"Retry-After": "1"},
    )
