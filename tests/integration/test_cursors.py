"""Paging cursors expire: the API answers 400 invalid_cursor saying so, and the
list page starts again from the first page.
"""

from __future__ import annotations

import pytest
from django.core import signing
from django.test import Client

from meetings import services
from meetings.store import cursors
from meetings.web.paging import STALE_PAGE_LINK
from tests.unit.test_cursors import SignerOfThePast

pytestmark = pytest.mark.django_db


def aged(cursor: str, seconds: float) -> str:
    """Return cursor as if it had been issued `seconds` ago."""
    payload = signing.loads(cursor, salt=cursors.SALT)
    return SignerOfThePast(seconds, salt=cursors.SALT).sign_object(
        payload, compress=True
    )


def test_an_expired_cursor_is_a_400_that_says_so(
    alice, client_for, settings, memory_store
):
    settings.MEETINGS_CURSOR_MAX_AGE = 600
    for n in range(3):
        services.create_meeting(str(alice.pk), {"title": f"m{n}"})
    api = client_for(alice)
    cursor = api.get("/v1/meetings?limit=1").json()["next_cursor"]
    assert (
        api.get(f"/v1/meetings?limit=1&cursor={aged(cursor, 590)}").status_code == 200
    )

    expired = api.get(f"/v1/meetings?limit=1&cursor={aged(cursor, 610)}")
    assert expired.status_code == 400
    assert expired.json()["error"] == {
        "code": "invalid_cursor",
        "message": "The cursor has expired: cursors are valid for 600 s.",
        "details": {"cursor": ["Start again from the first page."]},
    }

    pages = Client()
    pages.force_login(alice)
    page = pages.get(f"/?cursor={aged(cursor, 610)}", follow=True)
    assert page.redirect_chain == [("/", 302)]
    assert STALE_PAGE_LINK in page.content.decode()
