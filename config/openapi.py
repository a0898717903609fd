"""How the OpenAPI schema describes what DRF cannot see on its own."""

from __future__ import annotations

from urllib.parse import unquote

from django.urls import reverse
from drf_spectacular.openapi import AutoSchema

# Every API operation can answer these, in the one error shape.
COMMON_ERRORS = {
    "400": "Invalid input, cursor, id or header.",
    "401": "Missing or invalid credentials.",
    "405": "Method not allowed.",
    "406": "Cannot answer in a requested media type.",
    "413": "Request body too large.",
    "415": "Unsupported media type.",
    "429": "Too many requests.",
    "503": "DynamoDB is unavailable; retry after Retry-After seconds.",
}
# Operations on one meeting can also answer these.
MEETING_ERRORS = {
    "404": "No such meeting, or not yours.",
    "412": "If-Match names an older version.",
}
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
SCOPE_DESCRIPTION = (
    " With `scope=visible` it also follows every meeting the user may see: "
    "`changed` names those created, changed or deleted since `since` (or the "
    "scope's place in `Last-Event-ID`), which a live list reads again to show "
    "new meetings and rows that left its filter."
)
# events/views.py's limit, which config cannot import (meetings.api imports
# this module, and the two must stay independent); a test keeps them equal.
MAX_MEETINGS_PER_STREAM = 50
# And writes this.
WRITE_ERRORS = {
    "409": "Conflicts with the meeting's status, a reused idempotency key, or a "
    "race lost too often.",
}


class ObjectResponseSchema(AutoSchema):
    """A schema for views that never answer with a bare list.

    drf-spectacular assumes a viewset's `list` returns an array; ours returns
    a page object, {results, next_cursor}.
    """

    def _is_list_view(self, serializer=None) -> bool:
        return False


def add_error_responses(result, generator, request, public):
    """Postprocessing hook: describe the error responses of every operation."""
    error_ref = {"$ref": "#/components/schemas/Error"}
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("ErrorDetail", _error_detail_schema())
    components.setdefault(
        "Error",
        {
            "type": "object",
            "properties": {"error": {"$ref": "#/components/schemas/ErrorDetail"}},
            "required": ["error"],
        },
    )
    for path, operations in result.get("paths", {}).items():
        errors = dict(COMMON_ERRORS)
        if "{id}" in path:
            errors.update(MEETING_ERRORS)
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            codes = dict(errors)
            if method in ("post", "patch", "delete"):
                codes.update(WRITE_ERRORS)
            for code, description in codes.items():
                responses.setdefault(
                    code,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": error_ref}},
                    },
                )
    # The streams are plain async Django views, which drf-spectacular never
    # sees; describe them here so that /v1/docs lists every endpoint.
    result["paths"].update(_stream_paths(error_ref))
    # The API refuses unknown fields rather than dropping them silently.
    for name, schema in components.items():
        if name.endswith("Request") and schema.get("type") == "object":
            schema["additionalProperties"] = False
            if name.startswith("Patched"):  # a PATCH must change something
                schema["minProperties"] = 1
    return result


def _stream_paths(error_ref: dict) -> dict:
    """Return the OpenAPI paths of the two live status streams."""
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
                "description": STREAM_DESCRIPTION + description,
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
                    "schema": {"type": "string", "enum": ["visible"]},
                    "description": "Also send `changed` for every meeting the "
                    "user may see that is created, changed or deleted.",
                },
                {
                    "in": "query",
                    "name": "since",
                    "required": False,
                    "schema": {"type": "string", "pattern": "^[0-9]{1,18}$"},
                    "description": "With a scope: report changes from this "
                    "time on, in milliseconds since 1970 (when the list was "
                    "read); at most a minute back, else `changed` says reset.",
                },
                last_event_id,
            ],
            SCOPE_DESCRIPTION,
        ),
    }


def _error_detail_schema() -> dict:
    return {
        "type": "object",
        "properties": {
            "code": {"type": "string"},
            "message": {"type": "string"},
            "details": {"nullable": True},
        },
        "required": ["code", "message", "details"],
    }
