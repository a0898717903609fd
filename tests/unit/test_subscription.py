"""A stream's mailbox: take() hands over one delivery; a list feed tells once."""

import dataclasses
import uuid
from datetime import timedelta

from events.planner import TickChanges
from events.subscription import Delivery, ListFeed, WatchList
from events.window import CHANGE_OVERLAP
from meetings.domain import Change, Meeting, StoreUnavailable, Viewer, utcnow

ALICE = Viewer("1")
MEETING = Meeting(owner_id="1", title="Sync")


def test_take_hands_over_everything_delivered_once():
    mailbox = WatchList(ALICE, {MEETING.id: MEETING})
    newer = dataclasses.replace(MEETING, version=2)
    gone = uuid.uuid4()
    error = StoreUnavailable("DynamoDB is unavailable.")
    mailbox.notify(dataclasses.replace(MEETING, version=1))  # not newer: ignored
    mailbox.notify(newer)
    mailbox.notify_gone(gone)
    mailbox.notify_error(error)
    assert mailbox.take() == Delivery(error, (newer,), frozenset({gone}))
    assert mailbox.take() == Delivery()


def test_a_watch_list_finishes_when_its_last_meeting_is_forgotten():
    mailbox = WatchList(ALICE, {MEETING.id: MEETING})
    assert not mailbox.forget(uuid.uuid4())
    assert not mailbox.finished
    assert mailbox.forget(MEETING.id)
    assert mailbox.finished and mailbox.meeting_ids == []


def test_sent_versions_set_what_counts_as_newer():
    mailbox = WatchList(ALICE, {MEETING.id: MEETING})
    mailbox.sent(dataclasses.replace(MEETING, version=3))
    mailbox.notify(dataclasses.replace(MEETING, version=3))
    assert mailbox.take().changed == ()
    assert mailbox.versions == {MEETING.id: 3}


def test_a_list_feed_is_told_each_change_once_within_the_overlap():
    now = utcnow()
    feed = ListFeed(ALICE, {}, cursor=now)
    change = Change(uuid.uuid4(), 2, "1", False, now)
    others = Change(uuid.uuid4(), 1, "2", False, now)  # another user's
    tick = TickChanges([change, others])
    feed.notify_tick(tick, now, now + timedelta(seconds=3))
    feed.notify_tick(tick, now, now + timedelta(seconds=6))  # the overlap again
    assert feed.take().list_changes == (change,)
    assert feed.cursor == now + timedelta(seconds=6)
    assert not feed.finished


def test_a_list_feed_ignores_changes_older_than_its_cursor_less_the_overlap():
    now = utcnow()
    feed = ListFeed(ALICE, {}, cursor=now)
    old = Change(
        uuid.uuid4(), 2, "1", False, now - CHANGE_OVERLAP - timedelta(seconds=1)
    )
    feed.notify_tick(TickChanges([old]), now, now)
    assert feed.take() == Delivery()


def test_a_list_feed_older_than_the_tick_s_reach_reads_its_list_again():
    now = utcnow()
    feed = ListFeed(ALICE, {}, cursor=now - timedelta(seconds=10))
    change = Change(uuid.uuid4(), 2, "1", False, now)
    feed.notify_tick(TickChanges([change]), now - timedelta(seconds=3), now)
    delivery = feed.take()
    assert (delivery.list_changes, delivery.list_reset) == ((), True)
    assert feed.cursor == now


def test_a_fast_tick_tells_a_list_feed_its_changes_but_only_a_sweep_moves_it_on():
    now = utcnow()
    feed = ListFeed(ALICE, {}, cursor=now - timedelta(seconds=10))
    change = Change(uuid.uuid4(), 2, "1", False, now)
    # A fast tick neither resets an old cursor (the next sweep does) nor moves it.
    feed.notify_tick(
        TickChanges([change]), now - timedelta(seconds=3), now, sweep=False
    )
    assert feed.cursor == now - timedelta(seconds=10)
    delivery = feed.take()
    assert (delivery.list_changes, delivery.list_reset) == ((change,), False)
    feed.notify_tick(TickChanges([change]), now - timedelta(seconds=3), now)
    assert feed.take().list_reset
    assert feed.cursor == now


def test_a_list_feed_older_than_the_next_sweep_is_reset_at_once():
    now = utcnow()
    feed = ListFeed(ALICE, {}, cursor=now - timedelta(seconds=10))
    fresh = ListFeed(ALICE, {}, cursor=now)
    for subscription in (feed, fresh):
        subscription.reset_if_before(now - timedelta(seconds=3), now)
    assert feed.take().list_reset and feed.cursor == now
    assert fresh.take() == Delivery()
