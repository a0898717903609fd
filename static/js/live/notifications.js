/**
 * Opt-in browser notifications when a meeting reaches one of the statuses
 * the page's toggle names (data-notify-statuses: completed and failed). Off
 * by default; permission is asked only when the user presses the toggle
 * ([data-notify-toggle], aria-pressed), which shows only where the browser
 * has notifications. The choice is remembered in localStorage.
 */
export const STORAGE_KEY = "meetstream-notifications";

export class Notifier {
  #on = false;

  /**
   * @param {HTMLElement|null} toggle the button
   * @param {object} [options] Notification (the browser's) and storage, for tests
   */
  constructor(toggle, { Notification = globalThis.Notification, storage = null } = {}) {
    Object.assign(this, { toggle, Notification, storage });
    this.statuses = new Set((toggle?.dataset.notifyStatuses ?? "").split(/\s+/).filter(Boolean));
    this.note = toggle?.parentElement?.querySelector("[data-notify-note]") ?? null;
    if (!toggle || typeof Notification !== "function") return;
    this.#on = this.#remembered() && Notification.permission === "granted";
    toggle.addEventListener("click", () => this.#toggle());
    this.#show();
    toggle.hidden = false;
  }

  get on() { return this.#on; }

  /** Tell the user of a change ({meetingId, version, title, status, label}) worth it. */
  notify({ meetingId, version, title, status, label }) {
    if (!this.#on || !this.statuses.has(status) || this.Notification.permission !== "granted") return;
    try {
      // One notification per change, however many tabs show the meeting.
      new this.Notification(`${title}: ${label}`, { tag: `meeting-${meetingId}-${version}` });
    } catch {
      // Some browsers (Android's) show them only from a service worker: the page still updates.
    }
  }

  async #toggle() {
    if (this.#on) {
      this.#set(false);
      return;
    }
    let permission = this.Notification.permission;
    if (permission === "default") permission = await this.Notification.requestPermission();
    this.#set(permission === "granted");
    if (this.note) this.note.textContent = permission === "denied" ? "Notifications are blocked in this browser's settings." : "";
  }

  #set(on) {
    this.#on = on;
    try {
      if (on) this.storage?.setItem(STORAGE_KEY, "on");
      else this.storage?.removeItem(STORAGE_KEY);
    } catch {
      // Storage refused: the choice lasts for this page.
    }
    this.#show();
  }

  #show() {
    this.toggle.setAttribute("aria-pressed", String(this.#on));
  }

  #remembered() {
    try {
      return this.storage?.getItem(STORAGE_KEY) === "on";
    } catch {
      return false;
    }
  }
}
