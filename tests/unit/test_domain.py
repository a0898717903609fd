import itertools

import pytest

from meetings.domain import (
    ALLOWED_TRANSITIONS,
    DESCRIPTION_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    Access,
    InvalidChange,
    InvalidMeeting,
    InvalidTransition,
    Meeting,
    Status,
    Viewer,
    normalise_participants,
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


def test_owners_may_do_anything_with_theirs_others_only_what_their_reach_says():
    meeting = meeting_in(Status.SCHEDULED)
    assert all(Viewer("1").may(access, meeting) for access in Access)
    assert not any(Viewer("2").may(access, meeting) for access in Access)
    viewing = Viewer("2", reach=frozenset({Access.VIEW}))
    assert viewing.may(Access.VIEW, meeting)
    assert not viewing.may(Access.CHANGE, meeting)
    assert not viewing.may(Access.DELETE, meeting)
    assert viewing.sees_everyone and not Viewer("2").sees_everyone


def test_a_viewer_covers_another_only_with_at_least_its_reach():
    full = Viewer("2", reach=frozenset(Access))
    viewing = Viewer("2", reach=frozenset({Access.VIEW}))
    assert full.covers(viewing) and viewing.covers(viewing)
    assert not viewing.covers(full)
    assert not Viewer("3", reach=frozenset(Access)).covers(viewing)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": "x" * (TITLE_MAX_LENGTH + 1)}, "title"),
        ({"title": "bell\x07"}, "title"),
        ({"title": "two\nlines"}, "title"),
        ({"description": "nul\x00"}, "description"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"participants": [f"p{n}@example.com" for n in range(101)]}, "participants"),
        ({"progress": 101}, "progress"),
        ({"progress": -1}, "progress"),
    ],
)
def test_the_entity_refuses_values_outside_its_limits(fields, field):
    with pytest.raises(InvalidMeeting) as refused:
        Meeting(owner_id="1", **{"title": "Sync", **fields})
    assert field in refused.value.details


def test_a_change_outside_the_limits_is_refused_by_apply_too():
    meeting = meeting_in(Status.SCHEDULED)
    with pytest.raises(InvalidMeeting) as refused:
        meeting.apply({"description": "x" * (DESCRIPTION_MAX_LENGTH + 1)})
    assert list(refused.value.details) == ["description"]


def test_multi_line_text_keeps_tabs_and_newlines():
    meeting = Meeting(owner_id="1", title="Sync", description="a\n\tb\r\n")
    assert meeting.description == "a\n\tb\r\n"


def test_status_choices_follow_the_lifecycle_order_with_labels():
    assert Status.choices()[:2] == [
        ("scheduled", "Scheduled"),
        ("in_progress", "In progress"),
    ]
    assert [value for value, _ in Status.choices()] == list(Status)


def test_participants_lose_repeats_ignoring_case_and_keep_the_first_spelling():
    assert normalise_participants(["Ana@x.org", "bo@x.org", "ana@X.org"]) == [
        "Ana@x.org",
        "bo@x.org",
    ]
    meeting = meeting_in(Status.SCHEDULED)
    meeting.apply({"participants": ["a@x.org", "A@x.org"]})
    assert meeting.participants == ["a@x.org"]
    # A new meeting too, whoever builds it.
    made = Meeting(owner_id="1", title="Sync", participants=["b@x.org", "B@X.ORG"])
    assert made.participants == ["b@x.org"]


def test_changes_from_keeps_only_what_differs():
    meeting = meeting_in(Status.SCHEDULED, description="same")
    assert meeting.changes_from({"title": "Other", "description": "same"}) == {
        "title": "Other"
    }


def test_a_meeting_remembers_the_status_it_was_read_with():
    meeting = meeting_in(Status.PROCESSING)
    meeting.transition_to(Status.COMPLETED)
    assert (meeting.stored_status, meeting.status) == (
        Status.PROCESSING,
        Status.COMPLETED,
    )
