import assert from "node:assert/strict";
import { test } from "node:test";

import { HttpError, LiveStream } from "../../static/js/live/stream.js";

const quiet = { info() {}, warn() {} };
const encoder = new TextEncoder();

/** A fetch that answers each call with the next scripted response. */
function scriptedFetch(responses) {
  const calls = [];
  const fetch = async (url, init) => {
    calls.push({ url, headers: { ...init.headers }, signal: init.signal });
    const next = responses.shift();
    if (!next) return new Promise(() => {}); // hang: no more scripted answers
    if (next instanceof Error) throw next;
    return typeof next === "function" ? next(init) : next;
  };
  return { fetch, calls };
}

/** A scripted SSE response; like fetch's, its body fails when the request is aborted. */
function sse(chunks, { status = 200, type = "text/event-stream; charset=utf-8", keepOpen = false } = {}) {
  return ({ signal }) => {
    const body = new ReadableStream({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(typeof chunk === "string" ? encoder.encode(chunk) : chunk);
        if (!keepOpen) controller.close();
        signal.addEventListener("abort", () => {
          try { controller.error(new DOMException("aborted", "AbortError")); } catch {}
        });
      },
    });
    return new Response(body, { status, headers: { "Content-Type": type } });
  };
}

/** Timers that run only when the test says so. */
function manualTimers() {
  let next = 1;
  const pending = new Map();
  return {
    setTimeout(fn, ms) { const id = next++; pending.set(id, { fn, ms }); return id; },
    clearTimeout(id) { pending.delete(id); },
    delays() { return [...pending.values()].map((t) => t.ms); },
    async runShortest() {
      const [id, timer] = [...pending.entries()].sort((a, b) => a[1].ms - b[1].ms)[0];
      pending.delete(id);
      await timer.fn();
    },
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));
async function settle() { for (let i = 0; i < 20; i += 1) await tick(); }

function collector() {
  const seen = [];
  const handlers = {};
  for (const name of ["onConnected", "onStatus", "onError", "onDeleted", "onDisconnected", "onUnauthorized", "onGone"]) {
    handlers[name] = (data) => seen.push([name, data]);
  }
  return { seen, handlers };
}

test("events split across chunks, lines and UTF-8 characters parse exactly", async () => {
  const message = 'event: status\nid: 7\ndata: {"meetingId":"m","status":"processing","statusMessage":"Café ✓","version":7}\n\n';
  const bytes = encoder.encode(`retry: 1000\n\nevent: connected\ndata: {"keepaliveInterval":15000}\n\n: ping\n\n${message}`);
  // Cut inside "✓" (3 bytes) and inside a line.
  const cut = bytes.indexOf(0x9c);
  const chunks = [bytes.slice(0, 20), bytes.slice(20, cut), bytes.slice(cut)];
  const { fetch } = scriptedFetch([sse(chunks, { keepOpen: true })]);
  const { seen, handlers } = collector();
  const stream = new LiveStream({ url: "/e", label: "t", handlers, fetch, log: quiet, timers: manualTimers() });
  stream.start();
  await settle();
  assert.deepEqual(seen.map(([name]) => name), ["onConnected", "onStatus"]);
  assert.equal(seen[1][1].statusMessage, "Café ✓");
  assert.equal(stream.lastEventId, "7");
  stream.stop();
});

test("a clean end reconnects with Last-Event-ID after the server's retry: hint", async () => {
  const first = sse(['retry: 500\n\nevent: connected\ndata: {}\n\nevent: status\nid: 3\ndata: {"version":3}\n\n']);
  const { fetch, calls } = scriptedFetch([first, sse([], { keepOpen: true })]);
  const timers = manualTimers();
  const { seen, handlers } = collector();
  let resynced = 0;
  handlers.beforeReconnect = async () => { resynced += 1; };
  const stream = new LiveStream({ url: "/e", label: "t", handlers, fetch, log: quiet, timers, random: () => 0.5 });
  stream.start();
  await settle();
  const disconnected = seen.find(([name]) => name === "onDisconnected")[1];
  assert.deepEqual(disconnected, { attempt: 1, delayMs: 500, reason: "stream ended" });
  assert.ok(timers.delays().includes(500));
  await timers.runShortest();
  await settle();
  assert.equal(resynced, 1);
  assert.equal(calls.length, 2);
  assert.equal(calls[0].headers["Last-Event-ID"], undefined);
  assert.equal(calls[1].headers["Last-Event-ID"], "3");
  assert.equal(calls[1].headers.Accept, "text/event-stream");
  stream.stop();
});

