"""The live status stream, end to end: a real uvicorn on DynamoDB Local."""

import time
import uuid
from datetime import timedelta

import httpx
import pytest
from django.test import Client
from rest_framework_simplejwt.tokens import RefreshToken

from meetings import services
from meetings.domain import Viewer
from tests.conftest import access_token_for
from tests.support.sse import StreamReader

POLL = 0.5  # server_env's SSE_POLL_INTERVAL


@pytest.fixture
def meeting(alice, local_table):
    return services.create_meeting(str(alice.pk), {"title": "Sync"})


def bearer(user) -> dict[str, str]:
    return {"Authorization": f"Bearer {access_token_for(user)}"}


def open_stream(server, meeting_id, user, **headers) -> StreamReader:
    url = f"{server.url}/v1/meetings/{meeting_id}/events"
    return StreamReader(url, {**bearer(user), **headers}).start()


def patch(meeting_id, user, **changes):
    return services.update_meeting(Viewer(str(user.pk)), meeting_id, changes)


def test_headers_and_the_order_of_the_first_events(asgi_server, meeting, alice):
    stream = open_stream(asgi_server, meeting.id, alice)
    try:
        assert stream.response.status_code == 200
        headers = stream.response.headers
        assert headers["content-type"] == "text/event-stream; charset=utf-8"
        assert headers["cache-control"] == "no-cache, no-transform"
        assert headers["x-accel-buffering"] == "no"
        assert "content-encoding" not in headers
        connected = stream.next()
        assert connected.event == "connected"
        assert stream.parser.retry == 5000  # retry: came before connected
        data = connected.json()
        assert data["meetingId"] == str(meeting.id)
        assert (data["pollInterval"], data["keepaliveInterval"]) == (500, 2000)
        assert "serverTime" in data
        assert "instance" not in data  # host:pid, under DJANGO_DEBUG only
        status = stream.next()
        assert (status.event, status.id) == ("status", "1")
        assert status.json() == {
            "meetingId": str(meeting.id),
            "title": "Sync",
            "status": "scheduled",
            "progress": 0,
            "statusMessage": "",
            "updatedAt": meeting.updated_at.isoformat(),
            "version": 1,
            "statusChangedAt": meeting.created_at.isoformat(),
        }
        time.sleep(2.5)  # one keepalive interval
        assert "ping" in stream.parser.comments
    finally:
        stream.close()


def test_a_change_reaches_the_stream_within_a_poll_interval(
    asgi_server, meeting, alice
):
    stream = open_stream(asgi_server, meeting.id, alice)
    try:
        stream.next_of("status")
        started = time.monotonic()
        patch(meeting.id, alice, status="in_progress")
        update = stream.next_of("status", timeout=POLL + 2)
        elapsed = time.monotonic() - started
        assert (update.id, update.json()["status"]) == ("2", "in_progress")
        assert elapsed < POLL + 1.0
    finally:
        stream.close()


def test_last_event_id_skips_an_unchanged_status(asgi_server, meeting, alice):
    stream = open_stream(asgi_server, meeting.id, alice, **{"Last-Event-ID": "1"})
    try:
        assert stream.next().event == "connected"
        patch(meeting.id, alice, title="Renamed")
        # The first status is the change, not a repeat of version 1.
        assert stream.next_of("status", timeout=POLL + 2).id == "2"
    finally:
        stream.close()


def test_a_deleted_meeting_closes_the_stream(asgi_server, meeting, alice):
    stream = open_stream(asgi_server, meeting.id, alice)
    try:
        stream.next_of("status")
        services.delete_meeting(Viewer(str(alice.pk)), meeting.id)
        deleted = stream.next_of("deleted", timeout=POLL * 3 + 2)
        assert deleted.json() == {"meetingId": str(meeting.id)}
        assert stream.next(timeout=5) is None
    finally:
        stream.close()


def test_the_stream_ends_when_the_bearer_token_expires(asgi_server, meeting, alice):
    token = RefreshToken.for_user(alice).access_token
    token.set_exp(lifetime=timedelta(seconds=2))
    url = f"{asgi_server.url}/v1/meetings/{meeting.id}/events"
    stream = StreamReader(url, {"Authorization": f"Bearer {token}"}).start()
    try:
        lost = stream.next_of("connectionLost", timeout=6)
        assert lost.json()["reason"] == "token_expired"
        assert 0 <= lost.json()["retryAfterMs"] <= 1000
        assert stream.next(timeout=5) is None
    finally:
        stream.close()


