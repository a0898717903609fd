import assert from "node:assert/strict";
import { test } from "node:test";

import { DEFAULT_SCHEDULE, reconnectDelay, scheduleFrom } from "../../static/js/live/backoff.js";

const middle = () => 0.5; // no jitter: the planned delay itself

test("the schedule goes 5 s, 10 s, 15 s, … and stops at 30 s", () => {
  const delays = [1, 2, 3, 4, 5, 6, 7, 10, 1000].map((n) => reconnectDelay(n, DEFAULT_SCHEDULE, middle));
  assert.deepEqual(delays, [5000, 10000, 15000, 20000, 25000, 30000, 30000, 30000, 30000]);
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

test("a smaller base steps by itself up to the same 30 s cap", () => {
  const schedule = { ...DEFAULT_SCHEDULE, baseMs: 500 };
  assert.deepEqual([1, 2, 3, 60, 61].map((n) => reconnectDelay(n, schedule, middle)), [500, 1000, 1500, 30000, 30000]);
});

test("a base above the cap is used as it is", () => {
  assert.equal(reconnectDelay(3, { baseMs: 45000, maxMs: 30000, jitter: 0 }), 45000);
});

test("attempt 0 or less is treated as the first", () => {
  assert.equal(reconnectDelay(0, DEFAULT_SCHEDULE, middle), 5000);
});

test("data-reconnect-* attributes configure the schedule", () => {
  assert.deepEqual(scheduleFrom({}), { ...DEFAULT_SCHEDULE });
  assert.deepEqual(scheduleFrom({ reconnectBaseMs: "500" }), { ...DEFAULT_SCHEDULE, baseMs: 500 });
  assert.deepEqual(
    scheduleFrom({ reconnectBaseMs: "1000", reconnectMaxMs: "4000" }),
    { ...DEFAULT_SCHEDULE, baseMs: 1000, maxMs: 4000 },
  );
  for (const bad of ["", "0", "-5", "soon", "NaN"]) {
    assert.deepEqual(scheduleFrom({ reconnectBaseMs: bad }), { ...DEFAULT_SCHEDULE }, bad);
  }
  assert.deepEqual(scheduleFrom({ reconnectJitter: "0.1" }), { ...DEFAULT_SCHEDULE, jitter: 0.1 });
  assert.deepEqual(scheduleFrom({ reconnectJitter: "0" }), { ...DEFAULT_SCHEDULE, jitter: 0 });
  for (const bad of ["", "-0.1", "2", "lots"]) {
    assert.deepEqual(scheduleFrom({ reconnectJitter: bad }), { ...DEFAULT_SCHEDULE }, bad);
  }
});
