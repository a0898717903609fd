"""The retry table: pauses stay within their bounds, budgets are what the loops use."""

from __future__ import annotations

from meetings import retries
from meetings.retries import Retry


def test_a_pause_is_full_jitter_under_the_doubling_base_and_the_cap():
    policy = Retry(attempts=5, base=0.05, cap=0.3)
    for attempt, ceiling in [(1, 0.1), (2, 0.2), (3, 0.3), (9, 0.3)]:
        pauses = [policy.pause(attempt) for _ in range(200)]
        assert all(0 <= pause <= ceiling for pause in pauses)
        assert max(pauses) > ceiling / 2  # spread over the range, not pinned at 0


def test_a_retry_with_no_cap_never_sleeps():
    assert Retry(attempts=3).pause(2) == 0


def test_the_browser_schedule_comes_from_the_settings(settings):
    settings.SSE_RETRY_MS, settings.SSE_RETRY_MAX_MS = 1000, 8000
    settings.SSE_RETRY_JITTER = 0.3
    assert retries.reconnect_schedule() == {
        "reconnect_base_ms": 1000,
        "reconnect_max_ms": 8000,
        "reconnect_jitter": 0.3,
    }


def test_the_sdk_attempts_come_from_the_settings(settings):
    settings.DYNAMODB_MAX_ATTEMPTS = 7
    assert retries.sdk_attempts() == 7
