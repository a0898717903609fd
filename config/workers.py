"""The gunicorn worker class: `gunicorn -k config.workers.DrainingUvicornWorker`.

uvicorn-worker's worker with the app's lifespan on, which drains streams on
SIGTERM (config/lifespan.py), and gunicorn's graceful_timeout passed on to
uvicorn as the backstop: uvicorn-worker leaves uvicorn to wait for open
requests forever, and gunicorn SIGKILLs the worker when graceful_timeout ends.
"""

from __future__ import annotations

from typing import Any

from uvicorn_worker import UvicornWorker


class DrainingUvicornWorker(UvicornWorker):
    CONFIG_KWARGS = {"loop": "auto", "http": "auto", "lifespan": "on"}

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.config.timeout_graceful_shutdown = self.cfg.graceful_timeout