def test_the_stream_ends_at_its_maximum_lifetime(start_server, meeting, alice):
    server = start_server(SSE_MAX_LIFETIME=1.5)
    stream = open_stream(server, meeting.id, alice)
    try:
        started = time.monotonic()
        lost = stream.next_of("connectionLost", timeout=6)
        assert lost.json()["reason"] == "max_lifetime"
        assert 1.3 <= time.monotonic() - started <= 3
        assert stream.next(timeout=5) is None
    finally:
        stream.close()


def test_streams_beyond_the_per_user_cap_get_429(start_server, meeting, alice, bob):
    server = start_server(SSE_MAX_STREAMS_PER_USER=2)
    streams = [open_stream(server, meeting.id, alice) for _ in range(2)]
    try:
        url = f"{server.url}/v1/meetings/{meeting.id}/events"
        refused = httpx.get(url, headers=bearer(alice))
        assert refused.status_code == 429
        assert refused.json()["error"]["code"] == "too_many_streams"
        assert refused.headers["Retry-After"].isdigit()
        streams.pop().close()
        time.sleep(0.5)
        again = open_stream(server, meeting.id, alice)
        streams.append(again)
        assert again.response.status_code == 200
    finally:
        for stream in streams:
            stream.close()


def batch_gets(server) -> float:
    """Return how many BatchGetItem calls the server has sent to DynamoDB."""
    metrics = httpx.get(f"{server.url}/metrics").text
    for line in metrics.splitlines():
        if line.startswith('meetstream_dynamodb_requests_total{operation="BatchGet'):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_a_stream_over_the_cap_is_refused_before_any_dynamodb_read(
    start_server, meeting, alice
):
    # No poll tick during the test: every BatchGetItem is a connect check.
    server = start_server(SSE_MAX_STREAMS_PER_USER=1, SSE_POLL_INTERVAL=60)
    stream = open_stream(server, meeting.id, alice)
    try:
        reads = batch_gets(server)
        assert reads >= 1  # the open stream's own connect check
        url = f"{server.url}/v1/meetings/{meeting.id}/events"
        for _ in range(5):
            assert httpx.get(url, headers=bearer(alice)).status_code == 429
        assert batch_gets(server) == reads
    finally:
        stream.close()


@pytest.mark.parametrize(
    ("path", "headers", "status"),
    [
        ("/v1/meetings/{id}/events", {}, 401),
        ("/v1/meetings/{id}/events", {"Authorization": "Bearer forged.jwt.here"}, 401),
        ("/v1/meetings/not-a-uuid/events", "alice", 400),
        (f"/v1/meetings/{uuid.uuid4()}/events", "alice", 404),
        ("/v1/meetings/{id}/events", "bob", 404),
        ("/v1/events", "alice", 400),
        ("/v1/events?meeting=nope", "alice", 400),
        ("/v1/events?" + "&".join(["meeting={id}"] * 51), "alice", 400),
    ],
)
def test_refusals_before_the_stream_are_json(
    asgi_server, meeting, alice, bob, path, headers, status
):
    users = {"alice": alice, "bob": bob}
    if isinstance(headers, str):
        headers = bearer(users[headers])
    response = httpx.get(asgi_server.url + path.format(id=meeting.id), headers=headers)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    assert set(response.json()["error"]) == {"code", "message", "details"}


def test_the_session_cookie_authenticates_a_stream(asgi_server, meeting, alice):
    browser = Client()
    browser.force_login(alice)
    cookie = f"sessionid={browser.cookies['sessionid'].value}"
    url = f"{asgi_server.url}/v1/meetings/{meeting.id}/events"
    stream = StreamReader(url, {"Cookie": cookie}).start()
    try:
        assert stream.next().event == "connected"
    finally:
        stream.close()


def test_one_stream_follows_several_meetings(asgi_server, alice):
    meetings = [
        services.create_meeting(str(alice.pk), {"title": f"m{n}"}) for n in range(3)
    ]
    query = "&".join(f"meeting={m.id}" for m in meetings)
    stream = StreamReader(f"{asgi_server.url}/v1/events?{query}", bearer(alice)).start()
    try:
        assert stream.next().json()["meetingIds"] == [str(m.id) for m in meetings]
        first = [stream.next_of("status") for _ in meetings]
        assert [e.json()["meetingId"] for e in first] == [str(m.id) for m in meetings]
        patch(meetings[1].id, alice, status="in_progress")
        update = stream.next_of("status", timeout=POLL + 2)
        assert update.json()["meetingId"] == str(meetings[1].id)
        assert f"{meetings[1].id}:2" in update.id.split(",")
        assert f"{meetings[0].id}:1" in update.id.split(",")
    finally:
        stream.close()


