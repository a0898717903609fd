"""The create quota under concurrency: parallel creates cannot overshoot it.

Sixteen threads send 200 creates through the API (Django's test client, one
per thread, each with its own database connection) against the file database
of the test run, committing as a server would (transactional_db).
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from meetings.models import QuotaWindow

pytestmark = pytest.mark.orm

CREATES = 200
THREADS = 16
LIMIT = 60


def _clear_of_a_minute_edge(margin: float = 20.0) -> None:
    """Wait until the race cannot straddle the start of a minute.

    Across an edge the previous minute's creates still weigh (meetings/quota.py),
    so the bound holds there too, within rounding; the test checks the exact
    count within one window.
    """
    into = time.time() % 60
    if into > 60 - margin:
        time.sleep(60 - into + 0.1)


def test_parallel_creates_never_pass_the_quota(
    transactional_db, alice, client_for, settings, memory_store
):
    settings.MEETINGS_CREATE_RATE = f"{LIMIT}/min"
    settings.API_WRITE_RATE = ""  # this test is about the quota alone
    barrier = threading.Barrier(THREADS)

    def create_some(thread: int) -> list:
        api = client_for(alice)
        barrier.wait()
        try:
            return [
                api.post("/v1/meetings", {"title": f"t{thread}-{n}"}, format="json")
                for n in range(CREATES // THREADS + (thread < CREATES % THREADS))
            ]
        finally:
            connection.close()

    _clear_of_a_minute_edge()
    with ThreadPoolExecutor(THREADS) as pool:
        responses = [
            r for batch in pool.map(create_some, range(THREADS)) for r in batch
        ]

    assert len(responses) == CREATES
    statuses = [r.status_code for r in responses]
    assert statuses.count(201) == LIMIT
    assert statuses.count(429) == CREATES - LIMIT
    for refused in (r for r in responses if r.status_code == 429):
        assert refused.json()["error"]["code"] == "quota_exceeded"
        assert 0 < int(refused.headers["Retry-After"]) <= 2 * 60
    assert QuotaWindow.objects.get(holder=str(alice.pk)).n == LIMIT
