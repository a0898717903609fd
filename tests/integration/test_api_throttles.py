"""Per-user rate limits on the API through Django's test client, and who may
read the API's description (/v1/schema, /v1/docs).

The throttles count in the shared cache (the database table of the test run),
on the real clock: the bursts here take well under the minute they count over.
tests/unit/test_api_throttles.py moves a fake clock.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

pytestmark = [pytest.mark.django_db, pytest.mark.orm]


def test_a_burst_of_reads_past_the_rate_gets_429_for_that_user_only(
    alice, bob, client_for, settings, memory_store
):
    settings.API_READ_RATE = "5/min"
    alice_api, bob_api = client_for(alice), client_for(bob)
    statuses = [alice_api.get("/v1/meetings").status_code for _ in range(8)]
    assert statuses == [200] * 5 + [429] * 3

    refused = alice_api.get("/v1/meetings")
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    error = refused.json()["error"]
    assert error["code"] == "throttled" and error["details"] is None
    assert "throttled" in error["message"]
    # Another user reads on; alice's writes have a budget of their own.
    assert bob_api.get("/v1/meetings").status_code == 200
    created = alice_api.post("/v1/meetings", {"title": "t"}, format="json")
    assert created.status_code == 201


def test_a_burst_of_writes_past_the_rate_gets_429_for_that_user_only(
    alice, bob, client_for, settings, memory_store
):
    settings.API_WRITE_RATE = "3/min"
    alice_api, bob_api = client_for(alice), client_for(bob)
    meeting = alice_api.post("/v1/meetings", {"title": "t"}, format="json").json()
    url = f"/v1/meetings/{meeting['id']}"
    statuses = [
        alice_api.patch(url, {"title": f"t{n}"}, format="json").status_code
        for n in range(4)
    ]
    assert statuses == [200, 200, 429, 429]
    refused = alice_api.delete(url)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert refused.json()["error"]["code"] == "throttled"
    assert alice_api.get(url).status_code == 200  # reads count apart
    assert (
        bob_api.post("/v1/meetings", {"title": "b"}, format="json").status_code == 201
    )


def test_the_session_and_a_token_share_their_user_s_count(
    alice, client_for, settings, memory_store
):
    settings.API_READ_RATE = "2/min"
    token = client_for(alice)
    session = APIClient()
    session.force_login(alice)
    assert token.get("/v1/meetings").status_code == 200
    assert session.get("/v1/meetings").status_code == 200
    assert token.get("/v1/meetings").status_code == 429
    assert session.get("/v1/meetings").status_code == 429


# The API's description

# The schema answers JSON when asked; the docs page is HTML only.
ACCEPT = {"/v1/schema": {"HTTP_ACCEPT": "application/json"}, "/v1/docs": {}}


@pytest.mark.parametrize("path", ["/v1/schema", "/v1/docs"])
def test_the_description_needs_a_login_unless_api_docs_public(
    path, alice, client_for, settings
):
    settings.API_DOCS_PUBLIC = False
    anonymous = APIClient().get(path, **ACCEPT[path])
    if path == "/v1/schema":
        assert anonymous.status_code == 401
        assert anonymous.json()["error"]["code"] == "not_authenticated"
    else:  # a page for people: the login page, then back
        assert anonymous.status_code == 302
        assert anonymous["Location"] == "/accounts/login/?next=/v1/docs"
    assert client_for(alice).get(path).status_code == 200
    session = APIClient()
    session.force_login(alice)
    assert session.get(path).status_code == 200

    settings.API_DOCS_PUBLIC = True
    assert APIClient().get(path).status_code == 200


def test_anonymous_readers_of_public_docs_count_by_address(settings):
    settings.API_DOCS_PUBLIC = True
    settings.API_READ_RATE = "1/min"
    guest = {"REMOTE_ADDR": "203.0.113.7", "HTTP_X_FORWARDED_FOR": "192.0.2.1"}
    assert APIClient().get("/v1/docs", **guest).status_code == 200
    guest["HTTP_X_FORWARDED_FOR"] = "192.0.2.2"  # another claimed address
    assert APIClient().get("/v1/docs", **guest).status_code == 429
    elsewhere = APIClient().get("/v1/docs", REMOTE_ADDR="198.51.100.20")
    assert elsewhere.status_code == 200
