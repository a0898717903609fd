"""Paging cursors: signed, bound to their listing, and valid for a while."""

import time

import pytest
from django.core import signing

from meetings.domain import InvalidCursor
from meetings.store import cursors


class SignerOfThePast(signing.TimestampSigner):
    """Sign as if it were `ago` seconds earlier: a cursor issued back then."""

    def __init__(self, ago: float, **kwargs) -> None:
        super().__init__(**kwargs)
        self.ago = ago

    def timestamp(self) -> str:
        return signing.b62_encode(int(time.time() - self.ago))


def issued(ago: float, scope: str = "s", position: dict | None = None) -> str:
    """Return a cursor as encode() would have made it `ago` seconds ago."""
    payload = {"s": scope, "p": position or {"key": "k"}}
    return SignerOfThePast(ago, salt=cursors.SALT).sign_object(payload, compress=True)


def test_a_cursor_names_its_position_within_its_scope():
    assert cursors.decode(cursors.encode("s", {"key": "k"}), "s") == {"key": "k"}
    with pytest.raises(InvalidCursor, match="another listing"):
        cursors.decode(cursors.encode("s", {"key": "k"}), "other")


def test_a_cursor_is_valid_for_max_age_and_then_says_it_expired(settings):
    settings.MEETINGS_CURSOR_MAX_AGE = 3600
    assert cursors.decode(issued(3590), "s") == {"key": "k"}
    with pytest.raises(InvalidCursor) as expired:
        cursors.decode(issued(3610), "s")
    assert expired.value.code == "invalid_cursor"
    assert expired.value.message == (
        "The cursor has expired: cursors are valid for 3600 s."
    )
    assert expired.value.details == {"cursor": ["Start again from the first page."]}
    # An altered one is invalid, not expired.
    with pytest.raises(InvalidCursor, match="altered"):
        cursors.decode(issued(10)[:-2] + "xx", "s")
