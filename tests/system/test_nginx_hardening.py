"""deploy/nginx.conf's hardening, on a real nginx in front of live servers.

HTTPS with HSTS and a redirect from HTTP, /metrics for its allow-list only,
login attempts rate-limited and open streams capped per client address over
every instance.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import ssl
import time

import httpx
import pytest

from meetings import services
from tests.conftest import access_token_for
from tests.support.nginx import (
    SITE,
    Nginx,
    check_config,
    self_signed_certificate,
    with_certificate,
)

pytestmark = pytest.mark.system
CONFIG = SITE.read_text()
STREAMS_PER_CLIENT = int(re.search(r"limit_conn \w+ (\d+);", CONFIG)[1])
LOGIN_BURST = int(re.search(r"limit_req zone=\w+ burst=(\d+)", CONFIG)[1])
ONE_YEAR = 365 * 24 * 3600


@pytest.fixture
def proxy(tmp_path):
    """Start nginx with deploy/nginx.conf's rules in front of servers."""
    started: list[Nginx] = []

    def start(servers, **options) -> Nginx:
        workdir = tmp_path / f"nginx-{len(started)}"
        nginx = Nginx([server.port for server in servers], workdir, **options)
        started.append(nginx)
        return nginx.start()

    yield start
    for nginx in started:
        nginx.stop()


def test_nginx_accepts_the_production_config(tmp_path):
    certificate = self_signed_certificate(tmp_path / "tls")
    checked = check_config(tmp_path / "nginx", with_certificate(CONFIG, certificate))
    assert checked.returncode == 0, checked.stderr


def test_every_proxied_location_tells_the_app_the_scheme():
    locations = re.findall(r"location [^{]*\{[^}]*\}", CONFIG)
    proxied = [block for block in locations if "proxy_pass" in block]
    assert len(proxied) >= 4
    for block in proxied:
        assert "proxy_set_header X-Forwarded-Proto $scheme;" in block, block


def test_https_with_hsts_and_the_scheme_passed_to_the_app(start_server, proxy, alice):
    # As if nginx ran on another host: uvicorn ignores its X-Forwarded-Proto,
    # and only Django's SECURE_PROXY_SSL_HEADER can tell the request is HTTPS.
    server = start_server(DJANGO_SECURE_COOKIES="true", FORWARDED_ALLOW_IPS="192.0.2.1")
    nginx = proxy([server], tls=True)
    trust = ssl.create_default_context(cafile=nginx.certificate.cert)
    with httpx.Client(base_url=nginx.url, verify=trust) as client:
        moved = client.get(f"{nginx.http_url}/meetings/new?from=mail")
        assert moved.status_code == 301
        assert moved.headers["location"] == "https://127.0.0.1/meetings/new?from=mail"

        form = client.get("/accounts/login/")
        assert hsts_max_age(form) >= ONE_YEAR
        assert hsts_max_age(client.get("/no-such-page")) >= ONE_YEAR
        # The Origin a browser sends: Django finds it same-origin only if it
        # knows the request reached nginx over HTTPS (else CSRF refuses, 403).
        same_origin = {"Origin": nginx.url}
        login = client.post(
            "/accounts/login/",
            data={
                "username": "alice",
                "password": "pw-12345678",
                "csrfmiddlewaretoken": csrf_token(form),
            },
            headers=same_origin,
        )
        assert login.status_code == 302, login.text
        # The session cookie is Secure, and sent back over HTTPS.
        assert "secure" in login.headers["set-cookie"].lower()
        meetings = client.get("/")
        assert meetings.status_code == 200
        logout = client.post(
            "/accounts/logout/",
            data={"csrfmiddlewaretoken": csrf_token(meetings)},
            headers=same_origin,
        )
        assert logout.status_code == 302, logout.text


def hsts_max_age(response: httpx.Response) -> int:
    """Return the max-age of the response's Strict-Transport-Security header."""
    header = response.headers["strict-transport-security"]
    return int(re.search(r"max-age=(\d+)", header)[1])


def csrf_token(page: httpx.Response) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]


