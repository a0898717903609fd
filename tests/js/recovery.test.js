import assert from "node:assert/strict";
import { test } from "node:test";

import { Leader } from "../../static/js/live/leader.js";
import { bindRecovery, ONLINE_SPREAD_MS } from "../../static/js/live/lifecycle.js";
import { receive } from "../../static/js/live/relay-receiver.js";
import { SharedStream } from "../../static/js/live/shared-stream.js";
import { LiveStream } from "../../static/js/live/stream.js";
import {
  channelHub, CONNECTED, fakeLocks, json, manualTimers, openSse, recordingLog, routedFetch, settle, statusEvent,
} from "./support.js";
import { FakeDocument, FakeElement } from "./dom.js";

const m = (id) => ({ id, apiUrl: `/v1/meetings/${id}`, eventsUrl: `/v1/meetings/${id}/events` });
const STORE_ERROR = 'event: error\ndata: {"code":"store_unavailable","message":"x","retryable":true}\n\n';
const isRead = (url) => url.startsWith("/v1/meetings?");
const meetingA = () => json(200, { results: [{ id: "a", status: "scheduled", version: 1 }], next_cursor: null });

/** A LiveStream on route, recording every handler call. */
function liveStream(route, extra = {}) {
  const { fetch, calls } = routedFetch(route);
  const timers = manualTimers();
  const seen = [];
  const handlers = {};
  for (const name of ["onConnected", "onStatus", "onError", "onRecovered", "onDisconnected", "onStopped", "onEnded"]) {
    handlers[name] = (data) => seen.push([name, data]);
  }
  Object.assign(handlers, extra);
  const stream = new LiveStream({
    url: "/v1/meetings/a/events", label: "meeting a", handlers, fetch, timers, log: recordingLog(),
    random: () => 0.5, schedule: { baseMs: 500 }, now: () => 0,
  });
  const names = () => seen.map(([name]) => name);
  const streams = () => calls.filter((call) => call.url.includes("events"));
  return { stream, calls, streams, timers, seen, names };
}

test("after a store error the stream checks over REST on the backoff, and is live again once it answers", async () => {
  const body = openSse(CONNECTED);
  let storeUp = false;
  const probes = [];
  const { stream, timers, names } = liveStream(() => body, {
    probe: async () => {
      probes.push(storeUp);
      if (!storeUp) throw Object.assign(new Error("HTTP 503"), { status: 503 });
      return true;
    },
  });
  stream.start();
  await settle();
  body.push(STORE_ERROR);
  await settle();
  assert.ok(stream.degraded);
  assert.deepEqual(names(), ["onConnected", "onError"]);
  assert.deepEqual(timers.delays().filter((ms) => ms < 30_000), [500], "the first check, on the backoff");
  await timers.runShortest();
  await settle();
  assert.deepEqual(timers.delays().filter((ms) => ms < 30_000), [1000], "then longer");
  storeUp = true;
  await timers.runUpTo(1000);
  await settle();
  assert.deepEqual(probes, [false, true]);
  assert.ok(!stream.degraded);
  assert.deepEqual(names(), ["onConnected", "onError", "onRecovered"]);
  assert.deepEqual(timers.delays().filter((ms) => ms < 30_000), [], "no more checks");
  stream.stop("test");
});

test("a status after a store error is live again at once; a probe that read nothing waits for one", async () => {
  const body = openSse(CONNECTED);
  const { stream, timers, names } = liveStream(() => body, { probe: async () => false });
  stream.start();
  await settle();
  body.push(STORE_ERROR);
  await settle();
  await timers.runUpTo(1000);
  await settle();
  assert.ok(stream.degraded, "nothing read: nothing known");
  body.push(statusEvent({ meetingId: "a", status: "completed", version: 3 }, "3"));
  await settle();
  assert.ok(!stream.degraded);
  assert.deepEqual(names(), ["onConnected", "onError", "onStatus", "onRecovered"]);
  stream.stop("test");
});

