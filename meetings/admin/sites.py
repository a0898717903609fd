"""The admin site: Django's, with the meetings that live in DynamoDB beside Users.

Meetings have no ORM model to register, so the site mounts MeetingAdmin's
views itself, at the URLs and names a registered model would have, and adds
the meetings app to the app list that the index and the sidebar show.
"""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path, re_path
from django.views.decorators.http import require_safe

from accounts.forms import AdminLoginForm

from .options import MeetingAdmin


class MeetstreamAdminSite(admin.AdminSite):
    site_header = "meetstream administration"
    site_title = "meetstream admin"
    index_title = "Administration"
    # Says so when log-ins are locked out after too many failures.
    login_form = AdminLoginForm

    def __init__(self, name: str = "admin"):
        super().__init__(name)
        self.meeting_admin = MeetingAdmin(self)

    def get_urls(self):
        opts = self.meeting_admin.opts
        return [
            # The meetings app's index is its dashboard; it takes the name the
            # admin's own templates reverse for an app's index.
            re_path(
                rf"^(?P<app_label>{opts.app_label})/$",
                self.admin_view(require_safe(self.meeting_admin.dashboard_view)),
                name="app_list",
            ),
            path(
                f"{opts.app_label}/{opts.model_name}/",
                include(self.meeting_admin.urls),
            ),
            *super().get_urls(),
        ]

    def get_app_list(self, request, app_label=None):
        app_list = super().get_app_list(request, app_label)
        if app_label in (None, self.meeting_admin.opts.app_label):
            meetings = self.meeting_admin.app_dict(request)
            if meetings is not None:
                app_list = sorted(
                    [*app_list, meetings], key=lambda app: app["name"].lower()
                )
        return app_list
