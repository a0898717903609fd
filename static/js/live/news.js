/**
 * What a live page tells its user of changes: one throttled polite
 * announcement (live/announcer.js), a count in the title of a hidden tab
 * (live/title-badge.js) and, if asked for, a browser notification
 * (live/notifications.js). One of each per document, whichever scripts
 * report to it; each does nothing where its element is missing.
 */
import { Announcer } from "./announcer.js";
import { Notifier } from "./notifications.js";
import { statusLabel } from "./statuses.js";
import { TitleBadge } from "./title-badge.js";

const made = new WeakMap();

/** The label of a status, "Deleted" for a meeting gone. */
function labelOf(status, doc) {
  return status === "deleted" ? "Deleted" : statusLabel(status, doc);
}

export class News {
  constructor(doc, { storage = null, Notification = globalThis.Notification, timers, now } = {}) {
    this.doc = doc;
    this.announcer = new Announcer(doc.getElementById("live-announcer"), { timers, now });
    this.title = new TitleBadge(doc);
    this.notifier = new Notifier(doc.querySelector("[data-notify-toggle]"), { Notification, storage });
  }

  /** A meeting shown on the page moved to status ("deleted" for gone). */
  statusChanged({ meetingId, version, title, status }) {
    const label = labelOf(status, this.doc);
    this.announcer.statusChanged(meetingId, `${title}: ${label}`);
    this.title.changed();
    this.notifier.notify({ meetingId, version, title, status, label });
  }

  /** Say something of the page itself ("Updates paused"). */
  say(text) {
    this.announcer.say(text);
  }
}

/** Return the document's News, made on first use. */
export function newsFor(doc = globalThis.document) {
  if (!made.has(doc)) {
    let storage = null;
    try {
      storage = globalThis.localStorage ?? null;
    } catch {
      // Blocked storage: notifications stay off after a reload.
    }
    made.set(doc, new News(doc, { storage }));
  }
  return made.get(doc);
}
