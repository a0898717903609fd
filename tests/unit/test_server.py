"""The run command's server: its garbage-collector thresholds and request log."""

import asyncio
import gc

import pytest

from config.server import GC_THRESHOLDS, DrainingServer, server_config
from meetings.store.local import free_port


@pytest.fixture
def default_gc_thresholds():
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*before)


def test_serving_raises_the_garbage_collector_thresholds(default_gc_thresholds):
    server = DrainingServer(server_config("127.0.0.1", free_port()))
    server.should_exit = True  # start up, then stop at once

    async def seen_while_serving():
        await server.serve()
        return gc.get_threshold()

    assert asyncio.run(seen_while_serving()) == GC_THRESHOLDS
    assert GC_THRESHOLDS[0] >= 10_000  # a young collection per 10,000+ allocations


def test_requests_are_logged_only_when_asked():
    assert server_config("127.0.0.1", 8000).access_log is False
    assert server_config("127.0.0.1", 8000, access_log=True).access_log is True
