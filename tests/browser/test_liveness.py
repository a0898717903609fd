"""Honest liveness in Chromium: the page says how fresh it is, tells what
changed, and recovers at once where it can (issue 20).

Each test fails if its feature breaks: the reconnect tests run with the
deployed backoff (5 s, 10 s, …), so only the immediate retry can meet their
deadlines.
"""

from __future__ import annotations

import os
import re
import signal
import threading
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from meetings import services
from meetings.domain import Status, Viewer
from tests.support.browser import (
    POLL_MS,
    assert_no_errors,
    delete_over_api,
    over_api,
    patch_over_api,
    wait_for_console,
)

ZONE = "Europe/Paris"
IN_PARIS = [{"timezone_id": ZONE, "locale": "en-GB"}]
FRESHNESS = "[data-freshness]"
ANNOUNCER = "#live-announcer"
BANNER = "#connection-banner"
# A time of day in the browser's locale: 14:02, or 2:02 PM.
PAUSED = re.compile(r"^Updates paused: shown as of \d{1,2}:\d{2}(\s[AP]M)?$")
# Headless Chromium never hides a page (bring_to_front changes nothing), so
# the hidden-tab test stands in for the window manager: the page reads this
# visibility, and a visibilitychange event tells it that it changed.
VISIBILITY = """
let visibility = "visible";
const define = (name, get) => Object.defineProperty(Document.prototype, name, { get });
define("visibilityState", () => visibility);
define("hidden", () => visibility === "hidden");
window.setVisibility = (state) => {
  visibility = state;
  document.dispatchEvent(new Event("visibilitychange"));
};
"""


def walk_to(user, meeting_id, *statuses: Status) -> None:
    for status in statuses:
        services.update_meeting(Viewer(str(user.pk)), meeting_id, {"status": status})


def open_detail(page, server, login, meeting) -> None:
    login(page, server, "alice")
    page.goto(f"{server.url}/meetings/{meeting.id}")
    expect_live(page)


def expect_live(page, timeout: float = 5000) -> None:
    freshness = page.locator(FRESHNESS)
    expect(freshness).to_have_attribute("data-state", "live", timeout=timeout)
    expect(freshness).to_have_text("Live")
    expect(freshness).to_be_visible()


def badge(page):
    return page.locator('[data-live-meeting] [data-live="status"]')


@pytest.fixture
def store_site(start_server, own_dynamodb, alice):
    """A server on a DynamoDB Local of the test's own, which the test may pause.

    With the store's budgets as deployed: its poller gives up on a read after
    one try of 1 s (meetings/retries.py, POLL), so it tells its streams of a
    paused store within a poll interval and a read. A fresh DynamoDB Local
    answers slowly until the JVM has warmed up, so it is warmed up first,
    through the server.
    """
    server = start_server(
        DYNAMODB_ENDPOINT_URL=own_dynamodb.endpoint_url, SSE_RETRY_MS=500
    )
    warm = services.create_meeting(str(alice.pk), {"title": "Warm-up"})
    for _ in range(10):
        over_api(server, alice, "GET", f"/v1/meetings?id={warm.id}", 200)
        over_api(server, alice, "GET", "/v1/meetings", 200)
    services.delete_meeting(Viewer(str(alice.pk)), warm.id)
    pid = own_dynamodb.process.pid
    server.pause_store = lambda: os.kill(pid, signal.SIGSTOP)
    server.resume_store = lambda: os.kill(pid, signal.SIGCONT)
    yield server
    server.resume_store()


@pytest.mark.parametrize("page", IN_PARIS, indirect=True)
def test_a_paused_store_pauses_the_page_until_it_answers_with_the_change_made_meanwhile(
    page, store_site, login, alice
):
    meeting = services.create_meeting(str(alice.pk), {"title": "Sync"})
    open_detail(page, store_site, login, meeting)
    root = page.locator("[data-live-meeting]")
    expect(root).not_to_have_attribute("data-stale", "")
    store_site.pause_store()
    paused_at = time.time()
    freshness = page.locator(FRESHNESS)
    expect(freshness).to_have_text(PAUSED, timeout=POLL_MS + 2000)
    # Stated on the data, in the user's time, and the data marked, not hidden.
    as_of = page.locator(f"{FRESHNESS} time")
    stamp = datetime.fromisoformat(as_of.get_attribute("datetime"))
    assert paused_at - 1 <= stamp.timestamp() <= time.time()
    expect(as_of).to_have_text(stamp.astimezone(ZoneInfo(ZONE)).strftime("%H:%M"))
    expect(root).to_have_attribute("data-stale", "")
    expect(badge(page)).to_be_visible()
    expect(page.locator(BANNER)).to_be_hidden()  # connected: not a disconnect
    # A change someone makes meanwhile waits for the store, and lands as it wakes.
    writer = threading.Thread(
        target=walk_to, args=(alice, meeting.id, Status.IN_PROGRESS)
    )
    writer.start()
    time.sleep(0.5)
    store_site.resume_store()
    expect_live(page, timeout=POLL_MS + 2000)
    expect(root).not_to_have_attribute("data-stale", "")
    expect(badge(page)).to_have_text("In progress")
    writer.join()
    assert page.page_errors == []


