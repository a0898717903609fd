"""With DynamoDB stopped, the API answers 503 JSON quickly and recovers after."""

import pytest

from config.dynamodb_local import DynamoDBLocal, free_port
from meetings.dynamodb import ensure_table, get_client, reset_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_dynamodb(settings, tmp_path):
    """A DynamoDB Local of this test's own, on disk so it survives a restart."""
    server = DynamoDBLocal(free_port(), db_path=tmp_path / "ddb").start()
    settings.DYNAMODB_ENDPOINT_URL = server.endpoint_url
    settings.DYNAMODB_CREDENTIALS = {
        "aws_access_key_id": "local",
        "aws_secret_access_key": "local",
    }
    settings.DYNAMODB_TABLE = "outage"
    settings.DYNAMODB_CONNECT_TIMEOUT = 0.5
    settings.DYNAMODB_READ_TIMEOUT = 1
    reset_client()
    ensure_table(get_client(), "outage")
    yield server
    server.stop()
    reset_client()


def test_a_stopped_dynamodb_gives_503_json_then_recovers(
    own_dynamodb, alice, client_for
):
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

    own_dynamodb.start()
    assert client.get(url).json()["title"] == "Kept"
    assert client.get("/readyz").status_code == 200
