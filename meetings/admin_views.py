"""The admin's meeting views: changelist, add, change, delete, history, dashboard.

Each view checks the MeetingRecord permissions, talks to the services and the
repository, records what it changed in LogEntry, and renders a template that
extends admin/base_site.html.
"""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from . import admin_history, services
from .admin_forms import MarkFailedForm, MeetingAdminForm
from .cursors import InvalidCursor
from .domain import (
    InvalidChange,
    InvalidTransition,
    Meeting,
    MeetingNotFound,
    Status,
    StoreUnavailable,
    Viewer,
)
from .models import MeetingRecord
from .repository import get_repository

PAGE_SIZE = 25
MAX_TRAIL = 20
MAX_OWNER_CHOICES = 100
# The dashboard's bar chart, in SVG user units.
CHART_ROW = 24
CHART_WIDTH = 320
CHART_LABEL_WIDTH = 110


def meeting_perms(user) -> dict[str, bool]:
    """Return what user may do with meetings in the admin."""
    opts = MeetingRecord._meta
    perms = {
        action: user.is_active
        and user.is_staff
        and user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}")
        for action in ("add", "change", "delete", "view")
    }
    perms["view"] = any(perms.values())
    return perms


def _require(request: HttpRequest, action: str) -> dict[str, bool]:
    perms = meeting_perms(request.user)
    if not perms[action]:
        raise PermissionDenied
    return perms


def _url(view: str, *args) -> str:
    from .admin_site import url_name

    return reverse(f"admin:{url_name(view)}", args=args)


def _staff(request: HttpRequest) -> Viewer:
    return Viewer(user_id=str(request.user.pk), is_staff=True)


def _render(request, template: str, context: dict, status: int = 200):
    context = {
        **admin.site.each_context(request),
        "opts": MeetingRecord._meta,
        "app_label": MeetingRecord._meta.app_label,
        "perms_meetings": meeting_perms(request.user),
        **context,
    }
    return TemplateResponse(
        request, f"admin/meetings/{template}", context, status=status
    )


def _unavailable(request: HttpRequest) -> HttpResponse:
    response = _render(request, "unavailable.html", {"title": "Unavailable"}, 503)
    response["Retry-After"] = str(StoreUnavailable.retry_after_seconds)
    return response


def _get(request: HttpRequest, meeting_id: uuid.UUID) -> Meeting:
    try:
        return services.get_meeting(get_repository(), _staff(request), meeting_id)
    except MeetingNotFound:
        raise Http404("No such meeting.") from None


# Changelist


@require_http_methods(["GET", "POST"])
def changelist(request: HttpRequest) -> HttpResponse:
    """List meetings with search, status and owner filters, and bulk actions."""
    perms = _require(request, "view")
    try:
        if request.method == "POST":
            return _bulk_action(request, perms)
        return _changelist_page(request, perms)
    except StoreUnavailable:
        return _unavailable(request)


def _changelist_page(request: HttpRequest, perms: dict) -> HttpResponse:
    q = request.GET.get("q", "")[:100]
    status = request.GET.get("status", "")
    status = status if status in Status._value2member_map_ else ""
    owner = request.GET.get("owner", "")
    owner = owner if owner.isdigit() else ""
    cursor = request.GET.get("cursor", "")
    trail = request.GET.getlist("back")[-MAX_TRAIL:]
    repository = get_repository()
    try:
        page = services.list_meetings(
            repository,
            _staff(request),
            owner_id=owner or None,
            status=Status(status) if status else None,
            title_contains=q or None,
            limit=PAGE_SIZE,
            cursor=cursor or None,
        )
    except InvalidCursor:
        messages.warning(request, "That page link is no longer valid; first page.")
        return redirect(_url("changelist"))
    users = get_user_model().objects.order_by("username")
    owners = {str(u.pk): u.get_username() for u in users[:MAX_OWNER_CHOICES]}
    missing = {m.owner_id for m in page.meetings} - set(owners)
    owners.update(
        {
            str(u.pk): u.get_username()
            for u in users.filter(pk__in=[pk for pk in missing if pk.isdigit()])
        }
    )
    base = {"q": q, "status": status, "owner": owner}
    counts = repository.status_counts()
    return _render(
        request,
        "change_list.html",
        {
            "title": "Select meeting to change" if perms["change"] else "Meetings",
            "rows": [(m, owners.get(m.owner_id, m.owner_id)) for m in page.meetings],
            "q": q,
            "status_filter": _filter_links(
                base, "status", status, [(s.value, s.label) for s in Status]
            ),
            "owner_filter": _filter_links(base, "owner", owner, list(owners.items())),
            "counts": [(s, counts[s]) for s in Status],
            "total": sum(counts.values()),
            "older_url": _changelist_url(base, page.next_cursor, [*trail, cursor])
            if page.next_cursor
            else None,
            "newer_url": _changelist_url(base, trail[-1], trail[:-1])
            if trail
            else None,
            "actions_enabled": perms["change"] or perms["delete"],
        },
    )


