"""One live stream per browser, shared by its tabs (static/js/live/shared-stream.js)."""

from __future__ import annotations

import re
import time

import httpx
from playwright.sync_api import expect

from meetings import services
from tests.support.browser import (
    POLL_MS,
    change_in_dynamodb,
    patch_over_api,
    wait_for_console,
)

STREAM = re.compile(r"/v1/(events\?|meetings/[^/]+/events$)")


def new_tab(context):
    """Open a page in context that records its console, as the page fixture does."""
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    tab.console_lines, tab.console_errors, tab.page_errors = [], [], []
    tab.on("console", lambda message: tab.console_lines.append(message.text))
    tab.on("pageerror", lambda error: tab.page_errors.append(str(error)))
    return tab


class StreamRequests:
    """The context's stream requests, and which are still open."""

    def __init__(self, context):
        self.all: list = []
        self.open: list = []
        context.on("request", self._started)
        context.on("requestfinished", self._ended)
        context.on("requestfailed", self._ended)

    def _started(self, request) -> None:
        if STREAM.search(request.url):
            self.all.append(request)
            self.open.append(request)

    def _ended(self, request) -> None:
        if request in self.open:
            self.open.remove(request)

    def still_open(self) -> list:
        """Open stream requests of pages still open (a closed page's are gone)."""
        return [r for r in self.open if not r.frame.page.is_closed()]


def wait_until(page, condition, what: str, timeout_ms: int = 10_000) -> None:
    """Wait, letting Playwright deliver events, until condition() is true."""
    deadline = time.monotonic() + timeout_ms / 1000
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        page.wait_for_timeout(100)


def open_streams_on_server(server) -> float:
    metrics = httpx.get(f"{server.url}/metrics").text
    return float(re.search(r"^meetstream_open_streams (\S+)$", metrics, re.M).group(1))


def status_badges(tab, meeting_id: str):
    """The badge of meeting_id on a tab: its row on the list, or the detail page's."""
    return tab.locator(
        f'[data-meeting-id="{meeting_id}"] [data-live="status"]'
        f', [data-live-meeting][data-meeting-id="{meeting_id}"] [data-live="status"]'
    )


def test_ten_tabs_share_one_stream_and_the_tenth_loads_at_once(
    page, live_site, login, alice
):
    meetings = [
        services.create_meeting(str(alice.pk), {"title": f"T{n}"}) for n in range(4)
    ]
    streams = StreamRequests(page.context)
    login(page, live_site, "alice")  # tab 1: the list
    wait_for_console(page, "SSE connected")
    tabs = [page]
    for n in range(1, 10):  # list and detail pages, alternately
        tab = new_tab(page.context)
        url = (
            f"{live_site.url}/meetings/{meetings[n % 4].id}" if n % 2 else live_site.url
        )
        started = time.monotonic()
        tab.goto(url)
        elapsed = time.monotonic() - started
        tabs.append(tab)
    # With a stream per tab, six tabs took every connection and the seventh hung.
    assert elapsed < 2, f"the tenth tab took {elapsed:.1f}s"
    wait_until(
        page,
        lambda: [r.url.count("meeting=") for r in streams.still_open()] == [4],
        "one open stream, watching every tab's meetings",
    )
    wait_until(
        page, lambda: open_streams_on_server(live_site) == 1, "one stream on the server"
    )
    for meeting in meetings:
        patch_over_api(live_site, alice, meeting.id, status="in_progress")
    for tab in tabs:
        shown = tab.locator('[data-live="status"]')
        expect(shown).to_have_text(
            ["In progress"] * (4 if tab.url.endswith("/") else 1),
            timeout=POLL_MS + 2000,
        )
    # Followers log what they receive, as a page with its own stream does.
    for tab in tabs:
        wait_for_console(tab, "Meeting status update:")
    assert len(streams.still_open()) == 1
    assert all(tab.page_errors == [] for tab in tabs)


