"""The API's token views (a locked-out log-in is a 429), and logging out."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework_simplejwt import views as jwt_views

from .lockout import is_locked_out, lockout_response
from .tokens import CheckedTokenRefreshSerializer, LogoutSerializer

ERROR = {"$ref": "#/components/schemas/Error"}


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


@extend_schema(
    responses={
        200: CheckedTokenRefreshSerializer,
        401: OpenApiResponse(
            ERROR,
            description="The token is invalid, expired, blacklisted or its user's "
            "password changed. A refresh token used before (`token_reused`) also "
            "revokes every outstanding refresh token of its user.",
        ),
    }
)
class TokenRefreshView(jwt_views.TokenRefreshView):
    """Return {access, refresh}; the refresh token given is used up."""


class TokenLogoutView(jwt_views.TokenBlacklistView):
    """Blacklist the refresh token given; answer 204 with no body."""

    serializer_class = LogoutSerializer

    @extend_schema(
        operation_id="auth_logout",
        responses={
            204: OpenApiResponse(description="The refresh token is revoked."),
            400: OpenApiResponse(ERROR, description="No `refresh` in the body."),
            401: OpenApiResponse(
                ERROR,
                description="The token is invalid, expired or already revoked.",
            ),
        },
    )
    def post(self, request: Request, *args, **kwargs) -> Response:
        super().post(request, *args, **kwargs)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutView(auth_views.LogoutView):
    """Log out on POST, with a message on the login page; a GET asks first.

    A link cannot log out (that would need no CSRF token), so a GET shows a
    page with the logout button rather than a bare 405.
    """

    http_method_names = ["get", "head", "post", "options"]

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect("login")
        return render(request, "registration/logout.html")

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        was_logged_in = request.user.is_authenticated
        response = super().post(request, *args, **kwargs)
        if was_logged_in:
            messages.info(request, "You have logged out.")
        return response
