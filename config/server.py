"""Serve the ASGI app with uvicorn: `python -m config.server --port 8000`.

Open streams are drained on SIGTERM and SIGINT by the app's lifespan
(config/lifespan.py), which uvicorn runs with lifespan="on". No request line is
logged unless asked (`--access-log`): in production nginx logs every request,
and under a reconnect storm uvicorn's own line would take a large share of the
event loop (docs/performance.md, "Reconnect storms").
"""

from __future__ import annotations

import argparse
import os

import uvicorn
from django.conf import settings


def serve(
    host: str = "127.0.0.1", port: int = 8000, *, access_log: bool = False
) -> None:
    """Serve config.asgi:application until SIGINT or SIGTERM, then drain."""
    uvicorn.Server(server_config(host, port, access_log=access_log)).run()


def server_config(host: str, port: int, *, access_log: bool = False) -> uvicorn.Config:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    return uvicorn.Config(
        "config.asgi:application",
        host=host,
        port=port,
        access_log=access_log,
        **settings.ASGI_SERVER_OPTIONS,
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
