"""Domain errors as HTTP answers: one mapping, whatever the order of its table."""

import json

import pytest

from meetings.domain import (
    InvalidChange,
    InvalidCursor,
    InvalidMeeting,
    InvalidTransition,
    Meeting,
    MeetingNotFound,
    PreconditionFailed,
    Status,
    StoreThrottled,
    StoreUnavailable,
    VersionConflict,
)
from meetings.http import DOMAIN_STATUS, domain_error_response, retry_after, status_for

CURRENT = Meeting(owner_id="1", title="Sync", version=4)


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (MeetingNotFound("x"), 404),
        (InvalidMeeting("bad", details={"title": ["long"]}), 400),
        (InvalidCursor(), 400),
        (InvalidChange("no"), 409),
        (InvalidTransition(Status.SCHEDULED, Status.COMPLETED), 409),
        (VersionConflict(3, CURRENT), 409),
        (PreconditionFailed(3, CURRENT), 412),
        (StoreUnavailable("down"), 503),
        (StoreThrottled("slow"), 503),
    ],
)
def test_each_domain_error_has_its_status_and_the_one_error_shape(error, status):
    response = domain_error_response(error)
    assert response.status_code == status
    body = json.loads(response.content)["error"]
    assert (body["code"], body["message"]) == (error.code, error.message)


def test_a_subclass_takes_its_own_entry_whatever_the_table_order():
    reversed_table = dict(reversed(list(DOMAIN_STATUS.items())))
    for table in (DOMAIN_STATUS, reversed_table):
        assert status_for(PreconditionFailed(3, CURRENT), table) == 412
        assert status_for(InvalidMeeting("bad"), table) == 400


def test_unavailable_stores_say_when_to_retry_and_conflicts_give_the_etag():
    throttled = domain_error_response(StoreThrottled("slow"))
    assert throttled["Retry-After"] == str(retry_after(StoreThrottled("slow"))) == "2"
    assert domain_error_response(StoreUnavailable("down"))["Retry-After"] == "5"
    assert domain_error_response(VersionConflict(3, CURRENT))["ETag"] == '"4"'
    assert retry_after(MeetingNotFound("x")) is None
