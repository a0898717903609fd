"""The forms the pages and the admin share: a meeting's own fields, the
confirmation of a delete, and a meeting list's search, filter and page.

The limits come from the entity (meetings.domain), so a form error shows what
the entity would refuse.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

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


class MeetingForm(forms.Form):
    """A meeting's own fields; status moves through the API (or the admin)."""

    title = forms.CharField(
        max_length=TITLE_MAX_LENGTH, validators=[no_control_characters]
    )
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=DESCRIPTION_MAX_LENGTH,
        required=False,
        strip=False,
        validators=[no_binary_characters],
    )
    scheduled_start = forms.DateTimeField(
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
    participants = forms.CharField(
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
        initial-* inputs), so that saving can tell what the user changed from
        what others changed since.

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

    def clean_description(self) -> str:
        return self.tidy_description(self.cleaned_data["description"])

    def tidy_description(self, value: str) -> str:
        # Browsers submit textarea lines with CRLF; store them as typed.
        return value.replace("\r\n", "\n")

    def clean_participants(self) -> list[str]:
        return self.tidy_participants(self.cleaned_data["participants"])

    def tidy_participants(self, value: str) -> list[str]:
        raw = value.replace(",", "\n")
        email = forms.EmailField(max_length=EMAIL_MAX_LENGTH)
        addresses = normalise_participants(
            filter(None, (line.strip() for line in raw.splitlines()))
        )
        for address in addresses:
            no_control_characters(address)
            try:
                email.clean(address)
            except forms.ValidationError:
                raise forms.ValidationError(
                    f"“{address}” is not an e-mail address."
                ) from None
        if len(addresses) > MAX_PARTICIPANTS:
            raise forms.ValidationError(
                f"At most {MAX_PARTICIPANTS} participants; you gave {len(addresses)}."
            )
        return addresses

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

    def loaded_values(self) -> dict[str, Any] | None:
        """Return the clean values the form was loaded with, by field name.

        None when the form lacks them (a form rendered before they were sent
        along): then only its version tells whether it is stale.
        """
        if not self.carries_loaded_values:
            return None
        values = {}
        for name in self.meeting_field_names():
            field, key = self.fields[name], self[name].html_initial_name
            if key not in self.data:
                return None
            raw = field.hidden_widget().value_from_datadict(self.data, self.files, key)
            try:
                value = field.clean(raw)
                tidy = getattr(self, f"tidy_{name}", None)
                values[name] = tidy(value) if tidy else value
            except ValidationError:
                return None
        return values

    def user_changed(self) -> list[str] | None:
        """Return the fields whose submitted values differ from the loaded ones.

        A field that did not validate counts as changed (the user typed in it).
        None when the form lacks its loaded values. Call after is_valid().
        """
        loaded = self.loaded_values()
        if loaded is None:
            return None
        cleaned = getattr(self, "cleaned_data", {})
        return [
            name
            for name in self.meeting_field_names()
            if name not in cleaned or not _same(name, loaded[name], cleaned[name])
        ]

    def clashes_with(self, meeting: Meeting) -> list[str]:
        """Return the fields the user changed that meeting changed too since loading,
        to another value than the user's.

        A form without its loaded values clashes (on "version") whenever the
        meeting's version moved on. Call after is_valid().
        """
        loaded, changed = self.loaded_values(), self.user_changed()
        if loaded is None or changed is None:
            version = self.submitted_version()
            stale = version is not None and version != meeting.version
            return ["version"] if stale else []
        cleaned = getattr(self, "cleaned_data", {})
        clashes = []
        for name in changed:
            attribute, value = self.attribute(name, loaded[name])
            now = getattr(meeting, attribute)
            if value == now:
                continue  # untouched since the form was loaded
            if name in cleaned:
                _, submitted = self.attribute(name, cleaned[name])
                if _same(name, now, submitted):
                    continue  # changed meanwhile to just what the user typed
            clashes.append(name)
        return clashes

    def changes_to(self, meeting: Meeting) -> dict[str, Any]:
        """Return what saving writes to meeting: the fields the user changed
        (every field, when the form lacks its loaded values) whose values differ
        from meeting's. Others' changes to the other fields are kept.
        """
        changed = self.user_changed()
        values = self.meeting_fields()
        if changed is not None:
            # A field that did not validate has no value to write.
            values = self.as_meeting_fields(
                {
                    name: self.cleaned_data[name]
                    for name in changed
                    if name in self.cleaned_data
                }
            )
        start, current = values.get("scheduled_start"), meeting.scheduled_start
        if start and current and start == current.replace(second=0, microsecond=0):
            # The input has minutes only: keep the seconds it could not show.
            values["scheduled_start"] = current
        return meeting.changes_from(values)

    def rebased_on(self, meeting: Meeting) -> dict[str, Any]:
        """Return the form's data moved onto meeting as it is now, after a conflict.

        The fields the user changed keep what they typed; the others, and the
        loaded values, take meeting's current values; the version is meeting's.
        Saving that data again writes only the user's changes, knowingly.
        """
        changed = self.user_changed()
        if changed is None:
            changed = self.meeting_field_names()
        data = self.data.copy()
        current = self.initial_for(meeting)
        for name in self.meeting_field_names():
            value = "" if current.get(name) is None else current[name]
            if name not in changed:
                data[name] = value
            data[self[name].html_initial_name] = value
        data["version"] = str(meeting.version)
        return data

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


def _same(name: str, loaded: Any, submitted: Any) -> bool:
    if name == "scheduled_start" and loaded and submitted:
        # The input shows minutes only; the loaded value may have seconds.
        return loaded.replace(second=0, microsecond=0) == submitted.replace(
            second=0, microsecond=0
        )
    return loaded == submitted


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
