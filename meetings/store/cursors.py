"""Opaque pagination cursors, signed and bound to the scope that made them."""

from __future__ import annotations

from typing import Any

from django.core import signing

from ..domain import InvalidCursor

_SALT = "meetings.cursor"


def encode(scope: str, position: dict[str, Any]) -> str:
    """Return a tamper-proof token for position, valid only within scope."""
    return signing.dumps({"s": scope, "p": position}, salt=_SALT, compress=True)


def decode(token: str, scope: str) -> dict[str, Any]:
    """Return the position token names, refusing tokens from another scope."""
    try:
        payload = signing.loads(token, salt=_SALT)
    except signing.BadSignature:
        raise InvalidCursor() from None
    if not isinstance(payload, dict) or payload.get("s") != scope:
        raise InvalidCursor()
    position = payload.get("p")
    if not isinstance(position, dict):
        raise InvalidCursor()
    return position
