"""The event stream of one open connection, as an async generator of SSE bytes."""

from __future__ import annotations

import asyncio
import os
import random
import re
import socket
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import aclosing
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings

from meetings.domain import Access, Meeting, utcnow

from . import metrics, protocol
from .broker import StatusBroker
from .subscription import Delivery, ListFeed, Subscription

INSTANCE = f"{socket.gethostname()}:{os.getpid()}"
MAX_LAST_EVENT_ID = 8192
# A version is a plain non-negative integer of at most 18 digits (fits int64).
VERSION = re.compile(r"[0-9]{1,18}")
# The part of a list feed's event id that holds its cursor.
FEED_CURSOR_KEY = "scope"
# The values of the `scope` query parameter, which opens a list feed: the one
# list a stream may follow is every meeting its user may see.
VISIBLE_SCOPE = "visible"
SCOPES = (VISIBLE_SCOPE,)
MAX_LOST_RETRY_MS = 1000
# A single stream's status event is the same bytes for every stream of its
# meeting at a version: encoded once per version, not once per stream, so a
# fan-out to thousands of viewers of one meeting costs one JSON encoding.
# Cleared when full; a version is sent within a tick of being read.
_single_statuses: dict[tuple[uuid.UUID, int], bytes] = {}
MAX_SINGLE_STATUSES = 4096


@dataclass
class StreamSpec:
    """What a stream serves: set up by the view after its checks pass."""

    subscription: Subscription
    initial: list[Meeting]
    multi: bool
    # The versions the client's Last-Event-ID says it has (known_versions).
    known: dict[str, int]
    expires_at: float | None


def known_versions(last_event_id: str, multi: bool) -> dict[str, int]:
    """Parse Last-Event-ID into {meeting id: version}; ignore what is malformed.

    A single stream's id is a version; a multi stream's is `<id>:<version>,…`.
    Anything else, such as "²", "-1" or 4,500 digits, is as if absent.
    """
    if not last_event_id or len(last_event_id) > MAX_LAST_EVENT_ID:
        return {}
    if not multi:
        return {"": int(last_event_id)} if VERSION.fullmatch(last_event_id) else {}
    versions: dict[str, int] = {}
    # A list feed's id starts with `scope:<milliseconds>`, its cursor.
    for part in last_event_id.split(","):
        meeting_id, _, version = part.partition(":")
        if VERSION.fullmatch(version):
            versions[meeting_id] = int(version)
    return versions


def feed_start(known: dict[str, int], since_ms: int | None, now: datetime) -> datetime:
    """Return where a list feed resumes: its Last-Event-ID's cursor (in known,
    as known_versions parsed it), since, or now.

    Never later than now. One older than the poller's own cursor is reset by
    the broker (the client reads its list again), so a client cannot widen
    the shared change query.
    """
    cursor_ms = known.get(FEED_CURSOR_KEY, since_ms)
    # Compared before converting: 18 digits of milliseconds overflow datetime.
    if cursor_ms is None or cursor_ms >= now.timestamp() * 1000:
        return now
    return datetime.fromtimestamp(cursor_ms / 1000, UTC)


async def event_stream(broker: StatusBroker, spec: StreamSpec) -> AsyncIterator[bytes]:
    """Yield retry, connected and status events, then changes until closed.

    The stream unsubscribes in all cases, including cancellation by a client
    disconnect, which it lets propagate.
    """
    subscription = spec.subscription
    reason = "client_disconnected"
    try:
        yield protocol.retry(settings.SSE_RETRY_MS)
        yield _sent("connected", protocol.event("connected", _connected_data(spec)))
        for meeting in spec.initial:
            key = str(meeting.id) if spec.multi else ""
            if spec.known.get(key) != meeting.version:
                yield _status(meeting, spec)
        async with aclosing(_follow(subscription, spec)) as events:
            async for chunk, ended in events:
                reason = ended or reason
                if chunk:
                    yield chunk
    finally:
        broker.unsubscribe(subscription, reason)


async def _follow(
    subscription: Subscription, spec: StreamSpec
) -> AsyncIterator[tuple[bytes, str | None]]:
    loop = asyncio.get_running_loop()
    keepalive = settings.SSE_KEEPALIVE_INTERVAL
    next_ping = loop.time() + keepalive
    lifetime = settings.SSE_MAX_LIFETIME * random.uniform(0.9, 1.1)
    deadline, deadline_reason = loop.time() + lifetime, "max_lifetime"
    if spec.expires_at is not None:
        token_left = spec.expires_at - time.time()
        if token_left < lifetime:
            deadline, deadline_reason = loop.time() + token_left, "token_expired"
    while True:
        await subscription.wait(max(0.0, min(next_ping, deadline) - loop.time()))
        if subscription.closing:
            reason, retry_after_ms = subscription.closing
            yield _connection_lost(reason, retry_after_ms), reason
            return
        if loop.time() >= deadline:
            retry_after_ms = random.randint(0, MAX_LOST_RETRY_MS)
            yield _connection_lost(deadline_reason, retry_after_ms), deadline_reason
            return
        chunk = _events(subscription.take(), spec)
        if chunk:
            yield chunk, None
        if subscription.finished:
            yield b"", "deleted"
            return
        if loop.time() >= next_ping:
            next_ping = loop.time() + keepalive
            yield _sent("ping", protocol.comment("ping")), None


