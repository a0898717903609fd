"""The detail page's status timeline in Chromium, in the user's time zone.

A browser in Europe/Paris sees each transition in order at its local time (to
the second, UTC in the tooltip), the time in the current status ticking, and
the transitions the live stream brings, even several within one poll.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from meetings import services
from meetings.domain import Viewer
from tests.support.browser import (
    POLL_MS,
    assert_no_errors,
    patch_over_api,
    requests_to,
    wait_for_console,
)

PARIS = {"timezone_id": "Europe/Paris", "locale": "en-GB"}
ENTRIES = "[data-timeline] .timeline__entry"
ELAPSED = "[data-timeline-elapsed]"


@pytest.fixture
def meeting(alice, local_table):
    meeting = services.create_meeting(str(alice.pk), {"title": "Quarterly review"})
    for status in ("in_progress", "uploaded"):
        meeting = services.update_meeting(
            Viewer(str(alice.pk)), meeting.id, {"status": status}
        )
    return meeting


def in_paris(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo("Europe/Paris")).strftime("%H:%M:%S")


def in_utc(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%d %H:%M:%S UTC")


def assert_timeline(page, history, timeout: int = POLL_MS + 2000) -> None:
    """The page lists history's (status, at) in order, at Paris times."""
    entries = page.locator(ENTRIES)
    expect(entries).to_have_count(len(history), timeout=timeout)
    for index, (status, at) in enumerate(history):
        entry = entries.nth(index)
        expect(entry).to_have_attribute("data-status", str(status))
        time = entry.locator("time")
        expect(time).to_contain_text(in_paris(at))
        expect(time).to_have_attribute("title", in_utc(at))


def elapsed_seconds(page, label: str) -> int:
    text = page.locator(ELAPSED).text_content()
    match = re.fullmatch(rf"{label} for (?:(\d+) min )?(\d+) s", text.strip())
    assert match, text
    return int(match.group(1) or 0) * 60 + int(match.group(2))


@pytest.mark.parametrize("page", [PARIS], indirect=True)
def test_the_timeline_lists_each_transition_at_local_times_and_ticks(
    page, live_site, login, meeting, alice
):
    login(page, live_site, "alice")
    page.goto(f"{live_site.url}/meetings/{meeting.id}")
    assert [c.status for c in meeting.status_history] == [
        "scheduled",
        "in_progress",
        "uploaded",
    ]
    assert_timeline(page, meeting.status_history)
    labels = page.locator(f"{ENTRIES} .badge").all_text_contents()
    assert labels == ["Scheduled", "In progress", "Uploaded"]
    # Paris is an hour or two ahead of UTC: the times shown are not UTC's.
    assert in_paris(meeting.created_at) != in_utc(meeting.created_at)[11:19]
    # The time in the current status ticks every second.
    expect(page.locator(ELAPSED)).to_have_text(re.compile(r"^Uploaded for \d+ s$"))
    first = elapsed_seconds(page, "Uploaded")
    page.wait_for_timeout(2100)
    assert elapsed_seconds(page, "Uploaded") >= first + 2
    assert_no_errors(page)


@pytest.mark.parametrize("page", [PARIS], indirect=True)
def test_the_stream_adds_each_new_transition_in_order(
    page, live_site, login, meeting, alice
):
    login(page, live_site, "alice")
    page.goto(f"{live_site.url}/meetings/{meeting.id}")
    wait_for_console(page, "SSE connected")
    one = patch_over_api(live_site, alice, meeting.id, status="processing")
    expect(page.locator(ELAPSED)).to_have_text(
        re.compile(r"^Processing for \d+ s$"), timeout=POLL_MS + 2000
    )
    assert_timeline(page, history_of(one))
    # Two transitions within one poll reach the page as one update.
    patch_over_api(live_site, alice, meeting.id, status="failed")
    both = patch_over_api(live_site, alice, meeting.id, status="processing")
    assert [c["status"] for c in both["status_history"]][-3:] == [
        "processing",
        "failed",
        "processing",
    ]
    assert_timeline(page, history_of(both))
    expect(page.locator(ELAPSED)).to_have_text(re.compile(r"^Processing for \d+ s$"))
    assert_no_errors(page)


@pytest.mark.parametrize("page", [PARIS], indirect=True)
def test_changes_missed_while_disconnected_are_read_again(
    page, live_site, login, meeting, alice
):
    login(page, live_site, "alice")
    page.goto(f"{live_site.url}/meetings/{meeting.id}")
    wait_for_console(page, "SSE connected")
    reads = requests_to(page, f"/v1/meetings/{meeting.id}")
    live_site.kill()
    for status in ("processing", "failed"):
        latest = services.update_meeting(
            Viewer(str(alice.pk)), meeting.id, {"status": status}
        )
    live_site.start()
    # Two versions on, so the timeline reads the whole history over REST.
    assert_timeline(page, latest.status_history, timeout=20_000)
    expect(page.locator(ELAPSED)).to_have_text(re.compile(r"^Failed for \d+ s$"))
    assert any(url.endswith(f"/v1/meetings/{meeting.id}") for url in reads), reads
    assert page.page_errors == []


def history_of(meeting: dict) -> list[tuple[str, datetime]]:
    return [
        (change["status"], datetime.fromisoformat(change["at"].replace("Z", "+00:00")))
        for change in meeting["status_history"]
    ]


@pytest.mark.parametrize("page", [{"java_script_enabled": False}], indirect=True)
def test_without_javascript_the_timeline_shows_utc_times(
    page, live_site, login, meeting
):
    login(page, live_site, "alice")
    page.goto(f"{live_site.url}/meetings/{meeting.id}")
    times = page.locator(f"{ENTRIES} time").all_text_contents()
    assert times == [in_utc(change.at) for change in meeting.status_history]
    expect(page.locator(ELAPSED)).to_contain_text("Uploaded for 0")