@pytest.fixture
def deployed_backoff(start_server):
    """A server whose pages back off as deployed: 5 s, then 10 s, …"""
    return start_server(SSE_RETRY_MS=5000)


def test_back_online_the_stream_is_back_within_a_second(
    page, deployed_backoff, login, alice
):
    server = deployed_backoff
    meeting = services.create_meeting(str(alice.pk), {"title": "Sync"})
    open_detail(page, server, login, meeting)
    wait_for_console(page, "SSE connected")
    page.context.set_offline(True)
    expect(page.locator(FRESHNESS)).to_have_text(PAUSED, timeout=2000)
    expect(page.locator(BANNER)).to_contain_text("Retrying in")
    page.wait_for_timeout(1000)
    page.context.set_offline(False)
    online_at = time.monotonic()
    wait_for_console(page, "SSE connected", count=2, timeout_ms=5000)
    assert time.monotonic() - online_at < 1.0
    expect_live(page)
    expect(page.locator(BANNER)).to_be_hidden()
    patch_over_api(server, alice, meeting.id, status="in_progress")
    expect(badge(page)).to_have_text("In progress", timeout=POLL_MS + 1000)
    assert page.page_errors == []


def test_retry_now_reconnects_at_once_and_the_banner_says_when_the_next_try_comes(
    page, deployed_backoff, login, alice
):
    server = deployed_backoff
    meeting = services.create_meeting(str(alice.pk), {"title": "Sync"})
    open_detail(page, server, login, meeting)
    server.kill()
    banner = page.locator(BANNER)
    expect(banner).to_be_visible(timeout=5000)
    expect(banner).to_have_attribute("role", "status")
    next_try = banner.locator("[data-banner-next]")
    expect(next_try).to_have_text(re.compile(r"^Retrying in \d+ s$"))
    server.start()
    seconds = int(re.search(r"\d+", next_try.inner_text()).group())
    if seconds < 3:  # the first try came meanwhile and failed: wait for the next
        expect(banner).to_contain_text("Reconnection attempt 2...", timeout=8000)
        seconds = int(re.search(r"\d+", next_try.inner_text()).group())
    assert seconds >= 3, "the backoff alone would be quick enough to pass"
    retry = page.get_by_role("button", name="Retry now")
    retry.focus()
    expect(retry).to_be_focused()
    clicked_at = time.monotonic()
    retry.click()
    expect_live(page, timeout=2000)
    assert time.monotonic() - clicked_at < 2.0
    expect(banner).to_be_hidden()
    wait_for_console(page, "Retrying now (Retry now)")
    assert page.page_errors == []


def test_a_patch_to_completed_is_told_in_the_pages_live_region(
    page, live_site, login, alice
):
    meeting = services.create_meeting(str(alice.pk), {"title": "Quarterly review"})
    walk_to(alice, meeting.id, Status.IN_PROGRESS, Status.UPLOADED, Status.PROCESSING)
    open_detail(page, live_site, login, meeting)
    announcer = page.locator(ANNOUNCER)
    expect(announcer).to_have_attribute("aria-live", "polite")
    expect(announcer).to_have_text("")
    patch_over_api(live_site, alice, meeting.id, progress=50)  # not a status change
    expect(page.locator('[data-live="progress"]')).to_have_text("50")
    page.wait_for_timeout(700)
    expect(announcer).to_have_text("")
    patch_over_api(live_site, alice, meeting.id, status="completed")
    expect(announcer).to_have_text(
        "Quarterly review: Completed", timeout=POLL_MS + 1500
    )
    assert_no_errors(page)


def test_a_burst_of_changes_is_told_as_one_summary(page, live_site, login, alice):
    meetings = [
        services.create_meeting(str(alice.pk), {"title": f"M{n}"}) for n in range(3)
    ]
    login(page, live_site, "alice")
    expect_live(page)
    for meeting in meetings:
        patch_over_api(live_site, alice, meeting.id, status="in_progress")
    expect(page.locator(ANNOUNCER)).to_have_text(
        "3 meetings changed status", timeout=POLL_MS + 1500
    )


