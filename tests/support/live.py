"""A real uvicorn process serving the app, for stream and browser tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from meetings.store.local import free_port, is_listening

BASE_DIR = Path(__file__).resolve().parents[2]


class LiveServer:
    """One server process, restartable on the same port.

    `python -m config.server` (uvicorn) by default; with gunicorn=True, gunicorn
    with deploy/gunicorn.conf.py and one DrainingUvicornWorker, as deployed.
    """

    def __init__(
        self, env: dict[str, str], port: int | None = None, gunicorn: bool = False
    ):
        self.port = port or free_port()
        self.gunicorn = gunicorn
        self.env = {**os.environ, **env}
        self.process: subprocess.Popen | None = None
        self.log_path = BASE_DIR / "var" / f"live-server-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> LiveServer:
        self.log_path.parent.mkdir(exist_ok=True)
        log = open(self.log_path, "ab")  # noqa: SIM115 - the child writes to it
        self.process = subprocess.Popen(
            self.command(),
            cwd=BASE_DIR,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited; see {self.log_path}")
            if is_listening(self.port):
                try:
                    if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                        return self
                except httpx.HTTPError:
                    pass
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"server not up after {timeout}s")
            time.sleep(0.1)

    def command(self) -> list[str]:
        if not self.gunicorn:
            return [sys.executable, "-m", "config.server", "--port", str(self.port)]
        return [
            sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py",
            "--bind", f"127.0.0.1:{self.port}", "--workers", "1",
            "config.asgi:application",
        ]  # fmt: skip

    def terminate(self, timeout: float = 15.0) -> float:
        """Send SIGTERM and wait for the exit; return how long it took."""
        return self._signal(signal.SIGTERM, timeout)

    def kill(self) -> None:
        """SIGKILL the server and its workers, as a crashed machine would stop."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def _signal(self, signum: int, timeout: float) -> float:
        if self.process is None or self.process.poll() is not None:
            return 0.0
        started = time.monotonic()
        self.process.send_signal(signum)
        self.process.wait(timeout=timeout)
        return time.monotonic() - started

    def logs(self) -> str:
        return (
            self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        )
