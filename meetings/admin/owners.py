"""The owner search: the users the admin offers as meeting owners, by search.

Meetings are not ORM rows, so no model field points at a meeting's owner and
Django's own autocomplete view (which starts from such a field) cannot serve
the owner field. OwnerSearchView answers the same requests in the same shape
(Select2's, as AutocompleteJsonView's), 20 users at a time, and searches as
the user model's admin does (its get_queryset, search_fields and ordering);
who may search is that admin's view permission, as in Django, plus access to
meetings. The changelist's owner filter finds its matches here too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import admin
from django.contrib.admin.exceptions import NotRegistered
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, JsonResponse
from django.views import View

if TYPE_CHECKING:
    from .options import MeetingAdmin

# Users a page of results holds, as AutocompleteJsonView.paginate_by.
PAGE_SIZE = 20
# Longer than any username, name or address the user admin searches.
MAX_TERM_LENGTH = 254


class OwnerSearchError(ValueError):
    """A search the view cannot run: the message says why."""


def user_admin(admin_site: admin.AdminSite) -> admin.ModelAdmin | None:
    """Return the admin of the user model on admin_site, or None without one."""
    try:
        return admin_site.get_model_admin(get_user_model())
    except NotRegistered:
        return None


def may_search(request: HttpRequest, model_admin: MeetingAdmin) -> bool:
    """Return whether the user may search owners: someone who may see, add or
    change meetings, and see users in the user admin that has search_fields."""
    users = user_admin(model_admin.admin_site)
    return (
        users is not None
        and bool(users.get_search_fields(request))
        and users.has_view_permission(request)
        and (
            model_admin.has_view_permission(request)
            or model_admin.has_add_permission(request)
        )
    )


def search(
    request: HttpRequest,
    model_admin: MeetingAdmin,
    term: str,
    *,
    active_only: bool = False,
) -> QuerySet:
    """Return the users the user admin finds for term, in its order.

    Raise OwnerSearchError for a term too long to be anyone's.
    """
    if len(term) > MAX_TERM_LENGTH:
        raise OwnerSearchError(
            f"Search for at most {MAX_TERM_LENGTH} characters; you gave {len(term)}."
        )
    users = user_admin(model_admin.admin_site)
    found, may_have_duplicates = users.get_search_results(
        request, users.get_queryset(request), term
    )
    if active_only:
        found = found.filter(is_active=True)
    if may_have_duplicates:
        found = found.distinct()
    if not found.query.order_by:
        found = found.order_by(get_user_model().USERNAME_FIELD, "pk")
    return found


def page_of(found: QuerySet, page: int) -> tuple[list, bool]:
    """Return page (from 1) of found, PAGE_SIZE users, and whether more follow."""
    start = (page - 1) * PAGE_SIZE
    users = list(found[start : start + PAGE_SIZE + 1])
    return users[:PAGE_SIZE], len(users) > PAGE_SIZE


def _page_number(raw: str | None) -> int:
    if raw in (None, ""):
        return 1
    if not raw.isdigit() or not 1 <= int(raw) <= 10**6:
        raise OwnerSearchError("The page must be a whole number from 1.")
    return int(raw)


class OwnerSearchView(View):
    """Return the users matching ?term=, PAGE_SIZE at a time (?page=, from 1).

    The response is {"results": [{"id": pk, "text": username}, …],
    "pagination": {"more": bool}}, as Django's AutocompleteJsonView answers
    Select2; with ?active=1, only active users (whom a meeting may be given).
    A malformed term or page answers 400 with {"error": message}; a user who
    may not search, 403.
    """

    model_admin: MeetingAdmin | None = None

    def get(self, request: HttpRequest) -> JsonResponse:
        if not may_search(request, self.model_admin):
            raise PermissionDenied
        try:
            page = _page_number(request.GET.get("page"))
            found = search(
                request,
                self.model_admin,
                request.GET.get("term", "").strip(),
                active_only=request.GET.get("active") == "1",
            )
        except OwnerSearchError as error:
            return JsonResponse({"error": str(error)}, status=400)
        users, more = page_of(found, page)
        return JsonResponse(
            {
                "results": [
                    {"id": str(user.pk), "text": user.get_username()} for user in users
                ],
                "pagination": {"more": more},
            }
        )
