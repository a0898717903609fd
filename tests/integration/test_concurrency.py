"""Racing writers through the services, on DynamoDB Local."""

import threading

from meetings import services
from meetings.domain import PreconditionFailed, Status, StoreUnavailable, Viewer

OWNER = Viewer("1")


def race(count: int, write) -> list[str]:
    barrier = threading.Barrier(count)
    outcomes: list[str] = []

    def run(n: int) -> None:
        barrier.wait()
        try:
            write(n)
            outcomes.append("ok")
        except PreconditionFailed:
            outcomes.append("412")
        except StoreUnavailable:
            outcomes.append("503")

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_racing_updates_without_expected_version_all_apply(local_repository):
    repository = local_repository
    meeting = services.create_meeting("1", {"title": "t"})
    outcomes = race(
        5,
        lambda n: services.update_meeting(OWNER, meeting.id, {"description": f"d{n}"}),
    )
    assert outcomes == ["ok"] * 5
    assert repository.get(meeting.id).version == 6


def test_racing_updates_at_one_expected_version_let_exactly_one_win(local_repository):
    repository = local_repository
    meeting = services.create_meeting("1", {"title": "t"})
    outcomes = race(
        5,
        lambda n: services.update_meeting(
            OWNER, meeting.id, {"title": f"t{n}"}, expected_version=1
        ),
    )
    assert sorted(outcomes) == ["412"] * 4 + ["ok"]
    assert repository.get(meeting.id).version == 2


def test_status_changes_by_many_users_at_once_all_succeed_with_exact_counts(
    local_repository,
):
    repository = local_repository
    users = 20
    lifecycle = [Status.IN_PROGRESS, Status.UPLOADED, Status.PROCESSING]

    def live_a_meeting(n: int) -> None:
        # Each user creates, walks and (every other one) deletes a meeting of
        # their own: every write moves a count, and no two share a meeting.
        owner = Viewer(str(n))
        meeting = services.create_meeting(owner.user_id, {"title": f"m{n}"})
        for status in lifecycle:
            services.update_meeting(owner, meeting.id, {"status": status})
        if n % 2:
            services.delete_meeting(owner, meeting.id)
        else:
            services.update_meeting(owner, meeting.id, {"status": Status.COMPLETED})

    outcomes = race(users, live_a_meeting)
    assert outcomes == ["ok"] * users
    counts = repository.status_counts()
    assert counts[Status.COMPLETED] == users // 2
    assert sum(counts.values()) == users // 2
    assert repository.recount_statuses() == counts