test("retryNow skips the backoff once, and does nothing to a healthy or connecting stream", async () => {
  let up = false;
  const { stream, streams, timers, names } = liveStream((url) => {
    if (!url.includes("events")) return undefined;
    return up ? openSse(CONNECTED) : json(503);
  });
  stream.start();
  await settle();
  assert.deepEqual(names(), ["onDisconnected"]);
  assert.deepEqual(timers.delays().filter((ms) => ms < 30_000), [500]);
  up = true;
  assert.equal(stream.retryNow("Retry now"), true);
  assert.equal(stream.retryNow("Retry now"), false, "already connecting");
  await settle();
  assert.equal(streams().length, 2);
  assert.deepEqual(timers.delays().filter((ms) => ms < 30_000), [], "the backoff's timer is gone");
  assert.deepEqual(names(), ["onDisconnected", "onConnected"]);
  assert.equal(stream.retryNow("focus"), false, "healthy: nothing to do");
  await settle();
  assert.equal(streams().length, 2);
  stream.stop("test");
});

test("going offline drops the connection as lost; the reconnect waits on the backoff", async () => {
  const body = openSse(CONNECTED);
  const { stream, seen, timers } = liveStream(() => body);
  stream.start();
  await settle();
  stream.interrupt("the browser went offline");
  await settle();
  const [, lost] = seen.find(([name]) => name === "onDisconnected");
  assert.deepEqual(lost, { attempt: 1, delayMs: 500, retryAt: 500, reason: "the browser went offline" });
  assert.deepEqual(timers.delays().filter((ms) => ms < 30_000), [500]);
  stream.interrupt("again"); // already down
  assert.equal(seen.filter(([name]) => name === "onDisconnected").length, 1);
  stream.stop("test");
});

test("a 204 or another 4xx ends the stream and says so; a stop asked for does not", async () => {
  for (const status of [204, 403]) {
    const { stream, names, seen } = liveStream(() => (status === 204 ? new Response(null, { status }) : json(status)));
    stream.start();
    await settle();
    assert.deepEqual(names(), ["onStopped", "onEnded"], `HTTP ${status}`);
    assert.equal(seen.at(-1)[1], `HTTP ${status}`);
  }
  const { stream, names } = liveStream(() => openSse(CONNECTED));
  stream.start();
  await settle();
  stream.stop("page hidden");
  assert.deepEqual(names(), ["onConnected", "onStopped"]);
});

/** A leader on route; the other tabs' messages are what it posts. */
function leaderWith(route) {
  const { fetch, calls } = routedFetch(route);
  const timers = manualTimers();
  const posted = [];
  const delivered = [];
  const leader = new Leader({
    tab: "me", multiUrl: "/v1/events", post: (message) => posted.push(message),
    deliver: (message) => delivered.push(message), fetch, timers, log: recordingLog(), random: () => 0.5,
    schedule: { baseMs: 500 },
  });
  const streams = () => calls.filter((call) => call.url.includes("events"));
  return { leader, calls, streams, timers, posted, delivered };
}

test("the leader retries once however many tabs ask, and tells joining tabs when it will", async () => {
  let up = false;
  const { leader, streams, timers, posted } = leaderWith((url) => {
    if (isRead(url)) return meetingA();
    if (!url.includes("events")) return undefined;
    return up ? openSse(CONNECTED) : json(503);
  });
  leader.join("me", [m("a")]);
  await timers.runUpTo(200); // the debounce
  await settle();
  const down = posted.find((message) => message.type === "disconnected");
  assert.equal(down.attempt, 1);
  assert.ok(Number.isFinite(down.retryAt));
  leader.onMessage({ type: "watch", tab: "t2", meetings: [m("a")] });
  const state = posted.findLast((message) => message.type === "state");
  assert.deepEqual([state.attempt, state.retryAt], [1, down.retryAt]);
  up = true;
  for (const tab of ["t2", "t3", "t4"]) leader.onMessage({ type: "retry", tab, reason: "Retry now" });
  await settle();
  assert.equal(streams().length, 2, "one reconnect for three asks");
  assert.ok(posted.some((message) => message.type === "connected"));
  leader.stop("test");
});

test("the leader relays a store error and the recovery, and a joining tab hears of the error", async () => {
  const body = openSse(CONNECTED);
  const { leader, timers, posted } = leaderWith((url) => {
    if (isRead(url)) return json(200, { results: [{ id: "a", status: "completed", version: 3 }], next_cursor: null });
    return body;
  });
  leader.join("me", [m("a")]);
  await timers.runUpTo(200);
  await settle();
  body.push(STORE_ERROR);
  await settle();
  leader.onMessage({ type: "watch", tab: "t2", meetings: [m("a")] });
  const state = posted.findLast((message) => message.type === "state");
  assert.deepEqual([state.up, state.error?.code], [true, "store_unavailable"]);
  await timers.runUpTo(1000); // the check over REST answers
  await settle();
  const types = posted.map((message) => message.type);
  assert.deepEqual(types.slice(types.indexOf("error")), ["error", "state", "status", "recovered"]);
  leader.stop("test");
});

