import uuid

import pytest

from meetings import services
from meetings.domain import (
    Access,
    DuplicateMeeting,
    InvalidCursor,
    InvalidTransition,
    MeetingNotFound,
    PreconditionFailed,
    Status,
    Viewer,
)
from meetings.store import get_repository

OWNER = Viewer("1")
STRANGER = Viewer("2")
STAFF = Viewer("3", reach=frozenset(Access))


@pytest.fixture
def repository(memory_store):
    return get_repository()


def create(repository, title="Sync", key=None):
    return services.create_meeting(OWNER.user_id, {"title": title}, key)


def test_create_with_the_same_idempotency_key_returns_the_first_meeting(repository):
    first = create(repository, key="retry-me")
    again = create(repository, key="retry-me")
    assert again.id == first.id
    assert repository.status_counts()[Status.SCHEDULED] == 1


def test_reusing_an_idempotency_key_for_other_content_is_refused(repository):
    create(repository, key="k")
    with pytest.raises(DuplicateMeeting):
        create(repository, title="Other", key="k")


def test_strangers_are_told_the_meeting_does_not_exist(repository):
    meeting = create(repository)
    with pytest.raises(MeetingNotFound):
        services.get_meeting(STRANGER, meeting.id)
    with pytest.raises(MeetingNotFound):
        services.update_meeting(STRANGER, meeting.id, {"title": "x"})
    with pytest.raises(MeetingNotFound):
        services.delete_meeting(STRANGER, meeting.id)
    assert services.get_meeting(STAFF, meeting.id).id == meeting.id


def test_a_stale_expected_version_fails_the_precondition(repository):
    meeting = create(repository)
    services.update_meeting(OWNER, meeting.id, {"title": "v2"})
    with pytest.raises(PreconditionFailed) as failed:
        services.update_meeting(OWNER, meeting.id, {"title": "v3"}, 1)
    assert failed.value.current.version == 2
    assert repository.get(meeting.id).title == "v2"


def test_a_lost_race_without_expected_version_is_retried_on_fresh_state(repository):
    meeting = create(repository)
    repository.interleave_write({"description": "theirs"})
    updated = services.update_meeting(OWNER, meeting.id, {"title": "mine"})
    assert (updated.title, updated.description) == ("mine", "theirs")
    assert updated.version == 3


def test_a_retried_write_checks_the_transition_against_what_is_stored(repository):
    meeting = create(repository)
    repository.interleave_write({"status": "in_progress"})
    with pytest.raises(InvalidTransition):
        services.update_meeting(
            OWNER, meeting.id, {"status": "scheduled", "title": "x"}
        )
    # The interleaved write stands; ours, now invalid, changed nothing.
    stored = repository.get(meeting.id)
    assert (stored.status, stored.title) == (Status.IN_PROGRESS, "Sync")


def test_a_lost_race_with_expected_version_is_not_retried(repository):
    meeting = create(repository)
    repository.interleave_write({"description": "theirs"})
    with pytest.raises(PreconditionFailed):
        services.update_meeting(OWNER, meeting.id, {"title": "m"}, 1)


def test_users_list_only_their_own_meetings_and_staff_list_all(repository):
    mine = create(repository, title="mine")
    services.create_meeting(STRANGER.user_id, {"title": "theirs"})
    own = services.list_meetings(OWNER, owner_id=STRANGER.user_id)
    assert [m.id for m in own.meetings] == [mine.id]
    everything = services.list_meetings(STAFF)
    assert len(everything.meetings) == 2


def test_a_cursor_from_one_viewer_is_refused_for_another(repository):
    for number in range(3):
        create(repository, title=f"m{number}")
    page = services.list_meetings(OWNER, limit=2)
    assert page.next_cursor
    with pytest.raises(InvalidCursor):
        services.list_meetings(STAFF, limit=2, cursor=page.next_cursor)


def test_deleting_at_a_stale_version_keeps_the_meeting(repository):
    meeting = create(repository)
    services.update_meeting(OWNER, meeting.id, {"title": "v2"})
    with pytest.raises(PreconditionFailed):
        services.delete_meeting(OWNER, meeting.id, expected_version=1)
    assert repository.get(meeting.id)
    services.delete_meeting(OWNER, meeting.id, expected_version=2)
    with pytest.raises(MeetingNotFound):
        repository.get(uuid.UUID(str(meeting.id)))
