/**
 * How fresh the data on a live page is, stated beside it ([data-freshness]):
 * "Live" while the stream is healthy; "Updates paused: shown as of 14:02"
 * (the user's local time) while it is down or the server cannot read the
 * store; "Live updates stopped: shown as of 14:02" once it stopped for good.
 * While not live, the page's live roots carry data-stale, which the CSS
 * marks: the data stays on show, marked as old. Without JavaScript the line
 * stays hidden, as nothing is live.
 */

/** Return a time of day in the user's zone and locale, e.g. "14:02". */
export function timeOfDay(date, locale = undefined, timeZone = undefined) {
  return new Intl.DateTimeFormat(locale, { timeStyle: "short", timeZone }).format(date);
}

export class Freshness {
  // The moment the data was last known current, while it is not live.
  #asOf = null;
  #state = "idle";

  /**
   * @param {HTMLElement|null} element the freshness line, [data-freshness]
   * @param {HTMLElement[]} roots the elements whose data it speaks for
   * @param {object} [options] now() and loadedAt (the page's render) for tests;
   *   locale and timeZone (the browser's by default)
   */
  constructor(element, roots = [], { now = () => new Date(), loadedAt = now(), locale, timeZone } = {}) {
    Object.assign(this, { element, roots: roots.filter(Boolean), now, loadedAt, locale, timeZone });
    this.text = element?.querySelector("[data-freshness-text]") ?? element;
  }

  /** "idle", "live", "paused" or "ended". */
  get state() { return this.#state; }

  /** The stream is healthy: the data is current. */
  live() {
    this.#asOf = null;
    this.#set("live", () => ["Live"]);
  }

  /** Updates stopped coming for now (a lost connection, the store not answering). */
  paused() {
    if (this.#state === "paused") return;
    this.#settleAsOf();
    this.#set("paused", () => ["Updates paused: shown as of ", this.#time()]);
  }

  /** The stream stopped for good: nothing will update the page until it is loaded again. */
  ended() {
    this.#settleAsOf();
    this.#set("ended", () => ["Live updates stopped: shown as of ", this.#time(), ". Reload the page to follow again."]);
  }

  /** Nothing to say (the page stopped following on purpose: left, deleted). */
  idle() {
    this.#state = "idle";
    this.#asOf = null;
    if (this.element) this.element.hidden = true;
    for (const root of this.roots) root.removeAttribute("data-stale");
  }

  /** Live until now, the data is as of now; never live, as of the page's render. */
  #settleAsOf() {
    if (this.#state === "live") this.#asOf = this.now();
    else this.#asOf ??= this.loadedAt;
  }

  #set(state, parts) {
    this.#state = state;
    for (const root of this.roots) root.toggleAttribute("data-stale", state !== "live");
    if (!this.element) return;
    this.element.dataset.state = state;
    this.text.replaceChildren(...parts());
    this.element.hidden = false;
  }

  #time() {
    const doc = this.element.ownerDocument;
    const time = doc.createElement("time");
    time.dateTime = this.#asOf.toISOString();
    time.textContent = timeOfDay(this.#asOf, this.locale, this.timeZone);
    time.title = this.#asOf.toLocaleString(this.locale, { timeZone: this.timeZone });
    return time;
  }
}
