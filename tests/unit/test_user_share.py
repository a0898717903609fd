"""Each user's share of the request threads: waits on the loop, then 429."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest
from rest_framework_simplejwt.tokens import AccessToken

from config.user_share import UserShare, bearer_key, credential_key
from config.wsgi_pool import Refused
from tests.conftest import access_token_for

SESSION = "sessionid"


def scope(path: str = "/v1/meetings", headers: tuple = ()) -> dict:
    return {"type": "http", "method": "GET", "path": path, "headers": list(headers)}


def bearer(token: str) -> tuple:
    return ((b"authorization", f"Bearer {token}".encode()),)


def session(key: str) -> tuple:
    return ((b"cookie", f"csrftoken=x; {SESSION}={key}".encode()),)


class Threads:
    """A stand-in for the pool's threads: each turn holds until released."""

    def __init__(self, gate: UserShare) -> None:
        self.gate = gate
        self.inside = 0
        self.most_inside = 0
        self.release = asyncio.Event()

    async def request(self, asgi_scope: dict) -> Refused | None:
        """Take a turn as the pool would; return the refusal, if any."""
        try:
            async with self.gate.turn(asgi_scope):
                self.inside += 1
                self.most_inside = max(self.most_inside, self.inside)
                try:
                    await self.release.wait()
                finally:
                    self.inside -= 1
        except Refused as refused:
            return refused
        return None


def share(**options) -> UserShare:
    settings = {"share": 2, "queue": 2, "wait": 0.3, "session_cookie": SESSION}
    return UserShare(exempt_prefixes=("/static/",), **(settings | options))


def test_a_valid_bearer_token_names_its_user(alice, bob):
    assert credential_key(scope(headers=bearer(access_token_for(alice))), SESSION) == (
        f"user:{alice.pk}"
    )
    assert credential_key(scope(headers=bearer(access_token_for(bob))), SESSION) == (
        f"user:{bob.pk}"
    )


@pytest.mark.parametrize(
    "headers",
    [
        (),
        bearer("not-a-token"),
        bearer(""),
        ((b"cookie", b"csrftoken=x"),),
        ((b"cookie", b'bad"cookie;;=='),),
    ],
)
def test_no_credential_no_key(headers):
    assert credential_key(scope(headers=headers), SESSION) is None


def test_a_forged_token_names_nobody(alice):
    header, payload, signature = access_token_for(alice).split(".")
    forged = f"{header}.{payload}.{signature[::-1]}"
    assert credential_key(scope(headers=bearer(forged)), SESSION) is None


def test_a_session_cookie_is_its_own_key():
    assert credential_key(scope(headers=session("abc")), SESSION) == "session:abc"
    # Read as Django reads request.COOKIES: a malformed cookie beside it does
    # not hide the session Django would load.
    messy = ((b"cookie", f'bad"cookie; {SESSION}=abc'.encode()),)
    assert credential_key(scope(headers=messy), SESSION) == "session:abc"


def test_one_user_has_at_most_its_share_in_the_threads_and_the_rest_wait():
    async def run() -> tuple[Threads, list]:
        threads = Threads(share())
        mine = scope(headers=session("busy"))
        tasks = [asyncio.create_task(threads.request(mine)) for _ in range(4)]
        await asyncio.sleep(0.05)
        assert threads.inside == 2  # two in the threads, two waiting on the loop
        threads.release.set()
        return threads, await asyncio.gather(*tasks)

    threads, refusals = asyncio.run(run())
    assert refusals == [None] * 4
    assert threads.most_inside == 2


def test_another_user_is_not_kept_waiting_by_a_busy_one():
    async def run() -> int:
        threads = Threads(share())
        busy = [
            asyncio.create_task(threads.request(scope(headers=session("busy"))))
            for _ in range(4)
        ]
        await asyncio.sleep(0.05)
        other = asyncio.create_task(threads.request(scope(headers=session("other"))))
        await asyncio.sleep(0.05)
        inside = threads.inside
        threads.release.set()
        await asyncio.gather(other, *busy)
        return inside

    assert asyncio.run(run()) == 3  # the busy user's two, and the other's one


def test_past_the_queue_a_request_is_refused_429_after_the_wait():
    async def run() -> tuple[list, float]:
        threads = Threads(share(wait=0.2))
        mine = scope(headers=session("busy"))
        started = time.monotonic()
        tasks = [asyncio.create_task(threads.request(mine)) for _ in range(6)]
        await asyncio.sleep(0.1)
        threads.release.set()  # the two in the queue get their turn within the wait
        served = await asyncio.gather(*tasks[:4])
        refused = await asyncio.gather(tasks[4], tasks[5])
        return [*served, *refused], time.monotonic() - started

    outcomes, waited = asyncio.run(run())
    assert outcomes[:4] == [None] * 4
    assert [refused.status for refused in outcomes[4:]] == [429, 429]
    assert waited >= 0.2  # held for the wait, not answered at once
    assert outcomes[-1].headers == [(b"retry-after", b"1")]


def test_a_wait_that_runs_out_is_a_429_and_frees_its_place():
    async def run() -> tuple[list, UserShare]:
        threads = Threads(share(wait=0.1))
        mine = scope(headers=session("busy"))
        tasks = [asyncio.create_task(threads.request(mine)) for _ in range(3)]
        waited_out = await tasks[2]
        threads.release.set()
        return [*(await asyncio.gather(*tasks[:2])), waited_out], threads.gate

    outcomes, gate = asyncio.run(run())
    assert outcomes[:2] == [None, None] and outcomes[2].status == 429
    assert gate.lanes == {}  # an idle user leaves nothing behind


@pytest.mark.parametrize(
    "asgi_scope",
    [
        scope("/static/app.css", session("busy")),
        scope("/healthz"),
        {"type": "lifespan"},
    ],
)
def test_what_carries_no_credential_or_is_static_passes(asgi_scope):
    assert share(share=1).key(asgi_scope) is None


def test_a_share_of_zero_turns_it_off():
    assert share(share=0).key(scope(headers=session("busy"))) is None


def test_a_token_is_verified_once_and_an_expired_one_names_nobody(alice):
    token = access_token_for(alice)
    credential_key(scope(headers=bearer(token)), SESSION)
    hits = bearer_key.cache_info().hits
    assert credential_key(scope(headers=bearer(token)), SESSION) == f"user:{alice.pk}"
    assert bearer_key.cache_info().hits == hits + 1
    expired = AccessToken.for_user(alice)
    expired.set_exp(lifetime=timedelta(seconds=-1))
    assert credential_key(scope(headers=bearer(str(expired))), SESSION) is None
