import assert from "node:assert/strict";
import { test } from "node:test";

import { throttle } from "../../static/js/admin/throttle.js";
import { manualTimers } from "./support.js";

/** A throttle on timers run by hand and a clock moved by hand. */
function throttled(intervalMs) {
  const timers = manualTimers();
  const clock = { time: 1_000_000 };
  const counter = { runs: 0 };
  const refresh = throttle(() => { counter.runs += 1; }, intervalMs, { now: () => clock.time, timers });
  return { refresh, timers, clock, counter };
}

test("the first request runs at once, and a burst after it runs once at the interval's end", async () => {
  const { refresh, timers, clock, counter } = throttled(3000);
  refresh();
  assert.deepEqual(timers.delays(), [0]);
  await timers.runShortest();
  assert.equal(counter.runs, 1);
  for (let i = 0; i < 10; i += 1) refresh();
  // One run for the whole burst, waiting out the interval: nothing before 3000 ms.
  assert.deepEqual(timers.delays(), [3000]);
  assert.equal(counter.runs, 1);
  clock.time += 3000;
  await timers.runShortest();
  assert.equal(counter.runs, 2);
  // Nothing more is pending, however long one waits.
  assert.deepEqual(timers.delays(), []);
  assert.equal(counter.runs, 2);
});

test("a request long after the last run runs at once again", async () => {
  const { refresh, timers, clock, counter } = throttled(3000);
  refresh();
  await timers.runShortest();
  clock.time += 5000;
  refresh();
  assert.deepEqual(timers.delays(), [0]);
  await timers.runShortest();
  assert.equal(counter.runs, 2);
});
