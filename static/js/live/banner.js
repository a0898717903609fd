/**
 * The "Live updates disconnected, retrying..." banner. Its element is a
 * polite status region that stays in the accessibility tree at all times;
 * only its content ([data-banner-body]) shows and hides, so screen readers
 * hear it appear. A compact toast at the first disconnect, prominent
 * (data-prominent) once a retry has failed too; it says when the next try
 * comes ("Retrying in 12 s", in a part that is not announced every second),
 * offers "Retry now", and can be dismissed (on phones) until the next outage.
 */
const TICK_MS = 1000;

/** Return what the banner says of the next try at retryAt (ms since 1970), or "". */
export function nextTryText(retryAt, now) {
  if (retryAt === null || retryAt === undefined) return "";
  const seconds = Math.ceil((retryAt - now) / 1000);
  return seconds > 0 ? `Retrying in ${seconds} s` : "Retrying now…";
}

export class Banner {
  #dismissed = false;
  #retryAt = null;
  #ticker = null;

  /**
   * @param {HTMLElement|null} element #connection-banner
   * @param {object} [options] onRetry(), called by "Retry now"; timers and now for tests
   */
  constructor(element, { onRetry = () => {}, timers = globalThis, now = () => Date.now() } = {}) {
    this.element = element;
    this.timers = timers;
    this.now = now;
    if (!element) return;
    this.body = element.querySelector("[data-banner-body]") ?? element;
    this.attemptText = element.querySelector("[data-banner-attempt]");
    this.nextText = element.querySelector("[data-banner-next]");
    element.querySelector("[data-banner-retry]")?.addEventListener("click", () => {
      this.#retryAt = this.now();
      this.#showNext();
      onRetry();
    });
    element.querySelector("[data-banner-dismiss]")?.addEventListener("click", () => this.dismiss());
  }

  /** Whether the banner shows now. */
  get shown() { return Boolean(this.element) && !this.body.hidden; }

  /** Show the disconnect: attempt (1, 2, …) and, if known, when the next try comes. */
  show({ attempt, retryAt = null }) {
    if (!this.element) return;
    if (this.attemptText) this.attemptText.textContent = `Reconnection attempt ${attempt}...`;
    // Attempt 1 follows the disconnect itself; from attempt 2 a retry has failed.
    this.element.toggleAttribute("data-prominent", attempt > 1);
    this.#retryAt = retryAt;
    this.#showNext();
    this.timers.clearInterval?.(this.#ticker);
    this.#ticker = retryAt === null ? null : this.timers.setInterval?.(() => this.#showNext(), TICK_MS);
    if (!this.#dismissed) this.body.hidden = false;
  }

  /** Take the banner away (connected again, or stopped); the next outage shows it again. */
  hide() {
    if (!this.element) return;
    this.timers.clearInterval?.(this.#ticker);
    this.#ticker = null;
    this.#dismissed = false;
    this.body.hidden = true;
    this.element.removeAttribute("data-prominent");
  }

  /** Hide until this outage ends; the page's freshness line still says it is paused. */
  dismiss() {
    if (!this.element) return;
    const hadFocus = this.element.contains?.(this.element.ownerDocument?.activeElement);
    this.#dismissed = true;
    this.body.hidden = true;
    if (hadFocus) this.element.ownerDocument.getElementById("content")?.focus();
  }

  #showNext() {
    if (this.nextText) this.nextText.textContent = nextTryText(this.#retryAt, this.now());
  }
}
