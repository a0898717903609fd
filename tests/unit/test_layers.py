"""The import rules of docs/architecture.md, as lint-imports checks them."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
PACKAGES = ("meetings", "events", "accounts", "shared", "config")
COMPOSITION_ROOT = (
    "The apps never import the project package: config is the composition root"
)


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def tree(tmp_path) -> Path:
    """A copy of the code and its contracts, to break on purpose."""
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("*.pyc")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def test_the_code_keeps_every_contract():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        (
            "meetings/api/views.py",
            "from meetings.store import get_repository",
            "meetings.api is not allowed to import meetings.store",
        ),
        (
            "meetings/pages/views.py",
            "from meetings.store.dynamodb import DynamoDBRepository",
            "meetings.pages is not allowed to import meetings.store",
        ),
        (
            "meetings/admin/options.py",
            "from meetings.store import memory",
            "meetings.admin is not allowed to import meetings.store",
        ),
        (
            "events/views.py",
            "from meetings.store import get_repository",
            "events is not allowed to import meetings.store",
        ),
        (
            "meetings/domain/meeting.py",
            "from django.http import HttpResponse",
            "meetings.domain is not allowed to import django",
        ),
        (
            "meetings/domain/meeting.py",
            "import boto3",
            "meetings.domain is not allowed to import boto3",
        ),
        (
            "meetings/services.py",
            "from .api import views",
            "meetings.services is not allowed to import meetings.api",
        ),
        (
            "meetings/services.py",
            "from .http import etag_for",
            "meetings.services is not allowed to import meetings.http",
        ),
        (
            "shared/errors.py",
            "from meetings.domain import Meeting",
            "shared is not allowed to import meetings.domain",
        ),
        (
            "shared/errors.py",
            "from meetings.http import etag_for",
            "shared is not allowed to import meetings.http",
        ),
    ],
)
def test_a_forbidden_import_breaks_a_contract(tree, module, line, broken):
    path = tree / module
    path.write_text(f"{path.read_text()}\n{line}\n")
    result = lint_imports(tree)
    assert result.returncode == 1
    assert broken in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "importer"),
    [
        (
            "meetings/api/views.py",
            "from config.errors import api_exception_handler",
            "meetings.api.views -> config.errors",
        ),
        (
            "events/views.py",
            "from config import settings",
            "events.views -> config.settings",
        ),
        (
            "accounts/lockout.py",
            "from config.urls import urlpatterns",
            "accounts.lockout -> config.urls",
        ),
        (
            "shared/errors.py",
            "import config.errors",
            "shared.errors -> config.errors",
        ),
    ],
)
def test_an_app_importing_config_breaks_the_composition_root(
    tree, module, line, importer
):
    path = tree / module
    path.write_text(f"{path.read_text()}\n{line}\n")
    result = lint_imports(tree)
    assert result.returncode == 1
    # The last contract's report runs to the end of the output.
    broken = result.stdout[result.stdout.rindex(COMPOSITION_ROOT) :]
    assert importer in broken
