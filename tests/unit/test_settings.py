"""Settings: .env.example lists what they read; requests behind nginx."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READERS = {"env", "env_bool", "env_int", "env_float", "env_list"}


def variables_read_by_settings() -> set[str]:
    modules = ("settings.py", "stream_settings.py")
    trees = [ast.parse((ROOT / "config" / name).read_text()) for name in modules]
    return {
        node.args[0].value
        for tree in trees
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in READERS
        and node.args
        and isinstance(node.args[0], ast.Constant)
    }


def variables_in_env_example() -> set[str]:
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^(?:# )?([A-Z][A-Z0-9_]+)=", text, flags=re.M))


def test_env_example_lists_every_variable_settings_read_and_no_other():
    read = variables_read_by_settings()
    assert "DJANGO_SECRET_KEY" in read  # the parser finds them
    assert variables_in_env_example() == read


def test_requests_nginx_received_over_https_are_secure(rf):
    assert rf.get("/", HTTP_X_FORWARDED_PROTO="https").is_secure()
    assert not rf.get("/", HTTP_X_FORWARDED_PROTO="http").is_secure()
