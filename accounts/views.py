"""The API's token view, answering a locked-out log-in with 429."""

from __future__ import annotations

from django.http.response import HttpResponseBase
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request
from rest_framework_simplejwt import views as jwt_views

from .lockout import is_locked_out, lockout_response


class TokenObtainPairView(jwt_views.TokenObtainPairView):
    """Return {access, refresh}; 429 in the error shape while locked out."""

    def post(self, request: Request, *args, **kwargs) -> HttpResponseBase:
        try:
            return super().post(request, *args, **kwargs)
        except AuthenticationFailed:
            # Axes marks the request simplejwt passed to authenticate(): this
            # DRF request, which axes' middleware never sees.
            if is_locked_out(request):
                return lockout_response(request)
            raise
