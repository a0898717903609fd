"""ASGI entry point: `uvicorn config.asgi:application`.

Stream requests go to an async handler without middleware (events/handler.py),
so an open stream holds no thread. Every other request goes to Django's WSGI
handler on a long-lived pool of REQUEST_THREADS threads (config/wsgi_pool.py),
as under a threaded WSGI server, with one hop to the thread and one back:
Django's ASGI handler would make a thread-sensitive executor afresh for each
request and hop to it for every sync middleware, signal and view, several
milliseconds per request (docs/performance.md).
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from django.conf import settings
from django.core.wsgi import get_wsgi_application

from config.wsgi_pool import WSGIPool

wsgi_application = get_wsgi_application()

from events.handler import StreamingASGIHandler, is_stream_request  # noqa: E402

if settings.SERVE_STATIC:
    from config.static import StaticFiles

    wsgi_application = StaticFiles(wsgi_application)

stream_application = StreamingASGIHandler()
request_application = WSGIPool(wsgi_application, threads=settings.REQUEST_THREADS)


async def application(scope, receive, send) -> None:
    if is_stream_request(scope):
        return await stream_application(scope, receive, send)
    return await request_application(scope, receive, send)