def test_closing_the_leader_tab_moves_the_stream_to_another_tab(
    page, live_site, login, alice
):
    meeting = services.create_meeting(str(alice.pk), {"title": "Handover"})
    streams = StreamRequests(page.context)
    login(page, live_site, "alice")
    wait_for_console(page, "SSE connected")
    tabs = [page]
    for url in (f"/meetings/{meeting.id}", "/", f"/meetings/{meeting.id}"):
        tab = new_tab(page.context)
        tab.goto(f"{live_site.url}{url}")
        tabs.append(tab)
    wait_until(page, lambda: len(streams.still_open()) == 1, "one open stream")
    leader = streams.still_open()[0].frame.page
    assert "📡 This tab now holds the live stream" in " ".join(leader.console_lines)
    before = len(streams.all)
    leader.close()
    closed_at = time.monotonic()
    others = [tab for tab in tabs if tab is not leader]
    wait_until(
        others[0],
        lambda: len(streams.all) > before and len(streams.still_open()) == 1,
        "another tab to open the stream",
    )
    # Well within a second when idle; bounded generously for a loaded machine.
    assert time.monotonic() - closed_at < 3
    assert streams.still_open()[0].frame.page in others
    patch_over_api(live_site, alice, meeting.id, status="in_progress")
    for tab in others:
        expect(status_badges(tab, meeting.id)).to_have_text(
            "In progress", timeout=POLL_MS + 2000
        )
        expect(tab.locator("#connection-banner")).to_be_hidden()
    assert len(streams.still_open()) == 1


def test_every_tab_shows_the_banner_and_recovers_with_the_shared_stream(
    page, live_site, login, alice
):
    meeting = services.create_meeting(str(alice.pk), {"title": "Outage"})
    login(page, live_site, "alice")
    wait_for_console(page, "SSE connected")
    other = new_tab(page.context)
    other.goto(f"{live_site.url}/meetings/{meeting.id}")
    expect(other.locator("[data-live-meeting]")).to_be_visible()
    page.wait_for_timeout(500)  # the leader widens its stream to both tabs
    live_site.kill()
    for tab in (page, other):
        banner = tab.locator("#connection-banner")
        expect(banner).to_be_visible(timeout=5000)
        expect(banner).to_contain_text("Live updates disconnected, retrying...")
        expect(banner).to_contain_text("Reconnection attempt 2...", timeout=5000)
    # A change made while the server is down reaches both tabs on recovery,
    # whether by the REST re-sync or, when the re-sync raced the restart and
    # failed, by the status a new stream sends on connect.
    change_in_dynamodb(alice, meeting.id, status="in_progress")
    live_site.start()
    for tab in (page, other):
        expect(tab.locator("#connection-banner")).to_be_hidden(timeout=15_000)
        expect(status_badges(tab, meeting.id)).to_have_text("In progress")
    patch_over_api(live_site, alice, meeting.id, status="uploaded")
    for tab in (page, other):
        expect(status_badges(tab, meeting.id)).to_have_text(
            "Uploaded", timeout=POLL_MS + 2000
        )


def test_logging_out_in_one_tab_sends_every_tab_to_the_login_page(
    page, start_server, login, alice
):
    server = start_server(SSE_RETRY_MS=500, SSE_RECHECK_INTERVAL=1)
    meeting = services.create_meeting(str(alice.pk), {"title": "Revoked"})
    login(page, server, "alice")
    wait_for_console(page, "SSE connected")
    detail = new_tab(page.context)
    detail.goto(f"{server.url}/meetings/{meeting.id}")
    logging_out = new_tab(page.context)
    logging_out.goto(f"{server.url}/")
    logging_out.click("text=Log out")
    logging_out.wait_for_url(f"{server.url}/accounts/login/")
    # The shared stream ends with connectionLost: revoked; its re-sync meets
    # the lost session, and every tab goes to log in again.
    page.wait_for_url(re.compile(r"/accounts/login/\?next="), timeout=10_000)
    detail.wait_for_url(
        re.compile(r"/accounts/login/\?next=%2Fmeetings%2F"), timeout=10_000
    )


def test_a_browser_without_web_locks_gives_each_page_its_own_stream(
    page, live_site, login, alice
):
    meeting = services.create_meeting(str(alice.pk), {"title": "No locks"})
    page.context.add_init_script("delete Navigator.prototype.locks;")
    streams = StreamRequests(page.context)
    login(page, live_site, "alice")
    wait_for_console(page, "SSE connected")
    other = new_tab(page.context)
    other.goto(f"{live_site.url}/meetings/{meeting.id}")
    wait_for_console(other, "SSE connected")
    assert other.evaluate("'locks' in navigator") is False
    assert len(streams.still_open()) == 2
    list_stream, detail_stream = (r.url.split("/v1/")[1] for r in streams.all)
    # The list follows its meetings and the scope (new meetings) on one stream.
    assert list_stream.startswith(f"events?meeting={meeting.id}&scope=visible&since=")
    assert detail_stream == f"meetings/{meeting.id}/events"
    for tab in (page, other):
        assert not any("holds the live stream" in line for line in tab.console_lines)
    patch_over_api(live_site, alice, meeting.id, status="in_progress")
    for tab in (page, other):
        expect(status_badges(tab, meeting.id)).to_have_text(
            "In progress", timeout=POLL_MS + 2000
        )
