"""axe-core over every page of the site and of the meetings admin, in Chromium.

axe.min.js comes from npm (`axe-core` in package.json, installed by `npm ci`)
and is injected by the test only; the pages' strict Content-Security-Policy
would block it, so these contexts bypass CSP. Each page is checked at a
desktop and a phone width, in the light and the dark colour scheme, and must
have no violation at all.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from meetings import services
from meetings.admin import history

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
VIEWPORTS = {"desktop": (1280, 800), "phone": (390, 844)}
SCHEMES = ("light", "dark")
NO_CSP = [{"bypass_csp": True}]
NO_TRANSITIONS = "*, *::before, *::after { transition: none !important; }"

RUN_AXE = """async () => {
  const result = await axe.run(document);
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ")),
  }));
}"""


def violations_on(page, url: str | None) -> list[str]:
    """Return axe's violations on url, in every viewport and colour scheme.

    With url None, on the page as it stands (a live state, say), unreloaded;
    its transitions are switched off first, or axe would measure colours
    halfway from one scheme to the other.
    """
    found = []
    if url is None:
        page.add_style_tag(content=NO_TRANSITIONS)
    for width_name, (width, height) in VIEWPORTS.items():
        for scheme in SCHEMES:
            page.set_viewport_size({"width": width, "height": height})
            page.emulate_media(color_scheme=scheme)
            if url is not None:
                page.goto(url)
            page.add_script_tag(path=str(AXE))
            for violation in page.evaluate(RUN_AXE):
                found.append(
                    f"{url or page.url} [{width_name}, {scheme}] {violation['id']} "
                    f"({violation['impact']}): {violation['help']} "
                    f"at {violation['nodes']}"
                )
    return found


@pytest.fixture(autouse=True)
def _axe_installed():
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci`")


@pytest.mark.parametrize("page", NO_CSP, indirect=True)
def test_every_page_of_the_site_has_no_axe_violations(page, asgi_server, alice):
    url = asgi_server.url
    meeting = services.create_meeting(
        str(alice.pk),
        {
            "title": "Board meeting",
            "description": "Agenda",
            "participants": ["ana@example.com"],
        },
    )
    found = violations_on(page, f"{url}/accounts/login/")
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", "pw-12345678")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{url}/")
    for path in (
        "/",
        f"/meetings/{meeting.id}",
        "/meetings/new",
        f"/meetings/{meeting.id}/edit",
        f"/meetings/{meeting.id}/delete",
        "/accounts/logout/",
    ):
        found += violations_on(page, url + path)
    # The API's docs, once Swagger UI has drawn the operations; then with one
    # operation open and tried, and the Authorize dialog open.
    page.goto(f"{url}/v1/docs")
    page.locator(".opblock").first.wait_for()
    found += violations_on(page, None)
    listing = page.locator("#operations-meetings-meetings_list")
    listing.locator(".opblock-summary-control").click()
    listing.locator(".try-out__btn").click()
    listing.locator(".execute").click()
    listing.locator(".live-responses-table").wait_for()
    found += violations_on(page, None)
    page.locator(".btn.authorize").first.click()
    page.locator(".dialog-ux .modal-ux").wait_for()
    found += violations_on(page, None)
    assert not found, "\n".join(found)


@pytest.mark.parametrize("page", NO_CSP, indirect=True)
def test_every_meetings_page_of_the_admin_has_no_axe_violations(
    page, asgi_server, django_user_model, alice
):
    url = asgi_server.url
    boss = django_user_model.objects.create_superuser("boss", password="pw-12345678")
    meeting = services.create_meeting(str(alice.pk), {"title": "Board meeting"})
    history.log_change(boss, meeting, ["Title"])
    found = violations_on(page, f"{url}/admin/login/")
    page.goto(f"{url}/admin/login/")
    page.fill("#id_username", "boss")
    page.fill("#id_password", "pw-12345678")
    page.click("input[type=submit]")
    page.wait_for_url(f"{url}/admin/")
    base = "/admin/meetings/meetingrecord/"
    for path in (
        "/admin/",
        "/admin/meetings/",
        base,
        f"{base}add/",
        f"{base}{meeting.id}/change/",
        f"{base}{meeting.id}/delete/",
        f"{base}{meeting.id}/history/",
        # The owner filter, offering the users its search finds.
        f"{base}?owner_username=a",
    ):
        found += violations_on(page, url + path)
    # The owner searches, open on their results.
    for path, container in (
        (f"{base}add/", ".field-owner"),
        (base, "#changelist-filter"),
    ):
        page.goto(url + path)
        page.click(f"{container} .select2-selection")
        page.locator(".select2-search__field").press_sequentially("a")
        page.locator(".select2-results__option[aria-selected]").first.wait_for()
        found += violations_on(page, None)
    assert not found, "\n".join(found)


@pytest.mark.parametrize("page", NO_CSP, indirect=True)
def test_the_live_states_have_no_axe_violations(page, live_site, alice, login):
    """The list and a meeting live ("Live", the notifications toggle), then with
    the server gone: the disconnect banner (prominent, with "Retry now") and
    the data marked "Updates paused", in both tabs of the shared stream."""
    meeting = services.create_meeting(str(alice.pk), {"title": "Board meeting"})
    login(page, live_site, "alice")
    detail = page.context.new_page()
    detail.goto(f"{live_site.url}/meetings/{meeting.id}")
    found = []
    for tab in (page, detail):
        expect(tab.locator("[data-freshness]")).to_have_attribute("data-state", "live")
        found += violations_on(tab, None)
    live_site.kill()
    for tab in (page, detail):
        banner = tab.locator("#connection-banner")
        expect(banner).to_have_attribute("data-prominent", "", timeout=5000)
        expect(tab.get_by_role("button", name="Retry now")).to_be_visible()
        freshness = tab.locator("[data-freshness]")
        expect(freshness).to_have_attribute("data-state", "paused")
        found += violations_on(tab, None)
    assert not found, "\n".join(found)


def _luminance(rgb: str) -> float:
    channels = [int(c) / 255 for c in re.findall(r"\d+", rgb)[:3]]
    linear = [
        c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels
    ]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: str, other: str) -> float:
    """Return the WCAG contrast ratio of two CSS rgb() colours."""
    light, dark = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


FOCUS_RING = """() => {
  const style = getComputedStyle(document.activeElement);
  return {outline: style.outlineColor, width: parseFloat(style.outlineWidth),
          style: style.outlineStyle};
}"""


def test_the_keyboard_skips_to_the_content_and_sees_where_it_is(
    page, asgi_server, alice, login
):
    login(page, asgi_server, "alice")
    # The first Tab reaches the skip link, which shows itself and skips the nav.
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box["y"] >= 0 and box["height"] > 0
    ring = page.evaluate(FOCUS_RING)
    page_background = page.evaluate(
        "getComputedStyle(document.documentElement).backgroundColor"
    )
    assert ring["style"] == "solid" and ring["width"] >= 2
    assert contrast(ring["outline"], page_background) >= 3
    page.keyboard.press("Enter")
    expect(page.locator("main#content")).to_be_focused()
    # The next Tab goes on from the content, past the navigation.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")
    ring = page.evaluate(FOCUS_RING)
    assert contrast(ring["outline"], page_background) >= 3
    # On the dark top bar the ring is light, and contrasts with the bar.
    page.locator(".topbar__nav a").first.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    ring = page.evaluate(FOCUS_RING)
    bar = page.evaluate(
        "getComputedStyle(document.querySelector('.topbar')).backgroundColor"
    )
    assert ring["style"] == "solid" and contrast(ring["outline"], bar) >= 3
    expect(page.locator('.topbar__nav a[aria-current="page"]')).to_have_text("Meetings")


GROUND = "getComputedStyle(document.documentElement).backgroundColor"
LIGHT_GROUND, DARK_GROUND = "rgb(245, 247, 250)", "rgb(17, 24, 39)"


def test_the_site_follows_the_system_theme_and_remembers_a_chosen_one(
    page, asgi_server, alice, login
):
    # The page's own strict CSP stays on here: the switch must work under it.
    page.emulate_media(color_scheme="dark")
    login(page, asgi_server, "alice")
    assert page.evaluate(GROUND) == DARK_GROUND
    page.emulate_media(color_scheme="light")
    assert page.evaluate(GROUND) == LIGHT_GROUND
    switch = page.locator("[data-theme-switch]")
    expect(switch).to_have_text("Theme: auto")
    switch.click()
    expect(switch).to_have_text("Theme: light")
    switch.click()
    expect(switch).to_have_text("Theme: dark")
    assert page.evaluate(GROUND) == DARK_GROUND  # though the system says light
    page.reload()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    assert page.evaluate(GROUND) == DARK_GROUND
    expect(switch).to_have_text("Theme: dark")
    # The admin's own toggle reads the same choice.
    assert page.evaluate("localStorage.getItem('theme')") == "dark"
    assert page.console_errors == [] and page.page_errors == []


@pytest.mark.parametrize("page", [{"java_script_enabled": False}], indirect=True)
def test_without_javascript_the_system_theme_holds_and_no_switch_shows(
    page, asgi_server, alice, login
):
    page.emulate_media(color_scheme="dark")
    page.goto(f"{asgi_server.url}/accounts/login/")
    assert page.evaluate(GROUND) == DARK_GROUND
    expect(page.locator("[data-theme-switch]")).to_be_hidden()