@pytest.mark.parametrize("page", [{}], indirect=True)
def test_a_hidden_tab_counts_changes_in_its_title(page, live_site, login, alice):
    page.add_init_script(VISIBILITY)
    meetings = [
        services.create_meeting(str(alice.pk), {"title": f"M{n}"}) for n in range(2)
    ]
    login(page, live_site, "alice")
    expect_live(page)
    expect(page).to_have_title("Meetings · meetstream")
    page.evaluate("setVisibility('hidden')")
    patch_over_api(live_site, alice, meetings[0].id, status="in_progress")
    expect(page).to_have_title("(1) Meetings · meetstream", timeout=POLL_MS + 1000)
    patch_over_api(live_site, alice, meetings[1].id, status="in_progress")
    expect(page).to_have_title("(2) Meetings · meetstream", timeout=POLL_MS + 1000)
    page.evaluate("setVisibility('visible')")
    expect(page).to_have_title("Meetings · meetstream")


def test_a_meeting_deleted_live_says_deleted(page, live_site, login, alice):
    meeting = services.create_meeting(str(alice.pk), {"title": "Sync"})
    open_detail(page, live_site, login, meeting)
    delete_over_api(live_site, alice, meeting.id)
    expect(badge(page)).to_have_text("Deleted", timeout=2 * POLL_MS + 1500)
    expect(badge(page)).to_have_class("badge badge--deleted")
    expect(page.locator("#meeting-gone")).to_be_visible()
    expect(page.locator(ANNOUNCER)).to_have_text("Sync: Deleted")
    # Not following any more, and not pretending to.
    expect(page.locator(FRESHNESS)).to_be_hidden()
    expect(page.locator("[data-live-meeting]")).not_to_have_attribute("data-stale", "")


def test_progress_shows_only_while_processing(page, live_site, login, alice):
    meeting = services.create_meeting(str(alice.pk), {"title": "Sync"})
    open_detail(page, live_site, login, meeting)
    progress = page.locator('[data-live-meeting] [data-live="progress-box"]')
    expect(progress).to_be_hidden()
    root = page.locator("[data-live-meeting]")
    expect(root).not_to_contain_text("0%", use_inner_text=True)
    for status in ("in_progress", "uploaded", "processing"):
        patch_over_api(live_site, alice, meeting.id, status=status)
    expect(progress).to_be_visible(timeout=POLL_MS + 1000)
    patch_over_api(live_site, alice, meeting.id, status="completed")
    expect(progress).to_be_hidden(timeout=POLL_MS + 1000)


PHONE = [{"viewport": {"width": 390, "height": 844}}]


@pytest.mark.parametrize("page", PHONE, indirect=True)
def test_on_a_phone_the_banner_is_compact_and_dismissible_and_the_top_bar_one_row(
    page, live_site, login, alice
):
    meeting = services.create_meeting(str(alice.pk), {"title": "Sync"})
    open_detail(page, live_site, login, meeting)
    bar = page.locator(".topbar")
    row_height = page.locator(".topbar .brand").bounding_box()["height"]
    assert bar.bounding_box()["height"] < 2 * row_height + 24, "the top bar wraps"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
        "the page scrolls sideways"
    )
    live_site.kill()
    banner = page.locator(BANNER)
    expect(banner).to_have_attribute("data-prominent", "", timeout=5000)
    assert banner.bounding_box()["height"] <= 130, banner.bounding_box()
    dismiss = page.get_by_role("button", name="Dismiss")
    expect(dismiss).to_be_visible()
    dismiss.click()
    expect(banner).to_be_hidden()
    # The region itself stays, for screen readers; the data says it is paused.
    assert page.locator(f"{BANNER}[role=status]").count() == 1
    expect(page.locator(FRESHNESS)).to_have_text(PAUSED)
    live_site.start()
    expect_live(page, timeout=15_000)


def test_on_a_desktop_the_banner_offers_no_dismiss(page, live_site, login, alice):
    meeting = services.create_meeting(str(alice.pk), {"title": "Sync"})
    open_detail(page, live_site, login, meeting)
    live_site.kill()
    expect(page.locator(BANNER)).to_be_visible(timeout=5000)
    expect(page.get_by_role("button", name="Retry now")).to_be_visible()
    expect(page.get_by_role("button", name="Dismiss")).to_be_hidden()
