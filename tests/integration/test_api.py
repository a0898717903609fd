"""The REST API under /v1/, on the in-memory store unless a test needs more."""

import json

import pytest
from rest_framework.test import APIClient

from events import views as events_views

pytestmark = pytest.mark.django_db

MEETINGS = "/v1/meetings"


@pytest.fixture(autouse=True)
def _store(memory_store):
    return memory_store


def create(client, **fields):
    body = {"title": "Weekly sync", **fields}
    response = client.post(MEETINGS, body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def error_code(response) -> str:
    return response.json()["error"]["code"]


def walk(client, meeting, *statuses):
    for status in statuses:
        response = client.patch(
            f"{MEETINGS}/{meeting['id']}", {"status": status}, format="json"
        )
        assert response.status_code == 200, response.content
        meeting = response.json()
    return meeting


def test_token_endpoints_issue_and_refresh_jwts(alice):
    client = APIClient()
    response = client.post(
        "/v1/auth/token",
        {"username": "alice", "password": "pw-12345678"},
        format="json",
    )
    assert response.status_code == 200
    tokens = response.json()
    refreshed = client.post(
        "/v1/auth/token/refresh", {"refresh": tokens["refresh"]}, format="json"
    )
    assert refreshed.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {refreshed.json()['access']}")
    assert client.get(MEETINGS).status_code == 200


def test_wrong_password_is_401_in_the_error_shape(alice):
    response = APIClient().post(
        "/v1/auth/token", {"username": "alice", "password": "nope"}, format="json"
    )
    assert response.status_code == 401
    assert set(response.json()["error"]) == {"code", "message", "details"}


def test_requests_without_credentials_get_401():
    response = APIClient().get(MEETINGS)
    assert response.status_code == 401
    assert error_code(response) == "not_authenticated"


def test_create_read_update_delete(alice, client_for):
    client = client_for(alice)
    meeting = create(
        client,
        description="Agenda",
        scheduled_start="2030-01-02T09:30:00+01:00",
        duration_minutes=30,
        participants=["a@example.com", "A@example.com", "b@example.com"],
    )
    assert meeting["status"] == "scheduled"
    assert meeting["version"] == 1
    assert meeting["owner_id"] == str(alice.pk)
    assert meeting["participants"] == ["a@example.com", "b@example.com"]
    url = f"{MEETINGS}/{meeting['id']}"
    fetched = client.get(url)
    assert fetched.headers["ETag"] == '"1"'
    assert fetched.json() == meeting
    patched = client.patch(url, {"title": "Renamed"}, format="json")
    assert patched.status_code == 200
    assert patched.json()["version"] == 2
    assert patched.headers["ETag"] == '"2"'
    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404


def test_integrations_report_processing_through_patch(alice, client_for):
    client = client_for(alice)
    meeting = walk(client, create(client), "in_progress", "uploaded", "processing")
    response = client.patch(
        f"{MEETINGS}/{meeting['id']}",
        {"progress": 60, "status_message": "Transcribing"},
        format="json",
    )
    assert response.json()["progress"] == 60
    done = walk(client, response.json(), "completed")
    assert (done["status"], done["progress"]) == ("completed", 100)


def test_an_invalid_transition_is_409_naming_both_statuses(alice, client_for):
    client = client_for(alice)
    meeting = create(client)
    response = client.patch(
        f"{MEETINGS}/{meeting['id']}", {"status": "completed"}, format="json"
    )
    assert response.status_code == 409
    body = response.json()["error"]
    assert body["code"] == "invalid_transition"
    assert "'scheduled'" in body["message"] and "'completed'" in body["message"]
    assert client.get(f"{MEETINGS}/{meeting['id']}").json()["version"] == 1


def test_progress_outside_processing_is_409(alice, client_for):
    client = client_for(alice)
    meeting = create(client)
    response = client.patch(
        f"{MEETINGS}/{meeting['id']}", {"progress": 10}, format="json"
    )
    assert response.status_code == 409


def test_other_users_meetings_do_not_exist_for_them(alice, bob, staff, client_for):
    meeting = create(client_for(alice))
    url = f"{MEETINGS}/{meeting['id']}"
    stranger = client_for(bob)
    assert stranger.get(url).status_code == 404
    assert stranger.patch(url, {"title": "x"}, format="json").status_code == 404
    assert stranger.delete(url).status_code == 404
    assert stranger.get(MEETINGS).json()["results"] == []
    assert client_for(staff).get(url).status_code == 200
    assert (
        client_for(staff).patch(url, {"title": "ok"}, format="json").status_code == 200
    )


def test_only_staff_may_filter_by_owner(alice, bob, staff, client_for):
    create(client_for(alice), title="alice's")
    create(client_for(bob), title="bob's")
    as_bob = client_for(bob).get(MEETINGS, {"owner": alice.pk}).json()["results"]
    assert [m["title"] for m in as_bob] == ["bob's"]
    as_staff = client_for(staff).get(MEETINGS, {"owner": alice.pk}).json()["results"]
    assert [m["title"] for m in as_staff] == ["alice's"]
    everyone = client_for(staff).get(MEETINGS).json()["results"]
    assert len(everyone) == 2


def test_list_filters_and_pages(alice, client_for):
    client = client_for(alice)
    for n in range(5):
        create(client, title=f"Sync {n}")
    create(client, title="Retro")
    page = client.get(MEETINGS, {"q": "SYNC", "limit": 3}).json()
    assert [m["title"] for m in page["results"]] == ["Sync 4", "Sync 3", "Sync 2"]
    rest = client.get(
        MEETINGS, {"q": "SYNC", "limit": 3, "cursor": page["next_cursor"]}
    ).json()
    assert [m["title"] for m in rest["results"]] == ["Sync 1", "Sync 0"]
    scheduled = client.get(MEETINGS, {"status": "scheduled"}).json()["results"]
    assert len(scheduled) == 6


def test_list_by_id_returns_the_visible_ones_in_the_order_asked(alice, bob, client_for):
    client = client_for(alice)
    first, second = create(client, title="first"), create(client, title="second")
    bobs = create(client_for(bob), title="bob's")
    missing = "00000000-0000-4000-8000-000000000000"
    ids = [second["id"], bobs["id"], missing, first["id"], second["id"]]
    page = client.get(MEETINGS, {"id": ids}).json()
    assert [m["title"] for m in page["results"]] == ["second", "first"]
    assert page["next_cursor"] is None
    assert page["results"][0] == client.get(f"{MEETINGS}/{second['id']}").json()


def test_staff_list_others_meetings_by_id(alice, staff, client_for):
    meeting = create(client_for(alice))
    page = client_for(staff).get(MEETINGS, {"id": [meeting["id"]]}).json()
    assert [m["id"] for m in page["results"]] == [meeting["id"]]


@pytest.mark.parametrize(
    "query",
    [
        "id=nope",
        "id=",
        "&".join(["id=00000000-0000-4000-8000-000000000000"] * 101),
        "id=00000000-0000-4000-8000-000000000000&status=scheduled",
        "id=00000000-0000-4000-8000-000000000000&limit=5",
    ],
    ids=["not-a-uuid", "empty", "over-100", "with-status", "with-limit"],
)
def test_bad_id_lists_are_400_in_the_error_shape(alice, client_for, query):
    response = client_for(alice).get(f"{MEETINGS}?{query}")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert set(error) == {"code", "message", "details"}
    assert "id" in error["details"]


def test_id_combined_with_filters_says_so(alice, client_for):
    response = client_for(alice).get(
        MEETINGS,
        {"id": ["00000000-0000-4000-8000-000000000000"], "q": "x", "owner": "1"},
    )
    assert response.status_code == 400
    message = str(response.json()["error"]["details"]["id"])
    assert "cannot be combined" in message and "owner, q" in message


def test_a_hundred_ids_are_one_request(alice, client_for):
    client = client_for(alice)
    meeting = create(client)
    ids = [meeting["id"]] + [f"00000000-0000-4000-8000-{n:012d}" for n in range(99)]
    page = client.get(MEETINGS, {"id": ids}).json()
    assert [m["id"] for m in page["results"]] == [meeting["id"]]


def test_a_tampered_cursor_is_400(alice, client_for):
    client = client_for(alice)
    for _ in range(2):
        create(client)
    cursor = client.get(MEETINGS, {"limit": 1}).json()["next_cursor"]
    response = client.get(MEETINGS, {"limit": 1, "cursor": cursor[:-3] + "abc"})
    assert response.status_code == 400
    assert error_code(response) == "invalid_cursor"
    reused = client.get(MEETINGS, {"limit": 1, "cursor": cursor, "q": "x"})
    assert reused.status_code == 400


def test_a_stale_if_match_is_412_and_changes_nothing(alice, client_for):
    client = client_for(alice)
    meeting = create(client)
    url = f"{MEETINGS}/{meeting['id']}"
    client.patch(url, {"title": "v2"}, format="json", HTTP_IF_MATCH='"1"')
    stale = client.patch(url, {"title": "v3"}, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412
    assert error_code(stale) == "precondition_failed"
    assert stale.headers["ETag"] == '"2"'
    assert client.delete(url, HTTP_IF_MATCH='"1"').status_code == 412
    assert client.get(url).json()["title"] == "v2"
    assert client.delete(url, HTTP_IF_MATCH='"2"').status_code == 204


def test_an_unreadable_if_match_is_400(alice, client_for):
    client = client_for(alice)
    meeting = create(client)
    response = client.patch(
        f"{MEETINGS}/{meeting['id']}", {"title": "x"}, format="json", HTTP_IF_MATCH="v1"
    )
    assert response.status_code == 400


def test_create_with_an_idempotency_key_happens_once(alice, client_for):
    client = client_for(alice)
    first = client.post(
        MEETINGS, {"title": "Once"}, format="json", HTTP_IDEMPOTENCY_KEY="abc"
    )
    again = client.post(
        MEETINGS, {"title": "Once"}, format="json", HTTP_IDEMPOTENCY_KEY="abc"
    )
    assert first.json()["id"] == again.json()["id"]
    assert len(client.get(MEETINGS).json()["results"]) == 1
    reused = client.post(
        MEETINGS, {"title": "Other"}, format="json", HTTP_IDEMPOTENCY_KEY="abc"
    )
    assert reused.status_code == 409


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "title"),
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "bell\x07"}, "title"),
        ({"title": "ok", "description": "x" * 5001}, "description"),
        ({"title": "ok", "duration_minutes": 0}, "duration_minutes"),
        ({"title": "ok", "duration_minutes": 1441}, "duration_minutes"),
        ({"title": "ok", "scheduled_start": "2030-01-02T09:00:00"}, "scheduled_start"),
        ({"title": "ok", "scheduled_start": "tomorrow"}, "scheduled_start"),
        ({"title": "ok", "participants": ["not-an-email"]}, "participants"),
        (
            {"title": "ok", "participants": [f"p{n}@x.io" for n in range(101)]},
            "participants",
        ),
        ({"title": "ok", "status": "completed"}, "status"),
        ({"title": "ok", "colour": "red"}, "colour"),
    ],
)
def test_invalid_create_bodies_are_400_naming_the_field(alice, client_for, body, field):
    client = client_for(alice)
    response = client.post(MEETINGS, body, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["details"]
    assert client.get(MEETINGS).json()["results"] == []


@pytest.mark.parametrize(
    "body",
    [{}, {"progress": 101}, {"status": "done"}, {"status_message": "x" * 501}],
)
def test_invalid_patch_bodies_are_400(alice, client_for, body):
    client = client_for(alice)
    meeting = create(client)
    response = client.patch(f"{MEETINGS}/{meeting['id']}", body, format="json")
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("raw", "content_type"),
    [
        (b"{not json", "application/json"),
        (b'{"title": "\xff\xfe"}', "application/json"),
        (b"[" * 100_000 + b"]" * 100_000, "application/json"),
        (b"[1, 2]", "application/json"),
        (b"title=x", "application/x-www-form-urlencoded"),
    ],
)
def test_malformed_bodies_are_4xx(alice, client_for, raw, content_type):
    response = client_for(alice).post(MEETINGS, raw, content_type=content_type)
    assert 400 <= response.status_code < 500
    assert "error" in response.json()


