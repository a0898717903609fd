"""Per-user quotas: a sliding log per holder in the shared cache."""

from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

from meetings import quota
from meetings.quota import Quota


@pytest.fixture(autouse=True)
def _own_cache(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "quota-tests",
        }
    }
    cache.clear()


@pytest.fixture
def clock(monkeypatch):
    now = [1_000_000.0]
    monkeypatch.setattr(quota, "time", SimpleNamespace(time=lambda: now[0]))
    return now


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


def test_the_use_past_the_limit_waits_until_the_oldest_leaves_the_period(clock):
    three = Quota("q", 3, 60)
    assert [three.take("alice") for _ in range(3)] == [None, None, None]
    clock[0] += 20.5
    assert three.take("alice") == 40  # the first use leaves at +60
    assert three.take("bob") is None  # each holder counts alone
    clock[0] += 40  # +60.5: the first three uses have left the period
    assert [three.take("alice") for _ in range(4)] == [None, None, None, 60]


def test_refused_uses_are_not_counted(clock):
    one = Quota("q", 1, 10)
    assert one.take("alice") is None
    for _ in range(5):
        assert one.take("alice") == 10
    clock[0] += 10
    assert one.take("alice") is None


def test_manage_py_check_refuses_a_malformed_create_rate(settings):
    from django.core.checks import run_checks

    settings.MEETINGS_CREATE_RATE = "60/fortnight"
    (error,) = [m for m in run_checks() if m.id == "meetings.E001"]
    assert "MEETINGS_CREATE_RATE quota '60/fortnight'" in error.msg
    settings.MEETINGS_CREATE_RATE = "60/min"
    assert not [m for m in run_checks() if m.id == "meetings.E001"]
