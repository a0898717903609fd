/**
 * Reconnect delays: 5 s → 10 s → 15 s → … → 30 s, each spread by ±20 % so that
 * clients dropped together do not all come back together. The pages hand the
 * server's schedule (meetings/retries.py) in data-reconnect-*; this is the
 * fallback for a page that does not.
 */
export const DEFAULT_SCHEDULE = Object.freeze({ baseMs: 5000, maxMs: 30000, jitter: 0.2 });

/** Return the delay before reconnect attempt number `attempt` (1, 2, …). */
export function reconnectDelay(attempt, schedule = DEFAULT_SCHEDULE, random = Math.random) {
  const { baseMs, maxMs, jitter } = { ...DEFAULT_SCHEDULE, ...schedule };
  const ceiling = Math.max(baseMs, maxMs);
  const planned = Math.min(ceiling, baseMs * Math.max(1, attempt));
  const spread = planned * jitter * (2 * random() - 1);
  return Math.max(0, Math.round(Math.min(ceiling, planned + spread)));
}

/**
 * Return the schedule an element asks for with data-reconnect-base-ms,
 * data-reconnect-max-ms and data-reconnect-jitter (0 to 1); missing or
 * malformed values keep the defaults.
 */
export function scheduleFrom(dataset = {}) {
  const schedule = { ...DEFAULT_SCHEDULE };
  for (const [attribute, key] of [["reconnectBaseMs", "baseMs"], ["reconnectMaxMs", "maxMs"]]) {
    const value = Number(dataset[attribute]);
    if (dataset[attribute] && Number.isFinite(value) && value > 0) schedule[key] = value;
  }
  const jitter = Number(dataset.reconnectJitter);
  if (dataset.reconnectJitter && Number.isFinite(jitter) && jitter >= 0 && jitter <= 1) {
    schedule.jitter = jitter;
  }
  return schedule;
}
