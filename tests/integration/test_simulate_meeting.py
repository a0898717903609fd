"""manage.py simulate_meeting, on the in-memory store."""

import time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from meetings import services
from meetings.domain import Status, Viewer
from meetings.store import get_repository

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _store(memory_store):
    return memory_store


def create(user):
    return services.create_meeting(str(user.pk), {"title": "t"})


def simulate(meeting, **options) -> str:
    out = StringIO()
    call_command("simulate_meeting", str(meeting.id), stdout=out, **options)
    return out.getvalue()


def progress_reported(output: str) -> list[int]:
    """Return the progress column of the command's "v<version> …" lines."""
    rows = [line for line in output.splitlines() if line.startswith("v")]
    return [int(row.split("%")[0].split()[-1]) for row in rows]


def test_simulate_walks_a_scheduled_meeting_to_completed(alice):
    meeting = create(alice)
    output = simulate(meeting, seconds=0, steps=4)
    done = get_repository().get(meeting.id)
    assert (done.status, done.progress, done.status_message) == (
        Status.COMPLETED,
        100,
        "Done",
    )
    # scheduled → in_progress → uploaded → processing, 4 progress reports, completed
    assert done.version == 1 + 3 + 4 + 1
    assert progress_reported(output) == [0, 0, 0, 20, 40, 60, 80, 100]
    assert "Transcribing… 60%" in output and output.rstrip().endswith("Completed.")


def test_a_processing_meeting_goes_on_from_its_progress(alice):
    meeting = create(alice)
    owner = Viewer(str(alice.pk))
    for status in (Status.IN_PROGRESS, Status.UPLOADED, Status.PROCESSING):
        services.update_meeting(owner, meeting.id, {"status": status})
    services.update_meeting(owner, meeting.id, {"progress": 50})
    output = simulate(meeting, seconds=0, steps=9)
    # Never backwards.
    assert progress_reported(output) == [60, 70, 80, 90, 100]


def test_a_failed_meeting_is_retried_through_processing(alice, staff):
    meeting = create(alice)
    viewer = services.viewer_for(staff)
    for status in (Status.IN_PROGRESS, Status.UPLOADED, Status.PROCESSING):
        services.update_meeting(viewer, meeting.id, {"status": status})
    services.update_meeting(viewer, meeting.id, {"status": Status.FAILED})
    simulate(meeting, seconds=0, steps=2)
    assert get_repository().get(meeting.id).status == Status.COMPLETED


def test_seconds_spread_the_walk(alice):
    meeting = create(alice)
    started = time.monotonic()
    simulate(meeting, seconds=0.7, steps=3)
    # 3 transitions + 3 reports share 0.7 s in 7 parts; the last write waits not.
    assert 0.55 < time.monotonic() - started < 5


def test_simulate_refuses_an_unknown_or_finished_meeting_and_bad_options(alice):
    meeting = create(alice)
    simulate(meeting, seconds=0, steps=1)
    with pytest.raises(CommandError, match="already completed"):
        simulate(meeting, seconds=0)
    with pytest.raises(CommandError, match="does not exist"):
        call_command("simulate_meeting", "00000000-0000-0000-0000-000000000000")
    with pytest.raises(CommandError, match="cannot be negative"):
        simulate(create(alice), seconds=-1)
