/**
 * Count in the tab's title the changes that came while the tab was hidden
 * ("(2) Meetings · meetstream"), and clear the count when it is shown again.
 */
export class TitleBadge {
  #count = 0;

  /** @param {Document} doc whose title and visibility to follow */
  constructor(doc) {
    this.doc = doc;
    this.base = doc?.title ?? "";
    doc?.addEventListener?.("visibilitychange", () => {
      if (doc.visibilityState === "visible") this.clear();
    });
  }

  get count() { return this.#count; }

  /** A change came: count it if nobody can see the page. */
  changed() {
    if (!this.doc || this.doc.visibilityState !== "hidden") return;
    this.#count += 1;
    this.doc.title = `(${this.#count}) ${this.base}`;
  }

  clear() {
    if (this.#count === 0) return;
    this.#count = 0;
    this.doc.title = this.base;
  }
}
