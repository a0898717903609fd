"""Production serving: gunicorn with the draining uvicorn worker."""

import os
import signal
import subprocess
import sys
import time

import httpx
import pytest

from meetings import services
from meetings.store.local import free_port, is_listening
from tests.conftest import access_token_for
from tests.support.live import BASE_DIR
from tests.support.sse import StreamReader


@pytest.fixture
def gunicorn(server_env):
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "deploy/gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "config.asgi:application",
        ],
        cwd=BASE_DIR,
        env={**os.environ, **server_env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while not is_listening(port):
        assert process.poll() is None and time.monotonic() < deadline
        time.sleep(0.1)
    yield process, f"http://127.0.0.1:{port}"
    if process.poll() is None:
        process.kill()


def test_sigterm_to_gunicorn_drains_streams_and_exits_promptly(
    gunicorn, transactional_db, alice
):
    process, url = gunicorn
    meeting = services.create_meeting(str(alice.pk), {"title": "t"})
    headers = {"Authorization": f"Bearer {access_token_for(alice)}"}
    assert httpx.get(f"{url}/v1/meetings/{meeting.id}", headers=headers).is_success
    streams = [
        StreamReader(f"{url}/v1/meetings/{meeting.id}/events", headers).start()
        for _ in range(10)
    ]
    try:
        for stream in streams:
            stream.next_of("status")
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        for stream in streams:
            lost = stream.next_of("connectionLost", timeout=5)
            assert lost.json()["reason"] == "shutdown"
        process.wait(timeout=10)
        assert time.monotonic() - started < 5
    finally:
        for stream in streams:
            stream.close()
