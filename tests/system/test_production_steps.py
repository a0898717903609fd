"""docs/operations.md's production steps, run as written, end in a serving app.

The one sh block of "Production serving" runs in bash from an empty SQLite
file and a fresh table on the session's DynamoDB Local, with only the
environment it asks for. A user created as an operator would creates a meeting
over the API: the create quota counts it in the cache table `migrate` made.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import subprocess
import time
import uuid
from pathlib import Path

import httpx
import pytest

from meetings.store.local import free_port
from tests.support.live import BASE_DIR

pytestmark = pytest.mark.system
STEPS = ["migrate", "ensure_table", "collectstatic", "gunicorn"]


def sh_block(document: Path, heading: str) -> str:
    """Return the one fenced sh block of a section of a Markdown document."""
    text = document.read_text()
    section = text.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"^```sh\n(.*?)^```$", section, re.DOTALL | re.MULTILINE)
    return block


def commands(block: str) -> list[str]:
    """Return the block's commands of the checkout's venv, in order."""
    return [line for line in block.splitlines() if line.startswith(".venv/")]


def production_steps() -> str:
    return sh_block(BASE_DIR / "docs" / "operations.md", "Production serving")


def test_the_steps_run_in_order_and_the_readme_shows_the_same_commands():
    steps = commands(production_steps())
    assert [re.search("|".join(STEPS), step)[0] for step in steps] == STEPS
    assert commands(sh_block(BASE_DIR / "README.md", "Deploying")) == steps


def test_the_documented_steps_take_an_empty_database_to_a_serving_app(
    dynamodb_local, tmp_path
):
    script = tmp_path / "production-steps.sh"
    script.write_text(production_steps())
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        "PATH": os.environ["PATH"],
        # gunicorn puts its control socket under $HOME: one of its own.
        "HOME": str(tmp_path),
        # What the block asks of the environment...
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DYNAMODB_TABLE": f"meetings-{uuid.uuid4().hex[:12]}",
        # ...DynamoDB Local rather than AWS, and this test's port and paths.
        "DYNAMODB_ENDPOINT_URL": dynamodb_local.endpoint_url,
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
    }
    log_path = tmp_path / "steps.log"
    with log_path.open("wb") as log:
        steps = subprocess.Popen(
            ["bash", "-eu", "-o", "pipefail", str(script)],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        ready = _wait_until_ready(steps, url, log_path)
        assert ready.json() == {
            "status": "ok",
            "checks": {"store": "ok", "database": "ok"},
        }
        password = secrets.token_urlsafe(16)
        superuser = subprocess.run(
            [".venv/bin/python", "manage.py", "createsuperuser", "--noinput",
             "--username", "ops", "--email", "ops@example.com"],
            cwd=BASE_DIR,
            env={**env, "DJANGO_SUPERUSER_PASSWORD": password},
            capture_output=True,
            text=True,
        )  # fmt: skip
        assert superuser.returncode == 0, superuser.stderr
        token = httpx.post(
            f"{url}/v1/auth/token", json={"username": "ops", "password": password}
        )
        assert token.status_code == 200, token.text
        headers = {"Authorization": f"Bearer {token.json()['access']}"}
        created = httpx.post(
            f"{url}/v1/meetings",
            headers=headers,
            json={
                "title": "First meeting",
                "scheduled_start": "2030-01-15T09:00:00Z",
                "duration_minutes": 60,
                "participants": ["ana@example.com"],
            },
        )
        assert created.status_code == 201, created.text
        meeting = httpx.get(
            f"{url}/v1/meetings/{created.json()['id']}", headers=headers
        )
        assert meeting.json()["title"] == "First meeting"

        (gunicorn,) = subprocess.check_output(["pgrep", "-P", str(steps.pid)]).split()
        os.kill(int(gunicorn), signal.SIGTERM)
        # gunicorn exits 0, and so the script ends with it.
        assert steps.wait(timeout=30) == 0, log_path.read_text(errors="replace")
    finally:
        if steps.poll() is None:
            os.killpg(steps.pid, signal.SIGKILL)
            steps.wait(timeout=10)
    assert "Traceback" not in log_path.read_text(errors="replace")


def _wait_until_ready(
    steps: subprocess.Popen, url: str, log_path: Path, timeout: float = 180
) -> httpx.Response:
    """Return the first 200 of /readyz, once the steps have started the server."""
    deadline = time.monotonic() + timeout
    while True:
        if steps.poll() is not None:
            pytest.fail(
                f"the steps ended with {steps.returncode} before /readyz answered "
                f"200:\n{log_path.read_text(errors='replace')}"
            )
        try:
            response = httpx.get(f"{url}/readyz", timeout=5)
        except httpx.TransportError:
            pass
        else:
            if response.status_code == 200:
                return response
            # Up, but the steps left something out: no wait will help.
            if "missing tables" in response.text:
                pytest.fail(f"/readyz: {response.text}")
        if time.monotonic() > deadline:
            pytest.fail(f"no 200 from /readyz after {timeout}s")
        time.sleep(0.2)
