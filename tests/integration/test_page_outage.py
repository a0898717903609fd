"""With DynamoDB Local paused (SIGSTOP), a page load answers its 503 within 2 s."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest
from django.test import Client

from meetings import services
from meetings.store.dynamodb.client import reset_client

pytestmark = pytest.mark.django_db

# What the issue asks of a page load during an outage.
PAGE_DEADLINE_S = 2.0


@pytest.fixture
def paused(own_dynamodb):
    """Pause DynamoDB Local (it accepts connections and never answers); resume."""
    pid = own_dynamodb.process.pid

    def pause() -> None:
        os.kill(pid, signal.SIGSTOP)

    yield pause
    os.kill(pid, signal.SIGCONT)


def test_a_page_load_answers_503_at_once_while_dynamodb_is_paused(
    own_dynamodb, paused, alice, settings
):
    # The full budget, as deployed (3 tries of 3 s): pages must not wait for it.
    settings.DYNAMODB_CONNECT_TIMEOUT = 1
    settings.DYNAMODB_READ_TIMEOUT = 3
    settings.DYNAMODB_MAX_ATTEMPTS = 3
    reset_client()
    meeting = services.create_meeting(str(alice.pk), {"title": "Kept"})
    client = Client()
    client.force_login(alice)
    pages = ("/", f"/meetings/{meeting.id}", f"/meetings/{meeting.id}/edit")
    for path in pages:
        assert client.get(path).status_code == 200, path
    paused()
    for path in pages:
        started = time.monotonic()
        response = client.get(path)
        took = time.monotonic() - started
        assert response.status_code == 503, path
        assert response["Retry-After"].isdigit()
        assert "Meetings are unavailable right now" in response.content.decode()
        assert f'href="{path}">Try again' in response.content.decode()
        assert took < PAGE_DEADLINE_S, (path, took)
    os.kill(own_dynamodb.process.pid, signal.SIGCONT)
    for path in pages:
        assert client.get(path).status_code == 200, path


def test_a_form_write_keeps_the_full_budget(own_dynamodb, paused, alice, settings):
    """A save is not a page load: it keeps its retries, so a short pause passes."""
    settings.DYNAMODB_CONNECT_TIMEOUT = 1
    settings.DYNAMODB_READ_TIMEOUT = 3
    settings.DYNAMODB_MAX_ATTEMPTS = 3
    reset_client()
    client = Client()
    client.force_login(alice)
    assert client.get("/").status_code == 200  # both clients' connections open
    paused()
    pid = own_dynamodb.process.pid
    # Resumed 1.5 s into the write's first try: a quick read would have given up.
    resume = threading.Timer(1.5, os.kill, (pid, signal.SIGCONT))
    resume.start()
    response = client.post("/meetings/new", {"title": "Written"})
    resume.join()
    assert response.status_code == 302, response.status_code
