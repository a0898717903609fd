"""The server's lifespan: garbage-collector thresholds and the drain on exit."""

import asyncio
import gc
import signal

import pytest
import uvicorn

from config.lifespan import GC_THRESHOLDS, ExitAfterDrain
from config.server import server_config
from events.broker import forget_drain, get_broker, is_draining
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


def install(drain, **options) -> ExitAfterDrain:
    exit_after_drain = ExitAfterDrain(drain, **options)
    exit_after_drain.install()
    return exit_after_drain


def test_the_server_hears_the_signal_only_once_the_drain_has_ended(
    restored_signal_handlers,
):
    calls = []
    signal.signal(signal.SIGTERM, lambda sig, frame: calls.append("server"))

    async def scenario():
        ended = asyncio.Event()

        async def drain():
            calls.append("drain begins")
            await ended.wait()
            calls.append("drain ends")

        install(drain)
        signal.raise_signal(signal.SIGTERM)
        await asyncio.sleep(0.05)
        assert calls == ["drain begins"]  # still serving meanwhile
        ended.set()
        await asyncio.sleep(0.05)

    asyncio.run(scenario())
    assert calls == ["drain begins", "drain ends", "server"]


def test_a_second_signal_stops_at_once_and_the_server_hears_it_once(
    restored_signal_handlers,
):
    heard = []
    signal.signal(signal.SIGINT, lambda sig, frame: heard.append(sig))

    async def scenario():
        async def drain():
            await asyncio.sleep(0.2)

        install(drain)
        signal.raise_signal(signal.SIGINT)
        await asyncio.sleep(0.01)
        signal.raise_signal(signal.SIGINT)
        assert heard == [signal.SIGINT]
        await asyncio.sleep(0.3)

    asyncio.run(scenario())
    assert heard == [signal.SIGINT]


def test_a_drain_past_its_deadline_stops_anyway(restored_signal_handlers):
    heard = []
    signal.signal(signal.SIGTERM, lambda sig, frame: heard.append(sig))

    async def scenario():
        async def drain():
            await asyncio.Event().wait()  # never ends

        install(drain, deadline=0.05)
        signal.raise_signal(signal.SIGTERM)
        await asyncio.sleep(0.2)

    asyncio.run(scenario())
    assert heard == [signal.SIGTERM]


def test_a_signal_the_server_does_not_handle_is_left_alone(restored_signal_handlers):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)

    async def scenario():
        async def drain():
            pytest.fail("drained on an ignored signal")

        install(drain)

    asyncio.run(scenario())
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_IGN


@pytest.fixture
def drained_process():
    yield
    forget_drain()  # the rest of the test session serves streams


def test_a_sigterm_drains_the_streams_before_uvicorn_stops(
    restored_signal_handlers, drained_process
):
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
        return broker.draining and is_draining()

    assert asyncio.run(serve_then_stop())
    assert stopped == [signal.SIGTERM]


def test_requests_are_logged_only_when_asked():
    assert server_config("127.0.0.1", 8000).access_log is False
    assert server_config("127.0.0.1", 8000, access_log=True).access_log is True
