"""A prototype of option (c), async all the way, for bench.serving to measure.

Serve it with `DJANGO_SETTINGS_MODULE=bench.async_settings uvicorn
bench.async_stack:application`. It is the hot path only, not a port of the app:

- Every middleware is async-only. Django's own are sync-and-async mixins whose
  async path still runs each hook through sync_to_async; here the same hooks
  run on the event loop, which is sound on the measured GETs because they do no
  I/O there (the session and user load lazily, in the view's thread). A request
  that saved its session or its messages would need awaited saves here.
- /healthz, GET /v1/meetings and GET /v1/meetings/{id} are async (adrf). adrf
  runs authentication and permissions in one thread-sensitive hop (the user
  query: an ORM call that must cross); the DynamoDB read crosses to the loop's
  default pool. Every other URL, the pages included, is the app's own sync view.
- It keeps Django's ASGIHandler, so each request still gets a thread-sensitive
  context, and its request_started and request_finished signals (sync
  receivers: closing database connections) still cross to a thread.
"""

# ruff: noqa: E402 (Django is set up before the imports that need it)
from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.async_settings")

import django

# The middleware below import Django's models, which need the apps loaded.
django.setup(set_prefix=False)

from asgiref.sync import markcoroutinefunction, sync_to_async
from django.contrib.auth import middleware as auth_middleware
from django.contrib.messages import middleware as messages_middleware
from django.contrib.sessions import middleware as sessions_middleware
from django.core.asgi import get_asgi_application
from django.http import JsonResponse
from django.middleware import (
    clickjacking,
    common,
    csp,
    csrf,
    security,
)
from django.urls import path


def inline(mixin: type) -> type:
    """Return an async-only middleware running mixin's hooks on the event loop."""

    class Inline:
        sync_capable = False
        async_capable = True

        def __init__(self, get_response):
            self.get_response = get_response
            self.hooks = mixin(get_response)
            markcoroutinefunction(self)
            if hasattr(self.hooks, "process_view"):
                self.process_view = self._process_view

        async def __call__(self, request):
            response = None
            if hasattr(self.hooks, "process_request"):
                response = self.hooks.process_request(request)
            response = response or await self.get_response(request)
            if hasattr(self.hooks, "process_response"):
                response = self.hooks.process_response(request, response)
            return response

        async def _process_view(self, request, view, args, kwargs):
            return self.hooks.process_view(request, view, args, kwargs)

    Inline.__name__ = Inline.__qualname__ = mixin.__name__
    return Inline


SecurityMiddleware = inline(security.SecurityMiddleware)
SessionMiddleware = inline(sessions_middleware.SessionMiddleware)
CommonMiddleware = inline(common.CommonMiddleware)
CsrfViewMiddleware = inline(csrf.CsrfViewMiddleware)
AuthenticationMiddleware = inline(auth_middleware.AuthenticationMiddleware)
MessageMiddleware = inline(messages_middleware.MessageMiddleware)
XFrameOptionsMiddleware = inline(clickjacking.XFrameOptionsMiddleware)
ContentSecurityPolicyMiddleware = inline(csp.ContentSecurityPolicyMiddleware)

django_application = get_asgi_application()

# Imported once Django is set up: DRF and the app need the settings.
from adrf.viewsets import ViewSet
from rest_framework.response import Response

from config.urls import urlpatterns as app_urlpatterns
from events.handler import StreamingASGIHandler, is_stream_request
from meetings import services
from meetings.api.serializers import (
    MeetingListParamsSerializer,
    MeetingSerializer,
)
from meetings.api.views import _meeting_response, parse_meeting_id

stream_application = StreamingASGIHandler()


async def application(scope, receive, send) -> None:
    if is_stream_request(scope):
        return await stream_application(scope, receive, send)
    return await django_application(scope, receive, send)


async def healthz(request) -> JsonResponse:
    """Answer {"status": "ok"} while the process can serve requests."""
    return JsonResponse({"status": "ok"})


def _page(user, query: dict):
    return services.list_meetings(
        services.viewer_for(user),
        owner_id=query.get("owner"),
        status=query.get("status"),
        title_contains=query.get("q"),
        limit=query.get("limit", 20),
        cursor=query.get("cursor"),
    )


def _meeting(user, pk: str):
    # viewer_for reads permissions from the ORM for staff only; the bench
    # user is not staff, so this pooled thread opens no database connection.
    return services.get_meeting(services.viewer_for(user), parse_meeting_id(pk))


class AsyncMeetingViewSet(ViewSet):
    """The REST list and retrieve as async views, on the app's serializers."""

    async def list(self, request) -> Response:
        """Return {results: [meeting], next_cursor} newest first."""
        params = MeetingListParamsSerializer(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        page = await sync_to_async(_page, thread_sensitive=False)(
            request.user, params.validated_data
        )
        return Response(
            {
                "results": MeetingSerializer(page.meetings, many=True).data,
                "next_cursor": page.next_cursor,
            }
        )

    async def retrieve(self, request, pk: str) -> Response:
        """Return the meeting with its ETag."""
        meeting = await sync_to_async(_meeting, thread_sensitive=False)(
            request.user, pk
        )
        return _meeting_response(meeting)


urlpatterns = [
    path("healthz", healthz),
    path("v1/meetings", AsyncMeetingViewSet.as_view({"get": "list"})),
    path("v1/meetings/<str:pk>", AsyncMeetingViewSet.as_view({"get": "retrieve"})),
    *app_urlpatterns,
]
