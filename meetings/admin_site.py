"""The admin site, with meeting views beside the ORM's models.

Meetings live in DynamoDB, so they have no ModelAdmin; this site adds their
views to its URLs and their entry to the index and sidebar, authorised by the
permissions of the unmanaged MeetingRecord model.
"""

from __future__ import annotations

from django.contrib import admin
from django.urls import path, reverse

from . import admin_views
from .models import MeetingRecord

APP_LABEL = MeetingRecord._meta.app_label
MODEL_NAME = MeetingRecord._meta.model_name


def url_name(view: str) -> str:
    """Return the admin URL name of a meeting view, as ModelAdmin would name it."""
    return f"{APP_LABEL}_{MODEL_NAME}_{view}"


class MeetstreamAdminSite(admin.AdminSite):
    site_header = "meetstream administration"
    site_title = "meetstream admin"
    index_title = "Administration"

    def get_urls(self):
        wrap = self.admin_view
        meeting = f"{APP_LABEL}/{MODEL_NAME}"
        return [
            path(
                f"{APP_LABEL}/",
                wrap(admin_views.dashboard),
                name=f"{APP_LABEL}_dashboard",
            ),
            path(
                f"{meeting}/", wrap(admin_views.changelist), name=url_name("changelist")
            ),
            path(f"{meeting}/add/", wrap(admin_views.add), name=url_name("add")),
            path(
                f"{meeting}/<uuid:meeting_id>/change/",
                wrap(admin_views.change),
                name=url_name("change"),
            ),
            path(
                f"{meeting}/<uuid:meeting_id>/delete/",
                wrap(admin_views.delete),
                name=url_name("delete"),
            ),
            path(
                f"{meeting}/<uuid:meeting_id>/history/",
                wrap(admin_views.history),
                name=url_name("history"),
            ),
            *super().get_urls(),
        ]

    def get_app_list(self, request, app_label=None):
        apps = super().get_app_list(request, app_label)
        perms = admin_views.meeting_perms(request.user)
        if perms["view"] and app_label in (None, APP_LABEL):
            apps.append(self._meetings_app(perms))
            apps.sort(key=lambda app: app["name"].lower())
        return apps

    def _meetings_app(self, perms: dict[str, bool]) -> dict:
        changelist = reverse(f"{self.name}:{url_name('changelist')}")
        return {
            "name": "Meetings",
            "app_label": APP_LABEL,
            "app_url": reverse(f"{self.name}:{APP_LABEL}_dashboard"),
            "has_module_perms": True,
            "models": [
                {
                    "model": MeetingRecord,
                    "name": "Meetings",
                    "object_name": "Meeting",
                    "perms": perms,
                    "admin_url": changelist,
                    "add_url": reverse(f"{self.name}:{url_name('add')}")
                    if perms["add"]
                    else None,
                    "view_only": not perms["change"],
                }
            ],
        }
