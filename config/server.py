"""Run the ASGI app under uvicorn: `python -m config.server --port 8000`."""

from __future__ import annotations

import argparse

import uvicorn


def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve config.asgi:application until interrupted."""
    config = uvicorn.Config(
        "config.asgi:application",
        host=host,
        port=port,
        lifespan="off",
        timeout_graceful_shutdown=5,
    )
    uvicorn.Server(config).run()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    arguments = parser.parse_args()
    serve(arguments.host, arguments.port)


if __name__ == "__main__":
    main()
