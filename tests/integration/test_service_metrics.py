"""The metrics the alert rules and the dashboard read, from a live server's /metrics."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families

from meetings import services
from meetings.domain import Viewer
from tests.conftest import access_token_for
from tests.support.sse import StreamReader

POLL = 0.5  # server_env's SSE_POLL_INTERVAL


def samples(server) -> dict[tuple[str, frozenset], float]:
    """Return every sample on the server's /metrics, by name and labels."""
    text = httpx.get(f"{server.url}/metrics").text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(found: dict, name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


def test_requests_are_counted_and_timed_by_route_method_and_status(start_server, alice):
    server = start_server()
    meeting = services.create_meeting(str(alice.pk), {"title": "Counted"})
    bearer = {"Authorization": f"Bearer {access_token_for(alice)}"}
    with httpx.Client(base_url=server.url, headers=bearer) as client:
        assert client.get(f"/v1/meetings/{meeting.id}").status_code == 200
        assert client.get("/v1/meetings/not-a-uuid").status_code in (400, 404)
        assert client.get("/no/such/page").status_code == 404
    found = samples(server)
    detail = {"route": "meeting-detail", "method": "GET"}
    assert value(found, "meetstream_http_requests_total", **detail, status="2xx") == 1
    assert value(found, "meetstream_http_requests_total", **detail, status="4xx") == 1
    assert (
        value(
            found,
            "meetstream_http_requests_total",
            route="other",
            method="GET",
            status="4xx",
        )
        == 1
    )
    count = value(
        found, "meetstream_http_request_duration_seconds_count", route="meeting-detail"
    )
    assert count >= 1
    # Raw paths never become labels: no meeting id anywhere in the labels.
    assert not any(str(meeting.id) in str(labels) for _, labels in found)


def test_streams_report_reconnects_refusals_ticks_and_delivery_lag(start_server, alice):
    server = start_server(DYNAMODB_READ_BUDGET="40", DYNAMODB_WRITE_BUDGET="0")
    meeting = services.create_meeting(str(alice.pk), {"title": "Watched"})
    url = f"{server.url}/v1/meetings/{meeting.id}/events"
    assert httpx.get(url).status_code == 401  # a refusal: auth
    bearer = {"Authorization": f"Bearer {access_token_for(alice)}"}
    stream = StreamReader(url, {**bearer, "Last-Event-ID": "1"}).start()
    try:
        stream.next_of("connected")
        services.update_meeting(Viewer(str(alice.pk)), meeting.id, {"title": "Moved"})
        assert stream.next_of("status", timeout=POLL + 3).json()["version"] == 2
        found = samples(server)
    finally:
        stream.close()
    assert value(found, "meetstream_stream_reconnects_total") == 1
    assert value(found, "meetstream_stream_refusals_total", reason="auth") == 1
    assert value(found, "meetstream_poll_tick_lag_seconds_count") >= 1
    assert value(found, "meetstream_delivery_lag_seconds_count") == 1
    assert value(found, "meetstream_draining") == 0
    budget = "meetstream_dynamodb_capacity_budget_units"
    assert value(found, budget, kind="read") == 40
    assert value(found, budget, kind="write") == 0
