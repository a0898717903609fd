import pytest
from django.core.management import CommandError, call_command

from meetings import services
from meetings.domain import Status
from meetings.repository import get_repository

pytestmark = pytest.mark.django_db


def test_simulate_walks_a_meeting_to_completed_through_processing(moto_table, alice):
    meeting = services.create_meeting(get_repository(), str(alice.pk), {"title": "t"})
    call_command("simulate_meeting", str(meeting.id), seconds=0, steps=4)
    done = get_repository().get(meeting.id)
    assert (done.status, done.progress) == (Status.COMPLETED, 100)
    # scheduled → in_progress → uploaded → processing, 4 progress reports, completed
    assert done.version == 1 + 3 + 4 + 1


def test_simulate_refuses_an_unknown_or_finished_meeting(moto_table, alice):
    meeting = services.create_meeting(get_repository(), str(alice.pk), {"title": "t"})
    call_command("simulate_meeting", str(meeting.id), seconds=0, steps=1)
    with pytest.raises(CommandError, match="already completed"):
        call_command("simulate_meeting", str(meeting.id), seconds=0)
    with pytest.raises(CommandError, match="does not exist"):
        call_command("simulate_meeting", "00000000-0000-0000-0000-000000000000")
