"""Identity against a live server: permissions, demotion, deactivation, password
changes, token rotation and hostile Last-Event-IDs, on REST and on streams.

Each scenario is one a user tried against a running server; each ends with a
server log free of tracebacks.
"""

from __future__ import annotations

import time

import httpx
import pytest
from django.contrib.auth.models import Permission
from django.contrib.sessions.models import Session
from django.test import Client
from rest_framework_simplejwt.tokens import RefreshToken

from meetings import services
from tests.support.sse import StreamReader

pytestmark = pytest.mark.system
RECHECK = 1.0  # SSE_RECHECK_INTERVAL of the server under test


@pytest.fixture
def server(start_server):
    server = start_server(SSE_RECHECK_INTERVAL=RECHECK)
    yield server
    assert "Traceback" not in server.logs()


@pytest.fixture
def bobs(bob, local_table):
    return services.create_meeting(str(bob.pk), {"title": "Bob's"})


@pytest.fixture
def alices(alice, local_table):
    return services.create_meeting(str(alice.pk), {"title": "Alice's"})


def bearer(token) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def stream_url(server, meeting) -> str:
    return f"{server.url}/v1/meetings/{meeting.id}/events"


def open_stream(server, meeting, headers) -> StreamReader:
    return StreamReader(stream_url(server, meeting), headers).start()


def stream_status(server, meeting, headers) -> int:
    with httpx.stream("GET", stream_url(server, meeting), headers=headers) as reply:
        return reply.status_code


def rest(server, method, path, token, **kwargs) -> httpx.Response:
    return httpx.request(
        method, f"{server.url}{path}", headers=bearer(token), timeout=10, **kwargs
    )


def refresh(server, token) -> httpx.Response:
    return httpx.post(
        f"{server.url}/v1/auth/token/refresh", json={"refresh": str(token)}
    )


def grant(user, *actions) -> None:
    user.user_permissions.set(
        Permission.objects.filter(
            codename__in=[f"{action}_meetingrecord" for action in actions]
        )
    )


def assert_revoked(stream: StreamReader) -> None:
    lost = stream.next_of("connectionLost", timeout=RECHECK * 3 + 3)
    assert lost.json()["reason"] == "revoked"
    assert stream.next(timeout=5) is None


def revoked_by(server, meeting, token, change) -> None:
    """Open a stream with token, make change, and see the stream revoked."""
    stream = open_stream(server, meeting, bearer(token))
    try:
        stream.next_of("status")
        change()
        assert_revoked(stream)
    finally:
        stream.close()


def saved(user, **fields):
    """Return a change that sets fields on user and saves it."""

    def change() -> None:
        for name, value in fields.items():
            setattr(user, name, value)
        user.save()

    return change


@pytest.mark.parametrize(
    ("perms", "status"),
    [((), 404), (("delete",), 404), (("view",), 200), (("change",), 200)],
)
def test_a_staff_stream_on_others_meetings_needs_a_permission_that_sees_them(
    server, make_user, bobs, perms, status
):
    sam = make_user("sam", is_staff=True, perms=perms)
    token = RefreshToken.for_user(sam).access_token
    assert stream_status(server, bobs, bearer(token)) == status
    assert rest(server, "GET", f"/v1/meetings/{bobs.id}", token).status_code == status


def test_a_demoted_staff_member_loses_streams_with_old_and_refreshed_tokens(
    server, make_user, bobs
):
    sam = make_user("sam", is_staff=True, perms=("view",))
    tokens = RefreshToken.for_user(sam)
    revoked_by(server, bobs, tokens.access_token, saved(sam, is_staff=False))
    assert stream_status(server, bobs, bearer(tokens.access_token)) == 404
    refreshed = refresh(server, tokens)
    assert refreshed.status_code == 200
    new_access = refreshed.json()["access"]
    assert stream_status(server, bobs, bearer(new_access)) == 404
    assert rest(server, "GET", f"/v1/meetings/{bobs.id}", new_access).status_code == 404


def test_losing_a_permission_revokes_the_stream_it_opened(server, make_user, bobs):
    sam = make_user("sam", is_staff=True, perms=("view", "change"))
    token = RefreshToken.for_user(sam).access_token
    revoked_by(server, bobs, token, lambda: grant(sam, "view"))


def test_a_deactivated_user_loses_even_their_own_meetings(server, alice, alices):
    tokens = RefreshToken.for_user(alice)
    revoked_by(server, alices, tokens.access_token, saved(alice, is_active=False))
    assert stream_status(server, alices, bearer(tokens.access_token)) == 401
    path = f"/v1/meetings/{alices.id}"
    assert rest(server, "GET", path, tokens.access_token).status_code == 401
    assert refresh(server, tokens).status_code == 401


