"""The demo data and the states of bench.screenshots (issue 20's new states).

`seed()` writes fixed users and meetings straight through the repository with
a fixed clock, so every run shows the same titles, times and statuses; the
browser's clock is fixed at NOW, in Europe/Paris (14:02), so "Processing for
2 min 13 s" and "shown as of 14:02" come out the same every time. The other
functions drive the open pages (one per variant: phone or desktop, light or
dark) into a state, wait for it explicitly, and crop it.
"""

from __future__ import annotations

import os
import re
import signal
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from playwright.sync_api import Page, expect

NOW = datetime(2026, 11, 17, 13, 2, 0, tzinfo=UTC)  # 14:02 in Paris
ZONE, LOCALE = "Europe/Paris", "en-GB"
WAIT_MS = 15_000
ADMIN = ("admin", "admin-password")
DEMO = ("demo", "demo-password")
OWNERS = 45  # user000 … user044: more than the 20 the owner search answers
NAMESPACE = uuid.UUID("5c2b6d3e-1f0a-4c8e-9d7b-3a2e1f0c9b8a")
PROCESSING_AT = NOW - timedelta(minutes=2, seconds=13)
PARTICIPANTS = ["alice@example.com", "bob@example.com"]
# title, minutes before NOW it was created, scheduled start (minutes from NOW),
# [(status, minutes before NOW)], progress, status message
MEETINGS = [
    ("Customer call", 4 * 24 * 60, -3 * 24 * 60,
     [("in_progress", 3 * 24 * 60), ("uploaded", 3 * 24 * 60 - 50),
      ("processing", 3 * 24 * 60 - 52), ("completed", 3 * 24 * 60 - 70)],
     100, "Summary ready"),
    ("Design review", 2 * 24 * 60, -24 * 60,
     [("in_progress", 24 * 60), ("uploaded", 24 * 60 - 45)], 0, ""),
    ("Weekly sync", 26 * 60, 2 * 24 * 60, [], 0, ""),
    ("Team retro", 200, -30, [("in_progress", 29)], 0, ""),
    ("Quarterly review", 180, -60,
     [("in_progress", 60 - 4 / 60), ("uploaded", 3.5),
      ("processing", PROCESSING_AT)],
     40, "Transcribing the recording"),
]  # fmt: skip
DETAIL = "Quarterly review"  # the timeline, live, paused, the banner
DELETED = "Team retro"  # deleted while its pages are open
SEARCH = "review"  # the admin changelist's search
PAUSED = re.compile(r"^Updates paused: shown as of 14:02$")
# Deterministic jitter: the backoff's ±20 % (so "Retrying in N s") and any
# other random number repeat from run to run, yet differ from call to call.
SEEDED_RANDOM = """
let seed = 42;
Math.random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
"""


@dataclass
class Variant:
    """One browser context and its page: a width and a colour scheme."""

    size: str
    scheme: str
    page: Page


def meeting_id(title: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, title)