def _filter_links(base: dict, name: str, current: str, choices) -> list[dict]:
    """Return the sidebar's links for one filter, "All" first."""
    links = [
        {
            "label": "All",
            "selected": not current,
            "url": _changelist_url({**base, name: ""}, "", []),
        }
    ]
    for value, label in choices:
        links.append(
            {
                "label": label,
                "selected": current == value,
                "url": _changelist_url({**base, name: value}, "", []),
            }
        )
    return links


def _changelist_url(base: dict, cursor: str, trail: list[str]) -> str:
    params = [(k, v) for k, v in base.items() if v]
    if cursor:
        params.append(("cursor", cursor))
    params += [("back", entry) for entry in trail[-MAX_TRAIL:]]
    return f"{_url('changelist')}?{urlencode(params)}" if params else _url("changelist")


def _selected(request: HttpRequest) -> list[tuple[uuid.UUID, int]]:
    """Return the selected rows as (id, version the admin saw)."""
    selected = []
    for value in request.POST.getlist("_selected_action"):
        meeting_id, _, version = value.partition(":")
        try:
            selected.append((uuid.UUID(meeting_id), int(version)))
        except ValueError:
            continue
    return selected


def _bulk_action(request: HttpRequest, perms: dict) -> HttpResponse:
    action = request.POST.get("action", "")
    selected = _selected(request)
    if not selected:
        messages.warning(
            request, "Items must be selected in order to perform actions on them."
        )
        return redirect(_url("changelist"))
    if action == "delete_selected":
        if not perms["delete"]:
            raise PermissionDenied
        return _delete_selected(request, selected)
    if action == "mark_failed":
        if not perms["change"]:
            raise PermissionDenied
        return _mark_failed(request, selected)
    messages.warning(request, "No action selected.")
    return redirect(_url("changelist"))


def _delete_selected(request: HttpRequest, selected) -> HttpResponse:
    repository = get_repository()
    if request.POST.get("post") != "yes":
        found = repository.get_many([meeting_id for meeting_id, _ in selected])
        meetings = [(found[i], v) for i, v in selected if i in found]
        return _render(
            request,
            "delete_selected_confirmation.html",
            {"title": "Delete meetings?", "meetings": meetings},
        )
    deleted = conflicted = 0
    for meeting_id, version in selected:
        try:
            meeting = repository.get(meeting_id)
            services.delete_meeting(repository, _staff(request), meeting_id, version)
        except (services.PreconditionFailed, MeetingNotFound):
            conflicted += 1
            continue
        admin_history.record(request.user, meeting, admin_history.DELETION)
        deleted += 1
    _report(request, "Deleted", deleted, conflicted)
    return redirect(_url("changelist"))


def _mark_failed(request: HttpRequest, selected) -> HttpResponse:
    repository = get_repository()
    form = MarkFailedForm(request.POST if "reason" in request.POST else None)
    if not form.is_valid():
        found = repository.get_many([meeting_id for meeting_id, _ in selected])
        return _render(
            request,
            "mark_failed.html",
            {
                "title": "Mark meetings as failed",
                "form": form,
                "meetings": [(found[i], v) for i, v in selected if i in found],
            },
        )
    failed = conflicted = refused = 0
    changes = {"status": Status.FAILED, "status_message": form.cleaned_data["reason"]}
    for meeting_id, version in selected:
        try:
            meeting = services.update_meeting(
                repository, _staff(request), meeting_id, changes, version
            )
        except (services.PreconditionFailed, MeetingNotFound):
            conflicted += 1
            continue
        except InvalidTransition:
            refused += 1
            continue
        admin_history.record(
            request.user, meeting, admin_history.CHANGE, ["Status", "Status message"]
        )
        failed += 1
    _report(request, "Marked as failed", failed, conflicted, refused)
    return redirect(_url("changelist"))


def _report(request, done: str, succeeded: int, conflicted: int, refused: int = 0):
    text = f"{done} {succeeded} meeting{'s' if succeeded != 1 else ''}."
    if conflicted:
        text += f" {conflicted} had changed or gone since the list was loaded and "
        text += "were left alone."
    if refused:
        text += f" {refused} cannot fail from their status and were left alone."
    level = messages.SUCCESS if not (conflicted or refused) else messages.WARNING
    messages.add_message(request, level, text)


# One meeting


@require_http_methods(["GET", "POST"])
def add(request: HttpRequest) -> HttpResponse:
    _require(request, "add")
    form = MeetingAdminForm(request.POST or None, initial={"owner": request.user.pk})
    if request.method == "POST" and form.is_valid():
        fields = form.changes()
        owner_id = fields.pop("owner_id")
        try:
            meeting = services.create_meeting(get_repository(), owner_id, fields)
        except StoreUnavailable:
            return _unavailable(request)
        admin_history.record(request.user, meeting, admin_history.ADDITION)
        messages.success(
            request, f"The meeting “{meeting.title}” was added successfully."
        )
        return _after_save(request, meeting)
    return _render(
        request, "change_form.html", {"title": "Add meeting", "form": form, "add": True}
    )


