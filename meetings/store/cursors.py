"""Paging cursors: opaque, signed, bound to the listing they page, and short-lived.

A cursor's binding is the string of the query it pages (ListQuery.cursor_binding:
requester, owner, filters and page size); a cursor presented with another
binding is refused. It is valid for settings.MEETINGS_CURSOR_MAX_AGE seconds
after it was made.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import signing

from ..domain import InvalidCursor

SALT = "meetings.cursor"


def encode(binding: str, position: dict[str, Any]) -> str:
    """Return a tamper-proof token for position, valid only under binding.

    signing.dumps stamps the time it signed at, which decode holds to max_age.
    """
    return signing.dumps({"s": binding, "p": position}, salt=SALT, compress=True)


def decode(token: str, binding: str, max_age: float | None = None) -> dict[str, Any]:
    """Return the position token names, refusing tokens made under another
    binding and tokens older than max_age seconds (default
    MEETINGS_CURSOR_MAX_AGE).
    """
    if max_age is None:
        max_age = settings.MEETINGS_CURSOR_MAX_AGE
    try:
        payload = signing.loads(token, salt=SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise InvalidCursor(InvalidCursor.expired(max_age)) from None
    except signing.BadSignature:
        raise InvalidCursor() from None
    if not isinstance(payload, dict) or payload.get("s") != binding:
        raise InvalidCursor()
    position = payload.get("p")
    if not isinstance(position, dict):
        raise InvalidCursor()
    return position
