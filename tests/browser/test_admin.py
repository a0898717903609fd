"""One smoke test of the admin's meeting views in headless Chromium."""

import pytest
from playwright.sync_api import expect

from meetings import services
from meetings.store import get_repository


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
