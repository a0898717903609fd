/** The "Live updates disconnected, retrying..." banner. */
export class Banner {
  constructor(element) {
    this.element = element;
    this.attemptText = element?.querySelector("[data-banner-attempt]");
  }

  show(attempt) {
    if (!this.element) return;
    if (this.attemptText) this.attemptText.textContent = `Reconnection attempt ${attempt}...`;
    this.element.hidden = false;
  }

  hide() {
    if (this.element) this.element.hidden = true;
  }
}
