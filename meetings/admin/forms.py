"""Forms of the admin's meeting views."""

from __future__ import annotations

import copy
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q

from .. import services
from ..domain import (
    ALLOWED_TRANSITIONS,
    OWNER_ID_MAX_LENGTH,
    PROGRESS_MAX,
    PROGRESS_MIN,
    STATUS_MESSAGE_MAX_LENGTH,
    InvalidChange,
    InvalidTransition,
    Meeting,
    Status,
)
from ..forms import MeetingForm, MeetingListForm
from ..validators import no_binary_characters
from .owners import MAX_TERM_LENGTH
from .widgets import OwnerSelect, TypedUsername


class OwnerField(forms.ModelChoiceField):
    """A user of the ORM, shown by username; meetings store its pk as a string.

    The widget submits the chosen user's pk, or a username typed into its box.
    """

    widget = OwnerSelect
    default_error_messages = {
        "invalid_choice": "That user does not exist or may not own meetings.",
        "unknown_username": "No user who may own meetings has the username "
        "“%(username)s”.",
    }

    def label_from_instance(self, user) -> str:
        return user.get_username()

    def to_python(self, value: Any) -> Any:
        if not isinstance(value, TypedUsername):
            return super().to_python(value)
        username = get_user_model().USERNAME_FIELD
        try:
            return self.queryset.get(**{username: value})
        except self.queryset.model.DoesNotExist:
            raise ValidationError(
                self.error_messages["unknown_username"],
                code="unknown_username",
                params={"username": value},
            ) from None

    def has_changed(self, initial: Any, data: Any) -> bool:
        if isinstance(data, TypedUsername):
            try:
                data = self.to_python(data).pk
            except ValidationError:
                return True
        return super().has_changed(initial, data)


class MeetingAdminForm(MeetingForm):
    """A meeting's own fields, and its owner chosen from the ORM's users."""

    owner = OwnerField(queryset=get_user_model()._default_manager.none())

    field_order = ["title", "owner"]

    def __init__(self, *args: Any, owner_id: str | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        users = get_user_model()._default_manager
        offered = Q(is_active=True)
        current = services.owner_pk(owner_id)
        if current is not None:
            # A deactivated owner stays a valid choice, so saving keeps them.
            offered |= Q(pk=current)
        self.fields["owner"].queryset = users.filter(offered).order_by(
            get_user_model().USERNAME_FIELD
        )

    def attribute(self, name: str, value: Any) -> tuple[str, Any]:
        if name == "owner":
            return "owner_id", str(value.pk)
        return name, value

    @classmethod
    def initial_for(cls, meeting: Meeting) -> dict[str, Any]:
        return {
            **super().initial_for(meeting),
            "owner": services.owner_pk(meeting.owner_id),
        }


class MeetingAddForm(MeetingAdminForm):
    """Add a meeting for any user; it starts scheduled, as every meeting does."""

    version = None  # a new meeting: no version, no loaded values


class MeetingChangeForm(MeetingAdminForm):
    """Change every field of a meeting, at the version the form was filled from.

    The status select offers only the lifecycle's next steps, and clean() checks
    the whole change against the meeting's own rules, so what the domain would
    refuse is a form error rather than a failed save.
    """

    status = forms.ChoiceField(choices=Status.choices())
    progress = forms.IntegerField(
        min_value=PROGRESS_MIN,
        max_value=PROGRESS_MAX,
        label="Progress (%)",
        help_text="Changes only while the meeting is processing.",
    )
    status_message = forms.CharField(
        max_length=STATUS_MESSAGE_MAX_LENGTH,
        required=False,
        validators=[no_binary_characters],
    )
    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        error_messages={
            "required": "The form lacks the version it was loaded at; reload it.",
            "invalid": "The form's version is garbled; reload it.",
        },
    )

    def __init__(self, data: Any = None, *, meeting: Meeting, **kwargs: Any):
        kwargs.setdefault("initial", self.initial_for(meeting))
        super().__init__(data, owner_id=meeting.owner_id, **kwargs)
        self.meeting = meeting
        following = ALLOWED_TRANSITIONS[meeting.status]
        reachable = [s for s in Status if s == meeting.status or s in following]
        # Every status stays a valid choice so that clean() can explain why a
        # step is refused; the select shows only the ones that can be taken.
        self.fields["status"].widget.choices = [(s.value, s.label) for s in reachable]
        self.fields["status"].help_text = (
            f"The lifecycle allows only the next steps from “{meeting.status.label}”."
            if following
            else f"“{meeting.status.label}” is final."
        )

    @classmethod
    def initial_for(cls, meeting: Meeting) -> dict[str, Any]:
        return {
            **super().initial_for(meeting),
            "status": meeting.status.value,
            "progress": meeting.progress,
            "status_message": meeting.status_message,
        }

    def clean_status(self) -> Status:
        return self.tidy_status(self.cleaned_data["status"])

    def tidy_status(self, value: str) -> Status:
        return Status(value)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        preview = copy.deepcopy(self.meeting)
        try:
            preview.apply(self.changes())
        except InvalidTransition as refused:
            self.add_error("status", _transition_message(refused))
        except InvalidChange as refused:
            # The details name the field the rule is about, e.g. progress.
            field = next(iter(refused.details or {}), None)
            message = refused.message
            if field == "progress":
                # The domain's message names the status by its value.
                message = (
                    "Progress can only change while the meeting is processing; "
                    f"it is “{preview.status.label}”."
                )
            self.add_error(field if field in self.fields else None, message)
        return cleaned

    def changes(self) -> dict[str, Any]:
        """Return what saving writes: the user's changes that differ from the
        meeting's values, by attribute."""
        return self.changes_to(self.meeting)

    def changed_labels(self) -> list[str]:
        """Return the labels of the changed fields, for the admin's history."""
        names = {"owner_id": "owner"}
        return [str(self[names.get(name, name)].label) for name in self.changes()]


