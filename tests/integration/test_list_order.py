"""The list's orders by scheduled start and last update, from the search index.

Each order, both ways, pages through a cursor without duplicates or gaps,
ties on the date included, on REST and on the list page; a stale index entry
puts a meeting at its old place but never shows one the viewer may not see
(on DynamoDB Local, through its BatchGetItem); bad input is a 400 on REST and
ignored on the page.
"""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from meetings import indexing, services
from meetings.domain import Meeting, Status, Viewer
from meetings.store import get_repository
from tests.unit.test_search_answer import write_through_dropped

pytestmark = [pytest.mark.django_db, pytest.mark.orm]
MEETINGS = "/v1/meetings"
BASE = datetime(2030, 3, 1, 9, 0, tzinfo=UTC)
ORDERS = ["scheduled", "-scheduled", "updated", "-updated"]
FIELDS = {"scheduled": "scheduled_start", "updated": "updated_at"}


def stored(owner, n: int, *, scheduled: bool = True) -> Meeting:
    """Return meeting n of owner: starts tie in threes, updates in fours."""
    return Meeting(
        owner_id=str(owner.pk),
        title=f"Meeting {n}",
        scheduled_start=BASE + timedelta(hours=n // 3) if scheduled else None,
        created_at=BASE - timedelta(days=30) + timedelta(minutes=n),
        updated_at=BASE - timedelta(days=1) + timedelta(minutes=n // 4),
    )


@pytest.fixture
def meetings(memory_store, alice, bob):
    """Alice's 14 meetings (two never scheduled) among Bob's 23, indexed."""
    made = [stored(alice, n, scheduled=n not in (4, 9)) for n in range(14)]
    made += [stored(bob, 100 + n) for n in range(23)]
    for meeting in made:
        get_repository().add(meeting)
    indexing.rebuild(page_size=7)
    return made


def expected(meetings: list[Meeting], sort: str) -> list[str]:
    """Return the ids of meetings in sort's order: dated by (date, id), then the
    undated by id, each way."""
    field, descending = FIELDS[sort.lstrip("-")], sort.startswith("-")
    dated = sorted(
        (m for m in meetings if getattr(m, field) is not None),
        key=lambda m: (getattr(m, field), m.id),
        reverse=descending,
    )
    undated = sorted(
        (m for m in meetings if getattr(m, field) is None),
        key=lambda m: m.id,
        reverse=descending,
    )
    return [str(m.id) for m in (*dated, *undated)]


def page_through(client, params: dict) -> tuple[list[str], int]:
    """Return every id the list gives, page after page, and how many pages."""
    ids: list[str] = []
    pages, cursor = 0, None
    while True:
        response = client.get(
            MEETINGS, {**params, **({"cursor": cursor} if cursor else {})}
        )
        assert response.status_code == 200, response.content
        body = response.json()
        ids += [m["id"] for m in body["results"]]
        pages += 1
        cursor = body["next_cursor"]
        if not cursor:
            return ids, pages
        assert pages < 20


@pytest.mark.parametrize("sort", ORDERS)
def test_each_order_pages_through_every_meeting_once_ties_included(
    meetings, alice, client_for, sort
):
    ids, pages = page_through(client_for(alice), {"sort": sort, "limit": 4})
    mine = [m for m in meetings if m.owner_id == str(alice.pk)]
    assert ids == expected(mine, sort)
    assert len(set(ids)) == len(ids) == 14 and pages == 4


@pytest.mark.parametrize("sort", ["scheduled", "-updated"])
def test_staff_page_through_everyones_meetings_in_order(
    meetings, staff, client_for, sort
):
    ids, _ = page_through(client_for(staff), {"sort": sort, "limit": 5})
    assert ids == expected(meetings, sort)


def test_an_order_keeps_to_the_status_and_the_search(meetings, alice, client_for):
    client = client_for(alice)
    viewer = Viewer(str(alice.pk))
    for meeting in meetings[:3]:
        services.update_meeting(viewer, meeting.id, {"status": Status.IN_PROGRESS})
    page = client.get(MEETINGS, {"sort": "-updated", "status": "in_progress"}).json()
    assert [m["id"] for m in page["results"]] == [
        str(m.id) for m in reversed(meetings[:3])
    ]
    page = client.get(MEETINGS, {"sort": "scheduled", "q": "meeting 1"}).json()
    matching = [m for m in meetings[:14] if m.title.startswith("Meeting 1")]
    assert [m["id"] for m in page["results"]] == expected(matching, "scheduled")
    assert len(matching) == 5
    assert page["search"]["sort"] == "scheduled"


def test_the_list_page_shows_the_date_it_is_ordered_by(meetings, alice):
    browser = Client()
    browser.force_login(alice)
    mine = [m for m in meetings if m.owner_id == str(alice.pk)]
    for sort, heading, field in (
        ("", "Created", "created_at"),
        ("scheduled", "Scheduled start", "scheduled_start"),
        ("-updated", "Last updated", "updated_at"),
    ):
        page = browser.get("/", {"sort": sort} if sort else {}).content.decode()
        assert f'<th scope="col">{heading}</th>' in page
        shown = ids_on(page)
        if sort:
            assert shown == expected(mine, sort)
            assert f"sort={sort}" in page  # the REST URL the live list reads
            assert f'<option value="{sort}" selected>' in page
        first = next(m for m in mine if str(m.id) == shown[0])
        assert getattr(first, field).strftime("%Y-%m-%d %H:%M UTC") in page


def ids_on(page: str) -> list[str]:
    return re.findall(r'data-meeting-id="([^"]+)"', page)


def link(page: str, rel: str) -> str:
    return html.unescape(re.search(rf'href="([^"]+)" rel="{rel}"', page).group(1))


def test_the_list_page_pages_an_order_older_then_newer(meetings, bob):
    browser = Client()
    browser.force_login(bob)
    first = browser.get("/", {"sort": "-scheduled"}).content.decode()
    older = browser.get(link(first, "next")).content.decode()
    assert '<th scope="col">Scheduled start</th>' in older
    bobs = expected([m for m in meetings if m.owner_id == str(bob.pk)], "-scheduled")
    assert ids_on(first) + ids_on(older) == bobs
    assert 'rel="next"' not in older
    assert ids_on(browser.get(link(older, "prev")).content.decode()) == bobs[:20]


def test_a_stale_entry_is_late_never_shown_to_whom_may_not_see_it(
    local_table, alice, bob, staff, client_for
):
    owner = Viewer(str(alice.pk))
    moved, given, kept = (
        services.create_meeting(
            str(alice.pk), {"title": title, "scheduled_start": BASE + timedelta(days=n)}
        )
        for n, title in enumerate(("Moved", "Given to Bob", "Kept"))
    )
    with write_through_dropped():
        # The index still has Moved first and Given to Bob as Alice's.
        services.update_meeting(
            owner, moved.id, {"scheduled_start": BASE + timedelta(days=9)}
        )
        services.update_meeting(
            services.viewer_for(staff),
            given.id,
            {"owner_id": str(bob.pk), "scheduled_start": BASE - timedelta(days=1)},
        )
    alices = client_for(alice).get(MEETINGS, {"sort": "scheduled"}).json()
    # Moved shows at the index's place, with what is stored now: late, not wrong.
    assert [m["title"] for m in alices["results"]] == ["Moved", "Kept"]
    assert alices["results"][0]["scheduled_start"].startswith("2030-03-10")
    assert str(given.id) not in json.dumps(alices)
    # Nor does Bob see it before the index knows it is his.
    bobs = client_for(bob).get(MEETINGS, {"sort": "-scheduled"}).json()
    assert bobs["results"] == []
    assert kept.title == "Kept"


def test_a_meeting_deleted_or_out_of_the_filter_behind_the_index_is_dropped(
    memory_store, alice, client_for
):
    owner = Viewer(str(alice.pk))
    made = [
        services.create_meeting(str(alice.pk), {"title": f"M{n}"}) for n in range(4)
    ]
    with write_through_dropped():
        services.delete_meeting(owner, made[0].id)
        services.update_meeting(owner, made[1].id, {"status": Status.IN_PROGRESS})
    client = client_for(alice)
    ids, _ = page_through(client, {"sort": "-updated", "limit": 1})
    assert ids == [str(made[3].id), str(made[2].id), str(made[1].id)]
    scheduled = client.get(MEETINGS, {"sort": "updated", "status": "scheduled"})
    assert [m["title"] for m in scheduled.json()["results"]] == ["M2", "M3"]


@pytest.fixture
def api(memory_store, alice, client_for):
    for n in range(3):
        services.create_meeting(str(alice.pk), {"title": f"Sync {n}"})
    return client_for(alice)


@pytest.mark.parametrize(
    "params",
    [
        {"sort": "oldest"},
        {"sort": "SCHEDULED"},
        {"sort": "scheduled,updated"},
        {"sort": ["scheduled", "-updated", "bogus"]},
        {"sort": "relevance"},
        {"sort": "-relevance", "q": "sync"},
    ],
)
def test_an_unknown_order_is_a_400_in_the_error_shape(api, params):
    response = api.get(MEETINGS, params)
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"
    assert "sort" in response.json()["error"]["details"]


@pytest.mark.parametrize(
    ("first", "then"),
    [
        ("scheduled", "-scheduled"),
        ("updated", "scheduled"),
        ("-updated", None),  # the listing's own order, newest first
        (None, "updated"),
    ],
)
def test_a_cursor_reused_with_another_order_is_a_400(api, first, then):
    page = api.get(MEETINGS, {"limit": 1, **({"sort": first} if first else {})})
    cursor = page.json()["next_cursor"]
    assert cursor
    response = api.get(
        MEETINGS, {"limit": 1, "cursor": cursor, **({"sort": then} if then else {})}
    )
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "invalid_cursor"


def test_without_a_search_index_the_orders_are_a_400_and_not_offered(
    api, alice, settings
):
    settings.MEETINGS_SEARCH_INDEX = "none"
    response = api.get(MEETINGS, {"sort": "-updated"})
    assert response.status_code == 400
    (message,) = response.json()["error"]["details"]["sort"]
    assert "needs the search index" in message
    assert api.get(MEETINGS, {"sort": "newest"}).status_code == 200
    browser = Client()
    browser.force_login(alice)
    page = browser.get("/", {"sort": "scheduled"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "Scheduled start, earliest first" not in text  # only the default
    assert '<option value="newest">Newest first</option>' in text
    assert '<th scope="col">Created</th>' in text
    titles = [m.title for m in services.list_meetings(Viewer(str(alice.pk))).meetings]
    assert text.index(titles[0]) < text.index(titles[-1])  # newest first


def test_the_page_ignores_an_unknown_order(api, alice):
    browser = Client()
    browser.force_login(alice)
    for sort in ("bogus", "relevance", "-scheduled\x00"):
        page = browser.get("/", {"sort": sort})
        assert page.status_code == 200
        assert '<th scope="col">Created</th>' in page.content.decode()


def test_the_schema_lists_the_orders(api):
    schema = api.get("/v1/schema", HTTP_ACCEPT="application/json").json()
    (sort,) = [
        p
        for p in schema["paths"]["/v1/meetings"]["get"]["parameters"]
        if p["name"] == "sort"
    ]
    assert set(sort["schema"]["enum"]) >= {*ORDERS, "newest", "relevance"}
