"""The real page behind nginx with two instances: it rides out losing either."""

import pytest
from playwright.sync_api import expect

from meetings import services
from meetings.domain import Status, Viewer
from tests.support.nginx import Nginx

pytestmark = pytest.mark.system


def test_the_page_follows_its_meeting_across_instances(
    page, servers, login, alice, tmp_path, local_table
):
    settings = {"SSE_RETRY_MS": 500, "SSE_DRAIN_WINDOW": 1}
    a, b = servers(**settings), servers(**settings)
    nginx = Nginx([a.port, b.port], tmp_path / "nginx").start()
    try:
        meeting = services.create_meeting(str(alice.pk), {"title": "Failover"})
        login(page, nginx, "alice")
        page.goto(f"{nginx.url}/meetings/{meeting.id}")
        badge = page.locator('[data-live-meeting] [data-live="status"]')
        owner = Viewer(str(alice.pk))
        steps = iter([Status.IN_PROGRESS, Status.UPLOADED, Status.PROCESSING])
        for stop in (a.kill, b.terminate):
            stop()  # whichever instance held the stream, the other takes over
            status = next(steps)
            services.update_meeting(owner, meeting.id, {"status": status})
            expect(badge).to_have_text(status.label, timeout=15_000)
            if stop == a.kill:
                a.start()
        status = next(steps)
        services.update_meeting(owner, meeting.id, {"status": status})
        expect(badge).to_have_text(status.label, timeout=15_000)
        expect(page.locator("#connection-banner")).to_be_hidden(timeout=15_000)
    finally:
        nginx.stop()
