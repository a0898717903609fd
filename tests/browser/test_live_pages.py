"""The live pages in a real browser: updates, the banner, reconnects, stops."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from meetings import services
from meetings.domain import Status, Viewer
from meetings.repository import get_repository
from tests.conftest import access_token_for

POLL_MS = 500  # browser_env's SSE_POLL_INTERVAL


@pytest.fixture
def meeting(alice, local_table):
    return services.create_meeting(get_repository(), str(alice.pk), {"title": "Sync"})


def patch_over_api(server, user, meeting_id, **changes) -> dict:
    response = httpx.patch(
        f"{server.url}/v1/meetings/{meeting_id}",
        json=changes,
        headers={"Authorization": f"Bearer {access_token_for(user)}"},
    )
    assert response.status_code == 200, response.text
    return response.json()


def open_meeting(page, server, login, meeting) -> None:
    login(page, server, "alice")
    page.goto(f"{server.url}/meetings/{meeting.id}")
    expect(page.locator("[data-live-meeting]")).to_have_attribute("data-version", "1")
    wait_for_console(page, "SSE connected")


def wait_for_console(page, text: str, timeout_ms: int = 10_000) -> None:
    deadline = timeout_ms
    while deadline > 0:
        if any(text in line for line in page.console_lines):
            return
        page.wait_for_timeout(100)
        deadline -= 100
    raise AssertionError(f"no console line with {text!r}: {page.console_lines}")


def badge(page):
    return page.locator('[data-live-meeting] [data-live="status"]')


def test_a_status_patched_over_the_api_shows_without_a_reload(
    page, live_site, login, meeting, alice
):
    open_meeting(page, live_site, login, meeting)
    patch_over_api(live_site, alice, meeting.id, status="in_progress")
    expect(badge(page)).to_have_text("In progress", timeout=POLL_MS + 1000)
    for status in ("uploaded", "processing"):
        patch_over_api(live_site, alice, meeting.id, status=status)
    patch_over_api(live_site, alice, meeting.id, progress=40, status_message="Halfway")
    expect(page.locator('[data-live="progress"]')).to_have_text("40", timeout=2000)
    expect(page.locator('[data-live="progress-box"]')).to_be_visible()
    expect(page.locator('[data-live="status-message"]')).to_have_text("Halfway")


def test_the_banner_shows_while_the_server_is_down_and_the_page_recovers(
    page, live_site, login, meeting, alice
):
    open_meeting(page, live_site, login, meeting)
    banner = page.locator("#connection-banner")
    expect(banner).to_be_hidden()
    live_site.kill()
    expect(banner).to_be_visible(timeout=5000)
    expect(banner).to_contain_text("Live updates disconnected, retrying...")
    expect(banner).to_contain_text("Reconnection attempt")
    # Changed straight in DynamoDB while no server is up.
    services.update_meeting(
        get_repository(),
        Viewer(str(alice.pk)),
        meeting.id,
        {"status": Status.IN_PROGRESS},
    )
    live_site.start()
    expect(banner).to_be_hidden(timeout=15_000)
    expect(badge(page)).to_have_text("In progress")
    assert any(
        "Re-syncing meeting state from API" in line for line in page.console_lines
    )


def test_a_draining_server_is_reconnected_to_without_errors(
    page, live_site, login, meeting, alice
):
    open_meeting(page, live_site, login, meeting)
    live_site.terminate()
    live_site.start()
    expect(page.locator("#connection-banner")).to_be_hidden(timeout=15_000)
    assert any("Server is closing the stream" in line for line in page.console_lines)
    patch_over_api(live_site, alice, meeting.id, status="in_progress")
    expect(badge(page)).to_have_text("In progress", timeout=POLL_MS + 2000)
    expect(page.locator("#meeting-gone")).to_be_hidden()


def events_requests(page, meeting_id) -> list[str]:
    requests: list[str] = []
    page.on(
        "request",
        lambda request: (
            requests.append(request.url)
            if f"/v1/meetings/{meeting_id}/events" in request.url
            else None
        ),
    )
    return requests


def test_logout_stops_the_stream(page, live_site, login, meeting):
    requests = events_requests(page, meeting.id)
    open_meeting(page, live_site, login, meeting)
    assert len(requests) == 1
    page.click("text=Log out")
    page.wait_for_url(f"{live_site.url}/accounts/login/")
    page.wait_for_timeout(3000)  # several reconnect delays
    assert len(requests) == 1


def test_deleting_stops_the_stream(page, live_site, login, meeting):
    requests = events_requests(page, meeting.id)
    open_meeting(page, live_site, login, meeting)
    page.click("a.button--danger")  # to the confirmation page
    page.click("button.button--danger")
    page.wait_for_url(f"{live_site.url}/")
    page.wait_for_timeout(3000)
    assert len(requests) == 1


def test_a_meeting_deleted_elsewhere_says_so_and_stops(
    page, live_site, login, meeting, alice
):
    requests = events_requests(page, meeting.id)
    open_meeting(page, live_site, login, meeting)
    services.delete_meeting(get_repository(), Viewer(str(alice.pk)), meeting.id)
    expect(page.locator("#meeting-gone")).to_be_visible(timeout=5000)
    expect(page.locator("#meeting-gone")).to_contain_text("This meeting was deleted")
    page.wait_for_timeout(2000)
    assert len(requests) == 1
    expect(page.locator("#connection-banner")).to_be_hidden()


def test_the_list_updates_a_row_live_over_one_stream(page, live_site, login, alice):
    repository = get_repository()
    meetings = [
        services.create_meeting(repository, str(alice.pk), {"title": f"M{n}"})
        for n in range(3)
    ]
    streams: list[str] = []
    page.on(
        "request",
        lambda request: (
            streams.append(request.url) if "/v1/events" in request.url else None
        ),
    )
    login(page, live_site, "alice")
    wait_for_console(page, "SSE connected")
    assert len(streams) == 1 and streams[0].count("meeting=") == 3
    patch_over_api(live_site, alice, meetings[1].id, status="in_progress")
    row = page.locator(f'tr[data-meeting-id="{meetings[1].id}"] [data-live="status"]')
    expect(row).to_have_text("In progress", timeout=POLL_MS + 1000)
    other = page.locator(f'tr[data-meeting-id="{meetings[0].id}"] [data-live="status"]')
    expect(other).to_have_text("Scheduled")
