"""Run the ASGI app under uvicorn, as the development server does."""

from __future__ import annotations

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