@require_http_methods(["GET", "POST"])
def change(request: HttpRequest, meeting_id: uuid.UUID) -> HttpResponse:
    """Edit every field; a meeting changed since the form opened is not overwritten."""
    perms = _require(request, "view")
    try:
        meeting = _get(request, meeting_id)
    except StoreUnavailable:
        return _unavailable(request)
    if request.method == "GET" or not perms["change"]:
        if request.method == "POST":
            raise PermissionDenied
        form = MeetingAdminForm(
            initial=MeetingAdminForm.initial_for(meeting), meeting=meeting
        )
        return _change_page(request, meeting, form)
    form = MeetingAdminForm(request.POST, meeting=meeting)
    if not form.is_valid():
        return _change_page(request, meeting, form)
    expected = form.cleaned_data["version"] or meeting.version
    try:
        saved = services.update_meeting(
            get_repository(), _staff(request), meeting_id, form.changes(), expected
        )
    except services.PreconditionFailed as failed:
        return _change_page(
            request, failed.current or meeting, form, conflict=failed.current
        )
    except InvalidTransition as error:
        form.add_error("status", error.message)
        return _change_page(request, meeting, form)
    except InvalidChange as error:
        form.add_error("progress", error.message)
        return _change_page(request, meeting, form)
    except MeetingNotFound:
        raise Http404("No such meeting.") from None
    except StoreUnavailable:
        return _unavailable(request)
    admin_history.record(
        request.user, saved, admin_history.CHANGE, form.changed_labels(meeting)
    )
    messages.success(request, f"The meeting “{saved.title}” was changed successfully.")
    return _after_save(request, saved)


def _change_page(request, meeting: Meeting, form, conflict: Meeting | None = None):
    return _render(
        request,
        "change_form.html",
        {
            "title": "Change meeting"
            if meeting_perms(request.user)["change"]
            else "View meeting",
            "subtitle": meeting.title,
            "meeting": meeting,
            "form": form,
            "conflict": conflict,
        },
        status=409 if conflict else 200,
    )


def _after_save(request: HttpRequest, meeting: Meeting) -> HttpResponse:
    if "_continue" in request.POST:
        return redirect(_url("change", meeting.id))
    if "_addanother" in request.POST:
        return redirect(_url("add"))
    return redirect(_url("changelist"))


@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest, meeting_id: uuid.UUID) -> HttpResponse:
    _require(request, "delete")
    try:
        meeting = _get(request, meeting_id)
        if request.method == "POST":
            version = request.POST.get("version", "")
            expected = int(version) if version.isdigit() else meeting.version
            services.delete_meeting(
                get_repository(), _staff(request), meeting_id, expected
            )
            admin_history.record(request.user, meeting, admin_history.DELETION)
            messages.success(
                request, f"The meeting “{meeting.title}” was deleted successfully."
            )
            return redirect(_url("changelist"))
    except services.PreconditionFailed as failed:
        messages.error(
            request, "The meeting changed since this page was opened; check it again."
        )
        meeting = failed.current or meeting
    except StoreUnavailable:
        return _unavailable(request)
    return _render(
        request,
        "delete_confirmation.html",
        {"title": "Are you sure?", "meeting": meeting},
    )


def history(request: HttpRequest, meeting_id: uuid.UUID) -> HttpResponse:
    _require(request, "view")
    try:
        meeting = _get(request, meeting_id)
    except StoreUnavailable:
        return _unavailable(request)
    return _render(
        request,
        "object_history.html",
        {
            "title": f"Change history: {meeting.title}",
            "meeting": meeting,
            "action_list": admin_history.entries_for(meeting_id),
        },
    )


def dashboard(request: HttpRequest) -> HttpResponse:
    """Meetings per status as a bar chart, and this instance's open streams."""
    _require(request, "view")
    from events.broker import open_stream_count

    try:
        counts = get_repository().status_counts()
    except StoreUnavailable:
        return _unavailable(request)
    most = max(counts.values(), default=0) or 1
    bars = [
        {
            "status": status,
            "count": count,
            "y": row * CHART_ROW,
            "width": round(CHART_WIDTH * count / most),
            "count_x": CHART_LABEL_WIDTH + round(CHART_WIDTH * count / most) + 6,
        }
        for row, (status, count) in enumerate(counts.items())
    ]
    return _render(
        request,
        "dashboard.html",
        {
            "title": "Meetings",
            "bars": bars,
            "chart_height": len(bars) * CHART_ROW,
            "total": sum(counts.values()),
            "open_streams": open_stream_count(),
            "changelist_url": _url("changelist"),
        },
    )
