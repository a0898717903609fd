"""Requests with bodies, large responses and files through the served app.

The run command's server (uvicorn, config/asgi.py) hands every request but the
streams to Django's WSGI handler on its thread pool (config/wsgi_pool.py):
these go through a real socket, where uvicorn splits large bodies into several
messages.
"""

import json

import httpx
import pytest

from tests.conftest import access_token_for

MEETINGS = "/v1/meetings"


@pytest.fixture
def api(asgi_server, alice):
    headers = {"Authorization": f"Bearer {access_token_for(alice)}"}
    with httpx.Client(base_url=asgi_server.url, headers=headers, timeout=30) as client:
        yield client


def test_a_large_body_arrives_whole(api):
    # Valid JSON of some 200 kB, under the 256 kB limit: read across messages.
    body = '{"title": "Padded"' + " " * 200_000 + "}"
    response = api.post(
        MEETINGS, content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 201, response.text
    assert api.get(f"{MEETINGS}/{response.json()['id']}").json()["title"] == "Padded"


def test_a_body_over_the_limit_is_413(api):
    body = json.dumps({"title": "x", "description": "y" * 5_000_000})
    response = api.post(
        MEETINGS, content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


def test_a_broken_body_is_a_json_400(api):
    response = api.post(
        MEETINGS, content=b'{"title": ', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/json"


def test_a_change_with_its_etag(api):
    created = api.post(MEETINGS, json={"title": "Before"})
    changed = api.patch(
        f"{MEETINGS}/{created.json()['id']}",
        json={"title": "After"},
        headers={"If-Match": created.headers["ETag"]},
    )
    assert changed.status_code == 200
    assert changed.json()["title"] == "After"
    assert changed.headers["ETag"] == '"2"'


def test_a_large_static_file_is_served_whole(asgi_server, collected_static):
    # Larger than a block of the pool's file wrapper, so sent in several.
    path = max(
        (p for p in collected_static.rglob("*.js") if ".gz" not in p.suffixes),
        key=lambda p: p.stat().st_size,
    )
    assert path.stat().st_size > 64 * 1024
    relative = path.relative_to(collected_static).as_posix()
    response = httpx.get(f"{asgi_server.url}/static/{relative}", timeout=30)
    assert response.status_code == 200
    assert response.content == path.read_bytes()


def test_head_answers_headers_only(asgi_server):
    response = httpx.head(f"{asgi_server.url}/healthz")
    assert response.status_code == 200
    assert response.content == b""


def test_security_headers_on_api_responses(api):
    response = api.get(MEETINGS)
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
