"""Identity against a live server: permissions, demotion, deactivation, password
changes, token rotation and hostile Last-Event-IDs, on REST and on streams.

Each scenario is one a user tried against a running server; each ends with a
server log free of tracebacks.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx
import pytest
from django.contrib.auth.models import Permission
from django.contrib.sessions.models import Session
from django.test import Client
from rest_framework_simplejwt.tokens import RefreshToken

from meetings import services
from meetings.admin.forms import MeetingChangeForm
from meetings.domain import Access, Meeting, Viewer
from tests.support.forms import form_values
from tests.support.sse import Event, Parser, StreamReader

pytestmark = pytest.mark.system
RECHECK = 1.0  # SSE_RECHECK_INTERVAL of the server under test
USER_CACHE = 5.0  # its API_USER_CACHE_SECONDS, the default
# Django accepts the unmasked secret of the CSRF cookie as the form's token.
CSRF = "trust" * 6 + "42"


@pytest.fixture
def server(start_server):
    server = start_server(
        SSE_RECHECK_INTERVAL=RECHECK, API_USER_CACHE_SECONDS=USER_CACHE
    )
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
    return status_of(stream_url(server, meeting), headers)


@contextmanager
def events_of(url: str, headers: dict) -> Iterator[Iterator[Event]]:
    """Open a stream in this thread, give its events, and close it at once after."""
    headers = {"Accept": "text/event-stream", **headers}
    with httpx.stream("GET", url, headers=headers, timeout=10) as reply:
        assert reply.status_code == 200, reply.status_code
        parser = Parser()
        yield (event for text in reply.iter_text() for event in parser.feed(text))


def first_of(events: Iterator[Event], name: str) -> Event:
    event = next((event for event in events if event.event == name), None)
    assert event is not None, f"the stream ended before a {name!r} event"
    return event


def status_of(url, headers) -> int:
    """Return the status a stream at url answers, without reading its events."""
    with httpx.stream("GET", url, headers=headers) as reply:
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


def revoked_by(server, meeting, headers, change) -> float:
    """Open a stream with headers, make change, and see the stream revoked.

    Return the monotonic time just before the change.
    """
    stream = open_stream(server, meeting, headers)
    try:
        stream.next_of("status")
        changed_at = time.monotonic()
        change()
        assert_revoked(stream)
    finally:
        stream.close()
    return changed_at


def eventually(call: Callable[[], object], expected: object, deadline: float):
    """Call until it answers expected or the monotonic deadline passed; return it."""
    while True:
        answer = call()
        if answer == expected or time.monotonic() > deadline:
            return answer
        time.sleep(0.2)


def saved(user, **fields):
    """Return a change that sets fields on user and saves it."""

    def change() -> None:
        for name, value in fields.items():
            setattr(user, name, value)
        user.save()

    return change


def new_password(user, password: str = "a-new-password-42"):
    """Return a change that gives user a new password."""

    def change() -> None:
        user.set_password(password)
        user.save()

    return change


def test_a_demoted_staff_member_loses_streams_with_old_and_refreshed_tokens(
    server, make_user, bobs
):
    sam = make_user("sam", is_staff=True, perms=("view",))
    tokens = RefreshToken.for_user(sam)
    path = f"/v1/meetings/{bobs.id}"
    # The server now keeps sam, as staff, in its API user cache.
    assert rest(server, "GET", path, tokens.access_token).status_code == 200
    headers = bearer(tokens.access_token)
    demoted_at = revoked_by(server, bobs, headers, saved(sam, is_staff=False))
    assert stream_status(server, bobs, headers) == 404
    # Saved by this process, not the server's: REST sees it once the server's
    # copy of sam expires, within API_USER_CACHE_SECONDS of the demotion.
    old_reach = eventually(
        lambda: rest(server, "GET", path, tokens.access_token).status_code,
        404,
        deadline=demoted_at + USER_CACHE + 1,
    )
    assert old_reach == 404
    refreshed = refresh(server, tokens)
    assert refreshed.status_code == 200
    new_access = refreshed.json()["access"]
    assert stream_status(server, bobs, bearer(new_access)) == 404
    assert rest(server, "GET", path, new_access).status_code == 404


def test_losing_a_permission_revokes_the_stream_it_opened(server, make_user, bobs):
    sam = make_user("sam", is_staff=True, perms=("view", "change"))
    token = RefreshToken.for_user(sam).access_token
    revoked_by(server, bobs, bearer(token), lambda: grant(sam, "view"))


def test_a_deactivated_user_loses_even_their_own_meetings(server, alice, alices):
    tokens = RefreshToken.for_user(alice)
    headers = bearer(tokens.access_token)
    revoked_by(server, alices, headers, saved(alice, is_active=False))
    assert stream_status(server, alices, bearer(tokens.access_token)) == 401
    path = f"/v1/meetings/{alices.id}"
    assert rest(server, "GET", path, tokens.access_token).status_code == 401
    assert refresh(server, tokens).status_code == 401


def test_a_password_change_revokes_earlier_access_and_refresh_tokens(
    server, alice, alices
):
    tokens = RefreshToken.for_user(alice)
    revoked_by(server, alices, bearer(tokens.access_token), new_password(alice))
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


def test_a_reused_refresh_token_revokes_its_whole_family(server, alice):
    tokens = httpx.post(
        f"{server.url}/v1/auth/token",
        json={"username": "alice", "password": "pw-12345678"},
    ).json()
    first = refresh(server, tokens["refresh"])
    assert first.status_code == 200
    assert first.json()["refresh"] != tokens["refresh"]
    reused = refresh(server, tokens["refresh"])
    assert reused.status_code == 401
    assert reused.json()["error"]["code"] == "token_reused"
    # The thief or the owner: either way the newest token is cut off too.
    assert refresh(server, first.json()["refresh"]).status_code == 401


def test_refreshing_the_token_of_a_deleted_user_is_401(server, make_user):
    carol = make_user("carol")
    tokens = RefreshToken.for_user(carol)
    carol.delete()
    refused = refresh(server, tokens)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "no_active_account"
    assert stream_status(server, object_with_id(), bearer(tokens.access_token)) == 401


def log_out(user):
    """Return what logging out in another tab does: the session is gone."""
    return lambda: Session.objects.all().delete()


# How a session stream is revoked, whose stream (the owner's, or a staff
# member's holding view), and what its reconnect then meets.
SESSION_REVOCATIONS = {
    "logout": (log_out, (), 401),
    "password change": (new_password, (), 401),
    "deactivation": (lambda user: saved(user, is_active=False), (), 401),
    "lost view permission": (lambda user: lambda: grant(user), ("view",), 404),
}


@pytest.mark.parametrize(
    ("revocation", "perms", "reconnect"),
    list(SESSION_REVOCATIONS.values()),
    ids=list(SESSION_REVOCATIONS),
)
def test_a_session_stream_is_revoked_within_the_recheck_cadence(
    server, make_user, bob, bobs, revocation, perms, reconnect
):
    # On the owner's own meeting, revocation cannot come from lost reach alone.
    user = make_user("sam", is_staff=True, perms=perms) if perms else bob
    cookie = session_cookie(user)
    revoked_by(server, bobs, cookie, revocation(user))
    assert stream_status(server, bobs, cookie) == reconnect


MALFORMED_IDS = ["9" * 4500, "²", "-1", "1" * 19, "+1", "0x1"]


@pytest.mark.parametrize(
    ("path", "last_event_id"),
    [
        ("/v1/meetings/{id}/events", "{bad}"),
        ("/v1/events?meeting={id}", "{bad}"),
        ("/v1/events?meeting={id}", "{id}:{bad}"),
        ("/v1/events?meeting={id}&scope=visible", "scope:{bad},{id}:{bad}"),
    ],
    ids=["single", "multi", "multi version", "scope"],
)
def test_a_malformed_last_event_id_is_ignored_as_if_absent(
    server, alice, alices, path, last_event_id
):
    url = server.url + path.format(id=alices.id)
    token = RefreshToken.for_user(alice).access_token
    for bad in MALFORMED_IDS:
        headers = {
            **bearer(token),
            # As UTF-8 bytes on the wire, as a browser would send "²".
            "Last-Event-ID": last_event_id.format(id=alices.id, bad=bad).encode(),
        }
        with events_of(url, headers) as events:
            # Ignored: the status is sent, as to a stream without Last-Event-ID.
            assert first_of(events, "status").json()["version"] == 1, bad
    time.sleep(0.2)  # let the server log the end of the streams, if they would fail


def object_with_id():
    """A meeting-shaped object for a stream URL: the id need not exist."""
    import uuid

    class Missing:
        id = uuid.uuid4()

    return Missing()


def session_cookie(user) -> dict[str, str]:
    """Return headers that send user's session, and the CSRF cookie of form_post."""
    browser = Client()
    browser.force_login(user)
    session = browser.cookies["sessionid"].value
    return {"Cookie": f"sessionid={session}; csrftoken={CSRF}"}


