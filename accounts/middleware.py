"""Axes' lockout middleware, with its ASGI path passing the page on."""

from __future__ import annotations

from asgiref.sync import sync_to_async
from axes.helpers import get_lockout_response
from axes.middleware import AxesMiddleware
from django.conf import settings


class LockoutMiddleware(AxesMiddleware):
    """Turn a locked-out log-in's response into settings.AXES_LOCKOUT_CALLABLE's.

    django-axes 8.3.1 calls get_lockout_response(request, credentials) on its
    async path, so under ASGI the callable got the credentials in place of
    the login page it adjusts (jazzband/django-axes#1494). This passes the
    arguments as the sync path does.
    """

    async def __acall__(self, request):
        response = await self.get_response(request)
        if settings.AXES_ENABLED and getattr(request, "axes_locked_out", None):
            response = await sync_to_async(get_lockout_response)(
                request, response, getattr(request, "axes_credentials", None)
            )
        return response
