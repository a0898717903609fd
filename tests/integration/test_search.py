"""Search through every door: REST ?q=, the list page and the admin, from the index.

The needle test runs on DynamoDB Local with more meetings than a filtered
listing reads for one page, which is what the index is for; the others run on
the in-memory store.
"""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test import Client

from meetings import indexing, services
from meetings.domain import Meeting, Status, Viewer
from meetings.store.dynamodb.items import to_item
from tests.conftest import raw_client
from tests.unit.test_search_answer import write_through_dropped

pytestmark = [pytest.mark.django_db, pytest.mark.orm]
MEETINGS = "/v1/meetings"
# More than one filtered listing page reads (25 Queries of 200 items).
HAYSTACK = 5_100


def load(settings, meetings: list[Meeting]) -> None:
    """Write meetings straight into the table, 25 to a BatchWriteItem."""
    from boto3.dynamodb.types import TypeSerializer

    serializer = TypeSerializer()
    client = raw_client(settings)

    def put(chunk: list[Meeting]) -> None:
        requests = [
            {
                "PutRequest": {
                    "Item": {
                        name: serializer.serialize(value)
                        for name, value in to_item(m, m.created_at).items()
                        if value is not None
                    }
                }
            }
            for m in chunk
        ]
        pending = {settings.DYNAMODB_TABLE: requests}
        while pending:
            pending = client.batch_write_item(RequestItems=pending)["UnprocessedItems"]

    chunks = [meetings[n : n + 25] for n in range(0, len(meetings), 25)]
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(put, chunks))


def test_rest_finds_the_needle_on_the_first_page_among_many(
    local_table, settings, alice, client_for
):
    start = datetime(2026, 1, 1, tzinfo=UTC)
    owner = str(alice.pk)
    # The needle is the oldest: a filtered listing reaches it last.
    needle = Meeting(owner_id=owner, title="Budget needle review", created_at=start)
    hay = [
        Meeting(
            owner_id=owner,
            title=f"Weekly sync {n}",
            created_at=start + timedelta(minutes=n + 1),
        )
        for n in range(HAYSTACK)
    ]
    load(settings, [needle, *hay])
    assert indexing.rebuild(page_size=1_000)["entries"] == HAYSTACK + 1
    client = client_for(alice)

    page = client.get(MEETINGS, {"q": "NEEDLE"}).json()
    assert [m["id"] for m in page["results"]] == [str(needle.id)]
    assert page["next_cursor"] is None
    assert page["search"] == {"index": connection.vendor, "sort": "newest"}
    assert client.get(MEETINGS, {"q": "no such title"}).json()["results"] == []

    # What the index replaced: the filter reads its budget and stops short.
    settings.MEETINGS_SEARCH_INDEX = "none"
    filtered = client.get(MEETINGS, {"q": "needle"}).json()
    assert filtered["results"] == [] and filtered["next_cursor"]
    assert filtered["search"] == {"index": "none", "sort": "newest"}


def test_the_reconciler_repairs_lost_writes_from_dynamodbs_change_index(local_table):
    owner = Viewer("1")
    reconciler = indexing.Reconciler()
    kept = services.create_meeting("1", {"title": "Needle kept"})
    gone = services.create_meeting("1", {"title": "Needle gone"})
    reconciler.run_once()
    with write_through_dropped():
        services.update_meeting(owner, kept.id, {"title": "Haystack"})
        services.delete_meeting(owner, gone.id)
        made = services.create_meeting("1", {"title": "Haystack new"})
    assert indexing.search_status_counts(owner, "needle")[Status.SCHEDULED] == 2
    assert reconciler.run_once().repaired == 3
    assert indexing.search_status_counts(owner, "needle")[Status.SCHEDULED] == 0
    titles = [
        m.title for m in services.list_meetings(owner, title_contains="hay").meetings
    ]
    assert titles == ["Haystack new", "Haystack"]
    assert made.id in {
        m.id for m in services.list_meetings(owner, title_contains="new").meetings
    }


