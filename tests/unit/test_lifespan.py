"""The server's lifespan: garbage-collector thresholds and the drain on exit."""

import asyncio
import gc
import signal

import pytest
import uvicorn

from config.lifespan import GC_THRESHOLDS, call_before_exit
from config.server import server_config
from events.broker import get_broker
from meetings.store.local import free_port


@pytest.fixture
def default_gc_thresholds():
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*before)


@pytest.fixture
def restored_signal_handlers():
    before = {number: signal.getsignal(number) for number in (2, 15)}
    yield
    for number, handler in before.items():
        signal.signal(number, handler)


def test_serving_raises_the_garbage_collector_thresholds(default_gc_thresholds):
    server = uvicorn.Server(server_config("127.0.0.1", free_port()))
    server.should_exit = True  # start up, then stop at once

    async def seen_while_serving():
        await server.serve()
        return gc.get_threshold()

    assert asyncio.run(seen_while_serving()) == GC_THRESHOLDS
    assert GC_THRESHOLDS[0] >= 10_000  # a young collection per 10,000+ allocations


def test_the_drain_runs_before_the_servers_own_exit(restored_signal_handlers):
    calls = []
    signal.signal(signal.SIGTERM, lambda sig, frame: calls.append("server"))
    call_before_exit(lambda: calls.append("drain"))

    signal.raise_signal(signal.SIGTERM)

    assert calls == ["drain", "server"]


def test_a_signal_the_server_does_not_handle_is_left_alone(restored_signal_handlers):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    call_before_exit(lambda: pytest.fail("drained on an ignored signal"))

    assert signal.getsignal(signal.SIGTERM) is signal.SIG_IGN


def test_a_sigterm_drains_the_streams_before_uvicorn_stops(restored_signal_handlers):
    stopped = []
    # What uvicorn re-raises once it has stopped: recorded, not fatal.
    signal.signal(signal.SIGTERM, lambda sig, frame: stopped.append(sig))
    server = uvicorn.Server(server_config("127.0.0.1", free_port()))

    async def serve_then_stop() -> bool:
        broker = get_broker()
        serving = asyncio.create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.01)
        assert not broker.draining
        signal.raise_signal(signal.SIGTERM)
        await asyncio.wait_for(serving, 10)
        return broker.draining

    assert asyncio.run(serve_then_stop())
    assert stopped == [signal.SIGTERM]


def test_requests_are_logged_only_when_asked():
    assert server_config("127.0.0.1", 8000).access_log is False
    assert server_config("127.0.0.1", 8000, access_log=True).access_log is True
