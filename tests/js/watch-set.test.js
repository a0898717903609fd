import assert from "node:assert/strict";
import { test } from "node:test";

import { MAX_MEETINGS_PER_STREAM, streamUrl, WatchSet } from "../../static/js/live/watch-set.js";

const m = (id) => ({ id, apiUrl: `/v1/meetings/${id}`, eventsUrl: `/v1/meetings/${id}/events` });

test("the union holds each watched meeting once, in the order first seen", () => {
  const watch = new WatchSet();
  assert.equal(watch.set("tab1", [m("a"), m("b")]), true);
  assert.equal(watch.set("tab2", [m("b"), m("c")]), true);
  assert.deepEqual(watch.ids(), ["a", "b", "c"]);
  assert.equal(watch.set("tab2", [m("c"), m("b")]), false, "the same meetings again change nothing");
  assert.equal(watch.set("tab3", [m("a")]), false, "a meeting already watched changes nothing");
});

test("a tab leaving drops only what no other tab watches", () => {
  const watch = new WatchSet();
  watch.set("tab1", [m("a"), m("b")]);
  watch.set("tab2", [m("b")]);
  assert.equal(watch.remove("tab2"), false);
  assert.deepEqual(watch.ids(), ["a", "b"]);
  assert.equal(watch.remove("tab1"), true);
  assert.deepEqual(watch.ids(), []);
  assert.equal(watch.remove("unknown"), false);
});

test("a deleted meeting leaves the union for good, whichever tab shows it", () => {
  const watch = new WatchSet();
  watch.set("tab1", [m("a"), m("b")]);
  assert.equal(watch.markGone("a"), true);
  watch.set("tab2", [m("a"), m("c")]);
  assert.deepEqual(watch.ids(), ["b", "c"]);
  assert.ok(watch.isGone("a"));
  assert.deepEqual(watch.of("tab2").map((x) => x.id), ["a", "c"]);
});

test("the stream subscribes to at most the endpoint's 50 meetings", () => {
  const watch = new WatchSet();
  watch.set("tab1", Array.from({ length: 30 }, (_, i) => m(`a${i}`)));
  watch.set("tab2", Array.from({ length: 30 }, (_, i) => m(`b${i}`)));
  assert.equal(watch.all().length, 60);
  assert.equal(watch.ids().length, MAX_MEETINGS_PER_STREAM);
  assert.equal(watch.ids()[49], "b19");
  // A change beyond the cap is no change to the stream.
  assert.equal(watch.set("tab3", [m("z")]), false);
});

test("one meeting streams on its own endpoint, several on the multi endpoint, none on nothing", () => {
  assert.equal(streamUrl([], "/v1/events"), "");
  assert.equal(streamUrl([m("a")], "/v1/events"), "/v1/meetings/a/events");
  assert.equal(streamUrl([{ id: "a" }], "/v1/events"), "/v1/events?meeting=a");
  assert.equal(streamUrl([m("a"), m("b")], "/v1/events"), "/v1/events?meeting=a&meeting=b");
});

test("a tab that follows the scope adds it to the stream, from the earliest list read", () => {
  const watch = new WatchSet();
  assert.equal(watch.scope(), null);
  watch.set("detail", [m("a")]);
  assert.equal(watch.set("list1", [m("b")], { since: 2000 }), true, "the scope is a change");
  assert.equal(watch.set("list2", [], { since: 1000 }), false, "a second scope is not");
  assert.deepEqual(watch.scope(), { since: 1000 });
  assert.equal(watch.remove("list2"), false);
  assert.deepEqual(watch.scope(), { since: 2000 });
  assert.equal(watch.set("list1", [m("b")]), true, "dropping the last scope is a change");
  assert.equal(watch.scope(), null);
});

test("a scope streams on the multi endpoint, even with one meeting or none", () => {
  assert.equal(streamUrl([], "/v1/events", { since: 1700000000123.4 }),
    "/v1/events?scope=visible&since=1700000000123");
  assert.equal(streamUrl([m("a")], "/v1/events", { since: null }),
    "/v1/events?meeting=a&scope=visible");
});
