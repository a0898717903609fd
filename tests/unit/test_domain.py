import itertools

import pytest

from meetings.domain import (
    ALLOWED_TRANSITIONS,
    InvalidChange,
    InvalidTransition,
    Meeting,
    Status,
    Viewer,
)

ALLOWED = {
    (Status.SCHEDULED, Status.IN_PROGRESS),
    (Status.IN_PROGRESS, Status.UPLOADED),
    (Status.UPLOADED, Status.PROCESSING),
    (Status.PROCESSING, Status.COMPLETED),
    (Status.PROCESSING, Status.FAILED),
    (Status.FAILED, Status.PROCESSING),
}


def meeting_in(status: Status, **fields) -> Meeting:
    return Meeting(owner_id="1", title="Sync", status=status, **fields)


def test_the_lifecycle_table_is_exactly_the_specified_one():
    table = {(a, b) for a, targets in ALLOWED_TRANSITIONS.items() for b in targets}
    assert table == ALLOWED


@pytest.mark.parametrize(
    ("current", "requested"),
    [pair for pair in itertools.permutations(Status, 2) if pair in ALLOWED],
)
def test_allowed_transitions_succeed(current, requested):
    meeting = meeting_in(current)
    meeting.transition_to(requested)
    assert meeting.status == requested


@pytest.mark.parametrize(
    ("current", "requested"),
    [pair for pair in itertools.permutations(Status, 2) if pair not in ALLOWED],
)
def test_other_transitions_are_refused_naming_both_statuses(current, requested):
    meeting = meeting_in(current)
    with pytest.raises(InvalidTransition) as refused:
        meeting.transition_to(requested)
    assert f"'{current}'" in refused.value.message
    assert f"'{requested}'" in refused.value.message
    assert meeting.status == current


@pytest.mark.parametrize("status", list(Status))
def test_staying_in_the_same_status_is_not_a_transition(status):
    meeting = meeting_in(status)
    meeting.transition_to(status)
    assert meeting.status == status


def test_progress_changes_only_while_processing():
    meeting = meeting_in(Status.PROCESSING)
    meeting.report_progress(40)
    assert meeting.progress == 40
    uploaded = meeting_in(Status.UPLOADED)
    with pytest.raises(InvalidChange):
        uploaded.report_progress(10)
    assert uploaded.progress == 0


def test_completion_fills_progress_and_a_retry_restarts_it():
    meeting = meeting_in(Status.PROCESSING, progress=70)
    meeting.transition_to(Status.FAILED)
    assert meeting.progress == 70
    meeting.transition_to(Status.PROCESSING)
    assert meeting.progress == 0
    meeting.transition_to(Status.COMPLETED)
    assert meeting.progress == 100


def test_apply_moves_status_before_progress():
    meeting = meeting_in(Status.UPLOADED)
    meeting.apply({"status": "processing", "progress": 5, "status_message": "Go"})
    assert (meeting.status, meeting.progress, meeting.status_message) == (
        Status.PROCESSING,
        5,
        "Go",
    )


def test_owners_and_staff_see_a_meeting_and_nobody_else_does():
    meeting = meeting_in(Status.SCHEDULED)
    assert meeting.is_visible_to(Viewer("1"))
    assert meeting.is_visible_to(Viewer("2", is_staff=True))
    assert not meeting.is_visible_to(Viewer("2"))
