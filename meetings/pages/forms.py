"""Forms of the meeting pages: create, edit, and the list's filters."""

from __future__ import annotations

import uuid

from django import forms

from ..domain import MAX_SEARCH_LENGTH, Status
from ..forms import MeetingForm


class MeetingCreateForm(MeetingForm):
    """Create a meeting; a double-submitted (or retried) form makes one."""

    version = None
    carries_loaded_values = False
    request_id = forms.UUIDField(widget=forms.HiddenInput, required=False)

    bookkeeping = ("request_id",)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["request_id"].initial = uuid.uuid4()


class MeetingEditForm(MeetingForm):
    """Edit a meeting's own fields at the version the form was filled from."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class MeetingFilterForm(forms.Form):
    """The list page's search box and status filter."""

    q = forms.CharField(
        required=False, max_length=MAX_SEARCH_LENGTH, label="Title contains"
    )
    status = forms.ChoiceField(
        required=False,
        choices=[("", "Any status"), *Status.choices()],
    )
    cursor = forms.CharField(required=False, max_length=4096, widget=forms.HiddenInput)
