/**
 * Reconnect delays: 5 s → 10 s → 15 s → … → 30 s, each spread by ±20 % so that
 * clients dropped together do not all come back together.
 */
export const DEFAULT_SCHEDULE = Object.freeze({
  baseMs: 5000,
  stepMs: 5000,
  maxMs: 30000,
  jitter: 0.2,
});

/** Return the delay before reconnect attempt number `attempt` (1, 2, …). */
export function reconnectDelay(attempt, schedule = DEFAULT_SCHEDULE, random = Math.random) {
  const { baseMs, stepMs, maxMs, jitter } = { ...DEFAULT_SCHEDULE, ...schedule };
  const planned = Math.min(maxMs, baseMs + stepMs * (Math.max(1, attempt) - 1));
  const spread = planned * jitter * (2 * random() - 1);
  return Math.max(0, Math.round(Math.min(maxMs, planned + spread)));
}

/** Return the schedule scaled to the server's `retry:` hint (5000 ms by default). */
export function scheduleFor(retryMs) {
  const scale = retryMs / DEFAULT_SCHEDULE.baseMs;
  return {
    ...DEFAULT_SCHEDULE,
    baseMs: retryMs,
    stepMs: DEFAULT_SCHEDULE.stepMs * scale,
    maxMs: DEFAULT_SCHEDULE.maxMs * scale,
  };
}
