"""The Server-Sent Events wire format (WHATWG HTML §9.2), and our payloads."""

from __future__ import annotations

import json
from typing import Any

from meetings.domain import Meeting

CONTENT_TYPE = "text/event-stream; charset=utf-8"
HEADERS = {
    "Cache-Control": "no-cache, no-transform",
    "X-Accel-Buffering": "no",
}


def event(name: str, data: dict[str, Any], event_id: str | None = None) -> bytes:
    """Return one event; JSON keeps data on one line, so one data: field suffices."""
    lines = [f"event: {name}"]
    if event_id is not None:
        lines.append(f"id: {event_id}")
    lines.append(f"data: {json.dumps(data, separators=(',', ':'))}")
    return ("\n".join(lines) + "\n\n").encode()


def comment(text: str) -> bytes:
    return f": {text}\n\n".encode()


def retry(milliseconds: int) -> bytes:
    return f"retry: {int(milliseconds)}\n\n".encode()


def status_data(meeting: Meeting) -> dict[str, Any]:
    """Return a status event's payload (docs/events.md): the meeting's status now,
    and statusChangedAt, when it entered that status (null if not recorded)."""
    changed_at = meeting.status_changed_at
    return {
        "meetingId": str(meeting.id),
        "title": meeting.title,
        "status": str(meeting.status),
        "progress": meeting.progress,
        "statusMessage": meeting.status_message,
        "updatedAt": meeting.updated_at.isoformat() if meeting.updated_at else None,
        "version": meeting.version,
        "statusChangedAt": changed_at.isoformat() if changed_at else None,
    }
