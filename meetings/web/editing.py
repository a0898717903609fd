"""Writing through a form, against a meeting others may be writing.

An edit is saved with a three-way merge (the user's changes, others' since the
form was loaded, and the meeting now); a delete at the version its
confirmation showed; a create refused for the user's quota; and the words each
says.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.contrib import messages
from django.http import HttpRequest, HttpResponse

from .. import services
from ..domain import (
    CreateQuotaExceeded,
    InvalidChange,
    Meeting,
    MeetingNotFound,
    PreconditionFailed,
    Viewer,
)
from ..forms import MeetingDeleteForm, MeetingForm
from ..http import retry_after
from ..retries import FORM_SAVE

EDIT_CONFLICT = "This meeting changed since you opened the form; nothing was saved."
DELETE_CONFLICT = (
    "The meeting changed since this page was opened; nothing was deleted. "
    "Check it below, then delete it again if you still mean to."
)
INCOMPLETE_DELETE = "The form was incomplete; nothing was deleted."


class SaveOutcome(enum.Enum):
    """Which way saving an edit form went; Edit carries it with the form."""

    SAVED = "saved"
    UNCHANGED = "unchanged"  # valid, and nothing to write
    INVALID = "invalid"
    CONFLICT = "conflict"


@dataclass(frozen=True)
class Edit[F: MeetingForm]:
    """What saving an edit form came to.

    meeting is the meeting as saved, or as last read. form is the form that was
    saved, or the one to show again: with its errors, or after a conflict with
    the user's changes moved onto meeting, clashing naming (by label) the
    fields both changed.
    """

    outcome: SaveOutcome
    form: F
    meeting: Meeting
    clashing: tuple[str, ...] = ()


def save_edit[F: MeetingForm](
    viewer: Viewer,
    meeting: Meeting,
    data: Mapping[str, Any],
    bind: Callable[[Mapping[str, Any], Meeting], F],
) -> Edit[F]:
    """Save the fields the user changed in data (an edit form loaded from meeting).

    bind(data, meeting) makes the form, checked against meeting as it is now.
    If a field the user changed was changed meanwhile too, nothing is saved and
    the form comes back rebased; others' changes to the other fields are kept.
    A meeting deleted meanwhile raises MeetingNotFound.
    """
    for _ in range(FORM_SAVE.attempts):
        form = bind(data, meeting)
        valid = form.is_valid()
        # A clash comes before any other error, so nobody is told a change is
        # refused because of a value they never saw.
        clashes = clashing_fields(form, meeting)
        if clashes:
            return _rebased(form, meeting, clashes, bind)
        if not valid:
            return Edit(SaveOutcome.INVALID, form, meeting)
        changes = form.changes_to(meeting)
        if not changes:
            # Nothing to write: the version stays, and so do the streams.
            return Edit(SaveOutcome.UNCHANGED, form, meeting)
        try:
            saved = services.update_meeting(
                viewer, meeting.id, changes, expected_version=meeting.version
            )
        except PreconditionFailed as failed:
            if failed.current is None:
                raise MeetingNotFound(meeting.id) from None
            # Written meanwhile: check the user's changes against it again.
            meeting = failed.current
            continue
        except InvalidChange as error:
            form.add_error(None, error.message)
            return Edit(SaveOutcome.INVALID, form, meeting)
        return Edit(SaveOutcome.SAVED, form, saved)
    return _rebased(form, meeting, [], bind)


def clashing_fields(form: MeetingForm, meeting: Meeting) -> list[str]:
    """Return the fields the user changed that meeting changed too since the
    form was loaded, to another value than the user's.

    A form without its loaded values clashes (on "version") whenever the
    meeting's version moved on. Call after form.is_valid().
    """
    if form.lacks_loaded_values():
        version = form.submitted_version()
        stale = version is not None and version != meeting.version
        return ["version"] if stale else []
    changed = form.user_changed()
    # Changed meanwhile to just what the user typed is no clash; a value that
    # did not validate cannot be that, so it clashes.
    valid = [name for name in changed if name in getattr(form, "cleaned_data", {})]
    agreed = set(valid) - set(form.differing(meeting, valid))
    moved = _changed_since_loaded(form, meeting, changed)
    return [name for name in moved if name not in agreed]


def _changed_since_loaded(
    form: MeetingForm, meeting: Meeting, names: list[str]
) -> list[str]:
    """Return those of names whose values in meeting differ from the ones the
    form was loaded with (its hidden initial-* inputs), as each field reads
    them."""
    current = form.initial_for(meeting)
    moved = []
    for name in names:
        field, key = form.fields[name], form[name].html_initial_name
        loaded = field.hidden_widget().value_from_datadict(form.data, form.files, key)
        if field.has_changed(current[name], loaded):
            moved.append(name)
    return moved


def rebased_data(form: MeetingForm, meeting: Meeting) -> dict[str, Any]:
    """Return the form's data moved onto meeting as it is now, after a conflict.

    The fields the user changed keep what they typed; the others, and the
    loaded values, take meeting's current values; the version is meeting's.
    Saving that data again writes only the user's changes, knowingly.
    """
    changed = form.user_changed()
    data = form.data.copy()
    current = form.initial_for(meeting)
    for name in form.meeting_field_names():
        value = "" if current.get(name) is None else current[name]
        if name not in changed:
            data[name] = value
        data[form[name].html_initial_name] = value
    data["version"] = str(meeting.version)
    return data


def _rebased[F: MeetingForm](
    form: F,
    current: Meeting,
    clashes: list[str],
    bind: Callable[[Mapping[str, Any], Meeting], F],
) -> Edit[F]:
    """Return the conflict: what the user changed, now at current's version."""
    # The fields the user changed keep what they typed; the others show the
    # current values, so saving again writes only the user's changes, knowingly.
    rebased = bind(rebased_data(form, current), current)
    # Validated against the current meeting: a change its values no longer
    # allow (a status step, say) shows as an error before any second save.
    rebased.is_valid()
    labels = [str(rebased[name].label) for name in clashes if name in rebased.fields]
    return Edit(SaveOutcome.CONFLICT, rebased, current, tuple(labels))


