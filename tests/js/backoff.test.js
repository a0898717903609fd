import assert from "node:assert/strict";
import { test } from "node:test";

import { DEFAULT_SCHEDULE, reconnectDelay, scheduleFor } from "../../static/js/live/backoff.js";

const middle = () => 0.5; // no jitter: the planned delay itself

test("the schedule goes 5 s, 10 s, 15 s, … and stops at 30 s", () => {
  const delays = [1, 2, 3, 4, 5, 6, 7, 10].map((n) => reconnectDelay(n, DEFAULT_SCHEDULE, middle));
  assert.deepEqual(delays, [5000, 10000, 15000, 20000, 25000, 30000, 30000, 30000]);
});

test("jitter spreads each delay by at most 20 %, never past the maximum", () => {
  for (const attempt of [1, 2, 3, 8]) {
    const planned = reconnectDelay(attempt, DEFAULT_SCHEDULE, middle);
    const low = reconnectDelay(attempt, DEFAULT_SCHEDULE, () => 0);
    const high = reconnectDelay(attempt, DEFAULT_SCHEDULE, () => 0.999999);
    assert.equal(low, Math.round(planned * 0.8));
    assert.ok(high <= Math.min(30000, Math.round(planned * 1.2)));
    assert.ok(high > planned || planned === 30000);
  }
});

test("different clients get different delays for the same attempt", () => {
  const seen = new Set(Array.from({ length: 20 }, () => reconnectDelay(2)));
  assert.ok(seen.size > 10);
});

test("the server's retry: hint scales the whole schedule", () => {
  const schedule = scheduleFor(500);
  assert.deepEqual([1, 2, 3, 9].map((n) => reconnectDelay(n, schedule, middle)), [500, 1000, 1500, 3000]);
  assert.deepEqual(scheduleFor(5000), { ...DEFAULT_SCHEDULE });
});
