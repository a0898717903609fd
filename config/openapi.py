"""How the OpenAPI schema describes what DRF cannot see on its own."""

from __future__ import annotations

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
# And writes this.
WRITE_ERRORS = {
    "409": "Conflicts with the meeting's status, a reused idempotency key, or a "
    "race lost too often.",
}


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
    # The API refuses unknown fields rather than dropping them silently.
    for name, schema in components.items():
        if name.endswith("Request") and schema.get("type") == "object":
            schema["additionalProperties"] = False
            if name.startswith("Patched"):  # a PATCH must change something
                schema["minProperties"] = 1
    return result


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