def test_a_password_change_revokes_earlier_access_and_refresh_tokens(
    server, alice, alices
):
    tokens = RefreshToken.for_user(alice)

    def change_password() -> None:
        alice.set_password("a-new-password-42")
        alice.save()

    revoked_by(server, alices, tokens.access_token, change_password)
    assert stream_status(server, alices, bearer(tokens.access_token)) == 401
    path = f"/v1/meetings/{alices.id}"
    assert rest(server, "GET", path, tokens.access_token).status_code == 401
    refused = refresh(server, tokens)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "password_changed"
    fresh = httpx.post(
        f"{server.url}/v1/auth/token",
        json={"username": "alice", "password": "a-new-password-42"},
    ).json()
    assert rest(server, "GET", path, fresh["access"]).status_code == 200


def test_a_refresh_token_is_refused_once_it_was_used(server, alice):
    tokens = httpx.post(
        f"{server.url}/v1/auth/token",
        json={"username": "alice", "password": "pw-12345678"},
    ).json()
    first = refresh(server, tokens["refresh"])
    assert first.status_code == 200
    assert first.json()["refresh"] != tokens["refresh"]
    reused = refresh(server, tokens["refresh"])
    assert reused.status_code == 401
    assert reused.json()["error"]["code"] == "token_not_valid"
    assert refresh(server, first.json()["refresh"]).status_code == 200


def test_refreshing_the_token_of_a_deleted_user_is_401(server, make_user):
    carol = make_user("carol")
    tokens = RefreshToken.for_user(carol)
    carol.delete()
    refused = refresh(server, tokens)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "no_active_account"
    assert stream_status(server, object_with_id(), bearer(tokens.access_token)) == 401


def test_logging_out_revokes_the_session_stream(server, alice, alices):
    browser = Client()
    browser.force_login(alice)
    cookie = {"Cookie": f"sessionid={browser.cookies['sessionid'].value}"}
    stream = open_stream(server, alices, cookie)
    try:
        stream.next_of("status")
        Session.objects.all().delete()  # what logging out in another tab does
        assert_revoked(stream)
    finally:
        stream.close()
    assert stream_status(server, alices, cookie) == 401


@pytest.mark.parametrize(
    "last_event_id", ["9" * 4500, "²", "-1", "1" * 19, "+1", "0x1"]
)
def test_a_malformed_last_event_id_is_ignored_as_if_absent(
    server, alice, alices, last_event_id
):
    headers = {
        **bearer(RefreshToken.for_user(alice).access_token),
        # As UTF-8 bytes on the wire, as a browser would send "²".
        "Last-Event-ID": last_event_id.encode(),
    }
    stream = open_stream(server, alices, headers)
    try:
        assert stream.response.status_code == 200
        assert stream.next_of("status").id == "1"
    finally:
        stream.close()
    time.sleep(0.2)  # let the server log the end of the stream, if it would fail


def object_with_id():
    """A meeting-shaped object for a stream URL: the id need not exist."""
    import uuid

    class Missing:
        id = uuid.uuid4()

    return Missing()


def session_cookie(user) -> dict[str, str]:
    browser = Client()
    browser.force_login(user)
    return {"Cookie": f"sessionid={browser.cookies['sessionid'].value}"}


@pytest.mark.parametrize(
    ("perms", "view", "change", "delete", "admin"),
    [
        ((), 404, 404, 404, 403),
        (("view",), 200, 404, 404, 200),
        (("change",), 200, 200, 404, 200),
        (("delete",), 404, 404, 204, 403),
    ],
)
def test_staff_reach_on_rest_pages_and_admin_follows_the_permissions(
    server, make_user, bobs, perms, view, change, delete, admin
):
    sam = make_user("sam", is_staff=True, perms=perms)
    token = RefreshToken.for_user(sam).access_token
    path = f"/v1/meetings/{bobs.id}"
    cookie = session_cookie(sam)
    page = httpx.get(f"{server.url}/meetings/{bobs.id}", headers=cookie)
    admin_page = httpx.get(
        f"{server.url}/admin/meetings/meetingrecord/{bobs.id}/change/", headers=cookie
    )
    assert (page.status_code, admin_page.status_code) == (view, admin)
    assert rest(server, "GET", path, token).status_code == view
    patched = rest(server, "PATCH", path, token, json={"title": "Sam's"})
    assert patched.status_code == change
    assert rest(server, "DELETE", path, token).status_code == delete


def test_forty_guesses_meet_a_429_and_the_right_password_works_after_the_window(
    start_server, alice
):
    window = 4
    server = start_server(LOGIN_FAILURE_WINDOW_SECONDS=window)
    url = f"{server.url}/v1/auth/token"
    answers = [
        httpx.post(url, json={"username": "alice", "password": f"guess-{n}"})
        for n in range(40)
    ]
    codes = [answer.status_code for answer in answers]
    assert set(codes) <= {401, 429}
    first_refusal = answers[codes.index(429)]
    assert codes.index(429) <= 10  # LOGIN_FAILURES_PER_USERNAME
    assert first_refusal.json()["error"]["code"] == "locked_out"
    assert first_refusal.headers["Retry-After"].isdigit()
    right = {"username": "alice", "password": "pw-12345678"}
    time.sleep(window + 0.5)
    assert httpx.post(url, json=right).status_code == 200
    assert "Traceback" not in server.logs()