def test_sigterm_drains_every_stream_and_exits_promptly(asgi_server, meeting, alice):
    streams = [open_stream(asgi_server, meeting.id, alice) for _ in range(10)]
    try:
        for stream in streams:
            stream.next_of("status")
        exit_time = asgi_server.terminate()
        assert exit_time < 5, asgi_server.logs()[-2000:]
        for stream in streams:
            lost = stream.next_of("connectionLost", timeout=5)
            assert lost.json()["reason"] == "shutdown"
            assert 0 <= lost.json()["retryAfterMs"] <= 5000
            assert stream.next(timeout=5) is None
    finally:
        for stream in streams:
            stream.close()


def test_a_dynamodb_outage_sends_error_events_then_status_resumes(
    start_server, own_dynamodb, alice
):
    server = start_server(
        DYNAMODB_ENDPOINT_URL=own_dynamodb.endpoint_url,
        DYNAMODB_CONNECT_TIMEOUT=0.3,
        DYNAMODB_READ_TIMEOUT=1,
        DYNAMODB_MAX_ATTEMPTS=1,
    )
    meeting = services.create_meeting(str(alice.pk), {"title": "t"})
    stream = open_stream(server, meeting.id, alice)
    try:
        stream.next_of("status")
        own_dynamodb.stop()
        error = stream.next_of("error", timeout=10)
        assert error.json()["retryable"] is True
        assert error.json()["code"] in {"store_unavailable", "store_throttled"}
        own_dynamodb.start()
        patch(meeting.id, alice, status="in_progress")
        # Once it answers, the meeting is sent again (the page knows it is
        # live), at its latest version: the change made as it came back.
        statuses = [stream.next_of("status", timeout=10).json()]
        while statuses[-1]["status"] != "in_progress" and len(statuses) < 3:
            statuses.append(stream.next_of("status", timeout=10).json())
        assert statuses[-1]["status"] == "in_progress"
        assert all(s["version"] in (1, 2) for s in statuses)
    finally:
        stream.close()


def server_threads(server) -> int:
    with open(f"/proc/{server.process.pid}/status") as status:
        for line in status:
            if line.startswith("Threads:"):
                return int(line.split()[1])
    raise AssertionError("no thread count")


def test_open_streams_hold_no_threads(start_server, meeting, alice):
    server = start_server(SSE_MAX_STREAMS_PER_USER=500)
    warm = [open_stream(server, meeting.id, alice) for _ in range(5)]
    for stream in warm:
        stream.next_of("status")
    idle = server_threads(server)
    streams = []
    try:
        for _ in range(200):
            streams.append(open_stream(server, meeting.id, alice))
        for stream in streams:
            stream.next_of("status")
        busy = server_threads(server)
        assert busy <= idle + 4, (idle, busy)
    finally:
        for stream in streams + warm:
            stream.close()


def test_forged_tokens_cannot_open_a_stream(asgi_server, meeting, alice, settings):
    from tests.integration.test_bad_input import forged_tokens

    url = f"{asgi_server.url}/v1/meetings/{meeting.id}/events"
    for name, token in forged_tokens(alice, settings.SECRET_KEY).items():
        response = httpx.get(url, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, name
        assert response.json()["error"]["code"] == "not_authenticated"


def test_a_10_kb_last_event_id_is_ignored_on_both_streams(asgi_server, meeting, alice):
    huge = "9" * 10_240
    single = open_stream(asgi_server, meeting.id, alice, **{"Last-Event-ID": huge})
    multi = StreamReader(
        f"{asgi_server.url}/v1/events?meeting={meeting.id}",
        {**bearer(alice), "Last-Event-ID": f"{meeting.id}:1," * 300},
    ).start()
    try:
        for stream in (single, multi):
            assert stream.response.status_code == 200
            assert stream.next().event == "connected"
            assert stream.next_of("status").json()["version"] == 1
    finally:
        single.close()
        multi.close()
