import assert from "node:assert/strict";
import { test } from "node:test";

import { localTime, relativeTime, showLocally, utcTime } from "../../static/js/local-time.js";
import { zoneCookie } from "../../static/js/time-zone.js";

const NOW = new Date("2030-01-15T09:00:00Z");
const ago = (seconds) => new Date(NOW.getTime() - seconds * 1000);

test("relative times use the largest fitting unit, past and future", () => {
  assert.equal(relativeTime(ago(10), NOW, "en"), "now");
  assert.equal(relativeTime(ago(120), NOW, "en"), "2 min. ago");
  assert.equal(relativeTime(ago(3 * 3600), NOW, "en"), "3 hr. ago");
  assert.equal(relativeTime(ago(-2 * 24 * 3600), NOW, "en"), "in 2 days");
  assert.equal(relativeTime(ago(24 * 3600), NOW, "en"), "yesterday");
});

test("local times are in the given zone; the tooltip keeps UTC", () => {
  assert.equal(localTime(NOW, "en-GB", "Europe/Paris"), "15 Jan 2030, 10:00");
  assert.equal(utcTime(NOW), "2030-01-15 09:00:00 UTC");
});

test("a <time> shows local and relative time, and UTC on hover", () => {
  const element = {
    textContent: "2030-01-15 08:58 UTC",
    title: "",
    getAttribute: () => "2030-01-15T08:58:00+00:00",
  };
  showLocally(element, NOW, "en-GB", "Europe/Paris");
  assert.equal(element.textContent, "15 Jan 2030, 09:58 (2 min ago)");
  assert.equal(element.title, "2030-01-15 08:58:00 UTC");
});

test("a <time> without a date keeps its text", () => {
  const element = { textContent: "soon", title: "", getAttribute: () => "garbage" };
  showLocally(element, NOW, "en");
  assert.equal(element.textContent, "soon");
});

test("the zone cookie carries the IANA name, or nothing without one", () => {
  assert.equal(zoneCookie("America/New_York"), "tz=America/New_York; path=/; max-age=31536000; SameSite=Lax");
  assert.equal(zoneCookie("Etc/GMT+5"), "tz=Etc/GMT+5; path=/; max-age=31536000; SameSite=Lax");
  assert.equal(zoneCookie(""), null);
  assert.equal(zoneCookie("x; domain=evil"), null);
});
