"""Serve the ASGI app with uvicorn: `python -m config.server --port 8000`.

Open streams are drained on SIGTERM and SIGINT by the app's lifespan
(config/lifespan.py), which uvicorn runs with lifespan="on". No request line is
logged unless asked (`--access-log`): in production nginx logs every request,
and at thousands of connects a second uvicorn's line is about a fifth of the
event loop's time (docs/performance.md).
"""

from __future__ import annotations

import argparse

import uvicorn

# The backstop: streams end by themselves within a second or two of a signal.
GRACEFUL_SHUTDOWN_SECONDS = 10


def serve(
    host: str = "127.0.0.1", port: int = 8000, *, access_log: bool = False
) -> None:
    """Serve config.asgi:application until SIGINT or SIGTERM, then drain."""
    uvicorn.Server(server_config(host, port, access_log=access_log)).run()


def server_config(host: str, port: int, *, access_log: bool = False) -> uvicorn.Config:
    return uvicorn.Config(
        "config.asgi:application",
        host=host,
        port=port,
        lifespan="on",
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
