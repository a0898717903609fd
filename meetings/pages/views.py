"""Server-rendered meeting pages; every one works without JavaScript."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from .. import indexing, services
from ..domain import (
    Access,
    CreateQuotaExceeded,
    DuplicateMeeting,
    InvalidCursor,
    Meeting,
    MeetingNotFound,
    StoreUnavailable,
)
from ..forms import OrderedMeetingListForm
from ..web.editing import (
    SaveOutcome,
    conflict_notice,
    delete_confirmed,
    refused_for_quota,
    save_edit,
)
from ..web.errors import domain_errors
from ..web.live import live_settings, now_ms
from ..web.paging import PagingTrail, list_url, restart_paging
from ..web.time_zone import user_time_zone
from .forms import MeetingCreateForm, MeetingEditForm

PAGE_SIZE = 20


def _not_found(request: HttpRequest, error: MeetingNotFound) -> HttpResponse:
    raise Http404("No such meeting.")


def _unavailable(request: HttpRequest, error: StoreUnavailable) -> HttpResponse:
    return render(request, "meetings/unavailable.html", status=503)


answer_domain_errors = domain_errors(missing=_not_found, unavailable=_unavailable)


@login_required
@require_http_methods(["GET", "HEAD"])
@answer_domain_errors
def meeting_list(request: HttpRequest) -> HttpResponse:
    """List the meetings the user may see, newest first or in the order asked,
    with live statuses."""
    filters = OrderedMeetingListForm(request.GET)
    query = filters.query()
    sort = _list_sort(query)
    date_field, latest_first = indexing.ordered_by(sort)
    trail = PagingTrail.from_request(
        request,
        reverse("meetings:list"),
        {"q": query["q"], "status": query["status"], "sort": sort},
        query["cursor"],
    )
    viewer = services.viewer_for(request.user)
    read_at_ms = now_ms()
    try:
        page = services.list_meetings(
            viewer,
            status=query["status"],
            title_contains=query["q"],
            limit=PAGE_SIZE,
            cursor=query["cursor"],
            sort=sort or "newest",
        )
    except InvalidCursor:
        return restart_paging(request, trail)
    return render(
        request,
        "meetings/list.html",
        {
            "filters": filters,
            "filtered": bool(query["q"] or query["status"]),
            # Marked in the titles shown (templatetags/search_marks.py).
            "search_text": query["q"],
            "sort": sort,
            # The list shows the date it is ordered by, and the live list keeps
            # that order when it reads the page again.
            "date_field": date_field,
            "latest_first": latest_first,
            # Without a search index a search filters the listing, and pages
            # may come back short: the page says so.
            "searched_without_index": bool(query["q"])
            and indexing.search_index_name() == "none",
            "sees_everyone": viewer.sees_everyone,
            "rows": _rows(page.meetings, viewer.sees_everyone, date_field),
            "older_url": trail.older_url(page.next_cursor),
            "newer_url": trail.newer_url(),
            "first_page_url": trail.url(),
            "read_at_ms": read_at_ms,
            # The same page over REST, which the live list reads again to
            # find new meetings and rows that left the filter.
            "list_api_url": list_url(
                reverse("meeting-list"),
                {
                    "q": query["q"],
                    "status": query["status"],
                    "sort": sort,
                    "limit": PAGE_SIZE,
                },
                query["cursor"],
            ),
            **live_settings(),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD"])
@answer_domain_errors
def meeting_detail(request: HttpRequest, meeting_id: uuid.UUID) -> HttpResponse:
    """Show every field of a meeting, with its status live."""
    meeting = services.get_meeting(services.viewer_for(request.user), meeting_id)
    return render(
        request, "meetings/detail.html", {"meeting": meeting, **live_settings()}
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

    def page() -> HttpResponse:
        return render(request, "meetings/form.html", {"form": form, "creating": True})

    if request.method != "POST" or not form.is_valid():
        return page()
    user_id = str(request.user.pk)
    key = form.cleaned_data["request_id"]
    try:
        meeting = services.create_meeting_as(
            user_id, form.meeting_fields(), idempotency_key=str(key) if key else None
        )
    except CreateQuotaExceeded as error:
        return refused_for_quota(form, error, page)
    except DuplicateMeeting:
        # The form was submitted before with other values (edited after going
        # back): that is a new meeting of its own, and was counted once.
        meeting = services.create_meeting(user_id, form.meeting_fields())
    messages.success(request, f"Created “{meeting.title}”.")
    return redirect("meetings:detail", meeting_id=meeting.id)


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
    edit = save_edit(
        viewer, meeting, request.POST, lambda data, current: MeetingEditForm(data)
    )
    if edit.outcome is SaveOutcome.SAVED:
        messages.success(request, f"Saved “{edit.meeting.title}”.")
    elif edit.outcome is SaveOutcome.UNCHANGED:
        messages.info(request, "Nothing changed.")
    else:
        conflict = edit.outcome is SaveOutcome.CONFLICT
        return _edit_page(request, edit.form, edit.meeting, conflict, edit.clashing)
    return redirect("meetings:detail", meeting_id=edit.meeting.id)


@login_required
@require_http_methods(["GET", "POST"])
@answer_domain_errors
def meeting_delete(request: HttpRequest, meeting_id: uuid.UUID) -> HttpResponse:
    """Ask before deleting a meeting, then delete it at the version shown."""
    viewer = services.viewer_for(request.user)
    meeting = services.get_meeting(viewer, meeting_id, Access.DELETE)
    if request.method == "GET":
        return render(request, "meetings/confirm_delete.html", {"meeting": meeting})
    refused = delete_confirmed(request, viewer, meeting)
    if refused:
        return render(
            request,
            "meetings/confirm_delete.html",
            {"meeting": refused.meeting},
            status=refused.status,
        )
    messages.success(request, f"Deleted “{meeting.title}”.")
    return redirect("meetings:list")


def _edit_page(
    request: HttpRequest,
    form: MeetingEditForm,
    meeting: Meeting,
    conflict: bool = False,
    clashing: tuple[str, ...] = (),
) -> HttpResponse:
    """Render the edit form; after a conflict, meeting's current values above it."""
    return render(
        request,
        "meetings/form.html",
        {
            "form": form,
            "meeting": meeting,
            "conflict": meeting if conflict else None,
            **(conflict_notice(clashing) if conflict else {}),
        },
        status=409 if conflict else 200,
    )


def _list_sort(query: dict) -> str | None:
    """Return the order the list asks for, or None for newest first (the
    default): an order the form refused, or relevance without a search, is
    ignored."""
    sort = query["sort"]
    if sort == "newest" or (sort == "relevance" and not query["q"]):
        return None
    return sort


def _rows(
    meetings: list[Meeting], with_owners: bool, date_field: str
) -> list[tuple[Meeting, str | None, object]]:
    """Return each meeting with its owner's name (for staff, in one query) and
    the date the list is ordered by."""
    names = services.owner_names(m.owner_id for m in meetings) if with_owners else {}
    return [(m, names.get(m.owner_id), getattr(m, date_field)) for m in meetings]
