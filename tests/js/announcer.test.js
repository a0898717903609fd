import assert from "node:assert/strict";
import { test } from "node:test";

import { Announcer, GAP_MS, GATHER_MS, summary } from "../../static/js/live/announcer.js";

/** Timers at a clock the test moves: advance(ms) runs what falls due. */
function clock() {
  let id = 0;
  const pending = new Map();
  const timers = {
    now: 0,
    setTimeout(fn, ms) { id += 1; pending.set(id, { fn, at: timers.now + ms }); return id; },
    clearTimeout(which) { pending.delete(which); },
    advance(ms) {
      const until = timers.now + ms;
      for (;;) {
        const due = [...pending.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        pending.delete(due[0]);
        timers.now = due[1].at;
        due[1].fn();
      }
      timers.now = until;
    },
  };
  return timers;
}

function announcer() {
  const region = { textContent: "" };
  const timers = clock();
  return { region, timers, announcer: new Announcer(region, { timers, now: () => timers.now }) };
}

test("one change is told in words", () => {
  assert.equal(summary(new Map([["a", "Quarterly review: Completed"]])), "Quarterly review: Completed");
  assert.equal(summary(new Map([["a", "A: Failed"], ["b", "B: Completed"], ["c", "C: Uploaded"]])), "3 meetings changed status");
  assert.equal(summary(new Map()), "");
});

test("a change is announced after a short gathering, a burst as one summary", () => {
  const { region, timers, announcer: news } = announcer();
  news.statusChanged("a", "Quarterly review: Completed");
  assert.equal(region.textContent, "", "not at once: others may come with it");
  timers.advance(GATHER_MS);
  assert.equal(region.textContent, "Quarterly review: Completed");
  // A burst right after: held until the gap has passed, then summarised.
  for (const id of ["b", "c", "d"]) news.statusChanged(id, `${id}: Processing`);
  news.statusChanged("b", "b: Completed"); // the same meeting again counts once
  timers.advance(GATHER_MS);
  assert.equal(region.textContent, "Quarterly review: Completed");
  timers.advance(GAP_MS);
  assert.equal(region.textContent, "3 meetings changed status");
});

test("the same words again still change the region, and notes ride along", () => {
  const { region, timers, announcer: news } = announcer();
  news.statusChanged("a", "A: Failed");
  timers.advance(GAP_MS);
  news.statusChanged("a", "A: Failed");
  timers.advance(GAP_MS);
  assert.notEqual(region.textContent, "A: Failed");
  assert.equal(region.textContent.trim(), "A: Failed");
  news.say("Updates paused");
  timers.advance(GAP_MS);
  assert.equal(region.textContent, "Updates paused");
});

test("a page without the region ignores it", () => {
  const news = new Announcer(null);
  news.statusChanged("a", "A: Failed");
  news.say("x");
});
