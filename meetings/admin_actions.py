"""The admin's bulk actions on meetings: delete selected, mark as failed.

Each ticked row carries the version the changelist showed, so an action
changes only meetings nobody has changed since, and reports how many it
changed, how many conflicted and how many it could not reach.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from . import admin_history, services
from .admin_forms import MarkFailedForm
from .domain import (
    InvalidTransition,
    Meeting,
    MeetingNotFound,
    Status,
    StoreUnavailable,
)
from .permissions import viewer_for
from .repository import get_repository

# Rows one bulk action may touch: a page is 25, a forged request no more.
MAX_SELECTION = services.MAX_PAGE_SIZE


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
class Outcome:
    """What a bulk action did to each selected meeting."""

    done: int = 0
    conflicted: int = 0
    refused: int = 0
    unreached: int = 0


class MeetingActions:
    """The actions of MeetingAdmin, which supplies has_*_permission and render."""

    actions = ("delete_selected", "mark_failed")

    def get_actions(self, request: HttpRequest) -> dict[str, tuple[Callable, str]]:
        """Return the actions the user may run, by name, with their descriptions."""
        actions = {}
        for name in self.actions:
            action = getattr(self, name)
            allowed = getattr(action, "allowed_permissions", ())
            if all(getattr(self, f"has_{p}_permission")(request) for p in allowed):
                actions[name] = (action, action.short_description)
        return actions

    def response_action(self, request: HttpRequest) -> HttpResponse:
        """Run the chosen action on the ticked rows, as the admin's changelist does."""
        name = request.POST.get("action", "")
        actions = self.get_actions(request)
        if name in self.actions and name not in actions:
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
        return action(request, selection) or back

    @admin.action(description="Delete selected meetings", permissions=["delete"])
    def delete_selected(
        self, request: HttpRequest, selection: list[Selected]
    ) -> HttpResponse | None:
        """Ask, then delete each meeting still at the version the list showed."""
        repository = get_repository()
        found = repository.get_many([s.meeting_id for s in selection], consistent=True)
        if request.POST.get("post") != "yes":
            return self.render(
                request,
                "delete_selected_confirmation.html",
                {
                    "title": "Delete meetings?",
                    "rows": _selection_rows(selection, found),
                    "action": "delete_selected",
                },
            )
        viewer = viewer_for(request.user)

        def delete(selected: Selected) -> None:
            meeting = found.get(selected.meeting_id)
            if meeting is None:
                raise MeetingNotFound(selected.meeting_id)
            services.delete_meeting(
                repository, viewer, meeting.id, expected_version=selected.version
            )
            admin_history.log_deletion(request.user, meeting)

        self._report(request, "Deleted {}.", self._each(selection, delete))
        return None

    @admin.action(
        description="Mark selected meetings as failed", permissions=["change"]
    )
    def mark_failed(
        self, request: HttpRequest, selection: list[Selected]
    ) -> HttpResponse | None:
        """Ask a reason, then fail each processing meeting still as the list showed."""
        repository = get_repository()
        form = MarkFailedForm(request.POST if "post" in request.POST else None)
        if not form.is_valid():
            ids = [s.meeting_id for s in selection]
            return self.render(
                request,
                "mark_failed.html",
                {
                    "title": "Mark meetings as failed",
                    "form": form,
                    "rows": _selection_rows(
                        selection, repository.get_many(ids, consistent=True)
                    ),
                    "action": "mark_failed",
                },
            )
        viewer = viewer_for(request.user)
        changes = {
            "status": Status.FAILED,
            "status_message": form.cleaned_data["reason"],
        }

        def fail(selected: Selected) -> None:
            meeting = services.update_meeting(
                repository,
                viewer,
                selected.meeting_id,
                changes,
                expected_version=selected.version,
            )
            admin_history.log_change(
                request.user, meeting, ["Status", "Status message"]
            )

        self._report(request, "Marked {} as failed.", self._each(selection, fail))
        return None

    def _each(
        self, selection: list[Selected], attempt: Callable[[Selected], None]
    ) -> Outcome:
        """Attempt each selected meeting, counting what became of it.

        A meeting changed or deleted since the list was loaded is a conflict
        and left alone; if the store fails, the rest are not attempted.
        """
        outcome = Outcome()
        for index, selected in enumerate(selection):
            try:
                attempt(selected)
            except (services.PreconditionFailed, MeetingNotFound):
                outcome.conflicted += 1
            except InvalidTransition:
                outcome.refused += 1
            except StoreUnavailable:
                outcome.unreached = len(selection) - index
                break
            else:
                outcome.done += 1
        return outcome

    def _report(self, request: HttpRequest, done: str, outcome: Outcome) -> None:
        """Tell how many meetings the action changed and how many conflicted."""
        parts = [done.format(_meetings(outcome.done))]
        if outcome.conflicted:
            parts.append(
                f"{_meetings(outcome.conflicted)} conflicted (changed or deleted "
                f"since the list was loaded) and {_were(outcome.conflicted)} left "
                "alone."
            )
        else:
            parts.append("None conflicted.")
        if outcome.refused:
            parts.append(
                f"{_meetings(outcome.refused)} {_were(outcome.refused)} not "
                "processing, so could not fail, and left alone."
            )
        if outcome.unreached:
            parts.append(
                f"{_meetings(outcome.unreached)} {_were(outcome.unreached)} not "
                "attempted: the meetings store is unavailable."
            )
        level = messages.SUCCESS
        if outcome.conflicted or outcome.refused:
            level = messages.WARNING
        if outcome.unreached:
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
