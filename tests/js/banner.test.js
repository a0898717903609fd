import assert from "node:assert/strict";
import { test } from "node:test";

import { Banner, nextTryText } from "../../static/js/live/banner.js";
import { FakeDocument } from "./dom.js";

/** The banner partial's shape: a region that is never hidden, and its body. */
function page() {
  const doc = new FakeDocument();
  const attempt = doc.make("small", { bannerAttempt: "" });
  const next = doc.make("small", { bannerNext: "" });
  const retry = doc.make("button", { bannerRetry: "" });
  const dismiss = doc.make("button", { bannerDismiss: "" });
  const body = doc.make("div", { bannerBody: "" }, "Live updates disconnected, retrying...", attempt, next, retry, dismiss);
  body.hidden = true;
  const region = doc.make("div", {}, body);
  region.id = "connection-banner";
  const main = doc.make("main");
  main.id = "content";
  doc.append(region, main);
  return { doc, region, body, attempt, next, retry, dismiss, main };
}

/** Timers whose intervals run when the test says, at a clock it moves. */
function clock(start = 0) {
  const intervals = new Map();
  let id = 0;
  const timers = {
    now: start,
    setInterval(fn) { id += 1; intervals.set(id, fn); return id; },
    clearInterval(which) { intervals.delete(which); },
    advance(ms) { timers.now += ms; for (const fn of intervals.values()) fn(); },
    get running() { return intervals.size; },
  };
  return timers;
}

test("the next try reads in whole seconds, then as now", () => {
  assert.equal(nextTryText(12_000, 0), "Retrying in 12 s");
  assert.equal(nextTryText(11_200, 0), "Retrying in 12 s");
  assert.equal(nextTryText(0, 0), "Retrying now…");
  assert.equal(nextTryText(null, 0), "");
});

test("the region stays in place while its body shows and hides, compact then prominent", () => {
  const { region, body, attempt } = page();
  const timers = clock();
  const banner = new Banner(region, { timers, now: () => timers.now });
  banner.show({ attempt: 1, retryAt: 5000 });
  assert.equal(region.hidden, false);
  assert.equal(body.hidden, false);
  assert.equal(banner.shown, true);
  assert.equal(attempt.textContent, "Reconnection attempt 1...");
  assert.equal(region.hasAttribute("data-prominent"), false);
  banner.show({ attempt: 2, retryAt: 15_000 });
  assert.equal(attempt.textContent, "Reconnection attempt 2...");
  assert.equal(region.hasAttribute("data-prominent"), true);
  banner.hide();
  assert.equal(region.hidden, false, "the live region itself is never hidden");
  assert.equal(body.hidden, true);
  assert.equal(region.hasAttribute("data-prominent"), false);
  assert.equal(timers.running, 0, "no countdown left ticking");
  banner.show({ attempt: 1, retryAt: null });
  assert.equal(region.hasAttribute("data-prominent"), false, "the next outage starts compact");
});

test("the banner counts down to the next try", () => {
  const { region, next } = page();
  const timers = clock(1000);
  const banner = new Banner(region, { timers, now: () => timers.now });
  banner.show({ attempt: 3, retryAt: 13_000 });
  assert.equal(next.textContent, "Retrying in 12 s");
  timers.advance(1000);
  assert.equal(next.textContent, "Retrying in 11 s");
  timers.advance(11_000);
  assert.equal(next.textContent, "Retrying now…");
  // Another tab's banner may not know when: it says nothing of it.
  banner.show({ attempt: 3, retryAt: null });
  assert.equal(next.textContent, "");
  assert.equal(timers.running, 0);
});

test("Retry now asks the stream to retry and says so", () => {
  const { region, next, retry } = page();
  const timers = clock();
  let asked = 0;
  const banner = new Banner(region, { onRetry: () => { asked += 1; }, timers, now: () => timers.now });
  banner.show({ attempt: 1, retryAt: 30_000 });
  retry.click();
  assert.equal(asked, 1);
  assert.equal(next.textContent, "Retrying now…");
});

test("a dismissed banner stays away until this outage ends, and focus goes to the content", () => {
  const { doc, region, body, dismiss, main } = page();
  const timers = clock();
  const banner = new Banner(region, { timers, now: () => timers.now });
  banner.show({ attempt: 1, retryAt: 5000 });
  dismiss.focus();
  dismiss.click();
  assert.equal(body.hidden, true);
  assert.equal(doc.activeElement, main);
  banner.show({ attempt: 2, retryAt: 10_000 });
  assert.equal(body.hidden, true, "the same outage, still dismissed");
  banner.hide();
  banner.show({ attempt: 1, retryAt: 5000 });
  assert.equal(body.hidden, false, "a new outage shows again");
});

test("a page without the banner ignores it", () => {
  const banner = new Banner(null);
  banner.show({ attempt: 3, retryAt: 1 });
  banner.hide();
  banner.dismiss();
  assert.equal(banner.shown, false);
});
