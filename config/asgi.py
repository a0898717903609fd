"""ASGI entry point: `uvicorn config.asgi:application`.

Stream requests go to a handler without middleware (events/handler.py); the
rest go through Django's usual handler and middleware.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from django.conf import settings
from django.core.asgi import get_asgi_application

django_application = get_asgi_application()

from events.handler import StreamingASGIHandler, is_stream_request  # noqa: E402

stream_application = StreamingASGIHandler()


async def application(scope, receive, send) -> None:
    if is_stream_request(scope):
        return await stream_application(scope, receive, send)
    return await django_application(scope, receive, send)


if settings.SERVE_STATIC:
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    application = ASGIStaticFilesHandler(application)
