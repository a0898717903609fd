"""One concept per module: each app module is short and says what it holds.

docs/architecture.md lists the modules one line each; a module that outgrows
350 lines, or cannot name its concept in its docstring's first line, holds a
second concept and should be split along that seam (STYLE.md, "Layout").
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("accounts", "config", "events", "meetings")
MAX_LINES = 350


def modules() -> list[Path]:
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                found.append(path)
    return found


@pytest.mark.parametrize(
    "path", modules(), ids=lambda path: str(path.relative_to(ROOT))
)
def test_each_module_is_short_and_names_its_concept(path):
    source = path.read_text()
    assert source.count("\n") <= MAX_LINES, f"{source.count(chr(10))} lines"
    if path.name == "__init__.py" and not source.strip():
        return
    docstring = ast.get_docstring(ast.parse(source))
    assert docstring, "no module docstring"
    first_line = docstring.splitlines()[0]
    assert first_line.strip() and len(first_line) <= 88, first_line
