"""scripts/setup's .env: readable by its owner only, with a key settings accept."""

import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

from config.keys import weakness
from tests.support.live import BASE_DIR


def write_env(checkout: Path) -> Path:
    """Run the part of scripts/setup that writes .env in checkout; return .env."""
    setup = (BASE_DIR / "scripts" / "setup").read_text()
    section = setup[setup.index("\n# Configuration\n") :]
    assert "pip" not in section and "npm" not in section, "more than .env here"
    (checkout / ".venv" / "bin").mkdir(parents=True, exist_ok=True)
    python = checkout / ".venv" / "bin" / "python"
    if not python.exists():
        python.symlink_to(sys.executable)
    shutil.copy(BASE_DIR / ".env.example", checkout)
    subprocess.run(
        ["bash", "-c", "set -euo pipefail\nsay() { :; }\n" + section],
        cwd=checkout,
        check=True,
    )
    return checkout / ".env"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_env_is_private_and_its_secret_key_strong(tmp_path):
    env = write_env(tmp_path)
    assert mode(env) == 0o600
    (key,) = re.findall(r"(?m)^DJANGO_SECRET_KEY=(.*)$", env.read_text())
    assert weakness(key) is None


def test_an_existing_world_readable_env_is_made_private(tmp_path):
    env = tmp_path / ".env"
    env.write_text("DJANGO_SECRET_KEY=kept\n")
    env.chmod(0o644)
    write_env(tmp_path)
    assert mode(env) == 0o600
    assert env.read_text() == "DJANGO_SECRET_KEY=kept\n"


def test_every_locked_package_is_pinned_with_its_hashes_and_installed_so():
    lock = (BASE_DIR / "requirements.lock").read_text()
    pinned = re.findall(r"(?m)^\S+==\S+", lock)
    hashed = re.findall(
        r"(?m)^\S+==\S+ \\\n(?:    --hash=sha256:[0-9a-f]{64}(?: \\\n|\n))+", lock
    )
    assert pinned and len(hashed) == len(pinned)
    setup = (BASE_DIR / "scripts" / "setup").read_text()
    assert "--require-hashes --requirement requirements.lock" in setup
