"""The admin's meeting forms: lifecycle rules, changes, staleness, owners."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from meetings.admin.forms import (
    ChangeListForm,
    MeetingAddForm,
    MeetingChangeForm,
)
from meetings.domain import Meeting, Status
from meetings.web.editing import clashing_fields, rebased_data

pytestmark = [pytest.mark.django_db, pytest.mark.orm]


def meeting_of(owner, **fields) -> Meeting:
    return Meeting(owner_id=str(owner.pk), title="Sync", **fields)


def data_for(meeting: Meeting, **overrides) -> dict:
    """Return what a browser submits for the unchanged form, with overrides."""
    data = {
        name: value
        for name, value in MeetingChangeForm.initial_for(meeting).items()
        if value is not None
    }
    if meeting.scheduled_start:
        # As the datetime-local input shows it: to the minute.
        data["scheduled_start"] = meeting.scheduled_start.strftime("%Y-%m-%dT%H:%M")
    return {**data, **overrides}


def test_the_status_select_offers_only_the_next_steps(alice):
    form = MeetingChangeForm(meeting=meeting_of(alice, status=Status.PROCESSING))
    offered = [value for value, _ in form.fields["status"].widget.choices]
    assert offered == ["processing", "completed", "failed"]
    final = MeetingChangeForm(meeting=meeting_of(alice, status=Status.COMPLETED))
    assert [v for v, _ in final.fields["status"].widget.choices] == ["completed"]
    assert "is final" in final.fields["status"].help_text
    refused = MeetingChangeForm(
        data_for(final.meeting, status="failed"), meeting=final.meeting
    )
    assert refused.errors["status"] == [
        "Cannot change the status from “Completed” to “Failed”; “Completed” is final."
    ]


def test_a_refused_step_is_a_status_error_naming_the_allowed_ones(alice):
    meeting = meeting_of(alice)
    form = MeetingChangeForm(data_for(meeting, status="completed"), meeting=meeting)
    assert not form.is_valid()
    assert form.errors["status"] == [
        "Cannot change the status from “Scheduled” to “Completed”; from "
        "“Scheduled” it can only go to “In progress”."
    ]


def test_progress_outside_processing_is_a_progress_error(alice):
    meeting = meeting_of(alice, status=Status.UPLOADED)
    form = MeetingChangeForm(data_for(meeting, progress=40), meeting=meeting)
    assert not form.is_valid()
    assert "only change while the meeting is processing" in form.errors["progress"][0]
    moving = MeetingChangeForm(
        data_for(meeting, status="processing", progress=40), meeting=meeting
    )
    assert moving.is_valid(), moving.errors
    assert moving.changes() == {"status": Status.PROCESSING, "progress": 40}


def test_changes_hold_only_what_differs(alice, bob):
    start = datetime(2030, 1, 15, 9, 0, 42, tzinfo=UTC)
    meeting = meeting_of(alice, scheduled_start=start, participants=["a@example.com"])
    untouched = MeetingChangeForm(data_for(meeting), meeting=meeting)
    assert untouched.is_valid(), untouched.errors
    # The input shows minutes only; the seconds it could not show are no change.
    assert untouched.changes() == {}
    moved = MeetingChangeForm(
        data_for(meeting, title="Renamed", owner=bob.pk, status="in_progress"),
        meeting=meeting,
    )
    assert moved.is_valid(), moved.errors
    assert moved.changes() == {
        "title": "Renamed",
        "owner_id": str(bob.pk),
        "status": Status.IN_PROGRESS,
    }
    assert moved.changed_labels() == ["Title", "Owner", "Status"]


def test_a_form_without_its_loaded_values_from_another_version_clashes(alice):
    meeting = meeting_of(alice, version=3)
    stale = MeetingChangeForm(data_for(meeting, version=2), meeting=meeting)
    stale.is_valid()
    assert clashing_fields(stale, meeting) == ["version"]
    current = MeetingChangeForm(data_for(meeting), meeting=meeting)
    current.is_valid()
    assert clashing_fields(current, meeting) == []
    missing = data_for(meeting)
    del missing["version"]
    form = MeetingChangeForm(missing, meeting=meeting)
    assert not form.is_valid() and clashing_fields(form, meeting) == []
    assert "lacks the version" in form.errors["version"][0]


def loaded_data(meeting: Meeting, **overrides) -> dict:
    """Return the unchanged form's data with its loaded (initial-*) values."""
    loaded = {
        f"initial-{name}": "" if value is None else value
        for name, value in MeetingChangeForm.initial_for(meeting).items()
        if name != "version"
    }
    return {**data_for(meeting), **loaded, **overrides}


