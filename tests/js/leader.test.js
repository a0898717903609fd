import assert from "node:assert/strict";
import { test } from "node:test";

import { Leader } from "../../static/js/live/leader.js";
import {
  CONNECTED, json, manualTimers, openSse, recordingLog, routedFetch, settle, statusEvent,
} from "./support.js";

const m = (id) => ({ id, apiUrl: `/v1/meetings/${id}`, eventsUrl: `/v1/meetings/${id}/events` });

function leaderWith(route, options = {}) {
  const { fetch, calls } = routedFetch(route);
  const timers = manualTimers();
  const posted = [];
  const delivered = [];
  const log = recordingLog();
  const leader = new Leader({
    tab: "me", multiUrl: "/v1/events", post: (message) => posted.push(message),
    deliver: (message) => delivered.push(message), fetch, timers, log, random: () => 0.5,
    schedule: { baseMs: 500 }, ...options,
  });
  const streams = () => calls.filter((call) => call.url.includes("events"));
  return { leader, calls, streams, timers, posted, delivered, log };
}

const types = (messages) => messages.map((message) => message.type);

test("the leader streams its own meetings after the debounce, and relays events to every tab", async () => {
  const body = openSse(CONNECTED);
  const { leader, streams, timers, posted, delivered } = leaderWith(() => body);
  leader.join("me", [m("a")]);
  await settle();
  assert.equal(streams().length, 0, "nothing before the debounce");
  await timers.runUpTo(1000);
  await settle();
  assert.deepEqual(streams().map((call) => call.url), ["/v1/meetings/a/events"]);
  body.push(statusEvent({ meetingId: "a", status: "in_progress", version: 2 }, "2"));
  await settle();
  assert.deepEqual(types(posted), ["connected", "status"]);
  assert.deepEqual(types(delivered), ["connected", "status"]);
  leader.stop("test");
});

test("another tab joining widens the stream to the union, keeping Last-Event-ID", async () => {
  const bodies = [];
  const { leader, streams, timers, posted } = leaderWith(() => {
    const body = openSse(CONNECTED);
    bodies.push(body);
    return body;
  });
  leader.join("me", [m("a"), m("b")]);
  await timers.runUpTo(1000);
  await settle();
  bodies[0].push(statusEvent({ meetingId: "a", version: 2 }, "a:2,b:1"));
  await settle();
  leader.onMessage({ type: "watch", tab: "t2", meetings: [m("b"), m("c")], versions: { b: 1, c: 1 } });
  leader.onMessage({ type: "watch", tab: "t3", meetings: [m("a")], versions: { a: 1 } });
  await settle();
  // Each joining tab hears at once how the stream is and what it missed.
  const states = posted.filter((message) => message.type === "state");
  assert.deepEqual(states.map((s) => [s.to, s.up, s.statuses.map((d) => d.meetingId)]), [
    ["t2", true, []],
    ["t3", true, ["a"]],
  ]);
  await timers.runUpTo(1000); // one debounce for both joins
  await settle();
  assert.deepEqual(streams().map((call) => call.url), [
    "/v1/events?meeting=a&meeting=b",
    "/v1/events?meeting=a&meeting=b&meeting=c",
  ]);
  assert.ok(streams()[0].signal.aborted, "the old connection is closed");
  assert.equal(streams()[1].headers["Last-Event-ID"], "a:2,b:1");
  // A tab that watches nothing new changes nothing.
  leader.onMessage({ type: "watch", tab: "t4", meetings: [m("c")], versions: {} });
  await timers.runUpTo(1000);
  await settle();
  assert.equal(streams().length, 2);
  leader.stop("test");
});

test("a tab leaving narrows the stream; the last one leaving closes it", async () => {
  const { leader, streams, timers } = leaderWith(() => openSse(CONNECTED));
  leader.join("me", [m("a")]);
  leader.onMessage({ type: "watch", tab: "t2", meetings: [m("b")] });
  await timers.runUpTo(1000);
  await settle();
  leader.onMessage({ type: "leave", tab: "t2" });
  await timers.runUpTo(1000);
  await settle();
  assert.deepEqual(streams().map((call) => call.url), ["/v1/events?meeting=a&meeting=b", "/v1/meetings/a/events"]);
  leader.leave("me");
  await timers.runUpTo(1000);
  await settle();
  assert.ok(streams().every((call) => call.signal.aborted));
  leader.stop("test");
});

test("a deleted meeting is relayed and dropped; with none left the stream stops", async () => {
  const body = openSse(CONNECTED);
  const { leader, streams, timers, posted, log } = leaderWith(() => body);
  leader.join("me", [m("a")]);
  await timers.runUpTo(1000);
  await settle();
  body.push('event: deleted\ndata: {"meetingId":"a"}\n\n');
  await settle();
  // The tabs hear that the stream stopped, and why.
  assert.deepEqual(types(posted), ["connected", "deleted", "stopped"]);
  assert.equal(posted.at(-1).reason, "nothing left to watch");
  assert.ok(streams()[0].signal.aborted);
  assert.ok(log.lines.includes("📡 SSE closed (nothing left to watch)"));
  assert.deepEqual(timers.delays(), [], "no reconnect pending");
  leader.onMessage({ type: "watch", tab: "t2", meetings: [m("a")] });
  const state = posted.at(-1);
  assert.deepEqual([state.type, state.gone, state.ended], ["state", ["a"], "nothing left to watch"]);
  leader.stop("test");
});

