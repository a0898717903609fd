"""The meeting form's fields: what each reads, and what counts as a change."""

from __future__ import annotations

from datetime import UTC, datetime

from meetings.domain import Meeting
from meetings.forms import MeetingForm, MinuteDateTimeField, ParticipantsField
from meetings.pages.forms import MeetingEditForm

START = datetime(2030, 1, 15, 9, 0, 42, tzinfo=UTC)


def test_descriptions_keep_their_lines_as_typed_not_as_browsers_send_them():
    form = MeetingForm({"title": "Sync", "description": "one\r\ntwo\r\n"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["description"] == "one\ntwo\n"
    field = form.fields["description"]
    assert not field.has_changed("one\ntwo", "one\r\ntwo")


def test_a_time_to_the_minute_is_no_change_of_its_seconds():
    field = MinuteDateTimeField()
    assert not field.has_changed(START, "2030-01-15T09:00")
    assert field.has_changed(START, "2030-01-15T09:01")
    assert field.has_changed(None, "2030-01-15T09:00")
    assert not field.has_changed(None, "")
    assert field.has_changed(START, "not a time")


def test_participants_read_as_a_list_without_repeats():
    field = ParticipantsField(required=False)
    assert field.clean("a@example.com, B@example.com\nb@example.com\n\n") == [
        "a@example.com",
        "B@example.com",
    ]
    # As the entity keeps them, from text or from a list: first spelling kept.
    assert not field.has_changed(
        "a@example.com\nb@example.com", "a@example.com,b@example.com"
    )
    assert not field.has_changed(["a@example.com"], "a@example.com, A@example.com")
    assert field.has_changed("a@example.com", "a@example.com, c@example.com")


def test_participants_name_the_address_that_is_not_one():
    form = MeetingForm({"title": "Sync", "participants": "a@example.com, nope"})
    assert form.errors["participants"] == ["“nope” is not an e-mail address."]


def loaded(meeting: Meeting, **typed) -> dict:
    """Return what the edit form posts as loaded from meeting, with typed."""
    values = {
        k: "" if v is None else v
        for k, v in MeetingEditForm.initial_for(meeting).items()
    }
    data = {f"initial-{k}": v for k, v in values.items() if k != "version"}
    return {**data, **values, "scheduled_start": "2030-01-15T09:00", **typed}


def test_the_user_changed_what_differs_from_the_values_the_form_was_loaded_with():
    meeting = Meeting(
        owner_id="1",
        title="Sync",
        scheduled_start=START,
        participants=["a@example.com"],
    )
    untouched = MeetingEditForm(loaded(meeting))
    assert untouched.is_valid(), untouched.errors
    assert not untouched.lacks_loaded_values()
    assert untouched.user_changed() == []
    assert untouched.changes_to(meeting) == {}
    typed = MeetingEditForm(
        loaded(meeting, title="Renamed", participants="a@example.com\r\nA@example.com")
    )
    assert typed.is_valid(), typed.errors
    assert typed.user_changed() == ["title"]
    assert typed.changes_to(meeting) == {"title": "Renamed"}


def test_a_form_without_its_loaded_values_takes_every_field_as_changed():
    meeting = Meeting(owner_id="1", title="Sync")
    data = {k: v for k, v in loaded(meeting).items() if not k.startswith("initial-")}
    form = MeetingEditForm({**data, "scheduled_start": "", "description": "New"})
    assert form.is_valid(), form.errors
    assert form.lacks_loaded_values()
    assert form.user_changed() == form.meeting_field_names()
    assert form.changes_to(meeting) == {"description": "New"}
