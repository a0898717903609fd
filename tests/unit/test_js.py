"""Run the JavaScript unit tests (node's built-in runner) as part of pytest."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "static" / "js"


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_javascript_unit_tests_pass():
    result = subprocess.run(
        ["node", "--test", "tests/js/"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "# fail 0" in result.stdout


def test_every_module_import_resolves():
    """The page modules touch the DOM, so node cannot import them; check them."""
    imports = 0
    for module in SCRIPTS.rglob("*.js"):
        for target in re.findall(
            r'^import .* from "(\.[^"]+)";$', module.read_text(), re.M
        ):
            assert (module.parent / target).resolve().is_file(), (module, target)
            imports += 1
    assert imports > 10
