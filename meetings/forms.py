"""The meeting forms the pages and the admin share.

A meeting's own fields, the confirmation of a delete, and a meeting list's
search, filter, page (and, on the list page, order).

The limits come from the entity (meetings.domain), so a form error shows what
the entity would refuse. The fields read input as the entity keeps it, and
say what counts as a change (Field.has_changed): textarea lines as typed, the
participants as a list without repeats, and times to the minute the input
shows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from . import indexing
from .domain import (
    DESCRIPTION_MAX_LENGTH,
    EMAIL_MAX_LENGTH,
    MAX_CURSOR_LENGTH,
    MAX_DURATION_MINUTES,
    MAX_PARTICIPANTS,
    MAX_SEARCH_LENGTH,
    TITLE_MAX_LENGTH,
    Meeting,
    Status,
    normalise_participants,
)
from .validators import no_binary_characters, no_control_characters


class TextareaField(forms.CharField):
    """Text from a textarea, its lines as typed: browsers submit them with CRLF."""

    def to_python(self, value: Any) -> str:
        return super().to_python(value).replace("\r\n", "\n")


class MinuteDateTimeField(forms.DateTimeField):
    """A time from a datetime-local input, which shows minutes only: the seconds
    of a value it could not show are no change."""

    def has_changed(self, initial: Any, data: Any) -> bool:
        if self.disabled:
            return False
        try:
            before, after = self.to_python(initial), self.to_python(data)
        except ValidationError:
            return True
        return _to_the_minute(before) != _to_the_minute(after)


class ParticipantsField(forms.CharField):
    """E-mail addresses, one per line or comma-separated, read as a list without
    repeats (the entity's normalise_participants)."""

    def to_python(self, value: Any) -> list[str]:
        if isinstance(value, list | tuple):
            value = "\n".join(value)  # a clean value, read again
        raw = (super().to_python(value) or "").replace(",", "\n")
        return normalise_participants(
            filter(None, (line.strip() for line in raw.splitlines()))
        )

    def validate(self, value: list[str]) -> None:
        super().validate(value)
        email = forms.EmailField(max_length=EMAIL_MAX_LENGTH)
        for address in value:
            no_control_characters(address)
            try:
                email.clean(address)
            except ValidationError:
                raise ValidationError(
                    f"“{address}” is not an e-mail address."
                ) from None
        if len(value) > MAX_PARTICIPANTS:
            raise ValidationError(
                f"At most {MAX_PARTICIPANTS} participants; you gave {len(value)}."
            )

    def has_changed(self, initial: Any, data: Any) -> bool:
        # initial is text (initial_for) or a list (a hidden initial input, read).
        return super().has_changed(self.to_python(initial), data)


def _to_the_minute(value: datetime | None) -> datetime | None:
    return value and value.replace(second=0, microsecond=0)


class MeetingForm(forms.Form):
    """A meeting's own fields; status moves through the API (or the admin)."""

    title = forms.CharField(
        max_length=TITLE_MAX_LENGTH, validators=[no_control_characters]
    )
    description = TextareaField(
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=DESCRIPTION_MAX_LENGTH,
        required=False,
        strip=False,
        validators=[no_binary_characters],
    )
    scheduled_start = MinuteDateTimeField(
        required=False,
        # The value format datetime-local inputs read and write.
        widget=forms.DateTimeInput(
            format="%Y-%m-%dT%H:%M", attrs={"type": "datetime-local"}
        ),
        help_text="In UTC.",  # The form names the zone in use; see __init__.
    )
    duration_minutes = forms.IntegerField(
        required=False, min_value=1, max_value=MAX_DURATION_MINUTES
    )
    participants = ParticipantsField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=f"E-mail addresses, one per line or comma-separated; at most "
        f"{MAX_PARTICIPANTS}.",
    )
    # The version the form was filled from: saving a newer meeting is a conflict.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    # Fields about the submission rather than the meeting.
    bookkeeping = ("version",)

    @property
    def carries_loaded_values(self) -> bool:
        """Return whether the form carries the values it was loaded with (hidden
        initial-* inputs), so that changed_data tells what the user changed from
        what others changed since (meetings.web.editing).

        A form without a version creates a meeting: it has loaded nothing.
        """
        return "version" in self.base_fields

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Times are shown and read in the current time zone (the user's, where
        # the view knows it): say which.
        zone = timezone.get_current_timezone_name()
        self.fields["scheduled_start"].help_text = (
            "In UTC." if zone == "UTC" else f"In your time zone, {zone}."
        )
        if self.carries_loaded_values:
            for name in self.meeting_field_names():
                self.fields[name].show_hidden_initial = True

    def meeting_field_names(self) -> list[str]:
        """Return the names of the fields that hold the meeting's values."""
        return [name for name in self.fields if name not in self.bookkeeping]

    def lacks_loaded_values(self) -> bool:
        """Return whether the data lacks the values the form was loaded with (a
        form rendered before they were sent along): then only its version
        tells whether it is stale."""
        if not self.carries_loaded_values:
            return True
        return any(
            self[name]
            .field.hidden_widget()
            .value_omitted_from_data(
                self.data, self.files, self[name].html_initial_name
            )
            for name in self.meeting_field_names()
        )

    def user_changed(self) -> list[str]:
        """Return the meeting fields the user changed: those in changed_data, or
        every one when the form lacks its loaded values."""
        if self.lacks_loaded_values():
            return self.meeting_field_names()
        return [name for name in self.changed_data if name not in self.bookkeeping]

    def meeting_fields(self) -> dict[str, Any]:
        """Return the cleaned meeting fields in the shape the services take."""
        return self.as_meeting_fields(self.cleaned_data)

    def as_meeting_fields(self, values: dict[str, Any]) -> dict[str, Any]:
        """Return the meeting fields of values, by meeting attribute."""
        return dict(
            self.attribute(name, value)
            for name, value in values.items()
            if name not in self.bookkeeping
        )

    def attribute(self, name: str, value: Any) -> tuple[str, Any]:
        """Return the meeting attribute a field's clean value goes to, and its value."""
        return name, value

    def submitted_version(self) -> int | None:
        """Return the version the form was loaded at, or None when it is missing."""
        if "version" not in self.fields:
            return None
        try:
            return self.fields["version"].clean(self["version"].data)
        except ValidationError:
            return None

    def differing(self, meeting: Meeting, names: list[str]) -> list[str]:
        """Return those of names whose submitted values differ from meeting's,
        as each field reads them (to the minute, say)."""
        current = self.initial_for(meeting)
        return [
            name
            for name in names
            if self.fields[name].has_changed(current[name], self[name].data)
        ]

    def changes_to(self, meeting: Meeting) -> dict[str, Any]:
        """Return what saving writes to meeting: the fields the user changed
        whose values differ from meeting's. Others' changes to the other fields
        are kept. A field that did not validate has no value to write.
        """
        valid = [name for name in self.user_changed() if name in self.cleaned_data]
        values = {
            name: self.cleaned_data[name] for name in self.differing(meeting, valid)
        }
        return meeting.changes_from(self.as_meeting_fields(values))

    @classmethod
    def initial_for(cls, meeting: Meeting) -> dict[str, Any]:
        """Return the form's initial values for meeting, by field name."""
        return {
            "title": meeting.title,
            "description": meeting.description,
            "scheduled_start": meeting.scheduled_start,
            "duration_minutes": meeting.duration_minutes,
            "participants": "\n".join(meeting.participants),
            "version": meeting.version,
        }


class MeetingDeleteForm(forms.Form):
    """Confirm deleting the meeting at the version the page showed."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class MeetingListForm(forms.Form):
    """A meeting list's title search, status filter and page cursor.

    A malformed parameter (an unknown status, say) is ignored, not an error.
    """

    q = forms.CharField(
        required=False, max_length=MAX_SEARCH_LENGTH, label="Title contains"
    )
    status = forms.TypedChoiceField(
        required=False,
        choices=[("", "Any status"), *Status.choices()],
        coerce=Status,
        empty_value=None,
    )
    cursor = forms.CharField(
        required=False, max_length=MAX_CURSOR_LENGTH, widget=forms.HiddenInput
    )

    def query(self) -> dict[str, Any]:
        """Return each parameter's clean value, or None when empty or invalid."""
        self.is_valid()
        return {name: self.cleaned_data.get(name) or None for name in self.fields}


class OrderedMeetingListForm(MeetingListForm):
    """The list page's form: a meeting list's, and its order.

    The orders are those meetings.indexing offers here (only the default
    without a search index); any other is ignored, as a malformed filter is.
    """

    sort = forms.ChoiceField(required=False, label="Order")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sort"].choices = indexing.sort_choices()
