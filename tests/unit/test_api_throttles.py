"""The API's per-user rate limits, on a fake clock and a cache of their own."""

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache.backends.locmem import LocMemCache
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from meetings.api.throttles import ReadRateThrottle, WriteRateThrottle

factory = APIRequestFactory()


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def cache() -> LocMemCache:
    cache = LocMemCache("throttle-tests", {})
    cache.clear()
    return cache


@pytest.fixture
def throttle(clock, cache):
    """Return a maker of throttles on the fake clock and the test's cache."""

    def make(kind=ReadRateThrottle):
        made = kind()
        made.timer, made.cache = clock, cache
        return made

    return make


def request(method: str = "get", user_id: int | None = 1, **meta) -> Request:
    made = Request(getattr(factory, method)("/v1/meetings", **meta))
    made.user = (
        AnonymousUser()
        if user_id is None
        else SimpleNamespace(pk=user_id, is_authenticated=True)
    )
    return made


def test_reads_past_the_rate_wait_until_the_oldest_leaves_the_period(
    throttle, clock, settings
):
    settings.API_READ_RATE = "3/min"
    assert [throttle().allow_request(request(), None) for _ in range(3)] == [True] * 3
    clock.now += 20
    refused = throttle()
    assert refused.allow_request(request(), None) is False
    assert refused.wait() == 40
    assert throttle().allow_request(request(user_id=2), None)  # another user
    clock.now += 40
    assert throttle().allow_request(request(), None)


def test_reads_and_writes_count_apart_each_for_its_own_methods(throttle, settings):
    settings.API_READ_RATE, settings.API_WRITE_RATE = "1/min", "2/min"
    read, write = throttle(ReadRateThrottle), throttle(WriteRateThrottle)
    assert read.allow_request(request(), None)
    assert not throttle(ReadRateThrottle).allow_request(request("head"), None)
    for method in ("post", "patch"):
        assert write.allow_request(request(method), None)
        assert read.allow_request(request(method), None)  # not a read
    assert not throttle(WriteRateThrottle).allow_request(request("delete"), None)
    assert throttle(WriteRateThrottle).allow_request(request("get"), None)


def test_anonymous_requests_count_by_address_whatever_they_forward(throttle, settings):
    settings.API_READ_RATE = "1/min"
    spoofed = {"REMOTE_ADDR": "203.0.113.7", "HTTP_X_FORWARDED_FOR": "192.0.2.1"}
    assert throttle().allow_request(request(user_id=None, **spoofed), None)
    spoofed["HTTP_X_FORWARDED_FOR"] = "192.0.2.2"
    assert not throttle().allow_request(request(user_id=None, **spoofed), None)
    other = {"REMOTE_ADDR": "198.51.100.20"}
    assert throttle().allow_request(request(user_id=None, **other), None)


def test_an_empty_rate_turns_the_limit_off(throttle, settings):
    settings.API_READ_RATE = ""
    assert all(throttle().allow_request(request(), None) for _ in range(50))


def test_a_history_past_the_rate_still_says_when_to_retry(throttle, clock, settings):
    # Parallel requests can add past the rate (the cache's read and write are
    # two steps); DRF's wait() is None then, which would drop Retry-After.
    settings.API_READ_RATE = "2/min"
    full = throttle()
    key = full.get_cache_key(request(), None)
    full.cache.set(key, [clock.now] * 5)
    assert full.allow_request(request(), None) is False
    assert full.wait() == 60
