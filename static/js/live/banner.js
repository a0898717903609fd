/**
 * The "Live updates disconnected, retrying..." banner: a compact toast at the
 * first disconnect, prominent (data-prominent) once a retry has failed too.
 */
export class Banner {
  constructor(element) {
    this.element = element;
    this.attemptText = element?.querySelector("[data-banner-attempt]");
  }

  show(attempt) {
    if (!this.element) return;
    if (this.attemptText) this.attemptText.textContent = `Reconnection attempt ${attempt}...`;
    // Attempt 1 follows the disconnect itself; from attempt 2 a retry has failed.
    this.element.toggleAttribute("data-prominent", attempt > 1);
    this.element.hidden = false;
  }

  hide() {
    if (!this.element) return;
    this.element.hidden = true;
    this.element.removeAttribute("data-prominent");
  }
}
