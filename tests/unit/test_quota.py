"""Per-user quotas: two fixed windows weighted, counted in QuotaWindow rows."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from meetings.models import QuotaWindow
from meetings.quota import Quota

pytestmark = pytest.mark.orm

# The start of a minute, an hour and a day.
START = 1_000_022_400.0


class Clock:
    """A fake timer: the seconds since the epoch, moved by the test."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.mark.parametrize(
    ("rate", "limit", "period"),
    [("60/min", 60, 60), ("1/s", 1, 1), ("5/hour", 5, 3600), ("2/day", 2, 86400)],
)
def test_a_rate_names_a_limit_per_period(rate, limit, period):
    assert Quota.parse("q", rate) == Quota("q", limit, period)


@pytest.mark.parametrize("rate", ["", "60", "0/min", "-1/min", "x/min", "60/week"])
def test_a_malformed_rate_is_refused_by_name(rate):
    with pytest.raises(ImproperlyConfigured, match="q quota"):
        Quota.parse("q", rate)


def test_parse_passes_the_timer_on(clock):
    assert Quota.parse("q", "1/min", timer=clock).timer is clock


@pytest.mark.django_db
def test_the_limit_holds_in_a_window_and_each_holder_counts_alone(clock):
    three = Quota("q", 3, 60, timer=clock)
    assert [three.take("alice") for _ in range(3)] == [None, None, None]
    clock.now += 20
    # The next use waits for the next window, where these three weigh less:
    # at +80, 3 * 40/60 = 2 leaves room for one.
    assert three.take("alice") == 60
    assert three.take("bob") is None
    clock.now = START + 79
    assert three.take("alice") == 1
    clock.now = START + 80
    assert three.take("alice") is None
    assert three.take("alice") is not None


@pytest.mark.django_db
def test_a_burst_across_a_window_edge_is_not_a_second_quota(clock):
    three = Quota("q", 3, 60, timer=clock)
    clock.now = START + 59
    assert [three.take("alice") for _ in range(3)] == [None, None, None]
    # A fixed window would allow three more here; the last one still weighs
    # 3 * 59.5/60, so none is allowed until 3 * weight <= 2, at +80.
    clock.now = START + 60.5
    assert three.take("alice") == 20
    clock.now = START + 80
    assert three.take("alice") is None
    assert three.take("alice") == 20  # the next at +100: 3 * 20/60 + 1 = 2


@pytest.mark.django_db
def test_refused_uses_are_not_counted(clock):
    one = Quota("q", 1, 10, timer=clock)
    assert one.take("alice") is None
    for _ in range(5):
        # A use counts, weighted, until the end of the next window: a limit
        # of one waits between one and two periods.
        assert one.take("alice") == 20
    assert QuotaWindow.objects.get().n == 1
    clock.now += 20
    assert one.take("alice") is None


@pytest.mark.django_db
def test_rows_of_windows_before_the_previous_one_go_on_the_way(clock):
    two = Quota("q", 2, 60, timer=clock)
    other = Quota("other", 2, 60, timer=clock)
    for _ in range(3):
        two.take("alice")
        other.take("alice")
        clock.now += 60
    windows = sorted(QuotaWindow.objects.filter(quota="q").values_list("window"))
    # The third window's first use deleted the first window's row of its quota.
    assert windows == [(START + 60,), (START + 120,)]
    two.take("bob")  # a first use in the fourth window, by anyone
    assert sorted(
        QuotaWindow.objects.filter(quota="q").values_list("window", "holder")
    ) == [(START + 120, "alice"), (START + 180, "bob")]
    assert QuotaWindow.objects.filter(quota="other").count() == 2


@pytest.mark.django_db
def test_a_row_made_by_another_request_meanwhile_is_counted_on(clock):
    two = Quota("q", 2, 60, timer=clock)
    # As if another request made the row between this one's UPDATE and INSERT.
    QuotaWindow.objects.create(quota="q", window=START, holder="alice", n=1)
    assert two.take("alice") is None
    assert two.take("alice") == 90  # when 2 * weight <= 1, halfway through the next
    assert QuotaWindow.objects.get().n == 2


@pytest.mark.django_db  # the models' checks ask the database what it supports
def test_manage_py_check_refuses_a_malformed_create_rate(settings):
    from django.core.checks import run_checks

    settings.MEETINGS_CREATE_RATE = "60/fortnight"
    (error,) = [m for m in run_checks() if m.id == "meetings.E001"]
    assert "MEETINGS_CREATE_RATE quota '60/fortnight'" in error.msg
    settings.MEETINGS_CREATE_RATE = "60/min"
    assert not [m for m in run_checks() if m.id == "meetings.E001"]


@pytest.mark.django_db  # the models' checks ask the database what it supports
def test_manage_py_check_refuses_a_search_index_that_names_no_backend(settings):
    from django.core.checks import run_checks

    settings.MEETINGS_SEARCH_INDEX = "meetings.search.sqlit"
    (error,) = [m for m in run_checks() if m.id == "meetings.E002"]
    assert "MEETINGS_SEARCH_INDEX 'meetings.search.sqlit'" in error.msg
    for good in ("auto", "none", "meetings.search.postgresql"):
        settings.MEETINGS_SEARCH_INDEX = good
        assert not [m for m in run_checks() if m.id == "meetings.E002"]
