"""The meetings API's output serializer: DRF's representation, made cheaper."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from rest_framework import serializers

from meetings.api.serializers import MeetingSerializer
from meetings.domain import Meeting, Status

MEETINGS = [
    Meeting(owner_id="7", title="Plain"),
    Meeting(
        owner_id="42",
        title="Full",
        id=uuid.UUID("0f8fad5b-d9cb-469f-a165-70867728950e"),
        description="Line one\nline two",
        scheduled_start=datetime(2030, 1, 31, 9, 30, tzinfo=UTC),
        duration_minutes=45,
        participants=["a@example.com", "b@example.com"],
        status=Status.IN_PROGRESS,
        progress=40,
        status_message="Halfway",
        created_at=datetime(2029, 12, 1, 8, 0, 0, 123456, tzinfo=UTC),
        updated_at=datetime(2029, 12, 2, 10, 0, tzinfo=timezone(timedelta(hours=2))),
        version=7,
    ),
]


@pytest.mark.parametrize("meeting", MEETINGS, ids=["plain", "full"])
def test_a_meeting_is_represented_as_drf_would(meeting):
    # DRF's own Serializer.to_representation, fields copied per serializer.
    expected = serializers.Serializer.to_representation(MeetingSerializer(), meeting)
    representation = MeetingSerializer(meeting).data
    assert json.dumps(representation) == json.dumps(expected)


def test_a_list_is_represented_as_drf_would():
    expected = [
        serializers.Serializer.to_representation(MeetingSerializer(), meeting)
        for meeting in MEETINGS
    ]
    assert MeetingSerializer(MEETINGS, many=True).data == expected


def test_the_representation_keeps_the_declared_fields_in_order():
    assert list(MeetingSerializer(MEETINGS[1]).data) == list(MeetingSerializer().fields)
