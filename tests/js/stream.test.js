import assert from "node:assert/strict";
import { test } from "node:test";

import { fromApi, getJson, HttpError, MAX_IDS_PER_READ, readMeetings } from "../../static/js/live/api.js";
import { LiveStream, logStatus } from "../../static/js/live/stream.js";
import { manualTimers, recordingLog, settle } from "./support.js";

const encoder = new TextEncoder();


/** A fetch that answers each call with the next scripted response. */
function scriptedFetch(responses) {
  const calls = [];
  const fetch = async (url, init) => {
    calls.push({ url, init, headers: { ...init.headers }, signal: init.signal });
    const next = responses.shift();
    if (!next) return hang(init.signal);
    if (next instanceof Error) throw next;
    return typeof next === "function" ? next(init) : next;
  };
  return { fetch, calls };
}

/** Like fetch while no response comes: pending until aborted. */
function hang(signal) {
  return new Promise((resolve, reject) => {
    signal?.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")));
  });
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

function json(status, headers = {}) {
  return new Response("{}", { status, headers: { "Content-Type": "application/json", ...headers } });
}

function collector() {
  const seen = [];
  const handlers = {};
  for (const name of ["onConnected", "onStatus", "onError", "onDeleted", "onDisconnected", "onUnauthorized", "onGone"]) {
    handlers[name] = (data) => { seen.push([name, data]); };
  }
  const names = () => seen.map(([name]) => name);
  const disconnects = () => seen.filter(([name]) => name === "onDisconnected").map(([, d]) => d);
  return { seen, handlers, names, disconnects };
}

/** The fake clock's time: retryAt is this plus the delay. */
const NOW = 1_000_000;

function streamWith(responses, options = {}) {
  const { fetch, calls } = scriptedFetch(responses);
  const timers = manualTimers();
  const log = recordingLog();
  const events = collector();
  const stream = new LiveStream({
    url: "/v1/meetings/m/events", label: "meeting m", handlers: events.handlers,
    fetch, log, timers, random: () => 0.5, now: () => NOW, ...options,
  });
  return { stream, calls, timers, log, ...events };
}

const CONNECTED = 'event: connected\ndata: {"meetingId":"m","keepaliveInterval":15000}\n\n';

test("events split across chunks, lines and UTF-8 characters parse exactly", async () => {
  const message = 'event: status\nid: 7\ndata: {"meetingId":"m","status":"processing","statusMessage":"Café ✓","version":7}\n\n';
  const bytes = encoder.encode(`retry: 1000\n\n${CONNECTED}: ping\n\n${message}`);
  // Cut inside "✓" (3 bytes) and inside a line.
  const cut = bytes.indexOf(0x9c);
  const chunks = [bytes.slice(0, 20), bytes.slice(20, cut), bytes.slice(cut)];
  const { stream, names, seen } = streamWith([sse(chunks, { keepOpen: true })]);
  stream.start();
  await settle();
  assert.deepEqual(names(), ["onConnected", "onStatus"]);
  assert.equal(seen[1][1].statusMessage, "Café ✓");
  assert.equal(stream.lastEventId, "7");
  stream.stop();
});

test("multi-line data, CRLF line ends, comments and unknown events follow the spec", async () => {
  const text = "event: status\r\nid: a:1,b:2\r\ndata: {\"meetingId\":\r\ndata: \"b\"}\r\n\r\n"
    + ": just a comment\n\nevent: future\ndata: {}\n\n"
    + "event: status\ndata: not json\n\n";
  const { stream, names, seen, log } = streamWith([sse([text], { keepOpen: true })]);
  stream.start();
  await settle();
  assert.deepEqual(names(), ["onStatus"]);
  assert.deepEqual(seen[0][1], { meetingId: "b" });
  assert.equal(stream.lastEventId, "a:1,b:2");
  assert.ok(log.lines.some((line) => line.includes("not JSON")));
  stream.stop();
});

test("the request asks for an event stream with the session cookie", async () => {
  const { stream, calls } = streamWith([sse([CONNECTED], { keepOpen: true })]);
  stream.start();
  await settle();
  assert.equal(calls[0].url, "/v1/meetings/m/events");
  assert.equal(calls[0].init.credentials, "same-origin");
  assert.deepEqual(calls[0].headers, { Accept: "text/event-stream" });
  stream.stop();
});

test("a clean end reconnects with Last-Event-ID after the server's retry: hint", async () => {
  const first = sse([`retry: 500\n\n${CONNECTED}event: status\nid: 3\ndata: {"version":3}\n\n`]);
  const { stream, calls, timers, disconnects, handlers, log } = streamWith([first, sse([], { keepOpen: true })]);
  let resynced = 0;
  handlers.beforeReconnect = async () => { resynced += 1; };
  stream.start();
  await settle();
  assert.deepEqual(disconnects(), [{ attempt: 1, delayMs: 500, retryAt: NOW + 500, reason: "stream ended" }]);
  assert.deepEqual(timers.delays(), [500]);
  await timers.runShortest();
  await settle();
  assert.equal(resynced, 1);
  assert.equal(calls.length, 2);
  assert.equal(calls[0].headers["Last-Event-ID"], undefined);
  assert.equal(calls[1].headers["Last-Event-ID"], "3");
  assert.equal(calls[1].headers.Accept, "text/event-stream");
  const flow = [
    "📡 Connecting SSE for meeting m...",
    "📡 SSE connected:",
    "📡 Meeting status update:",
    "📡 SSE stream ended",
    "📡 SSE disconnected (stream ended), showing banner and scheduling reconnect...",
    "📡 Reconnecting in 500ms (attempt 1)...",
    "📡 Re-syncing meeting state from API...",
    "📡 State re-synced successfully",
    "📡 Connecting SSE for meeting m...",
  ];
  let at = 0;
  for (const line of log.lines) if (at < flow.length && line.startsWith(flow[at])) at += 1;
  assert.equal(at, flow.length, log.lines.join("\n"));
  stream.stop();
});

test("an empty id resets Last-Event-ID, which is then not sent", async () => {
  const first = sse([`${CONNECTED}event: status\nid: 3\ndata: {}\n\nevent: status\nid\ndata: {}\n\n`]);
  const { stream, calls, timers } = streamWith([first]);
  stream.start();
  await settle();
  assert.equal(stream.lastEventId, "");
  await timers.runShortest();
  await settle();
  assert.equal(calls[1].headers["Last-Event-ID"], undefined);
  stream.stop();
});

test("an id arrives with its event: none before the blank line, even without data", async () => {
  let push;
  const body = () => new Response(new ReadableStream({
    start(controller) { push = (text) => controller.enqueue(encoder.encode(text)); },
  }), { headers: { "Content-Type": "text/event-stream" } });
  const { stream } = streamWith([body]);
  stream.start();
  await settle();
  push("event: status\nid: 4\n");
  await settle();
  assert.equal(stream.lastEventId, "");
  push("\nid: 5\n\n");
  await settle();
  assert.equal(stream.lastEventId, "5");
  stream.stop();
});

test("the page's schedule is used until the server sends retry:", async () => {
  const down = () => new TypeError("connection refused");
  const { stream, timers, disconnects } = streamWith([down(), down()], {
    schedule: { baseMs: 700, maxMs: 30000, jitter: 0.2 },
  });
  stream.start();
  await settle();
  await timers.runShortest();
  await settle();
  assert.deepEqual(disconnects().map((d) => d.delayMs), [700, 1400]);
  stream.stop();
});

test("connectionLost's retryAfterMs sets the next delay", async () => {
  const lost = sse([`${CONNECTED}event: connectionLost\ndata: {"reason":"shutdown","retryAfterMs":1234}\n\n`]);
  const { stream, disconnects } = streamWith([lost]);
  stream.start();
  await settle();
  assert.equal(disconnects()[0].delayMs, 1234);
  stream.stop();
});

test("failures back off and the counter resets only after a healthy event", async () => {
  const down = () => new TypeError("connection refused");
  const healthy = sse([CONNECTED]);
  const { stream, timers, disconnects } = streamWith([down(), down(), healthy, down(), down()]);
  stream.start();
  for (let i = 0; i < 4; i += 1) { await settle(); await timers.runShortest(); }
  await settle();
  const attempts = disconnects().map((d) => [d.attempt, d.delayMs]);
  // Two failures (5 s, 10 s), a healthy stream that then ended (attempt 1
  // again), then failures counting up from there.
  assert.deepEqual(attempts.slice(0, 5), [[1, 5000], [2, 10000], [1, 5000], [2, 10000], [3, 15000]]);
  stream.stop();
});

test("a stream that ends before any event keeps counting attempts", async () => {
  const { stream, timers, disconnects } = streamWith([sse([": ping\n\n"]), sse([]), sse([])]);
  stream.start();
  for (let i = 0; i < 2; i += 1) { await settle(); await timers.runShortest(); }
  await settle();
  assert.deepEqual(disconnects().map((d) => d.attempt), [1, 2, 3]);
  stream.stop();
});

test("401 and 404 end the stream for good", async () => {
  for (const [status, handler] of [[401, "onUnauthorized"], [404, "onGone"]]) {
    const { stream, calls, timers, names } = streamWith([json(status)]);
    stream.start();
    await settle();
    assert.deepEqual(names(), [handler]);
    assert.ok(stream.stopped);
    assert.deepEqual(timers.delays(), []);
    assert.equal(calls.length, 1);
  }
});

test("a malformed request (400) or a 204 is not retried", async () => {
  for (const response of [json(400), new Response(null, { status: 204 })]) {
    const { stream, calls, timers, names } = streamWith([response]);
    stream.start();
    await settle();
    assert.ok(stream.stopped);
    assert.deepEqual(names(), []);
    assert.deepEqual(timers.delays(), []);
    assert.equal(calls.length, 1);
  }
});

test("429 and 503 wait as long as Retry-After says", async () => {
  for (const status of [429, 503]) {
    const { stream, disconnects } = streamWith([json(status, { "Retry-After": "7" })]);
    stream.start();
    await settle();
    assert.deepEqual(disconnects(), [{ attempt: 1, delayMs: 7000, retryAt: NOW + 7000, reason: `HTTP ${status}` }]);
    stream.stop();
  }
});

test("a 200 that is not an event stream is retried", async () => {
  const { stream, disconnects } = streamWith([new Response("<html>", { status: 200, headers: { "Content-Type": "text/html" } })]);
  stream.start();
  await settle();
  assert.equal(disconnects()[0].reason, "HTTP 200");
  stream.stop();
});

test("onGone returning true (missing meetings dropped) reconnects at once", async () => {
  let url = "/v1/events?meeting=a&meeting=b";
  const { stream, calls, timers, handlers } = streamWith([json(404), sse([CONNECTED], { keepOpen: true })], {
    url: () => url,
  });
  handlers.onGone = async () => { url = "/v1/events?meeting=a"; return true; };
  stream.start();
  await settle();
  assert.deepEqual(calls.map((c) => c.url), ["/v1/events?meeting=a&meeting=b", "/v1/events?meeting=a"]);
  assert.ok(!stream.stopped);
  assert.deepEqual(timers.delays(), [30000]); // only the watchdog
  stream.stop();
});

test("onGone failing with a 401 or 403 goes to onUnauthorized; another failure stops the stream", async () => {
  for (const [error, last] of [[new HttpError(401), "onUnauthorized"], [new HttpError(403), "onUnauthorized"],
                               [new HttpError(500), "onGone"]]) {
    const { stream, calls, timers, handlers, names } = streamWith([json(404)]);
    const gone = handlers.onGone;
    handlers.onGone = async () => { gone(); throw error; };
    stream.start();
    await settle();
    assert.equal(names().at(-1), last, error.message);
    assert.ok(stream.stopped);
    assert.deepEqual(timers.delays(), []);
    assert.equal(calls.length, 1);
  }
});

test("onStopped hears every stop, the page's or the stream's own", async () => {
  const { stream, handlers } = streamWith([json(400)]);
  const stops = [];
  handlers.onStopped = (reason) => stops.push(reason);
  stream.start();
  await settle();
  assert.deepEqual(stops, ["HTTP 400"]);
  stream.stop("logout"); // already stopped: nothing more
  assert.deepEqual(stops, ["HTTP 400"]);
});

test("an empty URL (nothing left to watch) stops the stream", async () => {
  const { stream, calls } = streamWith([], { url: () => "" });
  stream.start();
  await settle();
  assert.ok(stream.stopped);
  assert.equal(calls.length, 0);
});

test("a 401 or 404 while re-syncing stops instead of reconnecting", async () => {
  for (const [status, handler] of [[401, "onUnauthorized"], [404, "onGone"]]) {
    const { stream, calls, timers, handlers, names } = streamWith([sse([CONNECTED])]);
    handlers.beforeReconnect = async () => { throw new HttpError(status); };
    stream.start();
    await settle();
    await timers.runShortest();
    await settle();
    assert.equal(calls.length, 1);
    assert.equal(names().at(-1), handler);
    assert.ok(stream.stopped);
  }
});

test("a failed re-sync (server still down) reconnects anyway", async () => {
  const { stream, calls, timers, handlers } = streamWith([sse([CONNECTED]), sse([CONNECTED], { keepOpen: true })]);
  handlers.beforeReconnect = async () => { throw new TypeError("Failed to fetch"); };
  stream.start();
  await settle();
  await timers.runShortest();
  await settle();
  assert.equal(calls.length, 2);
  stream.stop();
});

test("stop() aborts the request and cancels the pending reconnect", async () => {
  const { stream, calls, timers } = streamWith([sse([], { keepOpen: true })]);
  stream.start();
  await settle();
  stream.stop("logout");
  await settle();
  assert.ok(calls[0].signal.aborted);
  assert.deepEqual(timers.delays(), []);
});

test("stop() while a reconnect is pending means no further request", async () => {
  const { stream, calls, timers, handlers } = streamWith([sse([CONNECTED])]);
  handlers.beforeReconnect = async () => {};
  stream.start();
  await settle();
  assert.equal(timers.delays().length, 1);
  stream.stop("page hidden");
  assert.deepEqual(timers.delays(), []);
  await settle();
  assert.equal(calls.length, 1);
});

test("stop() during a re-sync means no further request", async () => {
  let finishResync;
  const { stream, calls, timers, handlers } = streamWith([sse([CONNECTED])]);
  handlers.beforeReconnect = () => new Promise((resolve) => { finishResync = resolve; });
  stream.start();
  await settle();
  const reconnect = timers.runShortest();
  await settle();
  stream.stop("form submitted");
  finishResync();
  await reconnect;
  await settle();
  assert.equal(calls.length, 1);
  assert.deepEqual(timers.delays(), []);
});

test("resume() after stop() re-syncs, then connects once", async () => {
  const { stream, calls, handlers } = streamWith([
    sse([CONNECTED], { keepOpen: true }), sse([CONNECTED], { keepOpen: true }),
  ]);
  let resynced = 0;
  handlers.beforeReconnect = async () => { resynced += 1; };
  stream.start();
  await settle();
  stream.stop("page hidden");
  stream.resume();
  stream.resume(); // a second call while running changes nothing
  await settle();
  assert.equal(resynced, 1);
  assert.equal(calls.length, 2);
  assert.ok(calls[0].signal.aborted && !calls[1].signal.aborted);
  stream.stop();
});

test("the watchdog reconnects when no byte arrives for twice the keepalive", async () => {
  const { stream, calls, timers, disconnects } = streamWith([
    sse(['event: connected\ndata: {"keepaliveInterval":1000}\n\n'], { keepOpen: true }),
  ]);
  stream.start();
  await settle();
  assert.deepEqual(timers.delays(), [2000]);
  await timers.runShortest(); // the watchdog fires
  await settle();
  assert.ok(calls[0].signal.aborted);
  assert.match(disconnects()[0].reason, /watchdog/);
  stream.stop();
});

test("the watchdog also covers a server that never answers", async () => {
  const { stream, calls, timers, disconnects } = streamWith([]);
  stream.start();
  await settle();
  assert.deepEqual(timers.delays(), [30000]);
  await timers.runShortest();
  await settle();
  assert.ok(calls[0].signal.aborted);
  assert.match(disconnects()[0].reason, /watchdog/);
  stream.stop();
});

test("each chunk, pings included, re-arms the watchdog", async () => {
  let push;
  const body = ({ signal }) => new Response(new ReadableStream({
    start(controller) {
      push = (text) => controller.enqueue(encoder.encode(text));
      push('event: connected\ndata: {"keepaliveInterval":1000}\n\n');
      signal.addEventListener("abort", () => controller.error(new DOMException("aborted", "AbortError")));
    },
  }), { headers: { "Content-Type": "text/event-stream" } });
  const { stream, timers, disconnects } = streamWith([body]);
  stream.start();
  await settle();
  for (let i = 0; i < 5; i += 1) {
    push(": ping\n\n");
    await settle();
    assert.deepEqual(timers.delays(), [2000]);
  }
  assert.deepEqual(disconnects(), []);
  stream.stop();
});

test("readMeetings asks for 100 meetings per request and tells the missing from the failed", async () => {
  const meetings = Array.from({ length: 230 }, (_, n) => ({ id: `m${n}`, apiUrl: `/v1/meetings/m${n}` }));
  const seen = [];
  const fetch = async (url, init) => {
    seen.push([url, init]);
    const ids = new URL(url, "http://x").searchParams.getAll("id");
    if (ids.includes("m200")) return json(503);
    // Every meeting but m7 is still there.
    const results = ids.filter((id) => id !== "m7").map((id) => ({ id }));
    return new Response(JSON.stringify({ results, next_cursor: null }), { status: 200 });
  };
  const { found, missing, failures } = await readMeetings([...meetings, meetings[0]], fetch);
  assert.deepEqual(seen.map(([url]) => new URL(url, "http://x").searchParams.getAll("id").length), [100, 100, 30]);
  assert.ok(seen.every(([url, init]) => url.startsWith("/v1/meetings?id=") && init.credentials === "same-origin"));
  assert.equal(MAX_IDS_PER_READ, 100);
  assert.equal(found.size, 199);
  assert.deepEqual(missing, ["m7"]);
  assert.deepEqual(failures.map((error) => error.status), [503]);
});

test("fromApi puts a REST meeting in the stream's status shape", () => {
  const meeting = {
    id: "m", title: "Sync", status: "processing", progress: 40, status_message: "Half way",
    updated_at: "2026-12-05T10:00:00Z", version: 3, owner: "u1",
  };
  assert.deepEqual(fromApi(meeting), {
    meetingId: "m", title: "Sync", status: "processing", progress: 40, statusMessage: "Half way",
    updatedAt: "2026-12-05T10:00:00Z", version: 3,
  });
});

test("getJson sends the cookie and turns failures into HttpError", async () => {
  const seen = [];
  const fetch = async (url, init) => {
    seen.push([url, init]);
    return url.endsWith("/ok") ? new Response('{"id":"m"}', { status: 200 }) : json(404);
  };
  assert.deepEqual(await getJson("/v1/meetings/ok", fetch), { id: "m" });
  assert.equal(seen[0][1].credentials, "same-origin");
  await assert.rejects(getJson("/v1/meetings/gone", fetch), (error) => error instanceof HttpError && error.status === 404);
});

test("a status logs at info only when it changes a meeting already seen: one line per state change", () => {
  const levels = [];
  const log = { debug: () => levels.push("debug"), info: () => levels.push("info") };
  const seen = new Map();
  logStatus(log, seen, { meetingId: "a", version: 3 }); // sent at connect
  logStatus(log, seen, { meetingId: "b", version: 1 });
  logStatus(log, seen, { meetingId: "a", version: 3 }); // the same again (a re-sync)
  logStatus(log, seen, { meetingId: "a", version: 4 }); // a change
  assert.deepEqual(levels, ["debug", "debug", "debug", "info"]);
});
