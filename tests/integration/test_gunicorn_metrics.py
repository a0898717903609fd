"""Under gunicorn, /metrics adds up every worker's figures, whichever answers."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families

from meetings import services
from tests.conftest import access_token_for
from tests.support.sse import StreamReader

STREAMS = 6
SCRAPES = 12


def scrape(server) -> dict[str, float]:
    text = httpx.get(f"{server.url}/metrics").text
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if not sample.labels:
                found[sample.name] = sample.value
    return found


def test_two_workers_answer_metrics_from_their_shared_files(servers, alice):
    server = servers(GUNICORN_WORKERS="2")
    meeting = services.create_meeting(str(alice.pk), {"title": "Counted"})
    url = f"{server.url}/v1/meetings/{meeting.id}/events"
    bearer = {"Authorization": f"Bearer {access_token_for(alice)}"}
    streams = [StreamReader(url, bearer).start() for _ in range(STREAMS)]
    try:
        for stream in streams:
            stream.next_of("connected")
        seen = [scrape(server) for _ in range(SCRAPES)]
    finally:
        for stream in streams:
            stream.close()
    assert {s["meetstream_open_streams"] for s in seen} == {STREAMS}
    assert {s["meetstream_streams_opened_total"] for s in seen} == {STREAMS}
    # Multiprocess mode: no per-process collector, so no process_* figures
    # that would differ by which worker answered.
    assert not any("process_start_time_seconds" in s for s in seen)