test("connectionLost's retryAfterMs sets the next delay", async () => {
  const lost = sse(['event: connected\ndata: {}\n\nevent: connectionLost\ndata: {"reason":"shutdown","retryAfterMs":1234}\n\n']);
  const { fetch } = scriptedFetch([lost]);
  const timers = manualTimers();
  const { seen, handlers } = collector();
  const stream = new LiveStream({ url: "/e", label: "t", handlers, fetch, log: quiet, timers });
  stream.start();
  await settle();
  assert.equal(seen.find(([name]) => name === "onDisconnected")[1].delayMs, 1234);
  stream.stop();
});

test("failures back off and the counter resets only after a healthy event", async () => {
  const down = () => new TypeError("connection refused");
  const healthy = sse(['event: connected\ndata: {}\n\n']);
  const { fetch } = scriptedFetch([down(), down(), healthy, down()]);
  const timers = manualTimers();
  const { seen, handlers } = collector();
  const stream = new LiveStream({ url: "/e", label: "t", handlers, fetch, log: quiet, timers, random: () => 0.5 });
  stream.start();
  for (let i = 0; i < 3; i += 1) { await settle(); await timers.runShortest(); }
  await settle();
  const attempts = seen.filter(([name]) => name === "onDisconnected").map(([, d]) => [d.attempt, d.delayMs]);
  // Two failures (5 s, 10 s), a healthy stream that then ended (attempt 1 again).
  assert.deepEqual(attempts.slice(0, 3), [[1, 5000], [2, 10000], [1, 5000]]);
  stream.stop();
});

test("401 and 404 end the stream for good", async () => {
  for (const [status, handler] of [[401, "onUnauthorized"], [404, "onGone"]]) {
    const { fetch, calls } = scriptedFetch([new Response("{}", { status, headers: { "Content-Type": "application/json" } })]);
    const timers = manualTimers();
    const { seen, handlers } = collector();
    const stream = new LiveStream({ url: "/e", label: "t", handlers, fetch, log: quiet, timers });
    stream.start();
    await settle();
    assert.deepEqual(seen.map(([name]) => name), [handler]);
    assert.ok(stream.stopped);
    assert.deepEqual(timers.delays(), []);
    assert.equal(calls.length, 1);
  }
});

test("a 404 while re-syncing stops instead of reconnecting", async () => {
  const { fetch, calls } = scriptedFetch([sse(['event: connected\ndata: {}\n\n'])]);
  const timers = manualTimers();
  const { seen, handlers } = collector();
  handlers.beforeReconnect = async () => { throw new HttpError(404); };
  const stream = new LiveStream({ url: "/e", label: "t", handlers, fetch, log: quiet, timers });
  stream.start();
  await settle();
  await timers.runShortest();
  await settle();
  assert.equal(calls.length, 1);
  assert.ok(seen.some(([name]) => name === "onGone"));
});

test("stop() aborts the request and cancels the pending reconnect", async () => {
  const { fetch, calls } = scriptedFetch([sse([], { keepOpen: true })]);
  const timers = manualTimers();
  const stream = new LiveStream({ url: "/e", label: "t", fetch, log: quiet, timers });
  stream.start();
  await settle();
  stream.stop("logout");
  await settle();
  assert.ok(calls[0].signal.aborted);
  assert.deepEqual(timers.delays(), []);
});

test("the watchdog reconnects when no byte arrives for twice the keepalive", async () => {
  const { fetch, calls } = scriptedFetch([
    sse(['event: connected\ndata: {"keepaliveInterval":1000}\n\n'], { keepOpen: true }),
  ]);
  const timers = manualTimers();
  const { seen, handlers } = collector();
  const stream = new LiveStream({ url: "/e", label: "t", handlers, fetch, log: quiet, timers });
  stream.start();
  await settle();
  assert.deepEqual(timers.delays(), [2000]);
  await timers.runShortest(); // the watchdog fires
  await settle();
  assert.ok(calls[0].signal.aborted);
  const disconnected = seen.find(([name]) => name === "onDisconnected")[1];
  assert.match(disconnected.reason, /watchdog/);
  stream.stop();
});
