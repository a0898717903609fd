/**
 * The tab that holds the browser's one live stream: it streams the union of
 * what every tab watches, relays each event to the tabs, re-syncs that union
 * over REST before each reconnect, reconnects (debounced) when the union
 * changes, retries at once when a tab asks ("retry"), and tells the tabs when
 * the stream stops for good ("stopped"). No DOM, so it is unit-tested under Node.
 */
import { resyncMeetings } from "./api.js";
import { LiveStream } from "./stream.js";
import { streamUrl, WatchSet } from "./watch-set.js";

/** How long the union must stay put before the stream reconnects with it. */
export const DEBOUNCE_MS = 150;

export class Leader {
  #attempt;
  // The latest status of each meeting, to catch up a tab that joins late.
  #cache = new Map();
  #debounceTimer = null;
  // Why the stream stopped by itself (a 204, another 4xx, nothing to watch), or null.
  #ended = null;
  // The server's last `error` while it cannot read the store, else null.
  #error = null;
  // "connecting", "up" or "backoff" (waiting to reconnect); a stopped stream is idle.
  #phase = "connecting";
  #retryAt = null;
  #resyncFirst;
  #stopped = false;
  #stream = null;
  #streamKey = "";
  #watch = new WatchSet();

  /**
   * @param {object} options
   * @param {string} options.tab this tab's id
   * @param {string} options.multiUrl the multi-meeting endpoint, /v1/events
   * @param {function(object)} options.post sends a message to the other tabs
   * @param {function(object)} options.deliver applies a message to this tab's page
   * @param {number} options.attempt the shared stream's reconnect attempt so far
   *   (a tab taking over while it is down goes on counting)
   * @param {boolean} options.resync re-sync over REST before the first connect
   */
  constructor({ tab, multiUrl, post, deliver, schedule, log = console, timers = globalThis,
                fetch = globalThis.fetch?.bind(globalThis), random = Math.random,
                attempt = 0, resync = false, debounceMs = DEBOUNCE_MS,
                createStream = (options) => new LiveStream(options) }) {
    Object.assign(this, { tab, multiUrl, post, deliver, schedule, log, timers, fetch, random,
                          debounceMs, createStream });
    this.#attempt = attempt;
    this.#resyncFirst = resync;
  }

