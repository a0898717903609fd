"""Serving configurations bench.serving compares that the app no longer ships.

`per_request_executor` is config/asgi.py as it was first: streams to the
handler without middleware, every other request to Django's ASGIHandler, which
makes a thread-sensitive executor for each request.

`a2wsgi_pool` is config/asgi.py as it was next: every request but the streams
to Django's WSGI handler on a long-lived pool through a2wsgi, which sends each
response's start, body and end from the thread through the event loop.
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


from a2wsgi import WSGIMiddleware  # noqa: E402

from config.asgi import wsgi_application  # noqa: E402

a2wsgi_application = WSGIMiddleware(wsgi_application, workers=settings.REQUEST_THREADS)


async def a2wsgi_pool(scope, receive, send) -> None:
    if is_stream_request(scope):
        return await stream_application(scope, receive, send)
    return await a2wsgi_application(scope, receive, send)
