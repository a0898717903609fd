"""One smoke test of the admin's meeting views in a real browser."""

from playwright.sync_api import expect

from meetings import services
from meetings.repository import get_repository


def test_edit_a_meeting_in_the_admin_and_see_it_in_history(
    page, live_site, make_user, alice, local_table
):
    boss = make_user("boss", is_staff=True)
    boss.is_superuser = True
    boss.save()
    meeting = services.create_meeting(
        get_repository(), str(alice.pk), {"title": "Board meeting"}
    )
    page.goto(f"{live_site.url}/admin/")
    page.fill("#id_username", "boss")
    page.fill("#id_password", "pw-12345678")
    page.click("input[type=submit]")
    page.click("#content-main th[scope=row] a:has-text('Meetings')")
    page.click("text=Board meeting")
    page.fill("#id_title", "Board meeting (moved)")
    page.select_option("#id_status", "in_progress")
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    page.click("a.historylink")
    expect(page.locator("#change-history")).to_contain_text("Changed Title and Status.")
    expect(page.locator("#change-history")).to_contain_text("boss")
    stored = get_repository().get(meeting.id)
    assert (stored.title, stored.status.value) == (
        "Board meeting (moved)",
        "in_progress",
    )
