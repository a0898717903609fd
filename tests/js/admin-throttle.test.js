import assert from "node:assert/strict";
import { test } from "node:test";

import { throttle } from "../../static/js/admin/throttle.js";

/** Timers on a clock the test moves by hand. */
function fakeClock() {
  let time = 1_000_000;
  const pending = [];
  return {
    now: () => time,
    timers: {
      setTimeout: (run, wait) => pending.push({ at: time + wait, run }),
    },
    advance(ms) {
      time += ms;
      for (const timer of pending.filter((t) => t.at <= time)) {
        pending.splice(pending.indexOf(timer), 1);
        timer.run();
      }
    },
  };
}

test("the first request runs at once, and a burst after it runs once at the interval's end", () => {
  const clock = fakeClock();
  let runs = 0;
  const refresh = throttle(() => { runs += 1; }, 3000, clock);
  refresh();
  clock.advance(0);
  assert.equal(runs, 1);
  for (let i = 0; i < 10; i += 1) refresh();
  clock.advance(2999);
  assert.equal(runs, 1);
  clock.advance(1);
  assert.equal(runs, 2);
  clock.advance(10_000);
  assert.equal(runs, 2);
});

test("a request long after the last run runs at once again", () => {
  const clock = fakeClock();
  let runs = 0;
  const refresh = throttle(() => { runs += 1; }, 3000, clock);
  refresh();
  clock.advance(0);
  clock.advance(5000);
  refresh();
  clock.advance(0);
  assert.equal(runs, 2);
});
