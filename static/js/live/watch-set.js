/**
 * What the tabs of one browser watch, for the tab holding the shared stream:
 * each tab's meetings, and their union, which the stream subscribes to.
 * No DOM, so it is unit-tested under Node.
 */

/** The multi-meeting endpoint takes at most this many ids (events/views.py). */
export const MAX_MEETINGS_PER_STREAM = 50;

export class WatchSet {
  // tab id → Map(meeting id → {id, apiUrl, eventsUrl}), in the order tabs joined.
  #tabs = new Map();
  // Meetings the server said are deleted: never watched again by this leader.
  #gone = new Set();

  /** Set what a tab watches; return whether the union changed. */
  set(tab, meetings) {
    const before = this.key();
    const own = new Map();
    for (const meeting of meetings) if (meeting?.id) own.set(meeting.id, meeting);
    this.#tabs.delete(tab); // re-insert: keeps join order stable for the rest
    this.#tabs.set(tab, own);
    return this.key() !== before;
  }

  /** Forget a tab; return whether the union changed. */
  remove(tab) {
    const before = this.key();
    this.#tabs.delete(tab);
    return this.key() !== before;
  }

  /** Stop watching a deleted meeting, whichever tabs show it. */
  markGone(meetingId) {
    const before = this.key();
    this.#gone.add(meetingId);
    return this.key() !== before;
  }

  has(tab) { return this.#tabs.has(tab); }

  isGone(meetingId) { return this.#gone.has(meetingId); }

  /** The meetings a tab watches, deleted ones included. */
  of(tab) { return [...(this.#tabs.get(tab)?.values() ?? [])]; }

  /** Every watched meeting once, in the order first seen, without the deleted. */
  all() {
    const union = new Map();
    for (const meetings of this.#tabs.values()) {
      for (const [id, meeting] of meetings) {
        if (!union.has(id) && !this.#gone.has(id)) union.set(id, meeting);
      }
    }
    return [...union.values()];
  }

  /** The meetings the stream subscribes to: the union, capped at the endpoint's limit. */
  subscribed() {
    return this.all().slice(0, MAX_MEETINGS_PER_STREAM);
  }

  ids() { return this.subscribed().map((meeting) => meeting.id); }

  /** A string that changes exactly when the subscribed set changes. */
  key() { return this.ids().join(","); }
}

/**
 * Return the URL that streams these meetings: for one with its own events URL
 * (a detail page's), the single-meeting endpoint, as that page has always
 * used; else the multi endpoint, as the list always has; "" for none.
 */
export function streamUrl(meetings, multiUrl) {
  if (meetings.length === 0) return "";
  if (meetings.length === 1 && meetings[0].eventsUrl) return meetings[0].eventsUrl;
  const query = new URLSearchParams(meetings.map((meeting) => ["meeting", meeting.id]));
  return `${multiUrl}?${query}`;
}
