"""The admin's meeting views in headless Chromium: a smoke test, and liveness."""

import pytest
from playwright.sync_api import expect

from meetings import services
from meetings.store import get_repository
from tests.browser.test_accessibility import violations_on
from tests.support.browser import (
    POLL_MS,
    assert_no_errors,
    create_over_api,
    delete_over_api,
    patch_over_api,
    requests_to,
    wait_for_console,
)

# A change shows within a poll interval, plus the counts' own read.
LIVE_MS = POLL_MS + 2000


@pytest.mark.browser
def test_edit_a_meeting_in_the_admin_and_see_it_in_history(
    page, asgi_server, django_user_model, alice
):
    django_user_model.objects.create_superuser("boss", password="pw-12345678")
    meeting = services.create_meeting(str(alice.pk), {"title": "Board meeting"})
    page.goto(f"{asgi_server.url}/admin/")
    page.fill("#id_username", "boss")
    page.fill("#id_password", "pw-12345678")
    page.click("input[type=submit]")
    page.click("#content-main #meetings-meetingrecord a")
    expect(page.locator("h1")).to_have_text("Select meeting to change")
    expect(page.locator("#result_list")).to_contain_text("alice")
    # The admin shares the web UI's status colours (status-badges.css).
    expect(page.locator("#result_list .badge--scheduled")).to_have_css(
        "background-color", "rgb(224, 231, 255)"
    )
    page.click("#result_list >> text=Board meeting")
    page.fill("#id_title", "Board meeting (moved)")
    page.select_option("#id_status", "in_progress")
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    expect(page.locator("#id_title")).to_have_value("Board meeting (moved)")
    page.click("a.historylink")
    history = page.locator("#change-history")
    expect(history).to_contain_text("Changed Title and Status.")
    expect(history).to_contain_text("boss")
    stored = get_repository().get(meeting.id)
    assert (stored.title, stored.status.value) == (
        "Board meeting (moved)",
        "in_progress",
    )
    # The admin's own scripts run under the app's Content-Security-Policy.
    assert page.page_errors == [] and page.console_errors == []


def admin_login(page, server, username: str) -> None:
    page.goto(f"{server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-12345678")
    page.click("input[type=submit]")
    page.wait_for_url(f"{server.url}/admin/")


@pytest.mark.browser
def test_the_meetings_dashboard_fits_a_phone_and_its_bars_are_links(
    page, asgi_server, django_user_model, alice
):
    django_user_model.objects.create_superuser("boss", password="pw-12345678")
    services.create_meeting(str(alice.pk), {"title": "Board meeting"})
    page.set_viewport_size({"width": 390, "height": 844})
    admin_login(page, asgi_server, "boss")
    page.goto(f"{asgi_server.url}/admin/meetings/")
    chart = page.locator(".status-chart")
    expect(chart).to_be_visible()
    # Nothing is wider than the phone: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert chart.bounding_box()["width"] <= 390
    page.get_by_role("link", name="Scheduled: 1").click()
    expect(page.locator("#result_list")).to_contain_text("Board meeting")


@pytest.fixture
def boss(django_user_model):
    return django_user_model.objects.create_superuser("boss", password="pw-12345678")


@pytest.mark.browser
def test_changelist_rows_and_counts_follow_changes_made_elsewhere(
    page, live_site, boss, alice
):
    meeting = services.create_meeting(str(alice.pk), {"title": "Board meeting"})
    other = services.create_meeting(str(alice.pk), {"title": "Retro"})
    admin_login(page, live_site, "boss")
    page.goto(f"{live_site.url}/admin/meetings/meetingrecord/")
    wait_for_console(page, "SSE connected")
    row = page.locator(f'tr[data-meeting-id="{meeting.id}"]')
    counts = page.locator(".status-counts")
    expect(counts.locator('[data-status-count="scheduled"]')).to_have_text("2")
    patch_over_api(live_site, alice, meeting.id, status="in_progress")
    expect(row.locator('[data-live="status"]')).to_have_text(
        "In progress", timeout=LIVE_MS
    )
    expect(row.locator('[data-live="status"]')).to_have_class(
        "badge badge--in_progress"
    )
    expect(counts.locator('[data-status-count="in_progress"]')).to_have_text(
        "1", timeout=LIVE_MS
    )
    expect(counts.locator('[data-status-count="scheduled"]')).to_have_text("1")
    for status in ("uploaded", "processing"):
        patch_over_api(live_site, alice, meeting.id, status=status)
    patch_over_api(live_site, alice, meeting.id, progress=40, title="Board (moved)")
    expect(row.locator('[data-live="progress"]')).to_have_text("40", timeout=LIVE_MS)
    expect(row.locator('[data-live="title"]')).to_have_text("Board (moved)")
    expect(row).to_have_attribute("data-version", "5")
    delete_over_api(live_site, alice, other.id)
    gone = page.locator(f'tr[data-meeting-id="{other.id}"]')
    expect(gone.locator('[data-live="status"]')).to_have_text(
        "Deleted", timeout=LIVE_MS
    )
    expect(counts.locator('[data-status-count="all"]')).to_have_text(
        "1", timeout=LIVE_MS
    )
    assert_no_errors(page)


