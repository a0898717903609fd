import assert from "node:assert/strict";
import { test } from "node:test";

import { follow } from "../../static/js/live/page-stream.js";
import {
  channelHub, fakeLocks, json, manualTimers, recordingLog, routedFetch, settle,
} from "./support.js";

// follow() reads the banner from the document and ties the stream to the
// window (node runs each test file in a process of its own).
const bannerElement = {
  hidden: true,
  attributes: new Set(),
  querySelector: () => null,
  toggleAttribute(name, on) { if (on) this.attributes.add(name); else this.attributes.delete(name); },
  removeAttribute(name) { this.attributes.delete(name); },
};
const assigned = [];
globalThis.document = {
  title: "Test",
  getElementById: (id) => (id === "connection-banner" ? bannerElement : null),
  querySelector: () => null,
  querySelectorAll: () => [],
  addEventListener() {},
};
globalThis.window = {
  addEventListener() {},
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  location: { pathname: "/meetings/a", search: "", assign: (url) => assigned.push(url) },
};

const root = {
  dataset: { eventsUrl: "/v1/events", loginUrl: "/accounts/login/", reconnectBaseMs: "500" },
  attributes: new Set(),
  toggleAttribute(name, on) { if (on) this.attributes.add(name); else this.attributes.delete(name); },
  removeAttribute(name) { this.attributes.delete(name); },
};
const m = (id) => ({ id, apiUrl: `/v1/meetings/${id}`, eventsUrl: `/v1/meetings/${id}/events` });
const isRead = (url) => url.startsWith("/v1/meetings?");
const isStream = (url) => url.includes("events");

/**
 * Follow meetings as a page does, over a stream of its own or the shared one;
 * route(url) answers the network. The page stops following when its last
 * meeting is deleted, as the detail page and the admin's change form do.
 */
function followWith(sharing, ids, route) {
  bannerElement.hidden = true;
  assigned.length = 0;
  const { fetch, calls } = routedFetch(route);
  const timers = manualTimers();
  const shown = new Set(ids);
  const page = { deleted: [] };
  page.stream = follow(root, {
    meetings: () => [...shown].map(m),
    onDeleted: ({ meetingId }) => {
      page.deleted.push(meetingId);
      shown.delete(meetingId);
      if (shown.size === 0) page.stream.stop("meeting deleted");
    },
    label: "test",
  }, {
    sharing, fetch, timers, log: recordingLog(), random: () => 0.5,
    locks: fakeLocks(), openChannel: channelHub().openChannel,
  });
  /** Let the network answer and the timers of at most ms (not the watchdogs) run. */
  const run = async (ms) => {
    for (let i = 0; i < 3; i += 1) {
      await settle();
      await timers.runUpTo(ms);
    }
    await settle();
  };
  return { page, calls, timers, run };
}

/** The answer of GET /v1/meetings?id=…: the meetings in `exist` that were asked for. */
function listAnswer(url, exist) {
  const ids = new URL(url, "http://x").searchParams.getAll("id");
  return json(200, { results: ids.filter((id) => exist.includes(id)).map((id) => ({ id, status: "scheduled", version: 1 })) });
}

for (const [kind, sharing] of [["its own stream", false], ["the shared stream", true]]) {
  test(`stopping ${kind} while it is down hides the banner`, async () => {
    const { page, run } = followWith(sharing, ["a"], (url) => (isStream(url) ? json(503) : undefined));
    await run(200); // the shared stream's debounce; the reconnect waits 500 ms
    assert.equal(bannerElement.hidden, false, "the disconnect shows the banner");
    page.stream.stop("form submitted");
    assert.ok(page.stream.stopped);
    assert.equal(bannerElement.hidden, true);
  });

  test(`a re-sync on ${kind} that finds the meeting deleted stops it and hides the banner`, async () => {
    const { page, calls, timers, run } = followWith(sharing, ["a"], (url) => {
      if (isStream(url)) return json(503);
      return isRead(url) ? listAnswer(url, []) : undefined;
    });
    await run(200);
    assert.equal(bannerElement.hidden, false);
    await run(1000); // the reconnect: the re-sync first
    assert.deepEqual(page.deleted, ["a"]);
    assert.ok(page.stream.stopped);
    assert.equal(bannerElement.hidden, true, "a stopped stream is not retrying");
    assert.deepEqual(timers.delays(), []);
    assert.equal(calls.filter((call) => isStream(call.url)).length, 1);
  });

  test(`a 401 or 403 on ${kind}'s re-sync after a 404 goes to the login page`, async () => {
    for (const status of [401, 403]) {
      const { page, calls, run } = followWith(sharing, ["a", "b"], (url) => {
        if (isStream(url)) return json(404);
        return isRead(url) ? json(status) : undefined;
      });
      await run(200);
      assert.equal(calls.filter((call) => isRead(call.url)).length, 1);
      assert.deepEqual(assigned, ["/accounts/login/?next=%2Fmeetings%2Fa"], `HTTP ${status}`);
      assert.equal(calls.filter((call) => isStream(call.url)).length, 1);
      page.stream.stop("test");
    }
  });
}

test("a 401 on a re-sync goes to the login page, even after another request failed first", async () => {
  // 101 meetings (a page's own stream follows them all): two reads; the 500 fails first, the 401 after it.
  const ids = Array.from({ length: 101 }, (_, i) => `m${i}`);
  const { page, calls, run } = followWith(false, ids, (url) => {
    if (isStream(url)) return json(503);
    if (!isRead(url)) return undefined;
    if (!url.includes("id=m100")) return json(500);
    return async () => { await settle(); return json(401); };
  });
  await run(200);
  await run(1000);
  assert.equal(calls.filter((call) => isRead(call.url)).length, 2);
  assert.deepEqual(assigned, ["/accounts/login/?next=%2Fmeetings%2Fa"]);
  assert.deepEqual(page.deleted, [], "a failed read deletes nothing");
  assert.equal(calls.filter((call) => isStream(call.url)).length, 1, "no reconnect after a 401");
  assert.ok(page.stream.stopped);
  page.stream.stop("test");
});

test("a 404 whose re-sync finds a meeting deleted goes on with the rest", async () => {
  const { page, calls, run } = followWith(false, ["a", "b"], (url) => {
    if (isRead(url)) return listAnswer(url, ["a"]);
    return url === "/v1/events?meeting=a&meeting=b" ? json(404) : undefined;
  });
  await run(200);
  assert.deepEqual(page.deleted, ["b"]);
  assert.deepEqual(calls.filter((call) => isStream(call.url)).map((call) => call.url),
    ["/v1/events?meeting=a&meeting=b", "/v1/meetings/a/events"]);
  assert.ok(!page.stream.stopped);
  page.stream.stop("test");
});
