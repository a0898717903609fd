"""Serve the ASGI app with uvicorn, draining live streams on shutdown.

uvicorn on its own waits for open streams forever on SIGTERM (or until
timeout_graceful_shutdown cuts them off without a word). DrainingServer first
tells every stream `connectionLost: shutdown` with a jittered retry hint, so
the streams end by themselves and the process exits promptly.

Run it with `python -m config.server --port 8000`.
"""

from __future__ import annotations

import argparse
from types import FrameType

import uvicorn

GRACEFUL_SHUTDOWN_SECONDS = 10


class DrainingServer(uvicorn.Server):
    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if not self.should_exit:
            # Imported here: the broker needs Django's apps, which the ASGI
            # app sets up after this module is imported.
            from events.broker import begin_drain

            begin_drain()
        super().handle_exit(sig, frame)


def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve config.asgi:application until SIGINT or SIGTERM, then drain."""
    config = uvicorn.Config(
        "config.asgi:application",
        host=host,
        port=port,
        lifespan="off",
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )
    DrainingServer(config).run()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    arguments = parser.parse_args()
    serve(arguments.host, arguments.port)


if __name__ == "__main__":
    main()
