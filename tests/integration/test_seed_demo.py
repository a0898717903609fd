from datetime import timedelta

import pytest
from django.core.management import call_command

from meetings.domain import ListQuery, Status, utcnow
from meetings.management.commands import seed_demo
from meetings.store import get_repository

pytestmark = pytest.mark.django_db


def test_seeding_again_later_keeps_the_demo_data_and_adds_nothing(
    moto_table, monkeypatch
):
    call_command("seed_demo")
    repository = get_repository()
    first = repository.list(ListQuery("t", limit=50)).meetings
    # The next run happens days later, when the demo schedule would differ.
    monkeypatch.setattr(seed_demo, "utcnow", lambda: utcnow() + timedelta(days=3))
    call_command("seed_demo")
    again = repository.list(ListQuery("t", limit=50)).meetings
    assert {(m.id, m.version) for m in again} == {(m.id, m.version) for m in first}
    assert sorted(m.status for m in again) == sorted(
        [Status.SCHEDULED, Status.UPLOADED, Status.COMPLETED]
    )