def _events(delivery: Delivery, spec: StreamSpec) -> bytes:
    """Return the events for what the poller delivered."""
    subscription = spec.subscription
    chunks: list[bytes] = []
    if delivery.error is not None:
        error = delivery.error
        data = {"code": error.code, "message": error.message, "retryable": True}
        chunks.append(_sent("error", protocol.event("error", data)))
    if delivery.list_changes or delivery.list_reset:
        chunks.append(_changed(delivery, spec))
    gone = set(delivery.gone)
    for meeting in delivery.changed:
        if subscription.viewer.may(Access.VIEW, meeting):
            # A status sent again (after an outage) is not a delivery.
            news = meeting.version > subscription.versions.get(meeting.id, 0)
            chunks.append(_status(meeting, spec))
            if news:
                lag = time.time() - meeting.updated_at.timestamp()
                metrics.DELIVERY_LAG.observe(lag)
        else:
            gone.add(meeting.id)
    for meeting_id in gone:
        if subscription.forget(meeting_id):
            data = {"meetingId": str(meeting_id)}
            chunks.append(_sent("deleted", protocol.event("deleted", data)))
    return b"".join(chunks)


def _status(meeting: Meeting, spec: StreamSpec) -> bytes:
    spec.subscription.sent(meeting)
    if not spec.multi:
        return _sent("status", _single_status(meeting))
    return _sent(
        "status",
        protocol.event("status", protocol.status_data(meeting), _event_id(spec)),
    )


def _single_status(meeting: Meeting) -> bytes:
    """Return a single stream's status event for meeting: its id is the version."""
    key = (meeting.id, meeting.version)
    chunk = _single_statuses.get(key)
    if chunk is None:
        if len(_single_statuses) >= MAX_SINGLE_STATUSES:
            _single_statuses.clear()
        data = protocol.status_data(meeting)
        chunk = protocol.event("status", data, str(meeting.version))
        _single_statuses[key] = chunk
    return chunk


def _changed(delivery: Delivery, spec: StreamSpec) -> bytes:
    """Tell a list feed which visible meetings changed (docs/events.md)."""
    data = {
        "changes": [
            {
                "meetingId": str(change.meeting_id),
                "version": change.version,
                "deleted": change.deleted,
            }
            for change in delivery.list_changes
        ],
        "reset": delivery.list_reset,
    }
    return _sent("changed", protocol.event("changed", data, _event_id(spec)))


def _event_id(spec: StreamSpec) -> str:
    """Return what a reconnect sends back as Last-Event-ID to resume here.

    A multi stream's is `<id>:<version>,…`, led by `scope:<milliseconds>` when
    it is a list feed (a single stream's status carries its meeting's version:
    _single_status).
    """
    subscription = spec.subscription
    parts = [f"{i}:{v}" for i, v in subscription.versions.items()]
    if isinstance(subscription, ListFeed):
        cursor_ms = int(subscription.cursor.timestamp() * 1000)
        parts.insert(0, f"{FEED_CURSOR_KEY}:{cursor_ms}")
    return ",".join(parts)


def _connection_lost(reason: str, retry_after_ms: int) -> bytes:
    data = {"reason": reason, "retryAfterMs": retry_after_ms}
    return _sent("connectionLost", protocol.event("connectionLost", data))


def _connected_data(spec: StreamSpec) -> dict:
    ids = [str(meeting_id) for meeting_id in spec.subscription.meeting_ids]
    data: dict = {"meetingIds": ids} if spec.multi else {"meetingId": ids[0]}
    if isinstance(spec.subscription, ListFeed):
        data["scope"] = VISIBLE_SCOPE
    if settings.DEBUG:
        # Which process serves the stream: for debugging only, as host and pid
        # tell an outsider about the deployment.
        data["instance"] = INSTANCE
    data.update(
        pollInterval=int(settings.SSE_POLL_INTERVAL * 1000),
        keepaliveInterval=int(settings.SSE_KEEPALIVE_INTERVAL * 1000),
        serverTime=utcnow().isoformat(),
    )
    return data


def _sent(name: str, chunk: bytes) -> bytes:
    metrics.EVENTS_SENT.labels(name).inc()
    return chunk


def parse_meeting_ids(values: list[str]) -> list[uuid.UUID] | None:
    """Return the UUIDs in values, in order without repeats, or None if any is bad."""
    try:
        return list(dict.fromkeys(uuid.UUID(value) for value in values))
    except ValueError:
        return None
