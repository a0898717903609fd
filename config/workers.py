"""The gunicorn worker class: `gunicorn -k config.workers.DrainingUvicornWorker`.

uvicorn-worker's worker ignores gunicorn's graceful_timeout, so gunicorn
SIGKILLs it after 30 s with every stream cut. This one drains streams on
SIGTERM (see config/server.py) and honours graceful_timeout.
"""

from __future__ import annotations

from typing import Any

from uvicorn_worker import UvicornWorker

from config.server import DrainingServer


class DrainingUvicornWorker(UvicornWorker):
    CONFIG_KWARGS = {"loop": "auto", "http": "auto", "lifespan": "off"}

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.config.timeout_graceful_shutdown = self.cfg.graceful_timeout

    async def _serve(self) -> None:
        self.config.app = self.wsgi
        server = DrainingServer(config=self.config)
        self._install_sigquit_handler()
        await server.serve(sockets=self.sockets)
        if not server.started:
            raise SystemExit(3)  # gunicorn's WORKER_BOOT_ERROR