class MarkFailedForm(forms.Form):
    """The reason given to every meeting a bulk "mark as failed" fails."""

    reason = forms.CharField(
        max_length=STATUS_MESSAGE_MAX_LENGTH,
        validators=[no_binary_characters],
        help_text="Becomes the status message of each meeting.",
    )


class ChangeListForm(MeetingListForm):
    """The changelist's search, filters and page, and its owner filter.

    The owner is an owner id (?owner=), or a username typed into the filter's
    box (?owner_username=), which query() reads as that user's id; a username
    nobody has is kept as owner_search, for the filter to offer matches.
    """

    owner = forms.CharField(required=False, max_length=OWNER_ID_MAX_LENGTH)
    owner_username = forms.CharField(required=False, max_length=MAX_TERM_LENGTH)

    owner_search: str | None = None

    def query(self) -> dict[str, Any]:
        query = super().query()
        typed = query.pop("owner_username")
        if typed:
            user_model = get_user_model()
            user = user_model._default_manager.filter(
                **{user_model.USERNAME_FIELD: typed}
            ).first()
            query["owner"] = str(user.pk) if user else None
            self.owner_search = None if user else typed
        return query


class OwnerFilterForm(forms.Form):
    """The changelist's owner filter: any user, found by search or by username."""

    owner = OwnerField(queryset=get_user_model()._default_manager.all(), required=False)

    def __init__(self, *args: Any, search_url: str | None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        widget = self.fields["owner"].widget
        widget.search_url = search_url
        widget.username_label = "Username"
        # Choosing a user applies the filter at once (owner-search.js); the
        # search is as wide as the sidebar.
        widget.attrs.update({"data-submit-on-change": "", "data-width": "100%"})


def _transition_message(refused: InvalidTransition) -> str:
    current, requested = Status(refused.details["from"]), Status(refused.details["to"])
    allowed = [f"“{s.label}”" for s in Status if s in refused.details["allowed"]]
    reason = (
        f"from “{current.label}” it can only go to {' or '.join(allowed)}"
        if allowed
        else f"“{current.label}” is final"
    )
    return (
        f"Cannot change the status from “{current.label}” to “{requested.label}”; "
        f"{reason}."
    )