def form_post(server, path: str, cookie: dict[str, str], data: dict) -> int:
    """Submit a form as a browser would, with its CSRF token; return the status."""
    data = {**data, "csrfmiddlewaretoken": CSRF}
    return httpx.post(f"{server.url}{path}", headers=cookie, data=data).status_code


def admin_change_form(meeting: Meeting) -> dict[str, str]:
    """Return what the admin's change form, as loaded, submits with a new title."""
    fields = form_values(f"<form>{MeetingChangeForm(meeting=meeting)}</form>")
    return {**fields, "title": "Sam's", "_save": "Save"}


def scope_told(server, user, cookie, meeting: Meeting) -> str:
    """Change meeting, then one of user's own; say if user's scope stream told."""
    since_ms = int(time.time() * 1000)
    services.update_meeting(Viewer(meeting.owner_id), meeting.id, {"title": "New"})
    own = services.create_meeting(str(user.pk), {"title": "Sam's"})
    url = f"{server.url}/v1/events?scope=visible&since={since_ms}"
    told: set[str] = set()
    with events_of(url, cookie) as events:
        # The change index is in order: by user's own change, meeting's is known.
        while str(own.id) not in told:
            changes = first_of(events, "changed").json()["changes"]
            told |= {change["meetingId"] for change in changes}
    return "told" if str(meeting.id) in told else "not told"


