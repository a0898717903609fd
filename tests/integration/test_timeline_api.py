"""The status timeline over the REST API (exposed, documented and read-only),
and as the detail page renders it before any script runs.

On the in-memory store, as tests/integration/test_api.py.
"""

import json
import re
from datetime import datetime

import pytest
from django.test import Client

from meetings.domain import Meeting, Status
from meetings.store import get_repository

pytestmark = pytest.mark.django_db

MEETINGS = "/v1/meetings"


@pytest.fixture(autouse=True)
def _store(memory_store):
    return memory_store


@pytest.fixture
def client(alice, client_for):
    return client_for(alice)


def create(client) -> dict:
    response = client.post(MEETINGS, {"title": "Weekly sync"}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def patch(client, meeting: dict, expected: int = 200, **body):
    response = client.patch(f"{MEETINGS}/{meeting['id']}", body, format="json")
    assert response.status_code == expected, response.content
    return response.json()


def statuses(meeting: dict) -> list[str]:
    return [change["status"] for change in meeting["status_history"]]


def test_a_created_meeting_has_its_first_status_from_its_creation(client):
    meeting = create(client)
    assert meeting["status_history"] == [
        {"status": "scheduled", "at": meeting["created_at"]}
    ]
    assert meeting["status_changed_at"] == meeting["created_at"]


def test_each_transition_is_listed_in_order_and_the_last_is_the_status_time(client):
    meeting = create(client)
    for status in ("in_progress", "uploaded", "processing"):
        meeting = patch(client, meeting, status=status)
    assert statuses(meeting) == ["scheduled", "in_progress", "uploaded", "processing"]
    times = [datetime.fromisoformat(c["at"]) for c in meeting["status_history"]]
    assert times == sorted(times)
    assert meeting["status_changed_at"] == meeting["status_history"][-1]["at"]
    # Progress and other fields add nothing; the read answers the same.
    meeting = patch(client, meeting, progress=50, title="Renamed")
    assert len(meeting["status_history"]) == 4
    fetched = client.get(f"{MEETINGS}/{meeting['id']}").json()
    assert fetched["status_history"] == meeting["status_history"]
    listed = client.get(MEETINGS).json()["results"][0]
    assert listed["status_history"] == meeting["status_history"]
    assert listed["status_changed_at"] == meeting["status_changed_at"]


def test_a_meeting_stored_without_history_shows_it_empty(client, alice):
    old = Meeting(owner_id=str(alice.pk), title="Old", status_history=[])
    get_repository().add(old)
    meeting = client.get(f"{MEETINGS}/{old.id}").json()
    assert (meeting["status_history"], meeting["status_changed_at"]) == ([], None)
    meeting = patch(client, meeting, status="in_progress")
    assert statuses(meeting) == ["in_progress"]
    assert meeting["status_changed_at"] == meeting["status_history"][0]["at"]


@pytest.mark.parametrize("field", ["status_history", "status_changed_at", "version"])
@pytest.mark.parametrize(
    "value",
    [
        [{"status": "completed", "at": "2030-01-01T00:00:00Z"}],
        "2030-01-01T00:00:00Z",
        None,
        {"status": "completed"},
        [1, [2]],
        3,
    ],
)
def test_writing_a_read_only_field_is_a_400_like_version(client, field, value):
    meeting = create(client)
    refused = patch(client, meeting, 400, **{field: value})
    assert refused["error"]["code"] == "invalid"
    assert refused["error"]["details"] == {field: ["Unknown field."]}
    created = client.post(MEETINGS, {"title": "x", field: value}, format="json")
    assert created.status_code == 400
    assert created.json()["error"]["details"] == {field: ["Unknown field."]}
    # Nothing changed, not even alongside a valid change.
    patch(client, meeting, 400, status="in_progress", **{field: value})
    unchanged = client.get(f"{MEETINGS}/{meeting['id']}").json()
    assert unchanged == meeting


def test_the_schema_documents_the_history_as_read_only(client):
    schema = json.loads(
        client.get("/v1/schema", HTTP_ACCEPT="application/json").content
    )
    components = schema["components"]["schemas"]
    properties = components["Meeting"]["properties"]
    history = properties["status_history"]
    assert history["readOnly"] is True and history["type"] == "array"
    assert history["items"] == {"$ref": "#/components/schemas/StatusChange"}
    assert "20" in history["description"]
    changed_at = properties["status_changed_at"]
    assert changed_at["readOnly"] and changed_at["nullable"]
    assert changed_at["format"] == "date-time"
    entry = components["StatusChange"]
    assert set(entry["properties"]) == {"status", "at"}
    assert entry["properties"]["at"]["format"] == "date-time"
    status_enum = components[entry["properties"]["status"]["$ref"].split("/")[-1]]
    assert status_enum["enum"] == [status.value for status in Status]
    for name, component in components.items():
        if name.endswith("Request"):
            assert "status_history" not in component.get("properties", {}), name
            assert "status_changed_at" not in component.get("properties", {}), name


def test_the_schema_names_the_stream_payload_fields(client):
    schema = json.loads(
        client.get("/v1/schema", HTTP_ACCEPT="application/json").content
    )
    events = next(p for path, p in schema["paths"].items() if path.endswith("/events"))
    description = events["get"]["description"]
    for name in ("`statusChangedAt`", "`updatedAt`", "`version`", "`statusMessage`"):
        assert name in description


def page_of(user, meeting_id) -> str:
    browser = Client()
    browser.force_login(user)
    response = browser.get(f"/meetings/{meeting_id}")
    assert response.status_code == 200
    return response.content.decode()


def test_the_detail_page_lists_the_history_in_utc_without_javascript(client, alice):
    meeting = create(client)
    for status in ("in_progress", "uploaded"):
        meeting = patch(client, meeting, status=status)
    page = page_of(alice, meeting["id"])
    entries = re.findall(
        r'<li class="timeline__entry" data-status="(\w+)">\s*'
        r'<span class="badge badge--\1">([^<]+)</span>\s*'
        r'<time datetime="([^"]+)" data-timeline-time>([^<]+)</time>',
        page,
    )
    history = meeting["status_history"]
    assert [(status, label) for status, label, _, _ in entries] == [
        ("scheduled", "Scheduled"),
        ("in_progress", "In progress"),
        ("uploaded", "Uploaded"),
    ]
    for (_, _, datetime_attribute, text), change in zip(entries, history, strict=True):
        at = datetime.fromisoformat(change["at"].replace("Z", "+00:00"))
        assert datetime.fromisoformat(datetime_attribute) == at
        assert text == at.strftime("%Y-%m-%d %H:%M:%S UTC")
    elapsed = re.search(r"<p [^>]*data-timeline-elapsed[^>]*>\s*([^<]*?)\s*</p>", page)
    assert elapsed.group(1).startswith("Uploaded for 0")
    since = re.search(r'data-since="([^"]+)"', elapsed.group(0)).group(1)
    assert datetime.fromisoformat(since) == at  # the last entry's, for the script
    assert 'role="timer"' in elapsed.group(0)
    assert re.search(r"data-timeline-empty hidden", page)


def test_the_detail_page_of_a_meeting_without_history_says_so(alice):
    old = Meeting(owner_id=str(alice.pk), title="Old", status_history=[])
    get_repository().add(old)
    page = page_of(alice, old.id)
    assert 'class="timeline__entry"' not in page
    assert re.search(r"data-timeline-elapsed[^>]*hidden", page)
    assert "No status changes recorded yet" in page
    assert not re.search(r"data-timeline-empty hidden", page)
