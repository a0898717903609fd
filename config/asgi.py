"""ASGI entry point: `uvicorn config.asgi:application`.

Stream requests go to an async handler without middleware, behind the same
gate as every request (events/handler.py, events/gate.py), so an open stream
holds no thread. Every other request goes, past each user's share of them
(config/user_share.py), to Django's WSGI handler on a
long-lived pool of REQUEST_THREADS threads (config/wsgi_pool.py), as under a
threaded WSGI server, with one hop to the thread and one back, and the client's
side of it (the body, a slow reader) handled on the event loop: Django's ASGI
handler would make a thread-sensitive executor afresh for each request and hop
to it for every sync middleware, signal and view, several milliseconds per
request (docs/performance.md).
"""

import json
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from django.conf import settings
from django.core.wsgi import get_wsgi_application

from config.lifespan import lifespan
from config.wsgi_pool import WSGIPool

wsgi_application = get_wsgi_application()

from config.user_share import UserShare  # noqa: E402
from events.broker import drain_streams  # noqa: E402
from events.handler import StreamingASGIHandler, is_stream_request  # noqa: E402
from meetings.indexing import start_reconciler  # noqa: E402
from shared.errors import error_body  # noqa: E402

REFUSAL_CODES = {408: "body_timeout", 413: "too_large", 429: "throttled"}


def refusal(status: int, message: str) -> tuple[list[tuple[bytes, bytes]], bytes]:
    """Render a request refused before Django saw it, in the API's error shape."""
    body = json.dumps(error_body(REFUSAL_CODES[status], message)).encode()
    return [(b"content-type", b"application/json")], body


stream_application = StreamingASGIHandler()
request_application = WSGIPool(
    wsgi_application,
    threads=settings.REQUEST_THREADS,
    max_body=settings.DATA_UPLOAD_MAX_MEMORY_SIZE,
    body_timeout=settings.REQUEST_BODY_TIMEOUT,
    send_timeout=settings.RESPONSE_SEND_TIMEOUT,
    refusal=refusal,
    admission=UserShare(
        share=settings.REQUEST_USER_SHARE,
        queue=settings.REQUEST_USER_QUEUE,
        wait=settings.REQUEST_USER_WAIT,
        session_cookie=settings.SESSION_COOKIE_NAME,
        exempt_prefixes=(settings.STATIC_URL,),
    ).turn,
)


async def application(scope, receive, send) -> None:
    if scope["type"] == "lifespan":
        return await lifespan(
            receive, send, drain=drain_streams, background=start_reconciler
        )
    if is_stream_request(scope):
        return await stream_application(scope, receive, send)
    return await request_application(scope, receive, send)