/** A REST answer to GET /v1/meetings?id=…: the meetings of rest among the ids asked. */
function listAnswer(url, rest) {
  const ids = new URL(url, "http://x").searchParams.getAll("id");
  return json(200, { results: ids.filter((id) => rest[id]).map((id) => rest[id]), next_cursor: null });
}

const isRead = (url) => url.startsWith("/v1/meetings?");

test("before reconnecting the leader re-syncs the union over REST for every tab, in one request", async () => {
  let down = false;
  const first = openSse(CONNECTED);
  const rest = { a: { id: "a", status: "processing", progress: 5, version: 4, title: "A" } };
  const { leader, calls, timers, posted } = leaderWith((url) => {
    if (isRead(url)) return listAnswer(url, rest);
    if (down) return new TypeError("connection refused");
    down = true;
    return first;
  });
  leader.join("me", [m("a")]);
  leader.onMessage({ type: "watch", tab: "t2", meetings: [m("b")] });
  await timers.runUpTo(1000);
  await settle();
  first.push('event: connectionLost\ndata: {"reason":"shutdown","retryAfterMs":300}\n\n');
  first.end();
  await settle();
  assert.deepEqual(posted.filter((x) => x.type === "disconnected").map((x) => [x.attempt, x.delayMs]), [[1, 300]]);
  await timers.runUpTo(1000);
  await settle();
  // b is absent from the answer: deleted, or no longer visible.
  assert.deepEqual(calls.filter((c) => isRead(c.url)).map((c) => c.url), ["/v1/meetings?id=a&id=b"]);
  const relayed = posted.filter((x) => ["resyncing", "status", "deleted", "resynced"].includes(x.type));
  assert.deepEqual([relayed[0].type, relayed.at(-1).type], ["resyncing", "resynced"]);
  const status = relayed.find((x) => x.type === "status");
  assert.deepEqual([status.resync, status.data.status], [true, "processing"]);
  assert.deepEqual(relayed.find((x) => x.type === "deleted").data, { meetingId: "b" });
  // The reconnect (refused: still down) watches what is left, and backs off.
  assert.equal(calls.at(-1).url, "/v1/meetings/a/events");
  assert.deepEqual(posted.filter((x) => x.type === "disconnected").map((x) => x.attempt), [1, 2]);
  leader.stop("test");
});

test("a 404 for the shared stream finds the deleted meetings with one request and drops them", async () => {
  const rest = { a: { id: "a", status: "scheduled", progress: 0, version: 1, title: "A" } };
  const { leader, calls, timers, delivered } = leaderWith((url) => {
    if (isRead(url)) return listAnswer(url, rest);
    return json(404);
  });
  leader.join("me", [m("a"), m("b"), m("c")]);
  await timers.runUpTo(1000);
  await settle();
  assert.deepEqual(calls.filter((c) => isRead(c.url)).map((c) => c.url)[0], "/v1/meetings?id=a&id=b&id=c");
  assert.deepEqual(delivered.filter((x) => x.type === "deleted").map((x) => x.data.meetingId), ["b", "c"]);
  leader.stop("test");
});

test("a 401 on the re-sync sends every tab to the login page", async () => {
  const { leader, timers, delivered } = leaderWith((url) => (isRead(url) ? json(401) : json(404)));
  leader.join("me", [m("a"), m("b")]);
  await timers.runUpTo(1000);
  await settle();
  assert.ok(types(delivered).includes("unauthorized"));
  assert.ok(!types(delivered).includes("deleted"), "a failed read deletes nothing");
  leader.stop("test");
});

test("a 401 on the stream sends every tab to the login page", async () => {
  const { leader, timers, posted, delivered } = leaderWith(() => json(401));
  leader.join("me", [m("a")]);
  await timers.runUpTo(1000);
  await settle();
  assert.deepEqual(types(posted), ["unauthorized"]);
  assert.deepEqual(types(delivered), ["unauthorized"]);
});

test("a leader taking over a stream that is down re-syncs first and goes on counting attempts", async () => {
  const { leader, calls, timers, posted } = leaderWith(
    (url) => (url.endsWith("/events") ? new TypeError("refused") : listAnswer(url, { a: { id: "a", version: 1 } })),
    { attempt: 3, resync: true },
  );
  leader.join("me", [m("a")]);
  await timers.runUpTo(1000);
  await settle();
  assert.deepEqual(calls.map((c) => c.url), ["/v1/meetings?id=a", "/v1/meetings/a/events"]);
  assert.deepEqual(posted.filter((x) => x.type === "disconnected").map((x) => [x.attempt, x.delayMs]), [[4, 2000]]);
  leader.stop("test");
});
