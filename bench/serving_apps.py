"""Serving configurations bench.serving compares that the app no longer ships.

`per_request_executor` is config/asgi.py as it was: streams to the handler
without middleware, every other request to Django's ASGIHandler, which makes a
thread-sensitive executor for each request.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from django.conf import settings
from django.core.asgi import get_asgi_application

django_application = get_asgi_application()

from events.handler import StreamingASGIHandler, is_stream_request  # noqa: E402

stream_application = StreamingASGIHandler()


async def per_request_executor(scope, receive, send) -> None:
    if is_stream_request(scope):
        return await stream_application(scope, receive, send)
    return await django_application(scope, receive, send)


if settings.SERVE_STATIC:
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    per_request_executor = ASGIStaticFilesHandler(per_request_executor)
