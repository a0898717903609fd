"""Input and output shapes of the meetings API."""

from __future__ import annotations

import functools
import re
from typing import Any

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from .. import indexing
from ..domain import (
    DESCRIPTION_MAX_LENGTH,
    EMAIL_MAX_LENGTH,
    MAX_CURSOR_LENGTH,
    MAX_DURATION_MINUTES,
    MAX_PAGE_SIZE,
    MAX_PARTICIPANTS,
    MAX_SEARCH_LENGTH,
    OWNER_ID_MAX_LENGTH,
    PROGRESS_MAX,
    PROGRESS_MIN,
    STATUS_MESSAGE_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    Meeting,
    Status,
    normalise_participants,
)
from ..domain.lifecycle import MAX_STATUS_HISTORY
from ..validators import no_binary_characters, no_control_characters


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO-8601 date-time that must state its timezone."""

    def enforce_timezone(self, value):
        if value.tzinfo is None:
            self.fail("naive")
        return super().enforce_timezone(value)

    default_error_messages = {
        "naive": "Include a timezone offset, for example 2030-01-31T09:00:00Z."
    }


class TextField(serializers.CharField):
    """A string, and only a string: DRF's CharField would turn 0 into "0"."""

    default_error_messages = {"not_text": "Must be a string."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_text")
        return super().to_internal_value(data)


class StrictFieldsMixin:
    """Refuse unknown fields instead of silently dropping them."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {name: ["Unknown field."] for name in unknown}
                )
        return super().to_internal_value(data)


class MeetingFieldsSerializer(StrictFieldsMixin, serializers.Serializer):
    title = TextField(max_length=TITLE_MAX_LENGTH, validators=[no_control_characters])
    description = TextField(
        max_length=DESCRIPTION_MAX_LENGTH,
        allow_blank=True,
        required=False,
        trim_whitespace=False,
        validators=[no_binary_characters],
    )
    scheduled_start = AwareDateTimeField(required=False, allow_null=True)
    duration_minutes = serializers.IntegerField(
        min_value=1, max_value=MAX_DURATION_MINUTES, required=False, allow_null=True
    )
    participants = serializers.ListField(
        child=serializers.EmailField(
            max_length=EMAIL_MAX_LENGTH, validators=[no_control_characters]
        ),
        max_length=MAX_PARTICIPANTS,
        required=False,
    )

    def validate_participants(self, value: list[str]) -> list[str]:
        return normalise_participants(value)


class MeetingCreateSerializer(MeetingFieldsSerializer):
    """Body of POST /v1/meetings."""


class MeetingUpdateSerializer(MeetingFieldsSerializer):
    """Body of PATCH /v1/meetings/{id}: any fields, and status reports."""

    status = serializers.ChoiceField(choices=Status.choices(), required=False)
    progress = serializers.IntegerField(
        min_value=PROGRESS_MIN, max_value=PROGRESS_MAX, required=False
    )
    status_message = TextField(
        max_length=STATUS_MESSAGE_MAX_LENGTH,
        allow_blank=True,
        required=False,
        validators=[no_binary_characters],
    )

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("partial", True)
        super().__init__(*args, **kwargs)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs:
            raise serializers.ValidationError("Send at least one field to change.")
        return attrs


class StatusChangeSerializer(serializers.Serializer):
    """When a meeting entered a status: one entry of its status_history."""

    status = serializers.ChoiceField(choices=Status.choices())
    at = serializers.DateTimeField()


class MeetingSerializer(serializers.Serializer):
    """A meeting as the API returns it."""

    id = serializers.UUIDField()
    owner_id = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    scheduled_start = serializers.DateTimeField(allow_null=True)
    duration_minutes = serializers.IntegerField(allow_null=True)
    participants = serializers.ListField(child=serializers.EmailField())
    status = serializers.ChoiceField(choices=Status.choices())
    progress = serializers.IntegerField()
    status_message = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    version = serializers.IntegerField()
    # Kept by the domain (Meeting.transition_to): no request body may set them.
    status_history = StatusChangeSerializer(
        many=True,
        read_only=True,
        help_text="When the meeting entered each status, oldest first: the "
        f"last {MAX_STATUS_HISTORY} changes. Empty for a meeting stored before "
        "the history was kept.",
    )
    status_changed_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="When the meeting entered its current status (the last entry "
        "of status_history), or null when that was not recorded.",
    )

    def to_representation(self, meeting: Meeting) -> dict[str, Any]:
        # As DRF's Serializer.to_representation, with fields bound once per
        # process: DRF deep-copies every declared field for each serializer it
        # makes, ten times what formatting a meeting costs (docs/performance.md).
        representation = {}
        for name, field in bound_fields(type(self)).items():
            value = field.get_attribute(meeting)
            representation[name] = (
                None if value is None else field.to_representation(value)
            )
        return representation


@functools.cache
def bound_fields(serializer_class: type[serializers.Serializer]) -> dict[str, Any]:
    """Return serializer_class's fields, bound once; read-only, shared by threads."""
    return dict(serializer_class().fields)


class SearchSerializer(serializers.Serializer):
    """How a search was answered: by which index, in which order."""

    index = serializers.ChoiceField(
        choices=["sqlite", "postgresql", "none"],
        help_text="The search index that answered; none: no index is configured, "
        "and the listing was filtered instead (slow on many meetings, and a page "
        "may come back short or empty with a next_cursor).",
    )
    sort = serializers.ChoiceField(choices=indexing.SORTS)


# The list answers one page object, not the bare array drf-spectacular
# assumes of a viewset's `list`.
@extend_schema_serializer(many=False)
class MeetingPageSerializer(serializers.Serializer):
    results = MeetingSerializer(many=True)
    next_cursor = serializers.CharField(allow_null=True)
    search = SearchSerializer(
        allow_null=True,
        help_text="How a search (q) was answered; null without q.",
    )


# A re-sync of a list page reads its rows with one GET per this many ids.
MAX_IDS_PER_LIST = 100
# What `id` may not be combined with: it names the meetings on its own.
LIST_FILTERS = ("status", "owner", "q", "sort", "cursor", "limit")


class MeetingListParamsSerializer(StrictFieldsMixin, serializers.Serializer):
    """Query string of GET /v1/meetings."""

    id = serializers.ListField(
        child=serializers.UUIDField(),
        min_length=1,
        max_length=MAX_IDS_PER_LIST,
        required=False,
        help_text=(
            "Repeatable: return just these meetings, those you may see, in the "
            f"order given (at most {MAX_IDS_PER_LIST}; not with other parameters)."
        ),
    )
    status = serializers.ChoiceField(choices=Status.choices(), required=False)
    owner = serializers.CharField(max_length=OWNER_ID_MAX_LENGTH, required=False)
    q = serializers.CharField(
        max_length=MAX_SEARCH_LENGTH, required=False, trim_whitespace=True
    )
    sort = serializers.ChoiceField(
        choices=indexing.SORTS,
        required=False,
        help_text="newest: newest first (the default); scheduled, -scheduled: by "
        "scheduled start, earliest or latest first; updated, -updated: by last "
        "update, earliest or latest first (meetings without a scheduled start "
        "come last either way); relevance: best match first, with q only. The "
        "orders by scheduled start or last update are answered from the search "
        "index (400 where none is configured) and may lag a write by moments. "
        "A cursor pages only the order it came from.",
    )
    cursor = serializers.CharField(max_length=MAX_CURSOR_LENGTH, required=False)
    limit = serializers.IntegerField(
        min_value=1, max_value=MAX_PAGE_SIZE, required=False
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("sort") == "relevance" and "q" not in attrs:
            raise serializers.ValidationError(
                {"sort": ["relevance orders a search: send q with it."]}
            )
        if (
            attrs.get("sort") in indexing.INDEX_SORTS
            and indexing.search_index_name() == "none"
        ):
            raise serializers.ValidationError({"sort": [indexing.ORDER_NEEDS_INDEX]})
        if "id" in attrs:
            combined = [name for name in LIST_FILTERS if name in attrs]
            if combined:
                raise serializers.ValidationError(
                    {
                        "id": [
                            "id cannot be combined with other parameters: "
                            + ", ".join(combined)
                            + "."
                        ]
                    }
                )
        return attrs


def parse_if_match(header: str | None) -> int | None:
    """Return the version an If-Match header names, or None if it names any."""
    if header is None or header.strip() == "*":
        return None
    match = re.fullmatch(r'\s*(?:W/)?"?(\d{1,18})"?\s*', header)
    if not match:
        raise serializers.ValidationError(
            {"If-Match": ['Send the ETag you received, for example "3".']}
        )
    return int(match.group(1))