@pytest.fixture
def api(memory_store, alice, client_for):
    for n in range(3):
        services.create_meeting(str(alice.pk), {"title": f"Sync {n}"})
    services.create_meeting(str(alice.pk), {"title": "Sync"})
    return client_for(alice)


def test_rest_orders_a_search_by_relevance_on_request(api):
    page = api.get(MEETINGS, {"q": "sync", "sort": "relevance"}).json()
    assert page["results"][0]["title"] == "Sync"
    assert page["search"] == {"index": connection.vendor, "sort": "relevance"}
    newest = api.get(MEETINGS, {"q": "sync"}).json()
    assert [m["title"] for m in newest["results"]] == [
        "Sync",
        "Sync 2",
        "Sync 1",
        "Sync 0",
    ]
    assert api.get(MEETINGS).json()["search"] is None


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": "sync", "sort": "oldest"}, "sort"),
        ({"sort": "relevance"}, "sort"),
        ({"q": "x" * 101}, "q"),
        ({"q": "   "}, "q"),
        ({"q": "a\x00b"}, "q"),
        ({"q": ["a", "b"], "sort": ["newest", "oops"]}, "sort"),
        ({"id": "00000000-0000-4000-8000-000000000000", "sort": "newest"}, "id"),
    ],
)
def test_bad_search_input_is_a_400_in_the_error_shape(api, params, field):
    response = api.get(MEETINGS, params)
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"
    assert field in response.json()["error"]["details"]


def test_a_search_cursor_replayed_with_another_order_is_a_400(api):
    first = api.get(MEETINGS, {"q": "sync", "limit": 1}).json()
    response = api.get(
        MEETINGS,
        {"q": "sync", "limit": 1, "sort": "relevance", "cursor": first["next_cursor"]},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_cursor"


def test_the_list_page_searches_the_index_and_keeps_the_order(memory_store, alice):
    for title in ("Needle notes from a long meeting", "Needle", "Other"):
        services.create_meeting(str(alice.pk), {"title": title})
    browser = Client()
    browser.force_login(alice)
    page = browser.get("/", {"q": "needle", "sort": "relevance"}).content.decode()
    # Ranked, and the match marked in each title shown.
    assert page.index("><mark>Needle</mark><") < page.index(
        "><mark>Needle</mark> notes"
    )
    assert '<option value="relevance" selected>' in page
    assert "sort=relevance" in page  # the REST URL the live list reads again
    assert "Other" not in page
    assert browser.get("/", {"q": "needle", "sort": "bogus"}).status_code == 200


def test_the_list_page_says_when_no_index_answers(memory_store, alice, settings):
    settings.MEETINGS_SEARCH_INDEX = "none"
    browser = Client()
    browser.force_login(alice)
    assert (
        "No search index is configured" in browser.get("/", {"q": "x"}).content.decode()
    )
    assert "No search index" not in browser.get("/").content.decode()


def test_the_admin_search_uses_the_index_and_counts_its_matches(
    memory_store, staff, alice, bob
):
    services.create_meeting(str(alice.pk), {"title": "Needle of Alice"})
    services.create_meeting(str(bob.pk), {"title": "Needle of Bob"})
    services.create_meeting(str(bob.pk), {"title": "Haystack"})
    with write_through_dropped():
        stale = services.create_meeting(str(bob.pk), {"title": "Haystack two"})
        services.update_meeting(Viewer(str(bob.pk)), stale.id, {"title": "Needle late"})
    browser = Client()
    browser.force_login(staff)
    response = browser.get("/admin/meetings/meetingrecord/", {"q": "needle"})
    page = response.content.decode()
    assert "Needle of Alice" in page and "Needle of Bob" in page
    assert "Haystack" not in page.split("<tbody>")[1]
    assert "Needle late" not in page  # not in the index yet: late, not wrong
    counts = response.context["search_counts"]
    assert counts[Status.SCHEDULED] == 2 and response.context["search_total"] == 2
    assert response.context["total"] == 4  # every meeting, as before
    # The page says which counts follow the search and which do not.
    assert "Scheduled 2; 2 in all (from the search index; the counts above" in page
