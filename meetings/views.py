"""Server-rendered meeting pages; every one works without JavaScript."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from . import services
from .cursors import InvalidCursor
from .domain import (
    DuplicateMeeting,
    InvalidChange,
    Meeting,
    MeetingNotFound,
    StoreUnavailable,
)
from .forms import (
    MeetingCreateForm,
    MeetingDeleteForm,
    MeetingEditForm,
    MeetingFilterForm,
)
from .permissions import viewer_for
from .repository import get_repository

PAGE_SIZE = 20
# How many earlier pages "Newer" can walk back through.
MAX_TRAIL = 20


def domain_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Map domain errors to pages: a meeting not found is a 404, no store a 503."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except MeetingNotFound:
            raise Http404("No such meeting.") from None
        except StoreUnavailable as error:
            response = render(request, "meetings/unavailable.html", status=503)
            response["Retry-After"] = str(error.retry_after_seconds)
            return response

    return wrapper


@login_required
@require_http_methods(["GET", "HEAD"])
@domain_errors
def meeting_list(request: HttpRequest) -> HttpResponse:
    """List the meetings the user may see, newest first, with live statuses."""
    filters = MeetingFilterForm(request.GET)
    filters.is_valid()
    # A malformed filter (an unknown status, say) is ignored, not an error.
    query = {name: filters.cleaned_data.get(name) or "" for name in filters.fields}
    # The cursors of the pages before this one, oldest last: "Newer" pops one.
    trail = request.GET.getlist("back")[-MAX_TRAIL:]
    try:
        page = services.list_meetings(
            get_repository(),
            viewer_for(request.user),
            status=query["status"] or None,
            title_contains=query["q"] or None,
            limit=PAGE_SIZE,
            cursor=query["cursor"] or None,
        )
    except InvalidCursor:
        messages.warning(request, "That page link had expired; back to the start.")
        return redirect("meetings:list")
    base = {"q": query["q"], "status": query["status"]}
    older_url = newer_url = None
    if page.next_cursor:
        older_url = _page_url(base, page.next_cursor, [*trail, query["cursor"]])
    if trail:
        newer_url = _page_url(base, trail[-1], trail[:-1])
    return render(
        request,
        "meetings/list.html",
        {
            "filters": filters,
            "filtered": bool(query["q"] or query["status"]),
            "rows": _rows(page.meetings, with_owners=request.user.is_staff),
            "older_url": older_url,
            "newer_url": newer_url,
            **_live_settings(),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD"])
@domain_errors
def meeting_detail(request: HttpRequest, meeting_id: uuid.UUID) -> HttpResponse:
    """Show every field of a meeting, with its status live."""
    meeting = services.get_meeting(
        get_repository(), viewer_for(request.user), meeting_id
    )
    return render(
        request, "meetings/detail.html", {"meeting": meeting, **_live_settings()}
    )


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors
def meeting_create(request: HttpRequest) -> HttpResponse:
    """Create a meeting owned by the user; a double submit creates one."""
    form = MeetingCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        owner_id = str(request.user.pk)
        key = form.cleaned_data["request_id"]
        try:
            meeting = services.create_meeting(
                get_repository(),
                owner_id,
                form.meeting_fields(),
                idempotency_key=str(key) if key else None,
            )
        except DuplicateMeeting:
            # The form was submitted before with other values (edited after
            # going back): that is a new meeting of its own.
            meeting = services.create_meeting(
                get_repository(), owner_id, form.meeting_fields()
            )
        messages.success(request, f"Created “{meeting.title}”.")
        return redirect("meetings:detail", meeting_id=meeting.id)
    return render(request, "meetings/form.html", {"form": form, "creating": True})


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors
def meeting_edit(request: HttpRequest, meeting_id: uuid.UUID) -> HttpResponse:
    """Edit a meeting at the version the form was loaded at.

    If it changed meanwhile nothing is saved: the page shows the current values
    beside the user's, and saving again is a knowing overwrite.
    """
    repository = get_repository()
    viewer = viewer_for(request.user)
    meeting = services.get_meeting(repository, viewer, meeting_id)
    if request.method == "GET":
        form = MeetingEditForm(initial=MeetingEditForm.initial_for(meeting))
        return _edit_page(request, form, meeting)
    form = MeetingEditForm(request.POST)
    if not form.is_valid():
        return _edit_page(request, form, meeting)
    changes = form.changes_to(meeting)
    version = form.cleaned_data["version"]
    if version == meeting.version and not changes:
        messages.info(request, "Nothing changed.")
        return redirect("meetings:detail", meeting_id=meeting.id)
    try:
        saved = services.update_meeting(
            repository, viewer, meeting_id, changes, expected_version=version
        )
    except services.PreconditionFailed as failed:
        return _edit_page(request, form, failed.current or meeting, conflict=True)
    except InvalidChange as error:
        form.add_error(None, error.message)
        return _edit_page(request, form, meeting)
    messages.success(request, f"Saved “{saved.title}”.")
    return redirect("meetings:detail", meeting_id=saved.id)


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors
def meeting_delete(request: HttpRequest, meeting_id: uuid.UUID) -> HttpResponse:
    """Ask before deleting a meeting, then delete it at the version shown."""
    repository = get_repository()
    viewer = viewer_for(request.user)
    meeting = services.get_meeting(repository, viewer, meeting_id)
    if request.method == "GET":
        return render(request, "meetings/confirm_delete.html", {"meeting": meeting})
    form = MeetingDeleteForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The form was incomplete; nothing was deleted.")
        return render(
            request, "meetings/confirm_delete.html", {"meeting": meeting}, status=400
        )
    try:
        services.delete_meeting(
            repository,
            viewer,
            meeting_id,
            expected_version=form.cleaned_data["version"],
        )
    except services.PreconditionFailed as failed:
        messages.error(
            request,
            "The meeting changed since you opened this page; nothing was deleted. "
            "Check it below, then delete it again if you still mean to.",
        )
        return render(
            request,
            "meetings/confirm_delete.html",
            {"meeting": failed.current or meeting},
            status=409,
        )
    messages.success(request, f"Deleted “{meeting.title}”.")
    return redirect("meetings:list")


def _edit_page(
    request: HttpRequest,
    form: MeetingEditForm,
    meeting: Meeting,
    conflict: bool = False,
) -> HttpResponse:
    if conflict:
        # Keep what the user typed, now at the current version: saving again
        # replaces the values shown beside it, knowingly.
        data = request.POST.copy()
        data["version"] = str(meeting.version)
        form = MeetingEditForm(data)
        form.is_valid()
    return render(
        request,
        "meetings/form.html",
        {"form": form, "meeting": meeting, "conflict": meeting if conflict else None},
        status=409 if conflict else 200,
    )


def _live_settings() -> dict[str, int]:
    """Return what the live-status script reads from data-* attributes."""
    # The page starts from the same delay the stream's retry: hint will give.
    return {"reconnect_base_ms": settings.SSE_RETRY_MS}


def _rows(meetings: list[Meeting], with_owners: bool) -> list[tuple[Meeting, str]]:
    """Pair each meeting with its owner's username, in one query, for staff."""
    names: dict[str, str] = {}
    if with_owners:
        ids = {m.owner_id for m in meetings if m.owner_id.isdigit()}
        users = get_user_model().objects.filter(pk__in=ids).only("username")
        names = {str(user.pk): user.get_username() for user in users}
    return [(m, names.get(m.owner_id, m.owner_id)) for m in meetings]


def _page_url(base: dict[str, str], cursor: str, trail: list[str]) -> str:
    params = [(k, v) for k, v in base.items() if v]
    if cursor:
        params.append(("cursor", cursor))
    params += [("back", entry) for entry in trail[-MAX_TRAIL:]]
    return f"{reverse('meetings:list')}?{urlencode(params)}"
