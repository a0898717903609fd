"""The list is live as a list: new meetings behind a prompt, rows leaving a filter."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from meetings import services
from tests.browser.test_accessibility import NO_CSP, violations_on
from tests.support.browser import (
    POLL_MS,
    create_over_api,
    patch_over_api,
    wait_for_console,
)

PROMPT = "[data-list-news]"


def test_a_meeting_created_over_rest_appears_behind_the_prompt(
    page, live_site, login, alice, bob
):
    services.create_meeting(str(alice.pk), {"title": "Already here"})
    login(page, live_site, "alice")
    wait_for_console(page, "SSE connected")
    expect(page.locator(PROMPT)).to_be_hidden()
    create_over_api(live_site, bob, "Bob's, not in alice's list")
    created_at = time.monotonic()
    created = create_over_api(live_site, alice, "Planning")
    prompt = page.locator(PROMPT)
    expect(prompt).to_have_text("1 new meeting, show", timeout=POLL_MS + 2000)
    # Within the poll interval plus 2 s (bounded again here, for the record).
    assert time.monotonic() - created_at < POLL_MS / 1000 + 2
    # Polite: announced by the status region around it, not by moving focus.
    expect(page.locator(".list-news")).to_have_attribute("role", "status")
    create_over_api(live_site, alice, "Retro")
    expect(prompt).to_have_text("2 new meetings, show", timeout=POLL_MS + 2000)
    prompt.click()
    expect(page.locator(f'tr[data-meeting-id="{created["id"]}"]')).to_be_visible()
    expect(page.locator("tbody tr")).to_have_count(3)
    expect(page.locator(PROMPT)).to_be_hidden()


def test_a_meeting_created_into_an_empty_list_is_offered(page, live_site, login, alice):
    login(page, live_site, "alice")
    expect(page.locator(".empty")).to_be_visible()
    wait_for_console(page, "SSE connected")
    create_over_api(live_site, alice, "First")
    expect(page.locator(PROMPT)).to_have_text(
        "1 new meeting, show", timeout=POLL_MS + 2000
    )


@pytest.mark.parametrize("page", NO_CSP, indirect=True)
def test_a_row_that_leaves_the_filter_is_marked_and_drops_out_on_refresh(
    page, live_site, login, alice
):
    leaving = services.create_meeting(str(alice.pk), {"title": "Leaving"})
    staying = services.create_meeting(str(alice.pk), {"title": "Staying"})
    login(page, live_site, "alice")
    page.goto(f"{live_site.url}/?status=scheduled")
    wait_for_console(page, "SSE connected")
    patch_over_api(live_site, alice, leaving.id, status="in_progress")
    row = page.locator(f'tr[data-meeting-id="{leaving.id}"]')
    note = row.locator('[data-live="left-filter"]')
    expect(note).to_be_visible(timeout=POLL_MS + 2000)
    expect(note).to_have_text("No longer matches this filter")
    expect(row.locator('[data-live="status"]')).to_have_text("In progress")
    other = page.locator(f'tr[data-meeting-id="{staying.id}"]')
    expect(other.locator('[data-live="left-filter"]')).to_be_hidden()
    # A meeting created into the filter is new to it; one outside is not.
    create_over_api(live_site, alice, "Scheduled too")
    expect(page.locator(PROMPT)).to_have_text(
        "1 new meeting, show", timeout=POLL_MS + 2000
    )
    assert violations_on(page, None) == []  # the prompt and the marked row
    page.reload()
    expect(row).to_have_count(0)
    expect(page.locator("tbody tr")).to_have_count(2)


def test_a_list_load_logs_one_line_per_state_change(page, live_site, login, alice):
    meetings = [
        services.create_meeting(str(alice.pk), {"title": f"m{n}"}) for n in range(20)
    ]
    shown = []  # what the console shows by default: everything but debug
    page.on(
        "console",
        lambda message: message.type != "debug" and shown.append(message.text),
    )
    login(page, live_site, "alice")
    wait_for_console(page, "SSE connected")
    page.wait_for_timeout(POLL_MS * 2)
    # Taking the stream, connecting, connected: the 20 statuses sent at
    # connect are not news, and log at debug only.
    assert len(shown) == 3, shown
    patch_over_api(live_site, alice, meetings[3].id, status="in_progress")
    expect(
        page.locator(f'tr[data-meeting-id="{meetings[3].id}"] [data-live="status"]')
    ).to_have_text("In progress", timeout=POLL_MS + 2000)
    assert len(shown) == 4, shown
    assert "Meeting status update" in shown[3]
