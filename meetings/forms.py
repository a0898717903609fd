"""Forms of the meeting pages; their limits are the API serializers' limits."""

from __future__ import annotations

import uuid
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
from .services import MAX_SEARCH_LENGTH
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
        """Return the cleaned meeting fields in the shape the services take."""
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in self.bookkeeping
        }

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


class MeetingCreateForm(MeetingForm):
    """Create a meeting; a double-submitted (or retried) form makes one."""

    version = None
    request_id = forms.UUIDField(widget=forms.HiddenInput, required=False)

    bookkeeping = ("request_id",)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["request_id"].initial = uuid.uuid4()


class MeetingEditForm(MeetingForm):
    """Edit a meeting's own fields at the version the form was filled from."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def changes_to(self, meeting: Meeting) -> dict[str, Any]:
        """Return the fields whose cleaned values differ from meeting's."""
        changes = {}
        for name, value in self.meeting_fields().items():
            current = getattr(meeting, name)
            if name == "scheduled_start" and value and current:
                # The input has minutes only: keep seconds it could not show.
                current = current.replace(second=0, microsecond=0)
            if value != current:
                changes[name] = value
        return changes


class MeetingDeleteForm(forms.Form):
    """Confirm deleting the meeting at the version the page showed."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class MeetingFilterForm(forms.Form):
    """The list page's search box and status filter."""

    q = forms.CharField(
        required=False, max_length=MAX_SEARCH_LENGTH, label="Title contains"
    )
    status = forms.ChoiceField(
        required=False,
        choices=[("", "Any status")] + [(s.value, s.label) for s in Status],
    )
    cursor = forms.CharField(required=False, max_length=4096, widget=forms.HiddenInput)
