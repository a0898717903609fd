"""JWTs that carry what a stream needs to know about its user."""

from __future__ import annotations

from rest_framework_simplejwt.serializers import TokenObtainPairSerializer
from rest_framework_simplejwt.tokens import Token

from meetings.domain import Viewer


class ViewerTokenObtainPairSerializer(TokenObtainPairSerializer):
    """Issue tokens with the staff flag, so a bearer is checked without a query."""

    @classmethod
    def get_token(cls, user) -> Token:
        token = super().get_token(user)
        token["is_staff"] = bool(user.is_staff)
        return token


def viewer_from_claims(token: Token) -> Viewer:
    """Return the viewer a validated token speaks for."""
    return Viewer(user_id=str(token["user_id"]), is_staff=bool(token.get("is_staff")))
