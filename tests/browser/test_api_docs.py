"""/v1/docs in headless Chromium: Swagger UI under the site's strict CSP, offline."""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import expect


def test_the_docs_draw_every_operation_under_the_csp_from_this_origin_only(
    page, asgi_server, alice, login
):
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    login(page, asgi_server, "alice")
    page.goto(f"{asgi_server.url}/v1/docs")
    expect(page.locator("h1")).to_have_text("meetstream API")
    listing = page.locator("#operations-meetings-meetings_list")
    expect(listing).to_contain_text("/v1/meetings")
    # The streams, which drf-spectacular never sees, are listed too.
    expect(page.locator(".opblock-tag", has_text="events")).to_be_visible()
    # The page's own main landmark is the only one.
    expect(page.locator("main, [role=main]")).to_have_count(1)
    # "Try it out" answers with the session, as the site's pages do.
    listing.locator(".opblock-summary-control").click()
    listing.locator(".try-out__btn").click()
    listing.locator(".execute").click()
    expect(
        listing.locator(".live-responses-table td.response-col_status:not(.col_header)")
    ).to_contain_text("200")
    origin = urlsplit(asgi_server.url).netloc
    assert {urlsplit(url).netloc for url in requested} == {origin}
    # No inline script or style, nothing the CSP refused.
    assert page.console_errors == [] and page.page_errors == []
