import assert from "node:assert/strict";
import { test } from "node:test";

import { entryTime, formatElapsed, showTime, timelineUpdate } from "../../static/js/timeline.js";

const seconds = (n) => n * 1000;

test("the elapsed time shows its largest unit and the next one", () => {
  assert.equal(formatElapsed(0), "0 s");
  assert.equal(formatElapsed(seconds(45.9)), "45 s");
  assert.equal(formatElapsed(seconds(133)), "2 min 13 s");
  assert.equal(formatElapsed(seconds(120)), "2 min");
  assert.equal(formatElapsed(seconds(3600 + 5)), "1 h");
  assert.equal(formatElapsed(seconds(3600 + 5 * 60 + 7)), "1 h 5 min");
  assert.equal(formatElapsed(seconds(3 * 86400 + 2 * 3600)), "3 d 2 h");
  assert.equal(formatElapsed(-5000), "0 s"); // a clock behind the server's
});

test("an entry's time is local to the second, with UTC on hover", () => {
  const at = new Date("2030-01-15T09:00:07Z");
  assert.equal(entryTime(at, "en-GB", "Europe/Paris"), "15 Jan 2030, 10:00:07");
  const element = { textContent: "2030-01-15 09:00:07 UTC", title: "", getAttribute: () => at.toISOString() };
  showTime(element, "en-GB", "Europe/Paris");
  assert.equal(element.textContent, "15 Jan 2030, 10:00:07");
  assert.equal(element.title, "2030-01-15 09:00:07 UTC");
});

const shown = { status: "uploaded", since: "2030-01-15T09:00:00+00:00", version: 3 };

test("the next version with a new status appends its entry", () => {
  const data = { status: "processing", statusChangedAt: "2030-01-15T09:01:00+00:00", version: 4 };
  assert.equal(timelineUpdate(shown, data), "append");
});

test("an update that keeps the status, or is not newer, changes nothing", () => {
  assert.equal(timelineUpdate(shown, { status: "uploaded", statusChangedAt: "2030-01-15T09:00:00Z", version: 5 }), "none");
  assert.equal(timelineUpdate(shown, { status: "uploaded", version: 5 }), "none"); // a REST re-sync
  assert.equal(timelineUpdate(shown, { status: "processing", statusChangedAt: "2030-01-15T09:01:00Z", version: 3 }), "none");
});

test("a change the page may have missed reads the history again", () => {
  // Two versions on: a transition between them could be missing.
  assert.equal(timelineUpdate(shown, { status: "processing", statusChangedAt: "2030-01-15T09:02:00Z", version: 5 }), "reload");
  // A REST re-sync carries no statusChangedAt.
  assert.equal(timelineUpdate(shown, { status: "processing", version: 4 }), "reload");
  // The same status entered again (failed, then processing again) in between.
  assert.equal(timelineUpdate(shown, { status: "uploaded", statusChangedAt: "2030-01-15T09:05:00Z", version: 6 }), "reload");
});
