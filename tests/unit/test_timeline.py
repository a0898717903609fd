"""The status timeline in the domain: what Meeting records, and what it costs.

A meeting keeps when it entered each status (meetings/domain/lifecycle.py),
bounded by MAX_STATUS_HISTORY so the stored item stays small: the size tests
count bytes as DynamoDB bills them (docs/dynamodb.md, "Item").
"""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from events.protocol import status_data
from meetings.domain import InvalidTransition, Meeting, Status
from meetings.domain.lifecycle import MAX_STATUS_HISTORY, StatusChange
from meetings.store.dynamodb.items import from_item, to_item

T0 = datetime(2030, 1, 15, 9, 0, tzinfo=UTC)


def at(seconds: int) -> datetime:
    return T0 + timedelta(seconds=seconds)


def new_meeting(**fields) -> Meeting:
    return Meeting(**{"owner_id": "1", "title": "Sync", "created_at": T0, **fields})


def test_a_new_meeting_starts_with_its_initial_status_entered_when_created():
    meeting = new_meeting()
    assert meeting.status_history == [StatusChange(Status.SCHEDULED, T0)]
    assert meeting.status_changed_at == T0
    started = new_meeting(status=Status.PROCESSING)
    assert started.status_history == [StatusChange(Status.PROCESSING, T0)]


def test_a_transition_is_recorded_with_its_time():
    meeting = new_meeting()
    meeting.transition_to(Status.IN_PROGRESS, at(5))
    meeting.apply({"status": "uploaded"}, at=at(9))
    assert meeting.status_history == [
        (Status.SCHEDULED, T0),
        (Status.IN_PROGRESS, at(5)),
        (Status.UPLOADED, at(9)),
    ]
    assert meeting.status_changed_at == at(9)


def test_a_transition_without_a_time_is_recorded_now():
    meeting = new_meeting()
    before = datetime.now(UTC)
    meeting.apply({"status": "in_progress"})
    assert before <= meeting.status_changed_at <= datetime.now(UTC)
    assert meeting.status_changed_at.tzinfo is not None


def test_no_entry_when_the_status_does_not_change():
    meeting = new_meeting(status=Status.PROCESSING)
    meeting.transition_to(Status.PROCESSING, at(5))
    meeting.apply({"status": "processing", "progress": 40, "title": "x"}, at=at(6))
    assert meeting.status_history == [StatusChange(Status.PROCESSING, T0)]


def test_a_refused_transition_records_nothing():
    meeting = new_meeting()
    with pytest.raises(InvalidTransition):
        meeting.transition_to(Status.COMPLETED, at(5))
    assert meeting.status_history == [StatusChange(Status.SCHEDULED, T0)]


def retried(meeting: Meeting, times: int) -> Meeting:
    """Walk meeting to processing, then fail and retry processing times times."""
    for second, status in enumerate(("in_progress", "uploaded", "processing"), 1):
        meeting.transition_to(Status(status), at(second))
    for attempt in range(times):
        meeting.transition_to(Status.FAILED, at(10 + 2 * attempt))
        meeting.transition_to(Status.PROCESSING, at(11 + 2 * attempt))
    return meeting


def test_the_history_keeps_the_last_transitions_only():
    meeting = retried(new_meeting(), 20)
    history = meeting.status_history
    assert len(history) == MAX_STATUS_HISTORY
    assert history[-1] == (Status.PROCESSING, at(11 + 2 * 19))
    # Of 44 transitions, the 24 oldest are gone: the first kept is the 11th failure.
    assert history[0] == (Status.FAILED, at(10 + 2 * 10))
    assert [change.at for change in history] == sorted(c.at for c in history)


def test_a_meeting_stored_before_the_history_has_none_and_no_time():
    meeting = new_meeting(status_history=[])
    assert meeting.status_history == []
    assert meeting.status_changed_at is None
    meeting.transition_to(Status.IN_PROGRESS, at(5))
    assert meeting.status_history == [(Status.IN_PROGRESS, at(5))]
    assert meeting.status_changed_at == at(5)


def test_a_history_that_ends_elsewhere_gives_no_status_time():
    # Written by a release that moved the status but not the history.
    meeting = new_meeting(status=Status.UPLOADED, status_history=[("scheduled", T0)])
    assert meeting.status_changed_at is None


# What the history costs the item (DynamoDB's item-size rules)


def dynamodb_size(value) -> int:
    """Return the bytes DynamoDB counts for a (deserialized) attribute value."""
    if isinstance(value, str):
        return len(value.encode())
    if isinstance(value, bool) or value is None:
        return 1
    if isinstance(value, int | Decimal):
        digits = len(str(abs(value)).replace(".", "").strip("0")) or 1
        return (digits + 1) // 2 + 1
    if isinstance(value, list):
        return 3 + sum(1 + dynamodb_size(element) for element in value)
    if isinstance(value, dict):
        return 3 + sum(
            1 + len(name.encode()) + dynamodb_size(element)
            for name, element in value.items()
        )
    raise TypeError(value)


def item_size(item: dict) -> int:
    return sum(
        len(name.encode()) + dynamodb_size(value)
        for name, value in item.items()
        if value is not None
    )


def full_history() -> list[tuple[str, datetime]]:
    # The longest status name and the longest ISO time (with microseconds).
    moment = at(1) + timedelta(microseconds=1)
    return [("in_progress", moment)] * MAX_STATUS_HISTORY


def test_a_full_history_costs_the_item_at_most_about_1_2_kb():
    meeting = new_meeting(status=Status.IN_PROGRESS, status_history=full_history())
    history = {"status_history": to_item(meeting, T0)["status_history"]}
    assert 1_000 < item_size(history) <= 1_200


def test_a_short_meeting_with_its_whole_lifecycle_stays_under_1_kb():
    # 1 KB is a write unit. Each entry is about 58 bytes; the rest of a meeting
    # with a short title and no description about 410 bytes.
    meeting = new_meeting()
    for second, status in enumerate(Status, 1):
        if status is not Status.FAILED and status is not Status.SCHEDULED:
            meeting.transition_to(status, at(second) + timedelta(microseconds=1))
    assert len(meeting.status_history) == 5
    item = to_item(meeting, at(60))
    history = {"status_history": item["status_history"]}
    assert item_size(history) <= 5 * 60
    assert item_size(item) < 1_024


def test_the_largest_meeting_with_a_full_history_is_far_below_400_kb():
    meeting = new_meeting(
        title="t" * 200,
        description="d" * 5_000,
        participants=[f"{n:03}{'p' * 238}@example.com" for n in range(100)],
        status=Status.IN_PROGRESS,
        status_history=full_history(),
    )
    assert item_size(to_item(meeting, T0)) < 40_000


def test_the_history_round_trips_through_an_item():
    meeting = retried(new_meeting(), 2)
    assert from_item(to_item(meeting, at(99))).status_history == meeting.status_history


# The stream's status event carries the time of the last transition


def test_a_status_event_carries_when_the_status_was_entered():
    meeting = new_meeting(updated_at=at(9))
    meeting.transition_to(Status.IN_PROGRESS, at(7))
    assert status_data(meeting) == {
        "meetingId": str(meeting.id),
        "title": "Sync",
        "status": "in_progress",
        "progress": 0,
        "statusMessage": "",
        "updatedAt": at(9).isoformat(),
        "version": 1,
        "statusChangedAt": "2030-01-15T09:00:07+00:00",
    }


def test_a_status_event_of_a_meeting_without_history_says_null():
    assert status_data(new_meeting(status_history=[]))["statusChangedAt"] is None
