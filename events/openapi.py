"""How the OpenAPI schema (/v1/schema, /v1/docs) describes the live streams.

settings.SPECTACULAR_SETTINGS names add_stream_paths as a postprocessing hook,
so the stream's limits, scopes and paths are read from where they are enforced
(events.views, events.streams, events.urls), and no other module copies them.
"""

from __future__ import annotations

from urllib.parse import unquote

from django.urls import reverse

from meetings.domain import Meeting

from .protocol import status_data
from .streams import SCOPES, VERSION
from .views import MAX_MEETINGS_PER_STREAM

# What the live stream endpoints (events/views.py) answer before any event.
STREAM_ERRORS = {
    "400": "A malformed meeting id; on /v1/events, too many `meeting`, none "
    "without a scope, an unknown `scope`, or a malformed `since`.",
    "401": "Missing or invalid credentials.",
    "404": "A meeting is missing or not yours.",
    "429": "Too many streams open for this user; retry after Retry-After seconds.",
    "503": "DynamoDB is unavailable, or this instance is restarting; retry after "
    "Retry-After seconds.",
}
STREAM_DESCRIPTION = (
    "Server-Sent Events: `retry`, `connected`, one `status` per meeting, then "
    "`status` on every change, `error`, `deleted`, `connectionLost` and a `: ping` "
    "keepalive. The stream stays open; the full protocol, reconnects and "
    "`Last-Event-ID` are in docs/events.md."
)
STATUS_FIELDS_DESCRIPTION = (
    " A `status` holds {fields}; `statusChangedAt` is when the meeting entered "
    "its status (null if that was not recorded)."
)
SCOPE_DESCRIPTION = (
    " With `scope=visible` it also follows every meeting the user may see: "
    "`changed` names those created, changed or deleted since `since` (or the "
    "scope's place in `Last-Event-ID`), which a live list reads again to show "
    "new meetings and rows that left its filter."
)


def add_stream_paths(result, generator, request, public):
    """Postprocessing hook: describe the live streams, which are plain async
    Django views that drf-spectacular never sees, so that /v1/docs lists every
    endpoint. Runs after config.openapi.add_error_responses, which defines the
    Error schema the refusals refer to.
    """
    result["paths"].update(_stream_paths({"$ref": "#/components/schemas/Error"}))
    return result


def _stream_paths(error_ref: dict) -> dict:
    """Return the OpenAPI paths of the two live status streams."""
    # The payload's fields, read from what events.protocol sends.
    example = status_data(Meeting(owner_id="0", title="example"))
    fields = STATUS_FIELDS_DESCRIPTION.format(
        fields=", ".join(f"`{name}`" for name in example)
    )
    uuid_schema = {"type": "string", "format": "uuid"}
    retry_after = {
        "Retry-After": {
            "schema": {"type": "integer"},
            "description": "Seconds to wait before reconnecting.",
        }
    }
    responses = {
        "200": {
            "description": "The stream, open until the server ends it.",
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        }
    }
    for code, description in STREAM_ERRORS.items():
        responses[code] = {
            "description": description,
            "content": {"application/json": {"schema": error_ref}},
        }
        if code in ("429", "503"):
            responses[code]["headers"] = retry_after

    def operation(
        operation_id: str, summary: str, parameters: list, description: str = ""
    ) -> dict:
        return {
            "get": {
                "operationId": operation_id,
                "summary": summary,
                "description": STREAM_DESCRIPTION + fields + description,
                "tags": ["events"],
                "parameters": parameters,
                "security": [{"jwtAuth": []}, {"cookieAuth": []}],
                "responses": responses,
            }
        }

    last_event_id = {
        "in": "header",
        "name": "Last-Event-ID",
        "schema": {"type": "string"},
        "description": "The id of the last status event received, on reconnect.",
    }
    # The paths are events/urls.py's, found by name: {id} for the meeting.
    single_path = unquote(reverse("meeting-events", kwargs={"meeting_id": "{id}"}))
    return {
        single_path: operation(
            "meeting_events",
            "Stream one meeting's status.",
            [
                {
                    "in": "path",
                    "name": "id",
                    "required": True,
                    "schema": uuid_schema,
                    "description": "The meeting's id.",
                },
                last_event_id,
            ],
        ),
        reverse("events"): operation(
            "events",
            "Stream the status of several meetings, and optionally every "
            "change in the user's scope, on one connection.",
            [
                {
                    "in": "query",
                    "name": "meeting",
                    "required": False,
                    "style": "form",
                    "explode": True,
                    "schema": {
                        "type": "array",
                        "items": uuid_schema,
                        "maxItems": MAX_MEETINGS_PER_STREAM,
                    },
                    "description": "A meeting's id; repeat for each, "
                    f"1 to {MAX_MEETINGS_PER_STREAM} (0 to "
                    f"{MAX_MEETINGS_PER_STREAM} with a scope).",
                },
                {
                    "in": "query",
                    "name": "scope",
                    "required": False,
                    "schema": {"type": "string", "enum": list(SCOPES)},
                    "description": "Also send `changed` for every meeting the "
                    "user may see that is created, changed or deleted.",
                },
                {
                    "in": "query",
                    "name": "since",
                    "required": False,
                    "schema": {"type": "string", "pattern": f"^{VERSION.pattern}$"},
                    "description": "With a scope: report changes from this "
                    "time on, in milliseconds since 1970 (when the list was "
                    "read); at most a minute back, else `changed` says reset.",
                },
                last_event_id,
            ],
            SCOPE_DESCRIPTION,
        ),
    }
