"""Racing writers through the services, on DynamoDB Local."""

import threading

from meetings import services
from meetings.domain import PreconditionFailed, Viewer

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
