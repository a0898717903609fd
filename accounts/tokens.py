"""JWT refresh tokens: checked again on refresh, in families, revocable.

Each refresh rotates the token and blacklists the one used (simplejwt's
token_blacklist app). A blacklisted refresh token presented again (used,
logged out or revoked) means someone else may hold it, so every outstanding
refresh token of its user is revoked, as the OAuth 2.0 Security BCP
(RFC 9700, section 4.14.2) advises for rotation. Access tokens are not
blacklisted: they live out JWT_ACCESS_TOKEN_SECONDS.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from drf_spectacular.contrib.rest_framework_simplejwt import (
    TokenRefreshSerializerExtension,
)
from rest_framework_simplejwt.exceptions import (
    AuthenticationFailed,
    TokenBackendError,
    TokenError,
)
from rest_framework_simplejwt.serializers import (
    TokenBlacklistSerializer,
    TokenRefreshSerializer,
)
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.state import token_backend
from rest_framework_simplejwt.token_blacklist.models import (
    BlacklistedToken,
    OutstandingToken,
)
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import get_md5_hash_password

REUSED_MESSAGE = (
    "This refresh token was used or revoked already, so every refresh token of "
    "its user is revoked now. Log in again."
)


def revoke_refresh_tokens(user_id: Any) -> int:
    """Blacklist every unexpired refresh token of the user; return how many."""
    live = OutstandingToken.objects.filter(
        user_id=user_id,
        expires_at__gt=timezone.now(),
        blacklistedtoken__isnull=True,
    )
    revoked = BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in live], ignore_conflicts=True
    )
    return len(revoked)


def _reused_by(raw: str) -> Any | None:
    """Return the user id of a genuine, unexpired, blacklisted refresh token.

    The signature is checked before anything is revoked, so that a forged
    token cannot revoke another user's tokens.
    """
    try:
        payload = token_backend.decode(raw, verify=True)
    except TokenBackendError:
        return None
    if payload.get(api_settings.TOKEN_TYPE_CLAIM) != RefreshToken.token_type:
        return None
    jti = payload.get(api_settings.JTI_CLAIM)
    if not BlacklistedToken.objects.filter(token__jti=jti).exists():
        return None
    return payload.get(api_settings.USER_ID_CLAIM)


class CheckedTokenRefreshSerializer(TokenRefreshSerializer):
    """Refresh only for a user who still exists, is active and kept the password.

    simplejwt's own serializer answers a deleted user with a server error and
    refreshes tokens issued before a password change. A reused token revokes
    its user's family; the used token is blacklisted in one INSERT, so two
    refreshes racing with one token cannot both rotate it.
    """

    def validate(self, attrs: dict[str, Any]) -> dict[str, str]:
        try:
            refresh = self.token_class(attrs["refresh"])
        except TokenError:
            user_id = _reused_by(attrs["refresh"])
            if user_id is None:
                raise
            revoke_refresh_tokens(user_id)
            raise AuthenticationFailed(REUSED_MESSAGE, "token_reused") from None
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
        data = {"access": str(refresh.access_token)}
        # settings.SIMPLE_JWT rotates and blacklists; this relies on both.
        _, first_use = refresh.blacklist()
        if not first_use:
            revoke_refresh_tokens(user.pk)
            raise AuthenticationFailed(REUSED_MESSAGE, "token_reused")
        refresh.set_jti()
        refresh.set_exp()
        refresh.set_iat()
        refresh.outstand()
        data["refresh"] = str(refresh)
        return data


class CheckedTokenRefreshSerializerExtension(TokenRefreshSerializerExtension):
    """Describe the refresh body in OpenAPI as simplejwt's own: {refresh, access}."""

    target_class = CheckedTokenRefreshSerializer


class LogoutSerializer(TokenBlacklistSerializer):
    """Blacklist the refresh token given: {refresh}."""
