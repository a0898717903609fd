import assert from "node:assert/strict";
import { test } from "node:test";

import { Freshness, timeOfDay } from "../../static/js/live/freshness.js";
import { FakeDocument } from "./dom.js";

const PARIS = { locale: "en-GB", timeZone: "Europe/Paris" };

function page(at) {
  const doc = new FakeDocument();
  const text = doc.make("span", { freshnessText: "" }, "Live");
  const line = doc.make("p", { freshness: "" }, text);
  line.hidden = true;
  const root = doc.make("article", { liveMeeting: "" });
  doc.append(line, root);
  const clock = { now: at };
  const freshness = new Freshness(line, [root], {
    now: () => new Date(clock.now), loadedAt: new Date("2026-12-10T12:00:00Z"), ...PARIS,
  });
  return { line, root, clock, freshness };
}

test("a time of day is the user's, in their zone", () => {
  assert.equal(timeOfDay(new Date("2026-12-10T13:02:00Z"), "en-GB", "Europe/Paris"), "14:02");
  const us = timeOfDay(new Date("2026-12-10T13:02:00Z"), "en-US", "America/New_York");
  assert.equal(us.replace(/\s/g, " "), "8:02 AM");
});

test("live, then paused as of the moment it stopped being live, then live again", () => {
  const { line, root, clock, freshness } = page(Date.parse("2026-12-10T13:00:00Z"));
  freshness.live();
  assert.equal(line.hidden, false);
  assert.equal(line.textContent, "Live");
  assert.equal(line.dataset.state, "live");
  assert.equal(root.hasAttribute("data-stale"), false);
  clock.now = Date.parse("2026-12-10T13:02:30Z");
  freshness.paused();
  assert.equal(line.textContent, "Updates paused: shown as of 14:02");
  assert.equal(line.dataset.state, "paused");
  assert.equal(root.hasAttribute("data-stale"), true, "the data is marked stale, not hidden");
  const time = line.querySelector("[data-freshness-text]").children[1];
  assert.equal(time.dateTime, "2026-12-10T13:02:30.000Z");
  // Still paused a minute later (another failed try): still as of 14:02.
  clock.now = Date.parse("2026-12-10T13:03:40Z");
  freshness.paused();
  assert.equal(line.textContent, "Updates paused: shown as of 14:02");
  freshness.live();
  assert.equal(line.textContent, "Live");
  assert.equal(root.hasAttribute("data-stale"), false);
});

test("never live since the page loaded, its data is as of the page's render", () => {
  const { line, freshness } = page(Date.parse("2026-12-10T12:30:00Z"));
  freshness.paused();
  assert.equal(line.textContent, "Updates paused: shown as of 13:00");
});

test("a stream stopped for good says so and stays marked; a stop on purpose says nothing", () => {
  const { line, root, clock, freshness } = page(Date.parse("2026-12-10T13:00:00Z"));
  freshness.live();
  clock.now = Date.parse("2026-12-10T13:10:00Z");
  freshness.ended();
  assert.equal(line.textContent, "Live updates stopped: shown as of 14:10. Reload the page to follow again.");
  assert.equal(line.dataset.state, "ended");
  assert.equal(root.hasAttribute("data-stale"), true);
  freshness.idle();
  assert.equal(line.hidden, true);
  assert.equal(root.hasAttribute("data-stale"), false);
  assert.equal(freshness.state, "idle");
});

test("a page without the line still marks its data", () => {
  const doc = new FakeDocument();
  const root = doc.make("div");
  const freshness = new Freshness(null, [root]);
  freshness.paused();
  assert.equal(root.hasAttribute("data-stale"), true);
  freshness.live();
  assert.equal(root.hasAttribute("data-stale"), false);
});
