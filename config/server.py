"""Serve the ASGI app with uvicorn, draining live streams on shutdown.

uvicorn on its own waits for open streams forever on SIGTERM (or until
timeout_graceful_shutdown cuts them off without a word). DrainingServer first
tells every stream `connectionLost: shutdown` with a jittered retry hint, so
the streams end by themselves and the process exits promptly.

It also raises the garbage collector's thresholds (GC_THRESHOLDS), and logs no
request line unless asked (`--access-log`): in production nginx logs every
request, and at thousands of connects a second uvicorn's line is about a fifth
of the event loop's time (docs/performance.md).

Run it with `python -m config.server --port 8000`.
"""

from __future__ import annotations

import argparse
import gc
from types import FrameType

import uvicorn

GRACEFUL_SHUTDOWN_SECONDS = 10
# An open stream keeps about 84 objects that the cyclic garbage collector
# tracks, 1.4 million at 15,000 streams. Under CPython's defaults (700, 10, 10)
# a full collection came every few thousand connects and held the event loop
# for up to a second each time, in the middle of a drain or a fan-out. With
# these, none ran in a whole 15,000-stream bench; cyclic garbage waits longer
# to be freed (a young collection every 50,000 allocations, not 700), which
# costs a few megabytes at most.
GC_THRESHOLDS = (50_000, 20, 100)


class DrainingServer(uvicorn.Server):
    async def serve(self, sockets=None) -> None:
        gc.set_threshold(*GC_THRESHOLDS)
        await super().serve(sockets=sockets)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if not self.should_exit:
            # Imported here: the broker needs Django's apps, which the ASGI
            # app sets up after this module is imported.
            from events.broker import begin_drain

            begin_drain()
        super().handle_exit(sig, frame)


def serve(
    host: str = "127.0.0.1", port: int = 8000, *, access_log: bool = False
) -> None:
    """Serve config.asgi:application until SIGINT or SIGTERM, then drain."""
    DrainingServer(server_config(host, port, access_log=access_log)).run()


def server_config(host: str, port: int, *, access_log: bool = False) -> uvicorn.Config:
    return uvicorn.Config(
        "config.asgi:application",
        host=host,
        port=port,
        lifespan="off",
        access_log=access_log,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument(
        "--access-log", action="store_true", help="log a line for every request"
    )
    arguments = parser.parse_args()
    serve(arguments.host, arguments.port, access_log=arguments.access_log)


if __name__ == "__main__":
    main()
