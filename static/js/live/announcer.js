/**
 * The page's one polite live region (#live-announcer): status changes in
 * words ("Quarterly review: Completed"), throttled so that a burst is told
 * as one summary ("3 meetings changed status"), not read one by one. No DOM
 * but the region's text, so it is unit-tested under Node.
 */

/** How long a first change waits for others to come with it. */
export const GATHER_MS = 500;
/** The least time between two announcements. */
export const GAP_MS = 3000;

/** Return what to say of changes (Map of id → "Title: Label"), or "". */
export function summary(changes) {
  if (changes.size === 0) return "";
  if (changes.size === 1) return [...changes.values()][0];
  return `${changes.size} meetings changed status`;
}

export class Announcer {
  #changes = new Map();
  #lastAt = -Infinity;
  #notes = [];
  #timer = null;

  /**
   * @param {HTMLElement|null} region the live region
   * @param {object} [options] timers, now() and the pacing, for tests
   */
  constructor(region, { timers = globalThis, now = () => Date.now(), gatherMs = GATHER_MS, gapMs = GAP_MS } = {}) {
    Object.assign(this, { region, timers, now, gatherMs, gapMs });
  }

  /** A meeting changed status: text is what to say of it alone. */
  statusChanged(meetingId, text) {
    if (!this.region) return;
    this.#changes.delete(meetingId); // the latest change of a meeting counts, once
    this.#changes.set(meetingId, text);
    this.#schedule();
  }

  /** Say something about the page itself ("Updates paused"), with the next announcement. */
  say(text) {
    if (!this.region) return;
    if (!this.#notes.includes(text)) this.#notes.push(text);
    this.#schedule();
  }

  #schedule() {
    if (this.#timer !== null) return;
    const now = this.now();
    const at = Math.max(now + this.gatherMs, this.#lastAt + this.gapMs);
    this.#timer = this.timers.setTimeout(() => this.#flush(), at - now);
  }

  #flush() {
    this.#timer = null;
    const text = [summary(this.#changes), ...this.#notes].filter(Boolean).join(". ");
    this.#changes.clear();
    this.#notes = [];
    if (!text) return;
    this.#lastAt = this.now();
    // The same words again must still change the region, or nothing is read.
    this.region.textContent = this.region.textContent === text ? `${text}\u00a0` : text;
  }
}
