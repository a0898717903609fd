"""The admin of meetings, which live in DynamoDB and so have no ModelAdmin.

MeetingAdmin mirrors ModelAdmin where the admin relies on it: the same URL
names, has_*_permission methods, views and actions, so the index, the sidebar,
the admin's templates and LogEntry links find meetings as they find any model.
Its views (and the bulk actions in actions.py) validate input, call the
services, record what they changed in LogEntry, and render templates that
extend admin/base_site.html. The changelist's query, filters and counts are in
changelist.py, as Django's ChangeList.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME, AdminForm
from django.contrib.admin.templatetags.admin_urls import admin_urlname
from django.contrib.auth import get_permission_codename
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.text import capfirst
from django.views.decorators.http import require_http_methods

from .. import services
from ..domain import Access, CreateQuotaExceeded, InvalidCursor, Meeting
from ..models import MeetingRecord
from ..web.editing import (
    Outcome,
    conflict_notice,
    delete_confirmed,
    refused_for_quota,
    save_edit,
)
from ..web.errors import domain_errors
from ..web.live import live_settings, now_ms
from ..web.paging import list_url, restart_paging
from . import history
from .actions import MAX_SELECTION, Selected, delete_selected, mark_failed
from .changelist import MeetingChangeList
from .chart import status_chart
from .forms import MeetingAddForm, MeetingChangeForm

_domain_errors = domain_errors(
    missing=lambda admin, request, error: admin.missing(request, error.meeting_id),
    unavailable=lambda admin, request, error: admin.unavailable(request),
)


class MeetingAdmin:
    """Admin views of the meetings in DynamoDB, authorised by MeetingRecord."""

    opts = MeetingRecord._meta
    list_per_page = 25
    actions = (delete_selected, mark_failed)
    fieldsets = [
        (None, {"fields": ["title", "owner", "description"]}),
        ("Schedule", {"fields": ["scheduled_start", "duration_minutes"]}),
        ("Participants", {"fields": ["participants"]}),
        ("Status", {"fields": ["status", "progress", "status_message"]}),
    ]
    add_fieldsets = fieldsets[:-1]

    def __init__(self, admin_site: admin.AdminSite):
        self.admin_site = admin_site

    def __str__(self) -> str:
        return f"{self.opts.app_label}.{self.__class__.__name__}"

    # URLs

    def get_urls(self) -> list[URLPattern]:
        """Return the views' URLs, named as ModelAdmin names them."""
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"

        def wrap(view, methods=("GET", "HEAD", "POST")):
            allowed = require_http_methods(list(methods))(view)
            return self.admin_site.admin_view(allowed)

        return [
            path("", wrap(self.changelist_view), name=f"{prefix}_changelist"),
            path("add/", wrap(self.add_view), name=f"{prefix}_add"),
            path(
                "counts/",
                wrap(self.counts_view, ("GET", "HEAD")),
                name=f"{prefix}_counts",
            ),
            path(
                "<uuid:meeting_id>/history/",
                wrap(self.history_view, ("GET", "HEAD")),
                name=f"{prefix}_history",
            ),
            path(
                "<uuid:meeting_id>/delete/",
                wrap(self.delete_view),
                name=f"{prefix}_delete",
            ),
            path(
                "<uuid:meeting_id>/change/",
                wrap(self.change_view),
                name=f"{prefix}_change",
            ),
        ]

    @property
    def urls(self) -> list[URLPattern]:
        return self.get_urls()

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

    # Changelist

    @_domain_errors
    def changelist_view(self, request: HttpRequest) -> HttpResponse:
        """List meetings, newest first, with search, filters, counts and actions."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            return self.response_action(request)
        read_at_ms = now_ms()
        changelist = MeetingChangeList(request, self)
        try:
            changelist.get_results()
        except InvalidCursor:
            return restart_paging(request, changelist.trail)
        return self.render(
            request,
            "change_list.html",
            {
                "title": "Select meeting to change"
                if self.has_change_permission(request)
                else "Select meeting to view",
                **changelist.context(),
                "read_at_ms": read_at_ms,
                "action_choices": [
                    (name, description)
                    for name, (_, description) in self.get_actions(request).items()
                ],
            },
        )

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

    # One meeting

    @_domain_errors
    def add_view(self, request: HttpRequest) -> HttpResponse:
        """Add a meeting for a user chosen from the ORM."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        data = request.POST if request.method == "POST" else None
        form = MeetingAddForm(data, initial={"owner": request.user.pk})
        if not form.is_valid():
            return self._form_page(request, form)
        fields = form.meeting_fields()
        owner_id = fields.pop("owner_id")
        try:
            meeting = services.create_meeting_as(
                str(request.user.pk), fields, owner_id=owner_id
            )
        except CreateQuotaExceeded as error:
            return refused_for_quota(
                form, error, lambda: self._form_page(request, form)
            )
        history.log_addition(request.user, meeting)
        return self._saved(
            request, meeting, f"The meeting “{meeting.title}” was added successfully."
        )

    @_domain_errors
    def change_view(self, request: HttpRequest, meeting_id: uuid.UUID) -> HttpResponse:
        """Change every field of a meeting, at the version the form was loaded at.

        If the meeting changed since, nothing is saved: the page shows its
        current values beside the user's, and saving again overwrites knowingly.
        """
        if not self.has_view_permission(request):
            raise PermissionDenied
        viewer = services.viewer_for(request.user)
        meeting = services.get_meeting(viewer, meeting_id)
        if request.method != "POST":
            form = MeetingChangeForm(meeting=meeting)
            if not self.has_change_permission(request):
                for field in form.fields.values():
                    field.disabled = True
            return self._form_page(request, form, meeting)
        if not self.has_change_permission(request):
            raise PermissionDenied
        edit = save_edit(
            viewer,
            meeting,
            request.POST,
            lambda data, current: MeetingChangeForm(data, meeting=current),
        )
        meeting = edit.meeting
        if edit.outcome is Outcome.SAVED:
            history.log_change(request.user, meeting, edit.form.changed_labels())
            return self._saved(
                request,
                meeting,
                f"The meeting “{meeting.title}” was changed successfully.",
            )
        if edit.outcome is Outcome.UNCHANGED:
            return self._saved(request, meeting, "No fields changed.")
        conflict = edit.outcome is Outcome.CONFLICT
        return self._form_page(request, edit.form, meeting, conflict, edit.clashing)

    def _form_page(
        self,
        request: HttpRequest,
        form: MeetingAddForm | MeetingChangeForm,
        meeting: Meeting | None = None,
        conflict: bool = False,
        clashing: tuple[str, ...] = (),
    ) -> HttpResponse:
        add = meeting is None
        can_change = add or self.has_change_permission(request)
        title = "Add meeting" if add else "Change meeting"
        return self.render(
            request,
            "change_form.html",
            {
                "title": title if can_change else "View meeting",
                "subtitle": None if add else meeting.title,
                "adminform": AdminForm(
                    form, self.add_fieldsets if add else self.fieldsets, {}
                ),
                "errors": form.errors if form.is_bound else None,
                "add": add,
                "change": not add,
                "original": meeting,
                "owner_name": services.owner_name(meeting.owner_id)
                if conflict
                else None,
                "conflict": conflict,
                **(conflict_notice(clashing) if conflict else {}),
                "can_change": can_change,
                "show_delete_link": not add and self.has_delete_permission(request),
            },
            status=409 if conflict else 200,
        )

    def _saved(
        self, request: HttpRequest, meeting: Meeting, message: str
    ) -> HttpResponse:
        """Redirect as the admin does after Save, Save and continue, Save and add."""
        if "_continue" in request.POST:
            messages.success(request, f"{message} You may edit it again below.")
            return HttpResponseRedirect(self.url("change", meeting.id))
        if "_addanother" in request.POST and self.has_add_permission(request):
            messages.success(request, f"{message} You may add another meeting below.")
            return HttpResponseRedirect(self.url("add"))
        messages.success(request, message)
        return self._after_leaving(request)

    def _after_leaving(self, request: HttpRequest) -> HttpResponse:
        if self.has_view_permission(request):
            return HttpResponseRedirect(self.url("changelist"))
        return HttpResponseRedirect(
            reverse("admin:index", current_app=self.admin_site.name)
        )

    @_domain_errors
    def delete_view(self, request: HttpRequest, meeting_id: uuid.UUID) -> HttpResponse:
        """Ask, listing what goes; then delete the meeting at the version shown."""
        if not self.has_delete_permission(request):
            raise PermissionDenied
        viewer = services.viewer_for(request.user)
        meeting = services.get_meeting(viewer, meeting_id, Access.DELETE)
        if request.method != "POST":
            return self._delete_page(request, meeting)
        refused = delete_confirmed(request, viewer, meeting)
        if refused:
            return self._delete_page(request, refused.meeting, refused.status)
        history.log_deletion(request.user, meeting)
        messages.success(
            request, f"The meeting “{meeting.title}” was deleted successfully."
        )
        return self._after_leaving(request)

    def _delete_page(
        self, request: HttpRequest, meeting: Meeting, status: int = 200
    ) -> HttpResponse:
        return self.render(
            request,
            "delete_confirmation.html",
            {
                "title": "Are you sure?",
                "original": meeting,
                "owner_name": services.owner_name(meeting.owner_id),
                "history_count": history.entries_for(meeting.id).count(),
            },
            status=status,
        )

    @_domain_errors
    def history_view(self, request: HttpRequest, meeting_id: uuid.UUID) -> HttpResponse:
        """List the meeting's changes made through the admin, oldest first."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        meeting = services.get_meeting(services.viewer_for(request.user), meeting_id)
        paginator = Paginator(history.entries_for(meeting.id), 100)
        page = paginator.get_page(request.GET.get("p"))
        return self.render(
            request,
            "object_history.html",
            {
                "title": f"Change history: {meeting.title}",
                "subtitle": None,
                "original": meeting,
                "action_list": page,
                "page_range": paginator.get_elided_page_range(page.number),
                "pagination_required": paginator.num_pages > 1,
            },
        )

    # The app's index

    @_domain_errors
    def dashboard_view(self, request: HttpRequest, app_label: str) -> HttpResponse:
        """Show meetings per status as a bar chart, and this process's open streams."""
        if not self.has_module_permission(request):
            raise PermissionDenied
        # The stream registry is the events app's; only this page needs it.
        from events.broker import open_stream_count

        counts = {}
        read_at_ms = now_ms()
        if self.has_view_permission(request):
            counts = services.status_counts()
        return self.render(
            request,
            "dashboard.html",
            {
                "title": f"{self.opts.app_config.verbose_name} administration",
                "subtitle": None,
                "app_list": self.admin_site.get_app_list(request, app_label),
                "chart": status_chart(counts, self.status_url),
                "total": sum(counts.values()),
                "read_at_ms": read_at_ms,
                "open_streams": open_stream_count(),
            },
        )

    @_domain_errors
    def counts_view(self, request: HttpRequest) -> JsonResponse:
        """Return the meetings per status, for the pages that keep them live.

        The response is {"counts": {status: number, …}, "total": number,
        "chart": {"title", "description", "bars": [{"status", "label", "count",
        "width", "count_x"}, …]}}, counts in lifecycle order and the chart as
        the dashboard draws it.
        """
        if not self.has_view_permission(request):
            raise PermissionDenied
        counts = services.status_counts()
        chart = status_chart(counts, self.status_url)
        return JsonResponse(
            {
                "counts": {str(status): number for status, number in counts.items()},
                "total": sum(counts.values()),
                "chart": {
                    "title": chart["title"],
                    "description": chart["description"],
                    "bars": [
                        {
                            "status": str(bar["status"]),
                            "label": bar["status"].label,
                            "count": bar["count"],
                            "width": bar["width"],
                            "count_x": bar["count_x"],
                        }
                        for bar in chart["bars"]
                    ],
                },
            }
        )

    def status_url(self, status: object) -> str:
        """Return the first page of the changelist of the meetings in status."""
        return list_url(self.url("changelist"), {"status": status})

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