def knocks(server, user) -> dict[str, Callable[[Meeting], object]]:
    """Return how user tries each door on a meeting, by door, each its answer."""
    token = RefreshToken.for_user(user).access_token
    cookie = session_cookie(user)

    def api(method: str, meeting: Meeting, **kwargs) -> int:
        path = f"/v1/meetings/{meeting.id}"
        return rest(server, method, path, token, **kwargs).status_code

    def get(path: str) -> int:
        return httpx.get(f"{server.url}{path}", headers=cookie).status_code

    def page(meeting: Meeting, action: str = "") -> str:
        return f"/meetings/{meeting.id}{action}"

    def admin(meeting: Meeting, view: str) -> str:
        return f"/admin/meetings/meetingrecord/{meeting.id}/{view}/"

    def at_version(meeting: Meeting, **fields) -> dict:
        return {"version": meeting.version, **fields}

    return {
        "REST GET": lambda m: api("GET", m),
        "REST PATCH": lambda m: api("PATCH", m, json={"title": "Sam's"}),
        "REST DELETE": lambda m: api("DELETE", m),
        "page": lambda m: get(page(m)),
        "page edit POST": lambda m: form_post(
            server, page(m, "/edit"), cookie, at_version(m, title="Sam's")
        ),
        "page delete POST": lambda m: form_post(
            server, page(m, "/delete"), cookie, at_version(m)
        ),
        "admin change": lambda m: get(admin(m, "change")),
        "admin change POST": lambda m: form_post(
            server, admin(m, "change"), cookie, admin_change_form(m)
        ),
        "admin delete": lambda m: get(admin(m, "delete")),
        "admin delete POST": lambda m: form_post(
            server, admin(m, "delete"), cookie, at_version(m)
        ),
        "stream": lambda m: stream_status(server, m, bearer(token)),
        "multi stream": lambda m: status_of(
            f"{server.url}/v1/events?meeting={m.id}", cookie
        ),
        "scope stream": lambda m: scope_told(server, user, cookie, m),
    }


# What each door needs, and its answers with and without it: others' meetings
# are 404, never 403, except in the admin, which refuses staff lacking the
# model permission with 403 before any lookup, as Django's admin does.
DOORS = {
    "REST GET": (Access.VIEW, 200, 404),
    "REST PATCH": (Access.CHANGE, 200, 404),
    "REST DELETE": (Access.DELETE, 204, 404),
    "page": (Access.VIEW, 200, 404),
    "page edit POST": (Access.CHANGE, 302, 404),
    "page delete POST": (Access.DELETE, 302, 404),
    "admin change": (Access.VIEW, 200, 403),
    "admin change POST": (Access.CHANGE, 302, 403),
    "admin delete": (Access.DELETE, 200, 403),
    "admin delete POST": (Access.DELETE, 302, 403),
    "stream": (Access.VIEW, 200, 404),
    "multi stream": (Access.VIEW, 200, 404),
    "scope stream": (Access.VIEW, "told", "not told"),
}
# The meeting permissions a staff member holds (None: a superuser), and the
# reach on others' meetings they give; changing includes seeing.
STAFF = {
    "no permission": ((), set()),
    "view": (("view",), {Access.VIEW}),
    "change": (("change",), {Access.VIEW, Access.CHANGE}),
    "delete": (("delete",), {Access.DELETE}),
    "all three": (("view", "change", "delete"), set(Access)),
    "superuser": (None, set(Access)),
}


def answers(server, user, owner, doors) -> dict[str, object]:
    """Return user's answer at each of doors, each on a fresh meeting of owner's."""
    tries = knocks(server, user)
    return {
        door: tries[door](services.create_meeting(str(owner.pk), {"title": door}))
        for door in doors
    }


@pytest.mark.parametrize(("perms", "reach"), list(STAFF.values()), ids=list(STAFF))
def test_staff_reach_on_every_door_follows_the_permissions(
    server, make_user, bob, perms, reach
):
    sam = make_user("sam", is_staff=True, perms=perms or ())
    if perms is None:
        sam.is_superuser = True
        sam.save()
    assert answers(server, sam, bob, DOORS) == {
        door: granted if access in reach else refused
        for door, (access, granted, refused) in DOORS.items()
    }


def test_a_superuser_without_staff_status_reaches_others_meetings_on_rest(
    server, make_user, bob
):
    # Django's has_perm: an active superuser holds every permission.
    root = make_user("root")
    root.is_superuser = True
    root.save()
    rest_doors = ("REST GET", "REST PATCH", "REST DELETE")
    assert answers(server, root, bob, rest_doors) == {
        door: DOORS[door][1] for door in rest_doors
    }


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
