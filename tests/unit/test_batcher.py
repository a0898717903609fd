"""The connect Batcher: one lookup for the keys of many connects."""

import asyncio

from events.connects import Batcher


def test_a_lone_connect_is_looked_up_after_the_window():
    calls = []

    async def lookup(keys):
        calls.append(sorted(keys))
        return {key: str(key) for key in keys}

    async def scenario():
        return await Batcher(lookup, window=0.001).get([1, 2])

    assert asyncio.run(scenario()) == {1: "1", 2: "2"}
    assert calls == [[1, 2]]


def test_while_a_lookup_is_in_flight_the_next_batch_grows_until_it_ends():
    calls = []
    release = None

    async def lookup(keys):
        calls.append(sorted(keys))
        if len(calls) == 1:
            await release.wait()  # a slow first lookup
        return {key: str(key) for key in keys}

    async def scenario():
        nonlocal release
        release = asyncio.Event()
        batcher = Batcher(lookup, window=0.001)
        first = asyncio.create_task(batcher.get([1]))
        await asyncio.sleep(0.01)  # its window is over: the lookup is in flight
        later = [asyncio.create_task(batcher.get([key])) for key in (2, 3)]
        await asyncio.sleep(0.01)  # far past the next batch's window
        later.append(asyncio.create_task(batcher.get([4])))
        await asyncio.sleep(0.01)
        in_flight = list(calls)
        release.set()
        return in_flight, await asyncio.gather(first, *later)

    in_flight, results = asyncio.run(scenario())
    assert in_flight == [[1]]  # the second batch waited for the first lookup
    assert calls == [[1], [2, 3, 4]]  # then went as one
    assert results == [{1: "1"}, {2: "2"}, {3: "3"}, {4: "4"}]
