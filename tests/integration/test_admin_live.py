"""The admin dashboard on a real uvicorn: it counts the streams its process holds."""

from __future__ import annotations

import re

import httpx
from django.test import Client

from meetings import services
from tests.support.sse import StreamReader


def session_cookie(user) -> dict[str, str]:
    """Return a Cookie header for a session of user, in the server's database."""
    client = Client()
    client.force_login(user)
    return {"Cookie": f"sessionid={client.cookies['sessionid'].value}"}


def open_streams(server, staff_headers) -> int:
    page = httpx.get(f"{server.url}/admin/meetings/", headers=staff_headers).text
    return int(re.search(r"data-open-streams>(\d+)<", page).group(1))


def test_the_dashboard_counts_this_process_open_streams(
    asgi_server, django_user_model, alice
):
    root = django_user_model.objects.create_superuser("root", password="pw-12345678")
    staff = session_cookie(root)
    meeting = services.create_meeting(str(alice.pk), {"title": "Q1"})
    assert open_streams(asgi_server, staff) == 0
    url = f"{asgi_server.url}/v1/meetings/{meeting.id}/events"
    streams = [StreamReader(url, session_cookie(alice)).start() for _ in range(2)]
    try:
        for stream in streams:
            assert stream.next().event == "connected"
        assert open_streams(asgi_server, staff) == 2
    finally:
        for stream in streams:
            stream.close()
