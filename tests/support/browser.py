"""What the browser tests do around a page: changes made elsewhere, and the
page's console and requests to watch.
"""

from __future__ import annotations

from typing import Any

import httpx

from meetings import services
from meetings.domain import Viewer
from tests.conftest import access_token_for

POLL_MS = 500  # server_env's SSE_POLL_INTERVAL


def over_api(server, user, method: str, path: str, expected: int, **body: Any):
    """Call server's REST API as user; fail unless it answers expected.

    Return the answer's JSON, or None when it has no body (a 204).
    """
    response = httpx.request(
        method,
        f"{server.url}{path}",
        json=body or None,
        headers={"Authorization": f"Bearer {access_token_for(user)}"},
    )
    assert response.status_code == expected, response.text
    return response.json() if response.content else None


def create_over_api(server, user, title: str) -> dict:
    return over_api(server, user, "POST", "/v1/meetings", 201, title=title)


def patch_over_api(server, user, meeting_id, **changes) -> dict:
    return over_api(server, user, "PATCH", f"/v1/meetings/{meeting_id}", 200, **changes)


def delete_over_api(server, user, meeting_id) -> None:
    over_api(server, user, "DELETE", f"/v1/meetings/{meeting_id}", 204)


def change_in_dynamodb(user, meeting_id, **changes) -> None:
    """Change a meeting straight through the services, with no server involved."""
    services.update_meeting(Viewer(str(user.pk)), meeting_id, changes)


def wait_for_console(page, text: str, count: int = 1, timeout_ms: int = 10_000):
    """Wait until count console lines contain text."""
    waited = 0
    while sum(text in line for line in page.console_lines) < count:
        if waited >= timeout_ms:
            raise AssertionError(f"no console line with {text!r}: {page.console_lines}")
        page.wait_for_timeout(100)
        waited += 100


def requests_to(page, fragment: str) -> list[str]:
    """Record the URLs of the page's requests that contain fragment."""
    seen: list[str] = []
    page.on(
        "request",
        lambda request: seen.append(request.url) if fragment in request.url else None,
    )
    return seen


def assert_no_errors(page) -> None:
    """No uncaught exception, and no console error (a CSP violation is one)."""
    assert page.page_errors == []
    assert page.console_errors == []
