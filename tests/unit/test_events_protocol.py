import asyncio
import dataclasses
import json
from datetime import UTC, datetime

import pytest

from events import protocol, streams
from events.broker import StatusBroker
from events.streams import StreamSpec, known_versions
from events.subscription import WatchList
from meetings.domain import Meeting, Viewer


def test_an_event_is_name_id_and_one_data_line_ended_by_a_blank_line():
    chunk = protocol.event("status", {"statusMessage": "a\nb\r\nc"}, "7")
    text = chunk.decode()
    assert text.endswith("\n\n")
    lines = text[:-2].split("\n")
    assert lines[0] == "event: status"
    assert lines[1] == "id: 7"
    assert len(lines) == 3 and lines[2].startswith("data: ")
    assert json.loads(lines[2][6:]) == {"statusMessage": "a\nb\r\nc"}


def test_comment_and_retry_fields():
    assert protocol.comment("ping") == b": ping\n\n"
    assert protocol.retry(5000) == b"retry: 5000\n\n"


def test_last_event_id_of_a_single_stream_is_a_version():
    assert known_versions("7", multi=False) == {"": 7}
    assert known_versions("x7", multi=False) == {}


def test_last_event_id_of_a_multi_stream_is_a_composite():
    assert known_versions("a:1,b:22,junk,c:x", multi=True) == {"a": 1, "b": 22}


def test_an_oversized_last_event_id_is_ignored():
    assert known_versions("1" * 10_000, multi=False) == {}
    assert known_versions("a:1," * 3000, multi=True) == {}


@pytest.mark.parametrize(
    "value", ["9" * 4500, "9" * 19, "²", "-1", "+1", "1.0", "0x1", "\u0661"]
)
def test_a_malformed_last_event_id_is_as_if_absent(value):
    assert known_versions(value, multi=False) == {}
    assert known_versions(f"abc:{value}", multi=True) == {}


def test_a_well_formed_last_event_id_names_versions():
    assert known_versions("9" * 18, multi=False) == {"": int("9" * 18)}
    assert known_versions("a:3,b:x,c:7", multi=True) == {"a": 3, "c": 7}


def first_status(meeting: Meeting, multi: bool) -> bytes:
    """Return the chunk of the first status a new stream of meeting sends."""
    subscription = WatchList(Viewer("1"), {meeting.id: meeting})
    spec = StreamSpec(subscription, [meeting], multi, {}, None)

    async def read() -> bytes:
        stream = streams.event_stream(StatusBroker(), spec)
        try:
            async for chunk in stream:
                if chunk.startswith(b"event: status"):
                    return chunk
        finally:
            await stream.aclose()
        raise AssertionError("no status")

    return asyncio.run(read())


def test_a_single_stream_status_is_encoded_once_per_version_for_all_its_streams():
    meeting = Meeting(owner_id="1", title="Sync")
    first, second, multi = (first_status(meeting, m) for m in (False, False, True))
    assert first is second  # the same bytes, not an equal copy
    assert b"id: 1\n" in first
    assert f"id: {meeting.id}:1\n".encode() in multi
    changed = dataclasses.replace(meeting, version=2, title="Renamed")
    third = first_status(changed, False)
    assert b"id: 2\n" in third and b"Renamed" in third


@pytest.mark.parametrize(
    ("last_event_id", "since_ms", "expected_ms"),
    [
        ("", None, 1_800_000_000_000),  # neither: from now
        ("", 1_799_999_990_000, 1_799_999_990_000),  # since: where the list was read
        ("scope:1799999995000,x:2", 1_799_999_990_000, 1_799_999_995_000),  # id wins
        ("", 999_999_999_999_999_999, 1_800_000_000_000),  # the future: now
        ("scope:999999999999999999", None, 1_800_000_000_000),  # no overflow
    ],
)
def test_a_list_feed_resumes_from_its_last_event_id_or_since(
    last_event_id, since_ms, expected_ms
):
    now = datetime.fromtimestamp(1_800_000_000, UTC)
    known = streams.known_versions(last_event_id, multi=True)
    start = streams.feed_start(known, since_ms, now)
    assert round(start.timestamp() * 1000) == expected_ms
