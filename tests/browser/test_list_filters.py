"""The list's filters apply as they change; without JavaScript, by the Filter button."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from meetings import services
from meetings.domain import Status, Viewer

ROWS = "tbody tr"
FILTER_BUTTON = "[data-filters-submit]"
START = datetime(2030, 5, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def meetings(alice):
    """Alice's Standup and Planning, which is in progress; Retro is scheduled last."""
    made = {
        title: services.create_meeting(
            str(alice.pk),
            {"title": title, "scheduled_start": START + timedelta(days=days)},
        )
        for title, days in (("Standup", 1), ("Retro", 5), ("Planning", 3))
    }
    services.update_meeting(
        Viewer(str(alice.pk)), made["Planning"].id, {"status": Status.IN_PROGRESS}
    )
    return made


def titles(page) -> list[str]:
    return page.locator(f"{ROWS} [data-live=title]").all_inner_texts()


def test_changing_a_select_applies_it_without_a_button(
    page, live_site, login, meetings
):
    login(page, live_site, "alice")
    expect(page.locator(ROWS)).to_have_count(3)
    # The script took the button away: the form applies itself.
    expect(page.locator(FILTER_BUTTON)).to_have_count(0)

    page.select_option("#id_status", "in_progress")
    page.wait_for_url("**/?*status=in_progress*")
    expect(page.locator(ROWS)).to_have_count(1)
    assert titles(page) == ["Planning"]
    # The reloaded page gives the focus back to the select that changed.
    expect(page.locator("#id_status")).to_be_focused()

    page.select_option("#id_status", "")
    page.wait_for_url(lambda url: "status=in_progress" not in url)
    page.select_option("#id_sort", "-scheduled")
    page.wait_for_url("**/?*sort=-scheduled*")
    assert titles(page) == ["Retro", "Planning", "Standup"]
    expect(page.locator("thead th").nth(1)).to_have_text("Scheduled start")
    assert page.console_errors == [] and page.page_errors == []


def test_typing_a_search_applies_it_after_a_pause(page, live_site, login, meetings):
    login(page, live_site, "alice")
    page.locator("#id_q").press_sequentially("plan", delay=40)
    page.wait_for_url("**/?*q=plan*")
    assert titles(page) == ["Planning"]
    expect(page.locator("#id_q")).to_be_focused()
    # Enter applies at once, and only once.
    page.fill("#id_q", "retro")
    page.press("#id_q", "Enter")
    page.wait_for_url("**/?*q=retro*")
    assert titles(page) == ["Retro"]


@pytest.mark.parametrize("page", [{"java_script_enabled": False}], indirect=True)
def test_without_javascript_the_filter_button_applies_them(
    page, live_site, login, meetings
):
    login(page, live_site, "alice")
    button = page.locator(FILTER_BUTTON)
    expect(button).to_be_visible()
    page.select_option("#id_status", "in_progress")
    page.wait_for_timeout(700)  # longer than any pause the script would take
    expect(page.locator(ROWS)).to_have_count(3)  # nothing applies by itself
    button.click()
    page.wait_for_url("**/?*status=in_progress*")
    assert titles(page) == ["Planning"]
    page.select_option("#id_status", "")
    page.select_option("#id_sort", "scheduled")
    page.locator(FILTER_BUTTON).click()
    page.wait_for_url("**/?*sort=scheduled*")
    assert titles(page) == ["Standup", "Planning", "Retro"]
