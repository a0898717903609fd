"""The admin's bulk actions on meetings: delete selected, mark as failed.

As Django's delete_selected, each is a plain function of (modeladmin, request,
selection). Each ticked row carries the version the changelist showed, so an
action changes only meetings nobody has changed since, and reports how many it
changed, how many conflicted and how many it could not reach.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse

from .. import services
from ..domain import (
    MAX_PAGE_SIZE,
    InvalidTransition,
    Meeting,
    MeetingNotFound,
    PreconditionFailed,
    Status,
    StoreUnavailable,
)
from .forms import MarkFailedForm

if TYPE_CHECKING:
    from .options import MeetingAdmin

# Rows one bulk action may touch: a page is 25, a forged request no more.
MAX_SELECTION = MAX_PAGE_SIZE


@dataclass(frozen=True)
class Selected:
    """A changelist row ticked for an action, at the version the list showed."""

    meeting_id: uuid.UUID
    version: int

    def __str__(self) -> str:
        return f"{self.meeting_id}:{self.version}"

    @classmethod
    def parse_all(cls, values: Iterable[str]) -> list[Selected]:
        """Return the well-formed values among the checkboxes' `<id>:<version>`."""
        selection = []
        for value in values:
            meeting_id, _, version = value.partition(":")
            try:
                selection.append(cls(uuid.UUID(meeting_id), int(version)))
            except ValueError:
                continue
        return list(dict.fromkeys(selection))


@dataclass
class BulkTally:
    """How many of a bulk action's selected meetings each end came to."""

    done: int = 0
    conflicted: int = 0
    refused: int = 0
    unreached: int = 0


@admin.action(description="Delete selected meetings", permissions=["delete"])
def delete_selected(
    modeladmin: MeetingAdmin, request: HttpRequest, selection: list[Selected]
) -> HttpResponse | None:
    """Ask, then delete each meeting still at the version the list showed."""
    viewer = services.viewer_for(request.user)
    found = services.visible_meetings(viewer, [s.meeting_id for s in selection])
    if request.POST.get("post") != "yes":
        return modeladmin.render(
            request,
            "delete_selected_confirmation.html",
            {
                "title": "Delete meetings?",
                "rows": _selection_rows(selection, found),
                "action": "delete_selected",
            },
        )

    def delete(selected: Selected) -> None:
        if selected.meeting_id not in found:
            raise MeetingNotFound(selected.meeting_id)
        deleted = services.delete_meeting(
            viewer, selected.meeting_id, expected_version=selected.version
        )
        modeladmin.log_deletion(request, deleted)

    _report(request, "Deleted {}.", _each(selection, delete))
    return None


@admin.action(description="Mark selected meetings as failed", permissions=["change"])
def mark_failed(
    modeladmin: MeetingAdmin, request: HttpRequest, selection: list[Selected]
) -> HttpResponse | None:
    """Ask a reason, then fail each processing meeting still as the list showed."""
    viewer = services.viewer_for(request.user)
    found = services.visible_meetings(viewer, [s.meeting_id for s in selection])
    rows = _selection_rows(selection, found)
    if not any(row["can_fail"] and not row["changed"] for row in rows):
        # Nothing would fail, so there is no reason to ask for.
        messages.warning(
            request,
            f"None of the {_meetings(len(selection))} selected can fail: only a "
            "processing (or failed) meeting, unchanged since the list was "
            "loaded, can. Nothing was changed.",
        )
        return None
    form = MarkFailedForm(request.POST if "post" in request.POST else None)
    if not form.is_valid():
        return modeladmin.render(
            request,
            "mark_failed.html",
            {
                "title": "Mark meetings as failed",
                "form": form,
                "rows": rows,
                "action": "mark_failed",
            },
        )
    changes = {"status": Status.FAILED, "status_message": form.cleaned_data["reason"]}

    def fail(selected: Selected) -> None:
        meeting = services.update_meeting(
            viewer, selected.meeting_id, changes, expected_version=selected.version
        )
        modeladmin.log_change(request, meeting, ["Status", "Status message"])

    _report(request, "Marked {} as failed.", _each(selection, fail))
    return None


def _each(selection: list[Selected], attempt: Callable[[Selected], None]) -> BulkTally:
    """Attempt each selected meeting, counting what became of it.

    A meeting changed or deleted since the list was loaded is a conflict
    and left alone; if the store fails, the rest are not attempted.
    """
    tally = BulkTally()
    for index, selected in enumerate(selection):
        try:
            attempt(selected)
        except (PreconditionFailed, MeetingNotFound):
            tally.conflicted += 1
        except InvalidTransition:
            tally.refused += 1
        except StoreUnavailable:
            tally.unreached = len(selection) - index
            break
        else:
            tally.done += 1
    return tally


def _report(request: HttpRequest, done: str, tally: BulkTally) -> None:
    """Tell how many meetings the action changed and how many conflicted."""
    parts = [done.format(_meetings(tally.done))]
    if tally.conflicted:
        parts.append(
            f"{_meetings(tally.conflicted)} conflicted (changed or deleted "
            f"since the list was loaded) and {_were(tally.conflicted)} left alone."
        )
    else:
        parts.append("None conflicted.")
    if tally.refused:
        parts.append(
            f"{_meetings(tally.refused)} {_were(tally.refused)} not "
            "processing, so could not fail, and left alone."
        )
    if tally.unreached:
        parts.append(
            f"{_meetings(tally.unreached)} {_were(tally.unreached)} not "
            "attempted: the meetings store is unavailable."
        )
    level = messages.SUCCESS
    if tally.conflicted or tally.refused:
        level = messages.WARNING
    if tally.unreached:
        level = messages.ERROR
    messages.add_message(request, level, " ".join(parts))


def _selection_rows(
    selection: list[Selected], found: dict[uuid.UUID, Meeting]
) -> list[dict]:
    """Return each selected row with its meeting as stored now, if any."""
    rows = []
    for selected in selection:
        meeting = found.get(selected.meeting_id)
        rows.append(
            {
                "selected": selected,
                "meeting": meeting,
                "changed": meeting is not None and meeting.version != selected.version,
                "can_fail": meeting is not None
                and meeting.can_transition_to(Status.FAILED),
            }
        )
    return rows


def _meetings(count: int) -> str:
    return f"{count} meeting{'' if count == 1 else 's'}"


def _were(count: int) -> str:
    return "was" if count == 1 else "were"
