"""Forms of the meeting pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import EmailValidator

from .domain import (
    DESCRIPTION_MAX_LENGTH,
    MAX_DURATION_MINUTES,
    MAX_PARTICIPANTS,
    TITLE_MAX_LENGTH,
    Meeting,
    Status,
)
from .validators import no_binary_characters, no_control_characters


class MeetingForm(forms.Form):
    """Create or edit a meeting's own fields; status moves through the API."""

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
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
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

    def clean_participants(self) -> list[str]:
        raw = self.cleaned_data["participants"].replace(",", "\n")
        addresses: dict[str, str] = {}
        validate = EmailValidator()
        for address in filter(None, (line.strip() for line in raw.splitlines())):
            try:
                validate(address)
            except forms.ValidationError:
                raise forms.ValidationError(
                    f"“{address}” is not an e-mail address."
                ) from None
            addresses.setdefault(address.lower(), address)
        if len(addresses) > MAX_PARTICIPANTS:
            raise forms.ValidationError(
                f"At most {MAX_PARTICIPANTS} participants; you gave {len(addresses)}."
            )
        return list(addresses.values())

    def meeting_fields(self) -> dict[str, Any]:
        """Return the cleaned fields in the shape the services take."""
        fields = {k: v for k, v in self.cleaned_data.items() if k != "version"}
        return fields

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


class MeetingFilterForm(forms.Form):
    """The list page's search box and status filter."""

    q = forms.CharField(required=False, max_length=100, label="Title contains")
    status = forms.ChoiceField(
        required=False,
        choices=[("", "Any status")] + [(s.value, s.label) for s in Status],
    )
    cursor = forms.CharField(required=False, max_length=4096, widget=forms.HiddenInput)
