"""The live pages in a real browser: updates, the banner, reconnects, stops."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import quote

import pytest
from django.contrib.sessions.models import Session
from playwright.sync_api import expect

from meetings import services
from meetings.domain import Status, Viewer
from meetings.store import get_repository
from tests.browser.conftest import FAST_RECONNECTS
from tests.support.browser import (
    POLL_MS,
    assert_no_errors,
    change_in_dynamodb,
    patch_over_api,
    requests_to,
    wait_for_console,
)

BANNER = "#connection-banner"


@pytest.fixture
def meeting(alice, local_table):
    return services.create_meeting(str(alice.pk), {"title": "Sync"})


def open_meeting(page, server, login, meeting) -> None:
    login(page, server, "alice")
    page.goto(f"{server.url}/meetings/{meeting.id}")
    expect(page.locator("[data-live-meeting]")).to_have_attribute("data-version", "1")
    wait_for_console(page, "SSE connected")


def badge(page):
    return page.locator('[data-live-meeting] [data-live="status"]')


def test_a_status_patched_over_the_api_shows_without_a_reload(
    page, live_site, login, meeting, alice
):
    open_meeting(page, live_site, login, meeting)
    page.evaluate("window.loadedOnce = true")  # gone if the page reloads
    patch_over_api(live_site, alice, meeting.id, status="in_progress")
    expect(badge(page)).to_have_text("In progress", timeout=POLL_MS + 1000)
    for status in ("uploaded", "processing"):
        patch_over_api(live_site, alice, meeting.id, status=status)
    expect(page.locator('[data-live="progress-box"]')).to_be_visible()
    patch_over_api(live_site, alice, meeting.id, progress=40, status_message="Halfway")
    expect(page.locator('[data-live="progress"]')).to_have_text(
        "40", timeout=POLL_MS + 1000
    )
    expect(page.locator('[data-live="progress-bar"]')).to_have_js_property("value", 40)
    expect(page.locator('[data-live="status-message"]')).to_have_text("Halfway")
    # The version is for the scripts (data-version), not shown to users.
    expect(page.locator("[data-live-meeting]")).to_have_attribute("data-version", "5")
    patch_over_api(live_site, alice, meeting.id, status="completed")
    expect(badge(page)).to_have_text("Completed", timeout=POLL_MS + 1000)
    expect(badge(page)).to_have_class("badge badge--completed")
    # status-badges.css comes after the .badge base and gives each status its colour.
    expect(badge(page)).to_have_css("background-color", "rgb(220, 252, 231)")
    expect(page.locator('[data-live="progress-box"]')).to_be_hidden()
    assert page.evaluate("window.loadedOnce") is True
    expect(page.locator(BANNER)).to_be_hidden()
    assert_no_errors(page)


def test_the_banner_shows_while_the_server_is_down_and_the_page_recovers(
    page, live_site, login, meeting, alice
):
    open_meeting(page, live_site, login, meeting)
    banner = page.locator(BANNER)
    expect(banner).to_be_hidden()
    heading = page.locator("h1").bounding_box()
    live_site.kill()
    expect(banner).to_be_visible(timeout=5000)
    expect(banner).to_contain_text("Live updates disconnected, retrying...")
    expect(banner).to_contain_text("The app will automatically reconnect")
    expect(banner).to_contain_text("Reconnection attempt 1...")
    expect(banner).to_have_attribute("role", "status")
    expect(banner).to_have_attribute("aria-live", "polite")
    # A toast: it shifts nothing on the page.
    expect(banner).to_have_css("position", "fixed")
    assert page.locator("h1").bounding_box() == heading
    expect(banner).to_contain_text("Reconnection attempt 2...", timeout=5000)
    # Prominent once a retry has failed too.
    expect(banner).to_have_attribute("data-prominent", "")
    change_in_dynamodb(alice, meeting.id, status=Status.IN_PROGRESS)
    live_site.start()
    expect(banner).to_be_hidden(timeout=15_000)
    expect(badge(page)).to_have_text("In progress")
    wait_for_console(page, "State re-synced successfully")
    wait_for_console(page, "Reconnecting in")
    # The page goes on updating over the new stream.
    patch_over_api(live_site, alice, meeting.id, status="uploaded")
    expect(badge(page)).to_have_text("Uploaded", timeout=POLL_MS + 1000)
    assert page.page_errors == []


def test_a_draining_server_is_reconnected_to_without_errors(
    page, live_site, login, meeting, alice
):
    open_meeting(page, live_site, login, meeting)
    live_site.terminate()
    wait_for_console(page, "Server is closing the stream")
    live_site.start()
    wait_for_console(page, "SSE connected", count=2, timeout_ms=15_000)
    expect(page.locator(BANNER)).to_be_hidden()
    expect(page.locator("#meeting-gone")).to_be_hidden()
    patch_over_api(live_site, alice, meeting.id, status="in_progress")
    expect(badge(page)).to_have_text("In progress", timeout=POLL_MS + 1000)
    assert page.page_errors == []


def test_logout_stops_the_stream(page, live_site, login, meeting):
    streams = requests_to(page, f"/v1/meetings/{meeting.id}/events")
    open_meeting(page, live_site, login, meeting)
    assert len(streams) == 1
    page.click("text=Log out")
    page.wait_for_url(f"{live_site.url}/accounts/login/")
    page.wait_for_timeout(3000)  # several reconnect delays
    assert len(streams) == 1
    wait_for_console(page, "SSE closed (form submitted)")


def test_deleting_stops_the_stream(page, live_site, login, meeting):
    api_calls = requests_to(page, "/v1/")
    open_meeting(page, live_site, login, meeting)
    page.get_by_role("link", name="Delete").click()  # to the confirmation page
    page.click("button.button--danger")
    page.wait_for_url(f"{live_site.url}/")
    expect(page.locator(".message--success")).to_contain_text("Deleted “Sync”.")
    page.wait_for_timeout(3000)
    # The page's stream, and nothing after it (no reconnect, no re-sync) but
    # the stream of the list the delete led to.
    stream = f"{live_site.url}/v1/meetings/{meeting.id}/events"
    list_stream = f"{live_site.url}/v1/events?scope=visible&since="
    after = api_calls[api_calls.index(stream) :]
    assert [call for call in after if not call.startswith(list_stream)] == [stream]
    assert get_repository().get_many([meeting.id]) == {}


def test_leaving_the_page_stops_the_stream(page, live_site, login, meeting):
    streams = requests_to(page, f"/v1/meetings/{meeting.id}/events")
    open_meeting(page, live_site, login, meeting)
    page.goto(f"{live_site.url}/meetings/new")
    page.wait_for_timeout(3000)
    assert len(streams) == 1


def test_coming_back_to_the_page_resumes_live_updates(
    page, live_site, login, meeting, alice
):
    open_meeting(page, live_site, login, meeting)
    page.click("text=Edit")
    page.wait_for_url(f"{live_site.url}/meetings/{meeting.id}/edit")
    change_in_dynamodb(alice, meeting.id, status=Status.IN_PROGRESS)
    page.go_back()  # from the back/forward cache, or loaded again
    expect(badge(page)).to_have_text("In progress", timeout=5000)
    wait_for_console(page, "SSE connected", count=2)
    patch_over_api(live_site, alice, meeting.id, status="uploaded")
    expect(badge(page)).to_have_text("Uploaded", timeout=POLL_MS + 1000)


def test_a_meeting_deleted_elsewhere_says_so_and_stops(
    page, live_site, login, meeting, alice
):
    streams = requests_to(page, f"/v1/meetings/{meeting.id}/events")
    open_meeting(page, live_site, login, meeting)
    services.delete_meeting(Viewer(str(alice.pk)), meeting.id)
    gone = page.locator("#meeting-gone")
    expect(gone).to_be_visible(timeout=POLL_MS + 1000)
    expect(gone).to_contain_text("This meeting was deleted")
    expect(page.locator("text=Edit")).to_be_hidden()
    page.wait_for_timeout(2000)
    assert len(streams) == 1
    expect(page.locator(BANNER)).to_be_hidden()


def test_a_meeting_deleted_while_the_server_was_down_says_so(
    page, live_site, login, meeting, alice
):
    open_meeting(page, live_site, login, meeting)
    live_site.kill()
    expect(page.locator(BANNER)).to_be_visible(timeout=5000)
    services.delete_meeting(Viewer(str(alice.pk)), meeting.id)
    live_site.start()
    expect(page.locator("#meeting-gone")).to_be_visible(timeout=15_000)
    expect(page.locator(BANNER)).to_be_hidden()


def test_an_expired_session_goes_to_the_login_page(page, live_site, login, meeting):
    open_meeting(page, live_site, login, meeting)
    live_site.kill()
    expect(page.locator(BANNER)).to_be_visible(timeout=5000)
    Session.objects.all().delete()
    live_site.start()
    back_here = f"/accounts/login/?next={quote(f'/meetings/{meeting.id}', safe='')}"
    page.wait_for_url(f"{live_site.url}{back_here}", timeout=15_000)


def test_logging_out_in_another_tab_revokes_the_stream_and_goes_to_login(
    page, start_server, login, meeting
):
    server = start_server(**FAST_RECONNECTS, SSE_RECHECK_INTERVAL=1)
    open_meeting(page, server, login, meeting)
    other_tab = page.context.new_page()
    # The same meeting: the tabs' shared stream stays as it is when it leaves.
    other_tab.goto(f"{server.url}/meetings/{meeting.id}")
    other_tab.click("text=Log out")
    other_tab.wait_for_url(f"{server.url}/accounts/login/")
    # Within the re-check cadence the stream ends with connectionLost: revoked;
    # the reconnect's re-sync meets the lost session and goes to the login page.
    back_here = f"/accounts/login/?next={quote(f'/meetings/{meeting.id}', safe='')}"
    page.wait_for_url(f"{server.url}{back_here}", timeout=10_000)
    # stream.js logs the event's data, which Chromium prints as {reason: …}.
    wait_for_console(page, "Server is closing the stream: {reason: revoked,")


def test_the_list_updates_a_row_live_over_one_stream(page, live_site, login, alice):
    meetings = [
        services.create_meeting(str(alice.pk), {"title": f"M{n}"}) for n in range(3)
    ]
    streams = requests_to(page, "/v1/events")
    login(page, live_site, "alice")
    wait_for_console(page, "SSE connected")
    assert len(streams) == 1 and streams[0].count("meeting=") == 3
    patch_over_api(live_site, alice, meetings[1].id, status="in_progress")
    row = page.locator(f'tr[data-meeting-id="{meetings[1].id}"] [data-live="status"]')
    expect(row).to_have_text("In progress", timeout=POLL_MS + 1000)
    other = page.locator(f'tr[data-meeting-id="{meetings[0].id}"] [data-live="status"]')
    expect(other).to_have_text("Scheduled")
    assert len(streams) == 1
    assert_no_errors(page)


def test_the_list_recovers_without_the_rows_deleted_while_it_was_down(
    page, live_site, login, alice
):
    kept, deleted = (
        services.create_meeting(str(alice.pk), {"title": title})
        for title in ("Kept", "Deleted")
    )
    streams = requests_to(page, "/v1/events")
    login(page, live_site, "alice")
    wait_for_console(page, "SSE connected")
    live_site.kill()
    expect(page.locator(BANNER)).to_be_visible(timeout=5000)
    services.delete_meeting(Viewer(str(alice.pk)), deleted.id)
    change_in_dynamodb(alice, kept.id, status=Status.IN_PROGRESS)
    live_site.start()
    expect(page.locator(BANNER)).to_be_hidden(timeout=15_000)
    status = '[data-live="status"]'
    expect(page.locator(f'tr[data-meeting-id="{deleted.id}"] {status}')).to_have_text(
        "Deleted"
    )
    kept_badge = page.locator(f'tr[data-meeting-id="{kept.id}"] {status}')
    expect(kept_badge).to_have_text("In progress")
    # The stream now watches only what is left, and still updates it.
    assert streams[-1].startswith(
        f"{live_site.url}/v1/events?meeting={kept.id}&scope=visible&since="
    )
    patch_over_api(live_site, alice, kept.id, status="uploaded")
    expect(kept_badge).to_have_text("Uploaded", timeout=POLL_MS + 1000)


@pytest.mark.parametrize("page", [{"java_script_enabled": False}], indirect=True)
def test_every_page_works_without_javascript(page, live_site, login, alice):
    login(page, live_site, "alice")
    page.click("text=New meeting")
    page.fill("#id_title", "")
    page.click("button:has-text('Create')")
    expect(page.locator("#id_title_error")).to_contain_text("This field is required.")
    page.fill("#id_title", "No script")
    page.fill("#id_participants", "ana@example.com")
    page.click("button:has-text('Create')")
    expect(page.locator("h1")).to_have_text("No script")
    expect(badge(page)).to_have_text("Scheduled")
    page.click("text=Edit")
    page.fill("#id_title", "Still no script")
    page.click("button:has-text('Save')")
    expect(page.locator("h1")).to_have_text("Still no script")
    page.click("text=Meetings")
    expect(page.locator("table.meetings")).to_contain_text("Still no script")
    page.fill("#id_q", "nothing like it")
    page.click("button:has-text('Filter')")
    expect(page.locator(".empty")).to_contain_text("No meetings match")
    page.click("text=Show all")
    page.click("text=Still no script")
    page.get_by_role("link", name="Delete").click()
    page.click("button.button--danger")
    expect(page.locator(".message--success")).to_contain_text("Deleted")
    page.click("text=Log out")
    page.wait_for_url(f"{live_site.url}/accounts/login/")


PARIS = [{"timezone_id": "Europe/Paris", "locale": "en-GB"}]


@pytest.mark.parametrize("page", PARIS, indirect=True)
def test_times_show_in_the_browsers_zone_with_utc_on_hover(
    page, live_site, login, alice, local_table
):
    meeting = services.create_meeting(
        str(alice.pk),
        {"title": "Sync", "scheduled_start": datetime(2030, 1, 15, 9, tzinfo=UTC)},
    )
    open_meeting(page, live_site, login, meeting)
    start = page.locator(".fields time").first
    expect(start).to_contain_text("15 Jan 2030, 10:00 (in ")
    expect(start).to_have_attribute("title", "2030-01-15 09:00:00 UTC")
    updated = page.locator('[data-live="updated-at"]')
    expect(updated).to_contain_text("(now)")
    # A live update rewrites the time in UTC; it is shown locally again at once.
    patch_over_api(live_site, alice, meeting.id, status="in_progress")
    expect(badge(page)).to_have_text("In progress", timeout=POLL_MS + 1000)
    expect(updated).not_to_contain_text("UTC")
    expect(updated).to_have_attribute("title", re.compile(r" UTC$"))
    # The browser told the server its zone, so forms take Paris time.
    page.goto(f"{live_site.url}/meetings/{meeting.id}/edit")
    expect(page.locator("#id_scheduled_start")).to_have_value("2030-01-15T10:00")
    expect(page.locator("#meeting-form")).to_contain_text(
        "In your time zone, Europe/Paris."
    )
    assert_no_errors(page)


@pytest.mark.parametrize("page", PARIS, indirect=True)
def test_relative_times_refresh_themselves(page, live_site, login, alice, local_table):
    meeting = services.create_meeting(str(alice.pk), {"title": "Sync"})
    page.clock.install()
    login(page, live_site, "alice")
    # The delete page has no live script, whose timers the clock would also run.
    page.goto(f"{live_site.url}/meetings/{meeting.id}/delete")
    updated = page.locator("dd time")
    expect(updated).to_contain_text("(now)")
    page.clock.fast_forward("02:05")
    expect(updated).to_contain_text("(2 min ago)")
