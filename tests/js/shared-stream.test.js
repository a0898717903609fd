import assert from "node:assert/strict";
import { test } from "node:test";

import { SharedStream, sharingSupported } from "../../static/js/live/shared-stream.js";
import {
  channelHub, CONNECTED, fakeLocks, manualTimers, openSse, recordingLog, routedFetch, settle, statusEvent,
} from "./support.js";

const m = (id) => ({ id, apiUrl: `/v1/meetings/${id}`, eventsUrl: `/v1/meetings/${id}/events` });

/** A browser: one lock manager, one set of channels, one network; tabs open in it. */
function browser(route = () => openSse(CONNECTED)) {
  const locks = fakeLocks();
  const hub = channelHub();
  const { fetch, calls } = routedFetch((url, init) => {
    const answer = route(url, init);
    if (typeof answer === "function" && answer.push) bodies.push(answer);
    return answer;
  });
  const bodies = [];
  const tabs = [];
  const open = (name, ids) => {
    const seen = [];
    const handlers = {};
    for (const handler of ["onConnected", "onStatus", "onDeleted", "onDisconnected", "onUnauthorized"]) {
      handlers[handler] = (data) => seen.push([handler, data]);
    }
    const timers = manualTimers();
    const log = recordingLog();
    const stream = new SharedStream({
      tab: name, meetings: () => ids.map(m), versions: () => Object.fromEntries(ids.map((id) => [id, 1])),
      multiUrl: "/v1/events", schedule: { baseMs: 500 }, handlers, locks, openChannel: hub.openChannel,
      log, timers, fetch, random: () => 0.5,
    });
    const tab = { name, stream, seen, timers, log };
    tabs.push(tab);
    return tab;
  };
  /** Let messages flow and debounces fire everywhere. */
  const run = async () => {
    for (let i = 0; i < 3; i += 1) {
      await settle();
      for (const tab of tabs) await tab.timers.runUpTo(1000);
    }
    await settle();
  };
  const streams = () => calls.filter((call) => call.url.includes("events"));
  const open_ = () => streams().filter((call) => !call.signal.aborted);
  return { open, run, streams, openStreams: open_, bodies, hub, locks };
}

test("the first tab holds the one stream; the others follow it and hold none", async () => {
  const b = browser();
  const first = b.open("t1", ["a"]).stream.start();
  await b.run();
  const second = b.open("t2", ["b"]);
  second.stream.start();
  const third = b.open("t3", ["a"]);
  third.stream.start();
  await b.run();
  assert.ok(first.isLeader);
  assert.ok(!second.stream.isLeader && !third.stream.isLeader);
  assert.equal(b.openStreams().length, 1);
  assert.equal(b.openStreams()[0].url, "/v1/events?meeting=a&meeting=b");
  b.bodies.at(-1).push(statusEvent({ meetingId: "b", status: "uploaded", version: 2 }, "b:2"));
  await b.run();
  assert.deepEqual(second.seen.filter(([n]) => n === "onStatus").map(([, d]) => d.meetingId), ["b"]);
  assert.deepEqual(third.seen.filter(([n]) => n === "onStatus"), []);
  assert.ok(second.log.lines.some((line) => line.startsWith("📡 Meeting status update:")));
  assert.ok(second.seen.some(([n]) => n === "onConnected"));
  for (const tab of [first, second.stream, third.stream]) tab.stop("test");
});

test("when the leader leaves, another tab takes over the stream with the union", async () => {
  const b = browser();
  const first = b.open("t1", ["a"]);
  first.stream.start();
  await b.run();
  const second = b.open("t2", ["b"]);
  second.stream.start();
  const third = b.open("t3", ["c"]);
  third.stream.start();
  await b.run();
  first.stream.stop("page hidden");
  await b.run();
  assert.ok(first.log.lines.includes("📡 SSE closed (page hidden)"));
  const leaders = [second, third].filter((tab) => tab.stream.isLeader);
  assert.equal(leaders.length, 1);
  assert.equal(b.openStreams().length, 1);
  assert.equal(b.openStreams()[0].url, "/v1/events?meeting=b&meeting=c");
  // No re-sync: the stream was up, and the new one sends every status afresh.
  assert.ok(!b.streams().at(-1).headers["Last-Event-ID"]);
  b.bodies.at(-1).push(statusEvent({ meetingId: "c", status: "uploaded", version: 2 }, "c:2"));
  await b.run();
  assert.ok(third.seen.some(([n, d]) => n === "onStatus" && d.meetingId === "c"));
  second.stream.stop("test");
  third.stream.stop("test");
});

test("every tab shows the banner while the shared stream is down", async () => {
  const b = browser();
  const first = b.open("t1", ["a"]);
  first.stream.start();
  const second = b.open("t2", ["a"]);
  second.stream.start();
  await b.run();
  b.bodies.at(-1).end();
  await settle();
  for (const tab of [first, second]) {
    const down = tab.seen.filter(([n]) => n === "onDisconnected").map(([, d]) => d.attempt);
    assert.deepEqual(down, [1], tab.name);
  }
  assert.ok(second.log.lines.includes("📡 Reconnecting in 500ms (attempt 1)..."));
  first.stream.stop("test");
  second.stream.stop("test");
});

test("a tab that stops before it gets the lock never leads", async () => {
  const b = browser();
  const first = b.open("t1", ["a"]);
  first.stream.start();
  const second = b.open("t2", ["b"]);
  second.stream.start();
  await b.run();
  second.stream.stop("page hidden");
  first.stream.stop("page hidden");
  await b.run();
  assert.ok(!second.stream.isLeader);
  assert.equal(b.openStreams().length, 0);
  assert.equal(b.locks.held.size, 0);
  assert.equal(b.hub.open.size, 0);
});

test("without Web Locks or BroadcastChannel the pages keep a stream of their own", () => {
  const locks = { request() {} };
  assert.equal(sharingSupported({ navigator: { locks }, BroadcastChannel: class {} }), true);
  assert.equal(sharingSupported({ navigator: {}, BroadcastChannel: class {} }), false);
  assert.equal(sharingSupported({ navigator: { locks } }), false);
  assert.equal(sharingSupported({}), false);
});
