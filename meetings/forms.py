"""The meeting's own fields as a Django form, shared by the pages and the admin.

The limits come from the entity (meetings.domain), so a form error shows what
the entity would refuse.
"""

from __future__ import annotations

from typing import Any

from django import forms

from .domain import (
    DESCRIPTION_MAX_LENGTH,
    EMAIL_MAX_LENGTH,
    MAX_DURATION_MINUTES,
    MAX_PARTICIPANTS,
    TITLE_MAX_LENGTH,
    Meeting,
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
        help_text="In UTC.",
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

    def clean_description(self) -> str:
        # Browsers submit textarea lines with CRLF; store them as typed.
        return self.cleaned_data["description"].replace("\r\n", "\n")

    def clean_participants(self) -> list[str]:
        raw = self.cleaned_data["participants"].replace(",", "\n")
        email = forms.EmailField(max_length=EMAIL_MAX_LENGTH)
        addresses = normalise_participants(
            filter(None, (line.strip() for line in raw.splitlines()))
        )
        for address in addresses:
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
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in self.bookkeeping
        }

    def changes_to(self, meeting: Meeting) -> dict[str, Any]:
        """Return the cleaned meeting fields whose values differ from meeting's."""
        values = self.meeting_fields()
        start, current = values.get("scheduled_start"), meeting.scheduled_start
        if start and current and start == current.replace(second=0, microsecond=0):
            # The input has minutes only: keep the seconds it could not show.
            values["scheduled_start"] = current
        return meeting.changes_from(values)

    @classmethod
    def initial_for(cls, meeting: Meeting) -> dict[str, Any]:
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
