"""Forms of the admin's meeting views."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model

from .domain import (
    ALLOWED_TRANSITIONS,
    STATUS_MESSAGE_MAX_LENGTH,
    Meeting,
    Status,
)
from .forms import MeetingForm
from .validators import no_binary_characters

# Form field → the label the admin's history uses for it.
FIELD_LABELS = {
    "title": "Title",
    "description": "Description",
    "scheduled_start": "Scheduled start",
    "duration_minutes": "Duration",
    "participants": "Participants",
    "owner_id": "Owner",
    "status": "Status",
    "progress": "Progress",
    "status_message": "Status message",
}


class OwnerField(forms.ModelChoiceField):
    def label_from_instance(self, user) -> str:
        return user.get_username()


class MeetingAdminForm(MeetingForm):
    """Every field of a meeting; status only along the allowed transitions."""

    owner = OwnerField(queryset=get_user_model().objects.none())
    status = forms.ChoiceField(choices=[(s.value, s.label) for s in Status])
    progress = forms.IntegerField(min_value=0, max_value=100, required=False)
    status_message = forms.CharField(
        max_length=STATUS_MESSAGE_MAX_LENGTH,
        required=False,
        validators=[no_binary_characters],
    )

    def __init__(self, *args: Any, meeting: Meeting | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.meeting = meeting
        self.fields["owner"].queryset = (
            get_user_model().objects.filter(is_active=True).order_by("username")
        )
        if meeting is None:
            # New meetings start scheduled; status moves once they exist.
            for name in ("status", "progress", "status_message"):
                del self.fields[name]
        else:
            reachable = [meeting.status, *sorted(ALLOWED_TRANSITIONS[meeting.status])]
            self.fields["status"].choices = [(s.value, s.label) for s in reachable]
            self.fields["status"].help_text = "Only the next steps of the lifecycle."

    def clean_status(self) -> str:
        status = Status(self.cleaned_data["status"])
        if self.meeting is not None and not self.meeting.can_transition_to(status):
            raise forms.ValidationError(
                f"Cannot change status from “{self.meeting.status.label}” to "
                f"“{status.label}”."
            )
        return status

    def changes(self) -> dict[str, Any]:
        """Return the fields to store, status fields included when present."""
        fields = self.meeting_fields()
        fields["owner_id"] = str(fields.pop("owner").pk)
        # Progress is sent back unchanged with every form; only a new value is
        # a progress report (a transition may set it too, e.g. completed → 100).
        if self.meeting is None or fields.get("progress") in (
            None,
            self.meeting.progress,
        ):
            fields.pop("progress", None)
        return fields

    def changed_labels(self, before: Meeting) -> list[str]:
        """Return the history labels of the fields whose values differ from before."""
        changes = self.changes()
        return [
            FIELD_LABELS[name]
            for name, value in changes.items()
            if name in FIELD_LABELS and getattr(before, name) != value
        ]

    @classmethod
    def initial_for(cls, meeting: Meeting) -> dict[str, Any]:
        initial = super().initial_for(meeting)
        initial.update(
            owner=meeting.owner_id if meeting.owner_id.isdigit() else None,
            status=meeting.status.value,
            progress=meeting.progress,
            status_message=meeting.status_message,
        )
        return initial


class MarkFailedForm(forms.Form):
    reason = forms.CharField(
        max_length=STATUS_MESSAGE_MAX_LENGTH,
        validators=[no_binary_characters],
        help_text="Shown as the status message of each meeting.",
    )
