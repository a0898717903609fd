"""Fixtures for whole-deployment tests: several servers, nginx, load."""

from __future__ import annotations

import pytest

from tests.support.live import LiveServer


@pytest.fixture
def servers(transactional_db, server_env):
    """Start gunicorn servers sharing the test's table and database."""
    started: list[LiveServer] = []

    def start(**overrides) -> LiveServer:
        env = {**server_env, **{name: str(v) for name, v in overrides.items()}}
        server = LiveServer(env, gunicorn=True).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.kill()