  /** The meeting ids the stream subscribes to. */
  get watched() { return this.#watch.ids(); }

  /** Handle a message from another tab: "watch" (join or re-announce), "leave" or "retry". */
  onMessage(message) {
    if (this.#stopped || !message?.tab) return;
    if (message.type === "watch") {
      this.join(message.tab, message.meetings ?? [], message.versions ?? {}, message.scope ?? null);
    }
    else if (message.type === "leave") this.leave(message.tab);
    else if (message.type === "retry") this.retryNow(message.reason ?? "another tab asked");
  }

  /** Retry at once if the stream waits to reconnect or to check the store (LiveStream.retryNow). */
  retryNow(reason) {
    if (this.#stopped || !this.#stream || this.#stream.stopped) return false;
    return this.#stream.retryNow(reason);
  }

  /** Drop the connection as lost (the browser went offline). */
  interrupt(reason) {
    if (!this.#stopped) this.#stream?.interrupt(reason);
  }

  /**
   * Watch a tab's meetings, and its scope ({since}) if it follows one; tell
   * the tab what it missed and how the stream is.
   */
  join(tab, meetings, versions = {}, scope = null) {
    if (this.#stopped) return;
    const changed = this.#watch.set(tab, meetings, scope);
    if (tab !== this.tab) {
      const statuses = [];
      const gone = [];
      for (const { id } of meetings) {
        const latest = this.#cache.get(id);
        if (this.#watch.isGone(id)) gone.push(id);
        else if (latest && Number(latest.version) > Number(versions[id] ?? 0)) statuses.push(latest);
      }
      const up = this.#phase === "up" && Boolean(this.#stream && !this.#stream.stopped);
      const attempt = this.#phase === "backoff" ? this.#attempt : 0;
      const retryAt = attempt > 0 ? this.#retryAt : null;
      this.post({
        type: "state", to: tab, up, attempt, retryAt, statuses, gone,
        error: up ? this.#error : null, ended: this.#ended,
      });
    }
    if (changed || !this.#stream) this.#scheduleApply();
  }

  leave(tab) {
    if (this.#stopped) return;
    if (this.#watch.remove(tab)) this.#scheduleApply();
  }

  /** Close the stream and stop leading (the tab goes away or stops). */
  stop(reason = "stopped") {
    if (this.#stopped) return;
    this.#stopped = true;
    this.timers.clearTimeout(this.#debounceTimer);
    if (this.#stream && !this.#stream.stopped) this.#stream.stop(reason);
    else this.log.info(`📡 SSE closed (${reason})`);
  }

  #scheduleApply() {
    this.timers.clearTimeout(this.#debounceTimer);
    this.#debounceTimer = this.timers.setTimeout(() => this.#apply(), this.debounceMs);
  }

  /** Bring the stream in line with the union of what the tabs watch. */
  #apply() {
    if (this.#stopped) return;
    const meetings = this.#watch.subscribed();
    const scope = this.#watch.scope();
    const url = streamUrl(meetings, this.multiUrl, scope);
    const stream = this.#stream;
    if (!url) {
      if (stream && !stream.stopped) this.#end("nothing left to watch");
      return;
    }
    this.#ended = null;
    // While waiting to reconnect, the next attempt reads the new set anyway.
    if (stream && !stream.stopped && this.#phase === "backoff") return;
    // Last-Event-ID carries over only between streams of one kind: a single
    // stream's id is a version, a multi stream's `<id>:<version>,…`.
    const key = meetings.length === 1 && !scope ? url : "multi";
    if (stream && key !== this.#streamKey) {
      if (!stream.stopped) stream.stop("watch list changed");
      this.#stream = null;
    }
    if (this.#stream && !this.#stream.stopped) this.#stream.stop("watch list changed");
    if (!this.#stream) {
      this.#stream = this.#newStream();
      this.#streamKey = key;
    }
    this.#phase = "connecting";
    if (this.#resyncFirst) {
      this.#resyncFirst = false;
      this.#stream.resume();
    } else {
      this.#stream.start();
    }
  }

  #newStream() {
    const stream = this.createStream({
      url: () => {
        const meetings = this.#watch.subscribed();
        const scope = this.#watch.scope();
        stream.label = meetings.length === 1
          ? `meeting ${meetings[0].id}`
          : `${meetings.length} meetings`;
        stream.label += `${scope ? " and the meetings in view" : ""} (shared by this browser's tabs)`;
        if (this.#watch.all().length > meetings.length) {
          this.log.warn(`📡 The tabs watch more than ${meetings.length} meetings; only the first ${meetings.length} update live`);
        }
        return streamUrl(meetings, this.multiUrl, scope);
      },
      label: "the shared stream",
      schedule: this.schedule,
      fetch: this.fetch,
      log: this.log,
      random: this.random,
      timers: this.timers,
      attempt: this.#attempt,
      handlers: {
        onConnected: (data) => {
          this.#phase = "up";
          this.#attempt = 0;
          this.#error = null;
          this.#broadcast({ type: "connected", data });
        },
        onStatus: (data) => {
          this.#cache.set(data.meetingId, data);
          this.#broadcast({ type: "status", data });
        },
        onError: (data) => {
          this.#error = data;
          this.#broadcast({ type: "error", data });
        },
        onRecovered: () => {
          this.#error = null;
          this.#broadcast({ type: "recovered" });
        },
        // Whether the store answers: a re-sync that read something.
        probe: async () => {
          if (this.#watch.subscribed().length === 0) return false;
          await this.#resync();
          return true;
        },
        onEnded: (reason) => this.#end(reason),
        onChanged: (data) => this.#broadcast({ type: "changed", data }),
        onDeleted: ({ meetingId }) => this.#deleted(meetingId),
        onDisconnected: ({ attempt, delayMs, retryAt, reason }) => {
          this.#phase = "backoff";
          this.#attempt = attempt;
          this.#retryAt = retryAt;
          this.#error = null;
          this.#broadcast({ type: "disconnected", attempt, delayMs, retryAt, reason });
        },
        onUnauthorized: () => this.#broadcast({ type: "unauthorized" }),
        // A 404 for the stream: some meeting is gone. Find which, drop them
        // (the tabs hear "deleted") and reconnect with the rest; a 401 or 403
        // reaches onUnauthorized, as on any re-sync.
        onGone: () => this.#resync(),
        beforeReconnect: async () => {
          this.#phase = "connecting";
          this.post({ type: "resyncing" });
          await this.#resync();
          if (!this.#stopped) this.post({ type: "resynced" });
        },
      },
    });
    return stream;
  }

  /**
   * Read every subscribed meeting over REST, one request per 100, and relay
   * it; one left out of its answer counts as deleted. Return whether some
   * were deleted; throw the first failure (a 401 or 403 first of all) once
   * every request has been tried (resyncMeetings() in live/api.js).
   */
  #resync() {
    return resyncMeetings(this.#watch.subscribed(), {
      onStatus: (data, id) => {
        this.#cache.set(id, data);
        this.#broadcast({ type: "status", data, resync: true });
      },
      onDeleted: (id) => this.#deleted(id),
      stopped: () => this.#stopped,
    }, this.fetch);
  }

  #deleted(meetingId) {
    if (this.#stopped) return;
    const before = this.#watch.ids().filter((id) => id !== meetingId).join(",");
    this.#watch.markGone(meetingId);
    this.#cache.delete(meetingId);
    this.#broadcast({ type: "deleted", data: { meetingId } });
    if (this.#stopped) return; // this tab's page stopped on the news
    if (this.#watch.ids().length === 0 && !this.#watch.scope()) {
      if (this.#stream && !this.#stream.stopped) this.#end("nothing left to watch");
    } else if (this.#watch.key() !== before) {
      // The server drops a deleted meeting by itself; reconnect only when a
      // meeting beyond the endpoint's limit can now take its place.
      this.#scheduleApply();
    }
  }

  /** Stop the stream for good on the server's word, and tell every tab. */
  #end(reason) {
    if (this.#stream && !this.#stream.stopped) this.#stream.stop(reason);
    this.#ended = reason;
    this.#error = null;
    this.#broadcast({ type: "stopped", reason });
  }

  #broadcast(message) {
    this.post(message);
    this.deliver(message);
  }
}
