"""Server-rendered meeting pages; every one works without JavaScript."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from . import services
from .cursors import InvalidCursor
from .domain import MeetingNotFound, StoreUnavailable
from .forms import MeetingFilterForm, MeetingForm
from .permissions import viewer_for
from .repository import get_repository

PAGE_SIZE = 20
# How many earlier pages "Newer" can walk back through.
MAX_TRAIL = 20


@login_required
def meeting_list(request: HttpRequest) -> HttpResponse:
    """List the meetings the user may see, newest first, with live statuses."""
    filters = MeetingFilterForm(request.GET)
    if not filters.is_valid():
        filters = MeetingFilterForm()
        filters.is_valid()
    query = filters.cleaned_data
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
    except StoreUnavailable:
        return _unavailable(request)
    base = {"q": query["q"], "status": query["status"]}
    return render(
        request,
        "meetings/list.html",
        {
            "filters": filters,
            "rows": _rows(page.meetings, with_owners=request.user.is_staff),
            "older_url": _page_url(base, page.next_cursor, [*trail, query["cursor"]])
            if page.next_cursor
            else None,
            "newer_url": _page_url(base, trail[-1], trail[:-1]) if trail else None,
            "events_url": _events_url(page.meetings),
        },
    )


@login_required
def meeting_detail(request: HttpRequest, meeting_id: uuid.UUID) -> HttpResponse:
    """Show every field of a meeting, with its status live."""
    meeting = _get_or_404(request, meeting_id)
    if meeting is None:
        return _unavailable(request)
    return render(request, "meetings/detail.html", {"meeting": meeting})


@login_required
@require_http_methods(["GET", "POST"])
def meeting_create(request: HttpRequest) -> HttpResponse:
    form = MeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.create_meeting(
                get_repository(), str(request.user.pk), form.meeting_fields()
            )
        except StoreUnavailable:
            return _unavailable(request)
        messages.success(request, f"Created “{meeting.title}”.")
        return redirect("meetings:detail", meeting_id=meeting.id)
    return render(request, "meetings/form.html", {"form": form, "creating": True})


@login_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request: HttpRequest, meeting_id: uuid.UUID) -> HttpResponse:
    """Edit a meeting; if it changed since the form was loaded, show both."""
    meeting = _get_or_404(request, meeting_id)
    if meeting is None:
        return _unavailable(request)
    if request.method == "GET":
        form = MeetingForm(initial=MeetingForm.initial_for(meeting))
        return render(request, "meetings/form.html", {"form": form, "meeting": meeting})
    form = MeetingForm(request.POST)
    conflict = None
    if form.is_valid():
        try:
            saved = services.update_meeting(
                get_repository(),
                viewer_for(request.user),
                meeting_id,
                form.meeting_fields(),
                expected_version=form.cleaned_data["version"] or meeting.version,
            )
        except services.PreconditionFailed as failed:
            conflict = failed.current
        except MeetingNotFound:
            raise Http404("No such meeting.") from None
        except StoreUnavailable:
            return _unavailable(request)
        else:
            messages.success(request, f"Saved “{saved.title}”.")
            return redirect("meetings:detail", meeting_id=saved.id)
    if conflict is not None:
        # Saving again means "overwrite what is there now", knowingly.
        data = request.POST.copy()
        data["version"] = conflict.version
        form = MeetingForm(data)
        form.is_valid()
        meeting = conflict
    return render(
        request,
        "meetings/form.html",
        {"form": form, "meeting": meeting, "conflict": conflict},
        status=409 if conflict else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_delete(request: HttpRequest, meeting_id: uuid.UUID) -> HttpResponse:
    meeting = _get_or_404(request, meeting_id)
    if meeting is None:
        return _unavailable(request)
    if request.method == "GET":
        return render(request, "meetings/confirm_delete.html", {"meeting": meeting})
    version = request.POST.get("version", "")
    try:
        services.delete_meeting(
            get_repository(),
            viewer_for(request.user),
            meeting_id,
            expected_version=int(version) if version.isdigit() else meeting.version,
        )
    except services.PreconditionFailed as failed:
        messages.error(
            request, "The meeting changed since you opened this page; check it again."
        )
        return render(
            request,
            "meetings/confirm_delete.html",
            {"meeting": failed.current or meeting},
            status=409,
        )
    except MeetingNotFound:
        raise Http404("No such meeting.") from None
    except StoreUnavailable:
        return _unavailable(request)
    messages.success(request, f"Deleted “{meeting.title}”.")
    return redirect("meetings:list")


def _get_or_404(request: HttpRequest, meeting_id: uuid.UUID):
    """Return the visible meeting; None means the store is unavailable."""
    try:
        return services.get_meeting(
            get_repository(), viewer_for(request.user), meeting_id
        )
    except MeetingNotFound:
        raise Http404("No such meeting.") from None
    except StoreUnavailable:
        return None


def _unavailable(request: HttpRequest) -> HttpResponse:
    response = render(request, "meetings/unavailable.html", status=503)
    response["Retry-After"] = str(StoreUnavailable.retry_after_seconds)
    return response


def _rows(meetings, with_owners: bool) -> list[tuple]:
    """Pair each meeting with its owner's username, in one query, for staff."""
    names: dict[str, str] = {}
    if with_owners:
        ids = {m.owner_id for m in meetings if m.owner_id.isdigit()}
        users = get_user_model().objects.filter(pk__in=ids).only("username")
        names = {str(user.pk): user.get_username() for user in users}
    return [(m, names.get(m.owner_id, m.owner_id)) for m in meetings]


def _page_url(base: dict, cursor: str, trail: list[str]) -> str:
    params = [(k, v) for k, v in base.items() if v]
    if cursor:
        params.append(("cursor", cursor))
    params += [("back", entry) for entry in trail[-MAX_TRAIL:]]
    return f"{reverse('meetings:list')}?{urlencode(params)}"


def _events_url(meetings) -> str:
    if not meetings:
        return ""
    query = urlencode([("meeting", str(m.id)) for m in meetings])
    return f"{reverse('events')}?{query}"
