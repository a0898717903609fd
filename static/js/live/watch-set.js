/**
 * What the tabs of one browser watch, for the tab holding the shared stream:
 * each tab's meetings, and their union, which the stream subscribes to; and
 * whether some tab follows the scope (a live list), from when.
 * No DOM, so it is unit-tested under Node.
 */

/** The multi-meeting endpoint takes at most this many ids (events/views.py). */
export const MAX_MEETINGS_PER_STREAM = 50;

export class WatchSet {
  // tab id → Map(meeting id → {id, apiUrl, eventsUrl}), in the order tabs joined.
  #tabs = new Map();
  // tab id → {since} for the tabs that follow the scope.
  #scopes = new Map();
  // Meetings the server said are deleted: never watched again by this leader.
  #gone = new Set();

  /**
   * Set what a tab watches, and its scope ({since}: milliseconds, or null);
   * return whether what the stream follows changed.
   */
  set(tab, meetings, scope = null) {
    const before = this.key();
    const own = new Map();
    for (const meeting of meetings) if (meeting?.id) own.set(meeting.id, meeting);
    this.#tabs.delete(tab); // re-insert: keeps join order stable for the rest
    this.#tabs.set(tab, own);
    if (scope) this.#scopes.set(tab, { since: Number(scope.since) || null });
    else this.#scopes.delete(tab);
    return this.key() !== before;
  }

  /** Forget a tab; return whether what the stream follows changed. */
  remove(tab) {
    const before = this.key();
    this.#tabs.delete(tab);
    this.#scopes.delete(tab);
    return this.key() !== before;
  }

  /** The scope to follow: null, or {since} from the tab that read its list first. */
  scope() {
    if (this.#scopes.size === 0) return null;
    const times = [...this.#scopes.values()].map((scope) => scope.since).filter(Boolean);
    return { since: times.length > 0 ? Math.min(...times) : null };
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

  /** A string that changes exactly when the subscribed set or the scope changes. */
  key() { return `${this.ids().join(",")}${this.#scopes.size > 0 ? "|scope" : ""}`; }
}

/**
 * Return the URL that streams these meetings: for one with its own events URL
 * (a detail page's), the single-meeting endpoint, as that page has always
 * used; else the multi endpoint, as the list always has; "" for none. With a
 * scope ({since}), the multi endpoint follows it too (docs/events.md).
 */
export function streamUrl(meetings, multiUrl, scope = null) {
  if (meetings.length === 0 && !scope) return "";
  if (meetings.length === 1 && meetings[0].eventsUrl && !scope) return meetings[0].eventsUrl;
  const query = new URLSearchParams(meetings.map((meeting) => ["meeting", meeting.id]));
  if (scope) {
    query.append("scope", "visible");
    if (scope.since) query.append("since", String(Math.trunc(scope.since)));
  }
  return `${multiUrl}?${query}`;
}
