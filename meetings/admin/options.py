"""MeetingAdmin: the admin's views of meetings, which live in DynamoDB.

MeetingAdmin mirrors ModelAdmin where the admin relies on it: the same URL
names and views, so the index, the sidebar, the admin's templates and LogEntry
links find meetings as they find any model. The plumbing ModelAdmin would give
(permissions, running actions, history, rendering) is in base.py; the views
here validate input, call the services, record what they changed and render
templates that extend admin/base_site.html. The changelist's query, filters and
counts are in changelist.py, as Django's ChangeList; the bulk actions in
actions.py; the dashboard and its counts view in dashboard.py; the search
behind the owner field and filter in owners.py.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.admin.helpers import AdminForm
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_http_methods

from .. import services
from ..domain import Access, CreateQuotaExceeded, InvalidCursor, Meeting
from ..web.editing import (
    SaveOutcome,
    conflict_notice,
    delete_confirmed,
    refused_for_quota,
    save_edit,
)
from ..web.live import now_ms
from ..web.paging import list_url, restart_paging
from . import history, owners
from .actions import delete_selected, mark_failed
from .base import BaseMeetingAdmin, admin_domain_errors
from .changelist import MeetingChangeList
from .dashboard import CountsView, DashboardView
from .forms import MeetingAddForm, MeetingChangeForm
from .owners import OwnerSearchView


class MeetingAdmin(BaseMeetingAdmin):
    """Admin views of the meetings in DynamoDB, authorised by MeetingRecord."""

    list_per_page = 25
    actions = (delete_selected, mark_failed)
    fieldsets = [
        (None, {"fields": ["title", "owner", "description"]}),
        ("Schedule", {"fields": ["scheduled_start", "duration_minutes"]}),
        ("Participants", {"fields": ["participants"]}),
        ("Status", {"fields": ["status", "progress", "status_message"]}),
    ]
    add_fieldsets = fieldsets[:-1]

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
                "owners/",
                wrap(self.owners_view, ("GET", "HEAD")),
                name=f"{prefix}_owners",
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

    # Changelist

    @admin_domain_errors
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

    # One meeting

    @admin_domain_errors
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
        self.log_addition(request, meeting)
        return self._saved(
            request, meeting, f"The meeting “{meeting.title}” was added successfully."
        )

    @admin_domain_errors
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
        if edit.outcome is SaveOutcome.SAVED:
            self.log_change(request, meeting, edit.form.changed_labels())
            return self._saved(
                request,
                meeting,
                f"The meeting “{meeting.title}” was changed successfully.",
            )
        if edit.outcome is SaveOutcome.UNCHANGED:
            return self._saved(request, meeting, "No fields changed.")
        conflict = edit.outcome is SaveOutcome.CONFLICT
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
        if can_change:
            search_url = self.owner_search_url(request, active_only=True)
            form.fields["owner"].widget.search_url = search_url
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

    @admin_domain_errors
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
        self.log_deletion(request, meeting)
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

    @admin_domain_errors
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

    # The app's index, and the counts that keep pages live (dashboard.py)

    @admin_domain_errors
    def dashboard_view(self, request: HttpRequest, app_label: str) -> HttpResponse:
        """Show the meetings app's index: its dashboard."""
        view = DashboardView.as_view(model_admin=self)
        return view(request, app_label=app_label)

    @admin_domain_errors
    def counts_view(self, request: HttpRequest) -> JsonResponse:
        """Return the meetings per status as JSON (dashboard.CountsView)."""
        return CountsView.as_view(model_admin=self)(request)

    # Owners, searched for (owners.py)

    def owners_view(self, request: HttpRequest) -> JsonResponse:
        """Return the users matching a search, 20 at a time (OwnerSearchView)."""
        return OwnerSearchView.as_view(model_admin=self)(request)

    def owner_search_url(
        self, request: HttpRequest, active_only: bool = False
    ) -> str | None:
        """Return the URL of the owner search, or None if the user may not search."""
        if not owners.may_search(request, self):
            return None
        url = self.url("owners")
        return f"{url}?active=1" if active_only else url

    def status_url(self, status: object) -> str:
        """Return the first page of the changelist of the meetings in status."""
        return list_url(self.url("changelist"), {"status": status})
