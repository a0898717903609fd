"""App code uses libraries through their public names only.

An underscore attribute read on anything but the code's own `self` or `cls`
is a library's private name (or another module's), which an upgrade may
change without notice. Django documents `_meta` (the Model _meta API) and
`_default_manager` (Managers) as public, so they are allowed; any other
exception must be listed in docs/architecture.md with a test of its own.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP_PACKAGES = ("accounts", "config", "events", "meetings", "shared")
DOCUMENTED = {"_meta", "_default_manager"}
OWN = {"self", "cls"}


def private_reads(source: str) -> list[tuple[int, str]]:
    """Return (line, name) of every underscore attribute read on another object."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Attribute):
            continue
        name = node.attr
        if not name.startswith("_") or name.startswith("__") or name in DOCUMENTED:
            continue
        if isinstance(node.value, ast.Name) and node.value.id in OWN:
            continue
        found.append((node.lineno, name))
    return found


def test_no_app_module_reads_a_private_name_of_another():
    offences = []
    for package in APP_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for line, name in private_reads(path.read_text()):
                offences.append(f"{path.relative_to(ROOT)}:{line}: {name}")
    assert offences == []


def app_modules():
    for package in APP_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            yield importlib.import_module(".".join(parts))


def private_overrides(cls: type) -> list[str]:
    """Return the underscore methods cls defines over a library base's.

    Enum's _sunder_ names are its documented API, not private ones.
    """
    libraries = [
        base
        for base in cls.__mro__[1:]
        if base.__module__.split(".")[0] not in APP_PACKAGES
    ]
    return [
        f"{cls.__module__}.{cls.__qualname__}.{name}"
        for name, value in vars(cls).items()
        if inspect.isfunction(value) or isinstance(value, staticmethod | classmethod)
        if name.startswith("_")
        and not name.startswith("__")
        and not name.endswith("_")
        and any(name in vars(base) for base in libraries)
    ]


def test_no_app_class_overrides_a_private_method_of_a_library():
    offences = []
    for module in app_modules():
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__:
                offences += private_overrides(cls)
    assert offences == []


def test_the_check_finds_a_private_override():
    from uvicorn_worker import UvicornWorker

    class Worker(UvicornWorker):
        async def _serve(self) -> None: ...

        def _own(self) -> None: ...

    assert private_overrides(Worker) == [f"{__name__}.{Worker.__qualname__}._serve"]


def test_the_check_finds_a_private_read():
    assert private_reads("response._iterator\nself._own\nmodel._meta\n") == [
        (1, "_iterator")
    ]