def conflict_notice(clashing: Sequence[str]) -> dict[str, str]:
    """Return what an edit conflict page says, for its template's context."""
    also = f"Someone else changed {', '.join(clashing)} too." if clashing else ""
    return {"conflict_message": EDIT_CONFLICT, "clashing_message": also}


class Refusal(NamedTuple):
    """A delete not done: the meeting to ask about again, and the page's status."""

    meeting: Meeting
    status: int


def delete_confirmed(
    request: HttpRequest, viewer: Viewer, meeting: Meeting
) -> Refusal | None:
    """Delete meeting at the version its confirmation form showed.

    Return None once it is gone. Otherwise say why in the messages and return
    what to ask about again: an incomplete form (400), or the meeting as it is
    now when it changed since the form was shown (409).
    """
    form = MeetingDeleteForm(request.POST)
    if not form.is_valid():
        messages.error(request, INCOMPLETE_DELETE)
        return Refusal(meeting, 400)
    try:
        services.delete_meeting(
            viewer, meeting.id, expected_version=form.cleaned_data["version"]
        )
    except PreconditionFailed as failed:
        messages.error(request, DELETE_CONFLICT)
        return Refusal(failed.current or meeting, 409)
    return None


def refused_for_quota(
    form: MeetingForm,
    error: CreateQuotaExceeded,
    page: Callable[[], HttpResponse],
) -> HttpResponse:
    """Return the form's page again, saying the user's create quota is spent.

    What the user typed stays in the form; the answer is a 429 that says when
    to try again, as the API's is.
    """
    form.add_error(None, error.message)
    response = page()
    response.status_code = 429
    response["Retry-After"] = str(retry_after(error))
    return response
