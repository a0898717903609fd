"""Forms of the meeting pages: create and edit; the list's is in meetings.forms."""

from __future__ import annotations

import uuid

from django import forms

from ..forms import MeetingForm


class MeetingCreateForm(MeetingForm):
    """Create a meeting; a double-submitted (or retried) form makes one."""

    version = None  # a new meeting: no version, no loaded values
    request_id = forms.UUIDField(widget=forms.HiddenInput, required=False)

    bookkeeping = ("request_id",)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["request_id"].initial = uuid.uuid4()


class MeetingEditForm(MeetingForm):
    """Edit a meeting's own fields at the version the form was filled from."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