def test_only_the_fields_the_user_changed_count_and_clash(alice):
    start = datetime(2030, 1, 15, 9, 0, 42, tzinfo=UTC)
    loaded = meeting_of(alice, scheduled_start=start, status=Status.PROCESSING)
    now = Meeting(
        owner_id=str(alice.pk),
        id=loaded.id,
        title="Theirs",
        scheduled_start=start,
        status=Status.PROCESSING,
        progress=60,
        status_message="Transcribing",
        version=4,
    )
    # The user changed the description only: no clash, and only it is written.
    form = MeetingChangeForm(
        loaded_data(loaded, version=1, description="New agenda"), meeting=now
    )
    assert form.is_valid(), form.errors
    assert form.user_changed() == ["description"]
    assert clashing_fields(form, now) == []
    assert form.changes() == {"description": "New agenda"}
    # The user changed the title too, which the meeting changed since: a clash.
    both = MeetingChangeForm(
        loaded_data(loaded, version=1, title="Mine", description="New agenda"),
        meeting=now,
    )
    both.is_valid()
    assert clashing_fields(both, now) == ["title"]
    # Changed meanwhile to just what the user typed is no clash.
    same = MeetingChangeForm(
        loaded_data(loaded, version=1, title="Theirs"), meeting=now
    )
    same.is_valid()
    assert clashing_fields(same, now) == [] and same.changes() == {}
    # After the clash the form keeps the user's fields and takes the others now.
    rebased = rebased_data(both, now)
    assert rebased["title"] == "Mine" and rebased["description"] == "New agenda"
    assert rebased["status_message"] == "Transcribing" and rebased["progress"] == 60
    assert rebased["initial-title"] == "Theirs" and rebased["version"] == "4"


def test_a_deactivated_owner_stays_a_choice_but_is_not_offered_to_others(alice, bob):
    bob.is_active = False
    bob.save()
    owned = MeetingChangeForm(meeting=meeting_of(bob))
    assert bob in owned.fields["owner"].queryset
    other = MeetingAddForm()
    assert list(other.fields["owner"].queryset) == [alice]


def test_the_add_form_has_no_status_fields_and_names_the_owner(alice):
    form = MeetingAddForm(
        {"title": "Kickoff", "owner": alice.pk, "participants": "a@example.com"}
    )
    assert form.is_valid(), form.errors
    assert not {"status", "progress", "status_message", "version"} & set(form.fields)
    assert form.meeting_fields() == {
        "title": "Kickoff",
        "owner_id": str(alice.pk),
        "description": "",
        "scheduled_start": None,
        "duration_minutes": None,
        "participants": ["a@example.com"],
    }


def test_the_changelist_form_ignores_what_is_malformed():
    query = ChangeListForm({"q": "x" * 500, "status": "bogus", "owner": "7"}).query()
    assert query == {"q": None, "status": None, "owner": "7", "cursor": None}
    assert ChangeListForm({"status": "failed"}).query()["status"] is Status.FAILED


def test_owner_pk_refuses_what_cannot_be_a_user_pk():
    from meetings.services import owner_pk

    assert owner_pk("42") == 42
    assert owner_pk("api-client") is None
    assert owner_pk("") is None
