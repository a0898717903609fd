"""The server's lifespan: tune the process at startup, drain streams on exit.

uvicorn runs the ASGI lifespan protocol inside its own signal handling, under
`python -m config.server`, `manage.py devserver` and gunicorn's uvicorn
workers alike. At startup this puts a drain in front of the server's SIGTERM
and SIGINT handlers: the first signal tells every open stream `connectionLost:
shutdown` with a jittered retry hint, waits until the streams have ended (a
second or two), and only then hands the signal to the server, which stops
listening and exits. Meanwhile the process still answers: pages and the API,
`/readyz` with 503 (so a load balancer takes it out), `/metrics` with
`meetstream_draining 1`, and new streams with 503 and `Retry-After`. A drain
still going after DRAIN_DEADLINE hands over anyway; the `MeetstreamDrainStuck`
alert fires long before (docs/runbook.md). A second signal hands over at once.

It also raises the garbage collector's thresholds (GC_THRESHOLDS), and runs
the search index's reconciler in a thread of each server process while it
serves (meetings.indexing.start_reconciler; a lease lets one apply each window).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import threading
from collections.abc import Awaitable, Callable
from typing import Any

Message = dict[str, Any]
Drain = Callable[[], Awaitable[None]]

logger = logging.getLogger(__name__)

# Every open stream keeps dozens of objects the cyclic garbage collector
# tracks. Under CPython's defaults (700, 10, 10) full collections come often
# with many streams open, and each holds the event loop, in the middle of a
# drain or a fan-out. These thresholds make them rare; cyclic garbage waits
# longer to be freed (a young collection every 50,000 allocations, not 700),
# which costs little memory (docs/performance.md, "Reconnect storms").
GC_THRESHOLDS = (50_000, 20, 100)
DRAIN_SIGNALS = (signal.SIGINT, signal.SIGTERM)
# The longest a drain holds the server's exit: streams end within a second or
# two of being told, so reaching it means something is stuck.
DRAIN_DEADLINE = 300.0


async def lifespan(
    receive: Callable[[], Awaitable[Message]],
    send: Callable[[Message], Awaitable[None]],
    drain: Drain,
    background: Callable[[], Any] | None = None,
) -> None:
    """Serve the ASGI lifespan protocol: at startup, tune the collector, start
    background (it returns what has a stop()) and run drain to its end before
    the server's own handling of each exit signal; at shutdown, stop background."""
    running = None
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            gc.set_threshold(*GC_THRESHOLDS)
            ExitAfterDrain(drain).install()
            if background is not None:
                running = background()
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            if running is not None:
                await asyncio.to_thread(running.stop)
            await send({"type": "lifespan.shutdown.complete"})
            return


class ExitAfterDrain:
    """Signal handlers that drain first, then pass the signal on to the server's.

    Signal handlers belong to the main thread: elsewhere (a test serving the
    app from a thread) nothing is installed.
    """

    def __init__(self, drain: Drain, deadline: float = DRAIN_DEADLINE) -> None:
        self.drain = drain
        self.deadline = deadline
        self.draining = False
        self.handed_over = False

    def install(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        loop = asyncio.get_running_loop()
        for number in DRAIN_SIGNALS:
            previous = signal.getsignal(number)
            if not callable(previous):
                continue  # the default or ignored: this server does not stop on it

            def handler(sig: int, frame: Any, previous=previous) -> None:
                if self.draining:
                    self.hand_over(previous, sig)  # asked twice: stop now
                    return
                self.draining = True
                loop.call_soon_threadsafe(
                    loop.create_task, self.drain_then(previous, sig)
                )

            signal.signal(number, handler)

    async def drain_then(self, previous: Callable, sig: int) -> None:
        """Run the drain, then pass the signal on (at the deadline at the latest)."""
        try:
            async with asyncio.timeout(self.deadline):
                await self.drain()
        except TimeoutError:
            logger.error(
                "The drain did not end in %s s; stopping anyway.", self.deadline
            )
        except Exception:
            logger.exception("The drain failed; stopping anyway.")
        finally:
            self.hand_over(previous, sig)

    def hand_over(self, previous: Callable, sig: int) -> None:
        if not self.handed_over:
            self.handed_over = True
            previous(sig, None)