def seed() -> str:
    """Create the database, the table, the users and the meetings (Django is
    set up); return the id of the meetings' owner."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from meetings.domain import Meeting, Status
    from meetings.store.dynamodb import DynamoDBRepository

    call_command("migrate", interactive=False, verbosity=0)
    call_command("ensure_table", verbosity=0)
    users = get_user_model()
    users.objects.create_superuser(ADMIN[0], "admin@example.com", ADMIN[1])
    demo = users.objects.create_user(DEMO[0], "demo@example.com", DEMO[1])
    users.objects.bulk_create(
        users(username=f"user{n:03}", email=f"person{n:03}@example.com")
        for n in range(OWNERS)
    )
    repository = DynamoDBRepository(settings.DYNAMODB_TABLE, clock=lambda: NOW)

    def moment(minutes_before) -> datetime:
        if isinstance(minutes_before, datetime):
            return minutes_before
        return (NOW - timedelta(minutes=minutes_before)).replace(microsecond=0)

    for title, created, start, trail, progress, message in MEETINGS:
        meeting = Meeting(
            id=meeting_id(title),
            owner_id=str(demo.pk),
            title=title,
            scheduled_start=NOW + timedelta(minutes=start),
            duration_minutes=45,
            participants=PARTICIPANTS,
            created_at=moment(created),
        )
        for status, at in trail:
            meeting.transition_to(Status(status), at=moment(at))
        meeting.progress, meeting.status_message = progress, message
        meeting.updated_at = meeting.status_history[-1].at
        meeting.version = 1 + len(trail)
        repository.add(meeting)
    call_command("rebuild_search_index", verbosity=0)
    return str(demo.pk)


def shoot(variant: Variant, out: Path, name: str, *selectors: str) -> None:
    """Save variant's page as out/<name>-<size>-<scheme>.png: the viewport, or
    the region around the elements selectors match (the first of each)."""
    target = out / f"{name}-{variant.size}-{variant.scheme}.png"
    page = variant.page
    options = {"path": target, "scale": "css", "animations": "disabled"}
    page.evaluate("document.fonts.ready.then(() => true)")
    if selectors:
        options |= {"full_page": True, "clip": page.evaluate(CLIP, list(selectors))}
    page.screenshot(**options)
    print(target)


# The union of the elements' boxes in page coordinates, 12 px around, in the page.
CLIP = """
(selectors) => {
  const boxes = selectors.map((s) => document.querySelector(s)).filter(Boolean)
    .map((e) => e.getBoundingClientRect()).filter((b) => b.width && b.height);
  const left = Math.max(0, Math.min(...boxes.map((b) => b.left)) + scrollX - 12);
  const top = Math.max(0, Math.min(...boxes.map((b) => b.top)) + scrollY - 12);
  const width = document.documentElement.scrollWidth;
  const right = Math.min(width, Math.max(...boxes.map((b) => b.right)) + scrollX + 12);
  const bottom = Math.max(...boxes.map((b) => b.bottom)) + scrollY + 12;
  return { x: left, y: top, width: right - left, height: bottom - top };
}
"""
HEAD = "[data-live-meeting] .page__head"
PANEL = "[data-live-meeting] .status-panel"
FRESHNESS = "[data-freshness]"
BANNER = "#connection-banner"


def open_detail(variants: list[Variant], url: str, title: str) -> None:
    for variant in variants:
        variant.page.goto(f"{url}/meetings/{meeting_id(title)}")
    for variant in variants:
        expect_live(variant.page)


def expect_live(page: Page) -> None:
    freshness = page.locator(FRESHNESS)
    expect(freshness).to_have_attribute("data-state", "live", timeout=WAIT_MS)
    expect(freshness).to_have_text("Live")


def detail_states(variants: list[Variant], url: str, out: Path, store_pid: int):
    """Live with the timeline; notifications on; paused (the store stopped)."""
    open_detail(variants, url, DETAIL)
    for variant in variants:
        elapsed = variant.page.locator("[data-timeline-elapsed]")
        expect(elapsed).to_have_text("Processing for 2 min 13 s")
        expect(variant.page.locator("[data-timeline-list] li")).to_have_count(4)
        shoot(variant, out, "state-live", HEAD, PANEL)
        shoot(variant, out, "state-timeline", "[data-timeline]")
    for variant in variants:
        toggle = variant.page.locator("[data-notify-toggle]")
        toggle.click()
        expect(toggle).to_have_attribute("aria-pressed", "true")
        shoot(variant, out, "state-notifications-on", HEAD, PANEL)
        toggle.click()
        expect(toggle).to_have_attribute("aria-pressed", "false")
    os.kill(store_pid, signal.SIGSTOP)
    try:
        for variant in variants:
            freshness = variant.page.locator(FRESHNESS)
            expect(freshness).to_have_text(PAUSED, timeout=WAIT_MS)
            expect(variant.page.locator("[data-live-meeting]")).to_have_attribute(
                "data-stale", ""
            )
        for variant in variants:
            shoot(variant, out, "state-paused", HEAD, PANEL)
    finally:
        os.kill(store_pid, signal.SIGCONT)
    for variant in variants:
        expect_live(variant.page)


def banner_states(variants: list[Variant], out: Path) -> None:
    """The network gone: the compact banner, then the prominent one."""
    for variant in variants:
        variant.page.context.set_offline(True)
    for variant in variants:
        banner = variant.page.locator(BANNER)
        expect(banner.locator("[data-banner-next]")).to_have_text(
            re.compile(r"^Retrying in \d+ s$"), timeout=WAIT_MS
        )
        expect(banner).not_to_have_attribute("data-prominent", "")
        shoot(variant, out, "state-banner")
    for variant in variants:
        banner = variant.page.locator(BANNER)
        expect(banner).to_have_attribute("data-prominent", "", timeout=WAIT_MS)
        expect(banner.locator("[data-banner-next]")).to_have_text(
            re.compile(r"^Retrying in \d+ s$")
        )
        shoot(variant, out, "state-banner-prominent")
    for variant in variants:
        variant.page.context.set_offline(False)
    for variant in variants:
        expect_live(variant.page)


def deleted_state(variants: list[Variant], url: str, out: Path, owner: str):
    """A meeting deleted while its pages are open: "Deleted" on each."""
    from meetings import services
    from meetings.domain import Viewer

    open_detail(variants, url, DELETED)
    services.delete_meeting(Viewer(owner), meeting_id(DELETED))
    for variant in variants:
        badge = variant.page.locator('[data-live-meeting] [data-live="status"]')
        expect(badge).to_have_text("Deleted", timeout=WAIT_MS)
        expect(variant.page.locator("#meeting-gone")).to_be_visible()
        shoot(variant, out, "state-deleted", "#meeting-gone", HEAD, PANEL)


def admin_states(variants: list[Variant], url: str, out: Path) -> None:
    """The owner field's and the owner filter's search, and the search counts."""
    base = f"{url}/admin/meetings/meetingrecord/"
    for variant in variants:
        page = variant.page
        page.goto(f"{base}add/")
        page.click(".field-owner .select2-selection")
        page.locator(".select2-search__field").press_sequentially("user0")
        expect_results(page, "user000", 20)
        shoot(variant, out, "admin-owner-search", ".field-owner", ".select2-dropdown")
        page.keyboard.press("Escape")
        page.goto(f"{base}?q={SEARCH}")
        expect(page.locator(".search-counts")).to_contain_text(f"Matching “{SEARCH}”")
        shoot(variant, out, "admin-search-counts", ".status-counts", ".search-counts")
        owner_filter = '[data-filter-title="owner"]'
        # Room below the filter, as a changelist of many rows has, and the
        # filter at the top of the window: Select2 opens its results below.
        page.evaluate("document.body.style.paddingBottom = '100vh'")
        page.locator(owner_filter).evaluate("(e) => e.scrollIntoView(true)")
        page.click(f"{owner_filter} .select2-selection")
        page.locator(".select2-search__field").press_sequentially("user01")
        expect_results(page, "user010", 10)
        shoot(variant, out, "admin-owner-filter", owner_filter, ".select2-dropdown")
        page.keyboard.press("Escape")


def expect_results(page: Page, first: str, count: int) -> None:
    """Wait for the owner search's answer to the term typed, not an earlier one."""
    expect(page.locator(".select2-results__option.loading-results")).to_have_count(0)
    users = page.locator(".select2-results__option[aria-selected]")
    expect(users.first).to_have_text(first, timeout=WAIT_MS)
    expect(users).to_have_count(count)


def api_docs(variants: list[Variant], url: str, out: Path) -> None:
    """/v1/docs, drawn by Swagger UI."""
    for variant in variants:
        page = variant.page
        page.goto(f"{url}/v1/docs")
        expect(page.locator(".opblock-tag", has_text="events")).to_be_visible(
            timeout=WAIT_MS
        )
        shoot(variant, out, "api-docs")
