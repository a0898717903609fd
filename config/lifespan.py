"""The server's lifespan: tune the process at startup, drain streams on exit.

uvicorn runs the ASGI lifespan protocol inside its own signal handling, under
`python -m config.server`, `manage.py devserver` and gunicorn's uvicorn
workers alike. At startup this chains a drain in front of the server's
SIGTERM and SIGINT handlers: every open stream is told `connectionLost:
shutdown` with a jittered retry hint and ends by itself, so the server's
graceful shutdown, which waits for open requests, finishes within a second or
two instead of waiting for streams forever (docs/operations.md).

It also raises the garbage collector's thresholds (GC_THRESHOLDS).
"""

from __future__ import annotations

import gc
import signal
import threading
from collections.abc import Awaitable, Callable
from types import FrameType
from typing import Any

Message = dict[str, Any]

# An open stream keeps about 84 objects that the cyclic garbage collector
# tracks, 1.4 million at 15,000 streams. Under CPython's defaults (700, 10, 10)
# a full collection came every few thousand connects and held the event loop
# for up to a second each time, in the middle of a drain or a fan-out. With
# these, none ran in a whole 15,000-stream bench; cyclic garbage waits longer
# to be freed (a young collection every 50,000 allocations, not 700), which
# costs a few megabytes at most.
GC_THRESHOLDS = (50_000, 20, 100)
DRAIN_SIGNALS = (signal.SIGINT, signal.SIGTERM)


async def lifespan(
    receive: Callable[[], Awaitable[Message]],
    send: Callable[[Message], Awaitable[None]],
    on_exit: Callable[[], None],
) -> None:
    """Serve the ASGI lifespan protocol: at startup, tune the collector and
    call on_exit before the server's own handler of each drain signal."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            gc.set_threshold(*GC_THRESHOLDS)
            call_before_exit(on_exit)
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def call_before_exit(on_exit: Callable[[], None]) -> None:
    """Chain on_exit in front of the handlers of SIGINT and SIGTERM.

    Signal handlers belong to the main thread: elsewhere (a test serving the
    app from a thread) nothing is installed.
    """
    if threading.current_thread() is not threading.main_thread():
        return
    for number in DRAIN_SIGNALS:
        previous = signal.getsignal(number)
        if not callable(previous):
            continue  # the default or ignored: this server does not stop on it

        def handler(sig: int, frame: FrameType | None, previous=previous) -> None:
            on_exit()
            previous(sig, frame)

        signal.signal(number, handler)
