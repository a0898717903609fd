"""JWT refresh that checks the user again, as access tokens are checked."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from drf_spectacular.contrib.rest_framework_simplejwt import (
    TokenRefreshSerializerExtension,
)
from rest_framework_simplejwt.exceptions import AuthenticationFailed
from rest_framework_simplejwt.serializers import TokenRefreshSerializer
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.utils import get_md5_hash_password


class CheckedTokenRefreshSerializer(TokenRefreshSerializer):
    """Refresh only for a user who still exists, is active and kept the password.

    simplejwt's own serializer answers a deleted user with a server error and
    refreshes tokens issued before a password change.
    """

    def validate(self, attrs: dict[str, Any]) -> dict[str, str]:
        refresh = self.token_class(attrs["refresh"])
        user_id = refresh.payload.get(api_settings.USER_ID_CLAIM)
        user = (
            get_user_model()
            ._default_manager.filter(**{api_settings.USER_ID_FIELD: user_id})
            .first()
        )
        if user is None or not api_settings.USER_AUTHENTICATION_RULE(user):
            raise AuthenticationFailed(
                self.error_messages["no_active_account"], "no_active_account"
            )
        claim = refresh.payload.get(api_settings.REVOKE_TOKEN_CLAIM)
        if claim != get_md5_hash_password(user.password):
            raise AuthenticationFailed(
                "The password changed since this token was issued.",
                "password_changed",
            )
        return super().validate(attrs)


class CheckedTokenRefreshSerializerExtension(TokenRefreshSerializerExtension):
    """Describe the refresh body in OpenAPI as simplejwt's own: {refresh, access}."""

    target_class = CheckedTokenRefreshSerializer