@pytest.mark.browser
@pytest.mark.parametrize("page", [{"bypass_csp": True}], indirect=True)
def test_the_change_form_says_its_meeting_changed_and_keeps_the_input(
    page, live_site, boss, alice
):
    meeting = services.create_meeting(str(alice.pk), {"title": "Board meeting"})
    admin_login(page, live_site, "boss")
    page.goto(f"{live_site.url}/admin/meetings/meetingrecord/{meeting.id}/change/")
    wait_for_console(page, "SSE connected")
    notice = page.locator("#meeting-changed")
    expect(notice).to_be_hidden()
    page.fill("#id_title", "My new title")
    patch_over_api(live_site, alice, meeting.id, status="in_progress")
    expect(notice).to_contain_text(
        "This meeting changed since you opened it", timeout=LIVE_MS
    )
    expect(notice).to_contain_text("The status is now In progress (was Scheduled)")
    expect(notice).to_have_attribute("role", "status")
    expect(notice.get_by_role("link", name="Reload the form")).to_have_attribute(
        "href", f"/admin/meetings/meetingrecord/{meeting.id}/change/"
    )
    expect(page.locator("#id_title")).to_have_value("My new title")
    expect(page.locator("#id_status")).to_have_value("scheduled")
    assert violations_on(page, None) == []
    delete_over_api(live_site, alice, meeting.id)
    expect(notice).to_contain_text(
        "This meeting was deleted elsewhere", timeout=LIVE_MS
    )
    expect(notice.get_by_role("link", name="Back to the meetings")).to_be_visible()
    expect(page.locator("#id_title")).to_have_value("My new title")
    assert violations_on(page, None) == []
    assert_no_errors(page)


@pytest.mark.browser
@pytest.mark.parametrize("page", [{"bypass_csp": True}], indirect=True)
def test_a_live_admin_page_shows_the_disconnect_banner_and_recovers(
    page, live_site, boss, alice
):
    services.create_meeting(str(alice.pk), {"title": "Outage"})
    admin_login(page, live_site, "boss")
    page.goto(f"{live_site.url}/admin/meetings/meetingrecord/")
    wait_for_console(page, "SSE connected")
    banner = page.locator("#connection-banner")
    expect(banner).to_be_hidden()
    live_site.kill()
    expect(banner).to_be_visible(timeout=5000)
    expect(banner).to_contain_text("Live updates disconnected, retrying...")
    expect(banner).to_contain_text("Reconnection attempt 2...", timeout=5000)
    # Prominent, in the admin's own colours, in both themes and widths.
    assert violations_on(page, None) == []
    live_site.start()
    expect(banner).to_be_hidden(timeout=15_000)


def test_the_dashboard_counts_follow_a_status_change(page, live_site, boss, alice):
    meeting = services.create_meeting(str(alice.pk), {"title": "Board meeting"})
    services.create_meeting(str(alice.pk), {"title": "Retro"})
    admin_login(page, live_site, "boss")
    page.goto(f"{live_site.url}/admin/meetings/")
    wait_for_console(page, "SSE connected")
    scheduled = page.locator('.status-chart [data-status-count="scheduled"]')
    started = page.locator('.status-chart [data-status-count="in_progress"]')
    expect(scheduled).to_have_text("2")
    expect(started).to_have_text("0")
    patch_over_api(live_site, alice, meeting.id, status="in_progress")
    expect(started).to_have_text("1", timeout=LIVE_MS)
    expect(scheduled).to_have_text("1")
    bar = page.locator('[data-status-bar="in_progress"]')
    assert int(bar.get_attribute("width")) > 0
    expect(page.get_by_role("link", name="In progress: 1")).to_be_visible()
    expect(page.locator("#status-chart-title")).to_have_text(
        "Meetings per status, 2 in all"
    )
    # A meeting created after the page loaded counts too (the stream's scope).
    create_over_api(live_site, alice, "Planning")
    expect(scheduled).to_have_text("2", timeout=LIVE_MS)
    expect(page.locator("#status-chart-title")).to_have_text(
        "Meetings per status, 3 in all"
    )
    assert_no_errors(page)


@pytest.mark.browser
def test_admin_pages_with_nothing_to_follow_open_no_stream(page, live_site, boss):
    streams = requests_to(page, "/events")
    admin_login(page, live_site, "boss")
    for path in ("meetings/meetingrecord/", "meetings/meetingrecord/add/"):
        page.goto(f"{live_site.url}/admin/{path}")
        page.wait_for_load_state("networkidle")
    assert streams == []
    assert_no_errors(page)


@pytest.mark.browser
@pytest.mark.parametrize("page", [{"java_script_enabled": False}], indirect=True)
def test_the_live_admin_pages_work_without_javascript(page, asgi_server, boss, alice):
    meeting = services.create_meeting(str(alice.pk), {"title": "Board meeting"})
    admin_login(page, asgi_server, "boss")
    page.goto(f"{asgi_server.url}/admin/meetings/")
    expect(page.get_by_role("link", name="Scheduled: 1")).to_be_visible()
    page.goto(f"{asgi_server.url}/admin/meetings/meetingrecord/")
    row = page.locator(f'tr[data-meeting-id="{meeting.id}"]')
    expect(row.locator('[data-live="status"]')).to_have_text("Scheduled")
    row.get_by_role("link", name="Board meeting").click()
    expect(page.locator("#meeting-changed")).to_be_hidden()
    page.fill("#id_title", "Board meeting (moved)")
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    assert get_repository().get(meeting.id).title == "Board meeting (moved)"
