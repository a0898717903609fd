import assert from "node:assert/strict";
import { test } from "node:test";

import { receive } from "../../static/js/live/relay-receiver.js";
import { recordingLog } from "./support.js";

function tab(ids = ["a"]) {
  const calls = [];
  const handlers = {};
  for (const name of ["onConnected", "onStatus", "onError", "onDeleted", "onChanged", "onDisconnected", "onUnauthorized"]) {
    handlers[name] = (data) => calls.push([name, data]);
  }
  const log = recordingLog();
  const state = { attempt: 0 };
  const watched = new Set(ids);
  return { calls, log, state, context: { watches: (id) => watched.has(id), handlers, log, state } };
}

test("a follower applies and logs the statuses of its own meetings only", () => {
  const { calls, log, context } = tab(["a"]);
  receive({ type: "status", data: { meetingId: "a", version: 2 } }, context);
  receive({ type: "status", data: { meetingId: "b", version: 5 } }, context);
  assert.deepEqual(calls, [["onStatus", { meetingId: "a", version: 2 }]]);
  assert.equal(log.lines.length, 1);
  assert.match(log.lines[0], /^📡 Meeting status update: \{"meetingId":"a"/);
});

test("a re-sync's statuses apply without a status-update log line", () => {
  const { calls, log, context } = tab(["a"]);
  receive({ type: "status", data: { meetingId: "a", version: 3 }, resync: true }, context);
  assert.equal(calls.length, 1);
  assert.deepEqual(log.lines, []);
});

test("the banner follows the shared stream, with the same log lines as a stream of one's own", () => {
  const { calls, log, state, context } = tab();
  receive({ type: "disconnected", attempt: 2, delayMs: 1000, retryAt: 5000, reason: "stream ended" }, context);
  assert.equal(state.attempt, 2);
  receive({ type: "resyncing" }, context);
  receive({ type: "resynced" }, context);
  receive({ type: "connected", data: { meetingIds: ["a"] } }, context);
  assert.equal(state.attempt, 0);
  assert.deepEqual(calls.map(([name]) => name), ["onDisconnected", "onConnected"]);
  assert.deepEqual(calls[0][1], { attempt: 2, delayMs: 1000, retryAt: 5000, reason: "stream ended" });
  assert.deepEqual(log.lines.map((line) => line.split(":")[0].split(" (")[0]), [
    "📡 SSE disconnected",
    "📡 Reconnecting in 1000ms",
    "📡 Re-syncing meeting state from API...",
    "📡 State re-synced successfully",
    "📡 SSE connected",
  ]);
});

test("quiet delivery (the leader's own page) calls the handlers and logs nothing", () => {
  const { calls, log, context } = tab();
  for (const message of [
    { type: "connected", data: {} },
    { type: "status", data: { meetingId: "a", version: 2 } },
    { type: "deleted", data: { meetingId: "a" } },
    { type: "disconnected", attempt: 1, delayMs: 500, reason: "x" },
  ]) receive(message, { ...context, quiet: true });
  assert.equal(calls.length, 4);
  assert.deepEqual(log.lines, []);
});

test("deleted and unauthorized reach the page", () => {
  const { calls, context } = tab(["a"]);
  receive({ type: "deleted", data: { meetingId: "b" } }, context);
  receive({ type: "deleted", data: { meetingId: "a" } }, context);
  receive({ type: "unauthorized" }, context);
  assert.deepEqual(calls, [["onDeleted", { meetingId: "a" }], ["onUnauthorized", undefined]]);
});

test("a joining tab catches up from the leader's state: statuses, deletions and the banner", () => {
  const { calls, state, context } = tab(["a", "b"]);
  receive({
    type: "state", up: false, attempt: 3,
    statuses: [{ meetingId: "a", version: 4 }, { meetingId: "z", version: 9 }], gone: ["b"],
  }, context);
  assert.deepEqual(calls.map(([name]) => name), ["onStatus", "onDeleted", "onDisconnected"]);
  assert.equal(calls[2][1].attempt, 3);
  assert.equal(state.attempt, 3);
  const up = tab(["a"]);
  receive({ type: "state", up: true, attempt: 0, statuses: [], gone: [] }, up.context);
  assert.deepEqual(up.calls.map(([name]) => name), ["onConnected"]);
});

test("unknown messages are ignored", () => {
  const { calls, log, context } = tab();
  receive({ type: "future" }, context);
  receive(null, context);
  assert.deepEqual(calls, []);
  assert.deepEqual(log.lines, []);
});

test("a scope's changes reach every tab's page, whatever its meetings", () => {
  const { calls, context } = tab(["a"]);
  const data = { changes: [{ meetingId: "z", version: 1, deleted: false }], reset: false };
  receive({ type: "changed", data }, context);
  assert.deepEqual(calls, [["onChanged", data]]);
});
