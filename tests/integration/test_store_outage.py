"""With DynamoDB stopped, the API answers 503 JSON quickly and recovers after."""

import pytest

from meetings.store.dynamodb.client import reset_client

pytestmark = pytest.mark.django_db


def test_a_stopped_dynamodb_gives_503_json_then_recovers(
    own_dynamodb, alice, client_for, settings
):
    settings.DYNAMODB_CONNECT_TIMEOUT = 0.5
    settings.DYNAMODB_READ_TIMEOUT = 1
    reset_client()
    client = client_for(alice)
    meeting = client.post("/v1/meetings", {"title": "Kept"}, format="json").json()
    url = f"/v1/meetings/{meeting['id']}"
    own_dynamodb.stop()

    for response in (
        client.get(url),
        client.get("/v1/meetings"),
        client.post("/v1/meetings", {"title": "Lost?"}, format="json"),
        client.patch(url, {"title": "x"}, format="json"),
        client.get("/readyz"),
    ):
        assert response.status_code == 503
        assert response.headers["Retry-After"].isdigit()
        assert response.json()
    assert client.get(url).json()["error"]["code"] == "store_unavailable"
    assert client.get("/readyz").json()["checks"] == {
        "store": "unavailable",
        "database": "ok",
    }

    own_dynamodb.start()
    assert client.get(url).json()["title"] == "Kept"
    assert client.get("/readyz").status_code == 200
