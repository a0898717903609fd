"""Who may read the API's description (/v1/schema and /v1/docs)."""

from __future__ import annotations

from django.conf import settings
from rest_framework.permissions import BasePermission


class ApiDocsAccess(BasePermission):
    """Anyone when API_DOCS_PUBLIC is on; otherwise any authenticated user.

    The description holds no data, but it maps every door for a stranger, so
    a production deployment shows it only to users who log in: integrators
    with their token, staff with their session.
    """

    def has_permission(self, request, view) -> bool:
        if settings.API_DOCS_PUBLIC:
            return True
        return bool(request.user and request.user.is_authenticated)