def test_an_oversized_body_is_413(alice, client_for, settings):
    body = json.dumps({"title": "x", "description": "y" * 300_000})
    response = client_for(alice).post(MEETINGS, body, content_type="application/json")
    assert response.status_code == 413
    assert error_code(response) == "too_large"


def test_a_malformed_meeting_id_is_400(alice, client_for):
    response = client_for(alice).get(f"{MEETINGS}/not-a-uuid")
    assert response.status_code == 400


def test_put_is_405_in_the_error_shape(alice, client_for):
    meeting = create(client_for(alice))
    response = client_for(alice).put(
        f"{MEETINGS}/{meeting['id']}", {"title": "x"}, format="json"
    )
    assert response.status_code == 405
    assert error_code(response) == "method_not_allowed"


def test_unknown_api_paths_are_404_json(alice, client_for):
    response = client_for(alice).get("/v1/nothing-here")
    assert response.status_code == 404
    assert error_code(response) == "not_found"


def test_session_auth_needs_csrf_for_unsafe_methods(alice):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.get(MEETINGS).status_code == 200
    response = client.post(MEETINGS, {"title": "x"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]["message"]


def test_openapi_schema_and_docs_are_served(alice, client_for):
    # To users who log in; tests/integration/test_api_throttles.py: to whom.
    schema = client_for(alice).get("/v1/schema", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    paths = json.loads(schema.content)["paths"]
    assert "/v1/meetings/{id}" in paths
    operations = [op["operationId"] for ops in paths.values() for op in ops.values()]
    assert "meetings_list" in operations
    assert len(operations) == len(set(operations))  # no collision to number
    assert client_for(alice).get("/v1/docs").status_code == 200


def test_the_schema_describes_the_live_streams(alice, client_for):
    schema = client_for(alice).get("/v1/schema", HTTP_ACCEPT="application/json")
    paths = json.loads(schema.content)["paths"]
    single = paths["/v1/meetings/{id}/events"]["get"]
    multi = paths["/v1/events"]["get"]
    for operation in (single, multi):
        assert "text/event-stream" in operation["responses"]["200"]["content"]
        assert {"400", "401", "404", "429", "503"} <= set(operation["responses"])
        error = operation["responses"]["429"]["content"]["application/json"]
        assert error["schema"] == {"$ref": "#/components/schemas/Error"}
        assert "docs/events.md" in operation["description"]
    parameters = {p["name"]: p for p in multi["parameters"]}
    # Optional: a scope stream may follow no meeting at all.
    assert not parameters["meeting"]["required"]
    maximum = parameters["meeting"]["schema"]["maxItems"]
    assert maximum == events_views.MAX_MEETINGS_PER_STREAM
    assert parameters["scope"]["schema"]["enum"] == list(events_views.SCOPES)
    assert "changed" in multi["description"]
    assert parameters["since"]["schema"]["pattern"] == "^[0-9]{1,18}$"
    (meeting_id,) = [p for p in single["parameters"] if p["in"] == "path"]
    assert meeting_id["name"] == "id"


def test_health_probes(alice):
    client = APIClient()
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").status_code == 200