def test_metrics_answer_their_allow_list_only(start_server, proxy):
    server = start_server()
    allowed = proxy([server])  # as deployed: 127.0.0.1 is on the list
    metrics = httpx.get(f"{allowed.url}/metrics")
    assert metrics.status_code == 200
    assert "meetstream_open_streams" in metrics.text
    # The test client is 127.0.0.1: allow only an address it is not.
    closed = proxy([server], metrics_allow=["10.255.255.1"])
    for path in ["/metrics", "/metrics?format=text", "//metrics", "/%6Detrics"]:
        assert httpx.get(f"{closed.url}{path}").status_code == 403, path
    assert httpx.get(f"{closed.url}/healthz").status_code == 200


def test_a_burst_of_login_attempts_gets_429(start_server, proxy):
    nginx = proxy([start_server()])
    with httpx.Client(base_url=nginx.url) as client:
        answers = [
            client.post("/v1/auth/token", json={}) for _ in range(LOGIN_BURST + 3)
        ]
        codes = [answer.status_code for answer in answers]
        assert 429 not in codes[: LOGIN_BURST + 1], codes
        assert codes[-1] == 429, codes
        assert_nginx_refused(answers[-1], "application/json")
        assert answers[-1].json()["error"]["code"] == "too_many_requests"
        # One budget for every way to try a password, each told in its way...
        for page in ("/accounts/login/", "/admin/login/"):
            assert_nginx_refused(client.get(page), "text/html")
        # ...and nothing else is limited.
        assert client.post("/v1/auth/token/refresh", json={}).status_code == 400
        assert client.get("/healthz").status_code == 200


def test_streams_per_client_are_capped_over_every_instance(start_server, proxy, alice):
    # The app's own cap is per user and per process: lift it out of the way.
    overrides = {"SSE_MAX_STREAMS_PER_USER": 10 * STREAMS_PER_CLIENT}
    servers = [start_server(**overrides), start_server(**overrides)]
    nginx = proxy(servers)
    meeting = services.create_meeting(str(alice.pk), {"title": "Capped"})
    headers = {"Authorization": f"Bearer {access_token_for(alice)}"}
    paths = [f"/v1/meetings/{meeting.id}/events", f"/v1/events?meeting={meeting.id}"]
    asyncio.run(_fill_the_cap(nginx, servers, paths, headers))


async def _fill_the_cap(nginx, servers, paths, headers) -> None:
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    async with (
        httpx.AsyncClient(base_url=nginx.url, timeout=10, limits=limits) as client,
        contextlib.AsyncExitStack() as streams,
    ):
        opened = [
            await streams.enter_async_context(
                client.stream("GET", paths[n % 2], headers=headers)
            )
            for n in range(STREAMS_PER_CLIENT)
        ]
        assert [r.status_code for r in opened] == [200] * STREAMS_PER_CLIENT
        held = await _open_streams(servers, STREAMS_PER_CLIENT)
        assert sum(held) == STREAMS_PER_CLIENT, held
        assert all(0 < count < STREAMS_PER_CLIENT for count in held), held

        for path in paths:
            async with client.stream("GET", path, headers=headers) as refused:
                await refused.aread()
                # nginx's answer: the app, which never saw it, says another code.
                assert_nginx_refused(refused, "application/json")
                assert refused.json()["error"]["code"] == "too_many_requests"

        await opened[0].aclose()
        assert await _open_one(client, paths[0], headers) == 200


def assert_nginx_refused(response, content_type: str) -> None:
    """Check a 429 of nginx's own: when to try again, in the door's language."""
    assert response.status_code == 429
    assert response.headers["content-type"].startswith(content_type)
    assert response.headers["retry-after"] == "10"
    assert "strict-transport-security" in response.headers


async def _open_streams(servers, expected: int) -> list[int]:
    """Return each server's open streams once they add up to expected."""
    deadline = time.monotonic() + 10
    async with httpx.AsyncClient() as client:
        while True:
            held = []
            for server in servers:
                text = (await client.get(f"{server.url}/metrics")).text
                gauge = re.search(r"(?m)^meetstream_open_streams (\S+)", text)[1]
                held.append(int(float(gauge)))
            if sum(held) == expected or time.monotonic() > deadline:
                return held
            await asyncio.sleep(0.1)


async def _open_one(client: httpx.AsyncClient, path: str, headers) -> int:
    """Open a stream and close it at once, retrying 429s while nginx catches up."""
    deadline = time.monotonic() + 10
    while True:
        async with client.stream("GET", path, headers=headers) as response:
            if response.status_code != 429 or time.monotonic() > deadline:
                return response.status_code
        await asyncio.sleep(0.1)
