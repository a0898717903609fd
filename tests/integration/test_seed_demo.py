import signal
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from meetings.domain import ListQuery, Status, utcnow
from meetings.management.commands import devserver, seed_demo
from meetings.store import get_repository

pytestmark = [pytest.mark.django_db, pytest.mark.orm]


def test_seeding_again_later_keeps_the_demo_data_and_adds_nothing(moto_table):
    call_command("seed_demo")
    repository = get_repository()
    first = repository.list(ListQuery("t", limit=50)).meetings
    # The next run happens days later, when the demo schedule would differ.
    later = seed_demo.Command()
    later.clock = lambda: utcnow() + timedelta(days=3)
    call_command(later)
    again = repository.list(ListQuery("t", limit=50)).meetings
    assert {(m.id, m.version) for m in again} == {(m.id, m.version) for m in first}
    assert sorted(m.status for m in again) == sorted(
        [Status.SCHEDULED, Status.UPLOADED, Status.COMPLETED]
    )


def seed(**options) -> str:
    """Run seed_demo with options; return what it printed."""
    out = StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def test_without_debug_or_the_flag_there_is_no_superuser(moto_table, settings):
    settings.DEBUG = False
    printed = seed()
    users = get_user_model().objects
    assert not users.filter(username="admin").exists()
    assert not users.filter(is_superuser=True).exists()
    assert "Skipped the superuser admin" in printed
    assert "seed_demo --with-superuser" in printed
    demo = users.get(username="demo")
    assert demo.check_password("demo-password")
    assert not demo.is_staff
    assert len(get_repository().list(ListQuery("t", limit=50)).meetings) == 3


@pytest.mark.parametrize(
    ("options", "debug"),
    [({"with_superuser": True}, False), ({}, True)],
    ids=["flag", "debug"],
)
def test_the_flag_or_debug_creates_the_demo_superuser(
    moto_table, settings, options, debug
):
    settings.DEBUG = debug
    printed = seed(**options)
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser
    assert admin.is_staff
    assert admin.check_password("admin-password")
    assert "Skipped" not in printed


def test_the_run_command_creates_the_superuser_the_readme_promises(
    memory_store, settings
):
    settings.DEBUG = False
    served = []
    command = devserver.Command()
    command.serve = lambda app, **options: served.append(options)
    # devserver installs a SIGTERM handler for its own process; keep ours.
    handler = signal.getsignal(signal.SIGTERM)
    try:
        call_command(command, stdout=StringIO())
    finally:
        signal.signal(signal.SIGTERM, handler)
    assert get_user_model().objects.get(username="admin").is_superuser
    assert served[0]["access_log"] is True  # a developer sees the requests
    assert served[0]["lifespan"] == "on"  # which drains the streams on Ctrl-C
