"""Server-rendered meeting pages; every one works without JavaScript."""

from __future__ import annotations

import time
import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from .. import services
from ..domain import (
    Access,
    DuplicateMeeting,
    InvalidChange,
    InvalidCursor,
    Meeting,
    MeetingNotFound,
    PreconditionFailed,
    StoreUnavailable,
)
from ..forms import MeetingDeleteForm
from ..web import (
    DELETE_CONFLICT,
    INCOMPLETE_DELETE,
    PagingTrail,
    domain_errors,
    list_url,
    user_time_zone,
)
from .forms import MeetingCreateForm, MeetingEditForm, MeetingFilterForm

PAGE_SIZE = 20
# How often a save meets a meeting written meanwhile before it gives up.
SAVE_ATTEMPTS = 3


def _not_found(request: HttpRequest, error: MeetingNotFound) -> HttpResponse:
    raise Http404("No such meeting.")


def _unavailable(request: HttpRequest, error: StoreUnavailable) -> HttpResponse:
    return render(request, "meetings/unavailable.html", status=503)


answer_domain_errors = domain_errors(missing=_not_found, unavailable=_unavailable)


@login_required
@require_http_methods(["GET", "HEAD"])
@answer_domain_errors
def meeting_list(request: HttpRequest) -> HttpResponse:
    """List the meetings the user may see, newest first, with live statuses."""
    filters = MeetingFilterForm(request.GET)
    filters.is_valid()
    # A malformed filter (an unknown status, say) is ignored, not an error.
    query = {name: filters.cleaned_data.get(name) or "" for name in filters.fields}
    trail = PagingTrail.from_request(
        request,
        reverse("meetings:list"),
        {"q": query["q"], "status": query["status"]},
        query["cursor"],
    )
    viewer = services.viewer_for(request.user)
    # The live list hears of changes from here on (the scope's since): one
    # made while the page is read is told again, which is harmless.
    read_at_ms = int(time.time() * 1000)
    try:
        page = services.list_meetings(
            viewer,
            status=query["status"] or None,
            title_contains=query["q"] or None,
            limit=PAGE_SIZE,
            cursor=query["cursor"] or None,
        )
    except InvalidCursor:
        messages.warning(request, "That page link had expired; back to the start.")
        return redirect("meetings:list")
    return render(
        request,
        "meetings/list.html",
        {
            "filters": filters,
            "filtered": bool(query["q"] or query["status"]),
            "sees_everyone": viewer.sees_everyone,
            "rows": _rows(page.meetings, with_owners=viewer.sees_everyone),
            "older_url": trail.older_url(page.next_cursor),
            "newer_url": trail.newer_url(),
            "first_page_url": trail.url(),
            "read_at_ms": read_at_ms,
            # The same page over REST, which the live list reads again to
            # find new meetings and rows that left the filter.
            "list_api_url": list_url(
                reverse("meeting-list"),
                {"q": query["q"], "status": query["status"], "limit": PAGE_SIZE},
                query["cursor"],
            ),
            **_live_settings(),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD"])
@answer_domain_errors
def meeting_detail(request: HttpRequest, meeting_id: uuid.UUID) -> HttpResponse:
    """Show every field of a meeting, with its status live."""
    meeting = services.get_meeting(services.viewer_for(request.user), meeting_id)
    return render(
        request, "meetings/detail.html", {"meeting": meeting, **_live_settings()}
    )


@login_required
@require_http_methods(["GET", "POST"])
@answer_domain_errors
def meeting_create(request: HttpRequest) -> HttpResponse:
    """Create a meeting owned by the user; a double submit creates one."""
    with timezone.override(user_time_zone(request)):
        return _create(request)


def _create(request: HttpRequest) -> HttpResponse:
    form = MeetingCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        owner_id = str(request.user.pk)
        key = form.cleaned_data["request_id"]
        try:
            meeting = services.create_meeting(
                owner_id,
                form.meeting_fields(),
                idempotency_key=str(key) if key else None,
            )
        except DuplicateMeeting:
            # The form was submitted before with other values (edited after
            # going back): that is a new meeting of its own.
            meeting = services.create_meeting(owner_id, form.meeting_fields())
        messages.success(request, f"Created “{meeting.title}”.")
        return redirect("meetings:detail", meeting_id=meeting.id)
    return render(request, "meetings/form.html", {"form": form, "creating": True})


@login_required
@require_http_methods(["GET", "POST"])
@answer_domain_errors
def meeting_edit(request: HttpRequest, meeting_id: uuid.UUID) -> HttpResponse:
    """Edit a meeting, writing only the fields the user changed.

    If one of those changed meanwhile too, nothing is saved: the page shows the
    current values beside the user's, and saving again is a knowing overwrite.
    Others' changes to the fields the user left alone are kept. Times are in
    the user's time zone when the browser told it, else in UTC.
    """
    with timezone.override(user_time_zone(request)):
        return _edit(request, meeting_id)


def _edit(request: HttpRequest, meeting_id: uuid.UUID) -> HttpResponse:
    viewer = services.viewer_for(request.user)
    meeting = services.get_meeting(viewer, meeting_id, Access.CHANGE)
    if request.method == "GET":
        form = MeetingEditForm(initial=MeetingEditForm.initial_for(meeting))
        return _edit_page(request, form, meeting)
    for _ in range(SAVE_ATTEMPTS):
        form = MeetingEditForm(request.POST)
        valid = form.is_valid()
        clashes = form.clashes_with(meeting)
        if clashes:
            return _conflict_page(request, form, meeting, clashes)
        if not valid:
            return _edit_page(request, form, meeting)
        changes = form.changes_to(meeting)
        if not changes:
            messages.info(request, "Nothing changed.")
            return redirect("meetings:detail", meeting_id=meeting.id)
        try:
            saved = services.update_meeting(
                viewer, meeting_id, changes, expected_version=meeting.version
            )
        except PreconditionFailed as failed:
            if failed.current is None:
                raise MeetingNotFound(meeting_id) from None
            # Written meanwhile: check the user's changes against it again.
            meeting = failed.current
            continue
        except InvalidChange as error:
            form.add_error(None, error.message)
            return _edit_page(request, form, meeting)
        messages.success(request, f"Saved “{saved.title}”.")
        return redirect("meetings:detail", meeting_id=saved.id)
    return _conflict_page(request, form, meeting, [])


@login_required
@require_http_methods(["GET", "POST"])
@answer_domain_errors
def meeting_delete(request: HttpRequest, meeting_id: uuid.UUID) -> HttpResponse:
    """Ask before deleting a meeting, then delete it at the version shown."""
    viewer = services.viewer_for(request.user)
    meeting = services.get_meeting(viewer, meeting_id, Access.DELETE)
    if request.method == "GET":
        return render(request, "meetings/confirm_delete.html", {"meeting": meeting})
    form = MeetingDeleteForm(request.POST)
    if not form.is_valid():
        messages.error(request, INCOMPLETE_DELETE)
        return render(
            request, "meetings/confirm_delete.html", {"meeting": meeting}, status=400
        )
    try:
        services.delete_meeting(
            viewer, meeting_id, expected_version=form.cleaned_data["version"]
        )
    except PreconditionFailed as failed:
        messages.error(request, DELETE_CONFLICT)
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
    conflict: Meeting | None = None,
    clashing: list[str] | None = None,
) -> HttpResponse:
    return render(
        request,
        "meetings/form.html",
        {
            "form": form,
            "meeting": meeting,
            "conflict": conflict,
            "clashing": clashing or [],
        },
        status=409 if conflict else 200,
    )


def _conflict_page(
    request: HttpRequest, form: MeetingEditForm, current: Meeting, clashes: list[str]
) -> HttpResponse:
    """Show current beside what the user changed, now at current's version."""
    # The fields the user changed keep what they typed; the others show the
    # current values, so saving again writes only the user's changes, knowingly.
    rebased = MeetingEditForm(form.rebased_on(current))
    rebased.is_valid()
    labels = [str(rebased[name].label) for name in clashes if name in rebased.fields]
    return _edit_page(request, rebased, current, conflict=current, clashing=labels)


def _live_settings() -> dict[str, int]:
    """Return what the live-status script reads from data-* attributes."""
    # The page starts from the same delay the stream's retry: hint will give.
    return {"reconnect_base_ms": settings.SSE_RETRY_MS}


def _rows(meetings: list[Meeting], with_owners: bool) -> list[tuple[Meeting, str]]:
    """Pair each meeting with its owner's username, in one query, for staff."""
    names = services.owner_names(m.owner_id for m in meetings) if with_owners else {}
    return [(m, names.get(m.owner_id, m.owner_id)) for m in meetings]