test("the leader tells its tabs when the stream stops for good", async () => {
  const { leader, timers, posted, delivered } = leaderWith(() => json(403));
  leader.join("me", [m("a")]);
  await timers.runUpTo(200);
  await settle();
  assert.deepEqual(posted.at(-1), { type: "stopped", reason: "HTTP 403" });
  assert.deepEqual(delivered.at(-1), { type: "stopped", reason: "HTTP 403" });
  leader.onMessage({ type: "watch", tab: "t2", meetings: [m("a")] });
  assert.equal(posted.at(-1).ended, "HTTP 403", "a tab that joins later hears it too");
  leader.stop("test");
});

test("a tab applies what the leader says of stops, errors and recoveries", () => {
  const calls = [];
  const handlers = {};
  for (const name of ["onStopped", "onEnded", "onRecovered", "onError", "onConnected", "onDisconnected"]) {
    handlers[name] = (data) => calls.push([name, data]);
  }
  const context = { watches: () => true, handlers, log: recordingLog(), state: {} };
  receive({ type: "stopped", reason: "HTTP 204" }, context);
  receive({ type: "recovered" }, context);
  receive({ type: "state", up: true, attempt: 0, error: { code: "store_unavailable" } }, context);
  receive({ type: "state", up: false, attempt: 0, ended: "nothing left to watch" }, context);
  receive({ type: "state", up: false, attempt: 2, retryAt: 9000 }, context);
  assert.deepEqual(calls, [
    ["onStopped", "HTTP 204"], ["onEnded", "HTTP 204"], ["onRecovered", undefined],
    ["onConnected", null], ["onError", { code: "store_unavailable" }],
    ["onEnded", "nothing left to watch"],
    ["onDisconnected", { attempt: 2, delayMs: null, retryAt: 9000, reason: "shared stream down" }],
  ]);
});

test("a tab that does not hold the stream asks the one that does to retry", async () => {
  const locks = fakeLocks();
  const hub = channelHub();
  let up = false;
  const { fetch, calls } = routedFetch((url) => {
    if (isRead(url)) return meetingA();
    return up ? openSse(CONNECTED) : json(503);
  });
  const tabs = ["t1", "t2"].map((tab) => {
    const timers = manualTimers();
    const stream = new SharedStream({
      tab, meetings: () => [m("a")], multiUrl: "/v1/events", schedule: { baseMs: 500 }, handlers: {},
      locks, openChannel: hub.openChannel, log: recordingLog(), timers, fetch, random: () => 0.5,
    });
    stream.start();
    return { stream, timers };
  });
  for (let i = 0; i < 3; i += 1) {
    await settle();
    for (const { timers } of tabs) await timers.runUpTo(200);
  }
  const streams = () => calls.filter((call) => call.url.includes("events"));
  assert.equal(streams().length, 1);
  const follower = tabs.find(({ stream }) => !stream.isLeader).stream;
  up = true;
  follower.retryNow("the page is shown again");
  await settle();
  assert.equal(streams().length, 2, "the leader reconnected at once");
  assert.ok(hub.sent.some((message) => message.type === "retry"));
  for (const { stream } of tabs) stream.stop("test");
});

test("the page retries at once when back online (spread a little), shown again or focused", () => {
  const asked = [];
  const stream = { retryNow: (reason) => asked.push(reason), interrupt: (reason) => asked.push(`drop: ${reason}`) };
  const win = new FakeElement("window");
  const later = [];
  win.setTimeout = (fn, ms) => later.push([fn, ms]);
  const doc = new FakeDocument();
  bindRecovery(stream, { win, doc, random: () => 0.5 });
  win.dispatch("offline");
  win.dispatch("online");
  assert.deepEqual(later.map(([, ms]) => ms), [ONLINE_SPREAD_MS / 2], "browsers back together do not come back in step");
  later[0][0]();
  doc.setVisibility("hidden");
  doc.setVisibility("visible");
  win.dispatch("focus");
  assert.deepEqual(asked, [
    "drop: the browser went offline", "back online", "the page is shown again", "the window has the focus",
  ]);
});
