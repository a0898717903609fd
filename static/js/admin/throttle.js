/**
 * Run a function at most once per interval, however often it is asked for:
 * at once when it has not run for an interval, else once at the interval's
 * end, so the last request is always served. No DOM, so it is unit-tested
 * under Node.
 */
export function throttle(run, intervalMs, { now = () => Date.now(), timers = globalThis } = {}) {
  let last = -Infinity;
  let timer = null;
  return () => {
    if (timer !== null) return; // the pending run will serve this request too
    const wait = Math.max(0, last + intervalMs - now());
    timer = timers.setTimeout(() => {
      timer = null;
      last = now();
      run();
    }, wait);
  };
}
