"""BaseMeetingAdmin: the ModelAdmin plumbing that meetings, having no model, rebuild.

Meetings live in DynamoDB, so no ModelAdmin serves them. This base class
gives MeetingAdmin (options.py) what ModelAdmin would: the same permission
methods, the app's entry in the index and the sidebar, URL reversing, running
actions, history, and rendering in the admin's context. Whatever names Django
uses (has_*_permission, get_actions, response_action, log_*), this uses too,
so the admin's templates, its LogEntry links and a reader find them in place.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.models import LogEntry
from django.contrib.admin.templatetags.admin_urls import admin_urlname
from django.contrib.auth import get_permission_codename
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.text import capfirst

from ..domain import Meeting
from ..models import MeetingRecord
from ..web.errors import domain_errors
from ..web.live import live_settings
from . import history
from .actions import MAX_SELECTION, Selected

# Decorates the views of an admin: a missing meeting sends to the index, an
# unreachable store answers 503.
admin_domain_errors = domain_errors(
    missing=lambda admin, request, error: admin.missing(request, error.meeting_id),
    unavailable=lambda admin, request, error: admin.unavailable(request),
)


class BaseMeetingAdmin:
    """What ModelAdmin gives a model: permissions, actions, history and rendering."""

    opts = MeetingRecord._meta
    actions: tuple[Callable, ...] = ()

    def __init__(self, admin_site: admin.AdminSite):
        self.admin_site = admin_site

    def __str__(self) -> str:
        return f"{self.opts.app_label}.{self.__class__.__name__}"

    def url(self, name: str, *args: object) -> str:
        """Return the URL of one of these views."""
        return reverse(
            admin_urlname(self.opts, name), args=args, current_app=self.admin_site.name
        )

    # Permissions, as ModelAdmin names them

    def has_view_permission(self, request: HttpRequest) -> bool:
        """Return whether the user may see meetings; changing includes seeing."""
        return self._has_perm(request, "view") or self.has_change_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._has_perm(request, "add")

    def has_change_permission(self, request: HttpRequest) -> bool:
        return self._has_perm(request, "change")

    def has_delete_permission(self, request: HttpRequest) -> bool:
        return self._has_perm(request, "delete")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.has_module_perms(self.opts.app_label)

    def get_model_perms(self, request: HttpRequest) -> dict[str, bool]:
        return {
            "add": self.has_add_permission(request),
            "change": self.has_change_permission(request),
            "delete": self.has_delete_permission(request),
            "view": self.has_view_permission(request),
        }

    def _has_perm(self, request: HttpRequest, action: str) -> bool:
        codename = get_permission_codename(action, self.opts)
        return request.user.has_perm(f"{self.opts.app_label}.{codename}")

    def app_dict(self, request: HttpRequest) -> dict | None:
        """Return the meetings app as the index and the sidebar list apps."""
        perms = self.get_model_perms(request)
        if not self.has_module_permission(request) or not any(perms.values()):
            return None
        model = {
            "model": MeetingRecord,
            "name": capfirst(self.opts.verbose_name_plural),
            "object_name": self.opts.object_name,
            "perms": perms,
            "admin_url": None,
            "add_url": self.url("add") if perms["add"] else None,
        }
        if perms["view"]:
            model["view_only"] = not perms["change"]
            model["admin_url"] = self.url("changelist")
        return {
            "name": self.opts.app_config.verbose_name,
            "app_label": self.opts.app_label,
            "app_url": reverse(
                "admin:app_list",
                kwargs={"app_label": self.opts.app_label},
                current_app=self.admin_site.name,
            ),
            "has_module_perms": True,
            "models": [model],
        }

    # Actions, as ModelAdmin runs them

    def get_actions(self, request: HttpRequest) -> dict[str, tuple[Callable, str]]:
        """Return the actions the user may run, by name, with their descriptions."""
        actions = {}
        for action in self.actions:
            allowed = getattr(action, "allowed_permissions", ())
            if all(getattr(self, f"has_{p}_permission")(request) for p in allowed):
                actions[action.__name__] = (action, action.short_description)
        return actions

    def response_action(self, request: HttpRequest) -> HttpResponse:
        """Run the chosen action on the ticked rows, as the admin's changelist does."""
        name = request.POST.get("action", "")
        actions = self.get_actions(request)
        if name in {a.__name__ for a in self.actions} and name not in actions:
            raise PermissionDenied
        selection = Selected.parse_all(request.POST.getlist(ACTION_CHECKBOX_NAME))
        back = HttpResponseRedirect(request.get_full_path())
        if name not in actions:
            messages.warning(request, "No action selected.")
            return back
        if not selection:
            messages.warning(
                request,
                "Items must be selected in order to perform actions on them. "
                "No items have been changed.",
            )
            return back
        if len(selection) > MAX_SELECTION:
            messages.warning(
                request, f"Select at most {MAX_SELECTION} meetings at a time."
            )
            return back
        action, _ = actions[name]
        return action(self, request, selection) or back

    # History, as ModelAdmin logs it: views and actions call these, so a
    # subclass can record elsewhere or do more.

    def log_addition(self, request: HttpRequest, meeting: Meeting) -> LogEntry:
        """Record that the user added meeting."""
        return history.log_addition(request.user, meeting)

    def log_change(
        self, request: HttpRequest, meeting: Meeting, fields: list[str]
    ) -> LogEntry:
        """Record that the user changed fields (their labels) of meeting."""
        return history.log_change(request.user, meeting, fields)

    def log_deletion(self, request: HttpRequest, meeting: Meeting) -> LogEntry:
        """Record that the user deleted meeting."""
        return history.log_deletion(request.user, meeting)

    # Responses

    def render(
        self,
        request: HttpRequest,
        template: str,
        context: dict,
        status: int = 200,
    ) -> TemplateResponse:
        """Render one of the templates under admin/meetings/ in the admin's context."""
        request.current_app = self.admin_site.name
        return TemplateResponse(
            request,
            f"admin/meetings/{template}",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "app_label": self.opts.app_label,
                "has_view_permission": self.has_view_permission(request),
                "has_add_permission": self.has_add_permission(request),
                "has_change_permission": self.has_change_permission(request),
                "has_delete_permission": self.has_delete_permission(request),
                **live_settings(),
                **context,
            },
            status=status,
        )

    def missing(self, request: HttpRequest, meeting_id: object) -> HttpResponse:
        """Send the user to the index with a warning, as the admin does."""
        messages.warning(
            request,
            f"Meeting with ID “{meeting_id}” doesn't exist. Perhaps it was deleted?",
        )
        return HttpResponseRedirect(
            reverse("admin:index", current_app=self.admin_site.name)
        )

    def unavailable(self, request: HttpRequest) -> HttpResponse:
        """Answer 503: the store cannot be reached; nothing changed."""
        return self.render(
            request, "unavailable.html", {"title": "Meetings are unavailable"}, 503
        )
