"""No lost updates: concurrent PATCHes from separate threads, through two servers."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from meetings import services
from meetings.store import get_repository
from tests.conftest import access_token_for

pytestmark = pytest.mark.system
WRITERS = 50


@pytest.fixture
def two_servers(servers):
    # 50 writes at once from one user are a burst: each user's share of the
    # request threads (config/user_share.py, tested on its own) would queue
    # them and refuse those past the queue. What reaches the store is tested.
    return servers(DJANGO_REQUEST_USER_SHARE=0), servers(DJANGO_REQUEST_USER_SHARE=0)


@pytest.fixture
def meeting(alice):
    return services.create_meeting(str(alice.pk), {"title": "t"})


def patch_all(two_servers, meeting_id, headers, bodies: list[dict]) -> list:
    """Send every body at once from its own thread, alternating servers."""

    def send(number: int) -> httpx.Response:
        server = two_servers[number % 2]
        return httpx.patch(
            f"{server.url}/v1/meetings/{meeting_id}",
            json=bodies[number],
            headers=headers,
            timeout=60,
        )

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(send, range(len(bodies))))


def test_of_50_patches_at_one_version_exactly_one_wins(two_servers, meeting, alice):
    headers = {
        "Authorization": f"Bearer {access_token_for(alice)}",
        "If-Match": '"1"',
    }
    bodies = [{"status_message": f"writer {n}"} for n in range(WRITERS)]
    responses = patch_all(two_servers, meeting.id, headers, bodies)
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [412] * (WRITERS - 1)
    (winner,) = [r.json() for r in responses if r.status_code == 200]
    for refused in (r for r in responses if r.status_code == 412):
        assert refused.json()["error"]["code"] == "precondition_failed"
    stored = get_repository().get(meeting.id)
    assert (stored.version, stored.status_message) == (2, winner["status_message"])


def test_50_patches_without_if_match_all_apply_exactly_once(
    two_servers, meeting, alice
):
    headers = {"Authorization": f"Bearer {access_token_for(alice)}"}
    bodies = [{"status_message": f"writer {n}"} for n in range(WRITERS)]
    responses = patch_all(two_servers, meeting.id, headers, bodies)
    assert [r.status_code for r in responses] == [200] * WRITERS
    for body, response in zip(bodies, responses, strict=True):
        assert response.json()["status_message"] == body["status_message"]
    # Each write got a version of its own: they were applied one after another.
    versions = sorted(r.json()["version"] for r in responses)
    assert versions == list(range(2, WRITERS + 2))
    stored = get_repository().get(meeting.id)
    assert stored.version == 1 + WRITERS
    last = max(responses, key=lambda r: r.json()["version"]).json()
    assert stored.status_message == last["status_message"]
