/**
 * One live stream per browser, shared by all its tabs.
 *
 * Every tab asks for one Web Lock; the tab holding it leads: it holds the
 * stream (live/leader.js) for the union of what the tabs watch and relays each
 * event over a BroadcastChannel. The others apply what it relays
 * (live/relay-receiver.js) and hold no connection. When the leader goes away
 * its lock is freed and a waiting tab takes over at once. Same interface as LiveStream (start, stop, resume), so
 * live/lifecycle.js ties it to the page alike. No DOM, so it is unit-tested
 * under Node with fake locks and channels.
 */
import { Leader } from "./leader.js";
import { receive } from "./relay-receiver.js";

export const CHANNEL_NAME = "meetstream-live";
export const LOCK_NAME = "meetstream-live-stream";

/** Whether this browser can share a stream between tabs. */
export function sharingSupported(scope = globalThis) {
  return typeof scope.navigator?.locks?.request === "function"
    && typeof scope.BroadcastChannel === "function";
}

function randomId() {
  return globalThis.crypto?.randomUUID?.() ?? `${Date.now()}-${Math.random()}`;
}

export class SharedStream {
  #channel = null;
  // Whether a leader has spoken since this tab joined: then its page is up to
  // date, and taking over needs no re-sync unless the stream was down.
  #heardLeader = false;
  #leader = null;
  #lockRequest = null;
  #releaseLock = null;
  #state = { attempt: 0 };
  #stopped = true;

  /**
   * @param {object} options
   * @param {function(): object[]} options.meetings what this page watches, as
   *   [{id, apiUrl, eventsUrl}], read whenever the tab announces itself
   * @param {function(): object} options.versions {meeting id: version shown}
   * @param {function(): object|null} options.scope {since: milliseconds} when
   *   the page follows every meeting in view (a live list), else null
   * @param {string} options.multiUrl the multi-meeting endpoint, /v1/events
   * @param {object} options.handlers the page's onConnected, onStatus, onError,
   *   onDeleted, onDisconnected, onUnauthorized and onStopped, as LiveStream
   *   calls them
   */
  constructor({ meetings, versions = () => ({}), scope = () => null, multiUrl, schedule, handlers = {},
                locks = globalThis.navigator?.locks,
                openChannel = () => new BroadcastChannel(CHANNEL_NAME),
                log = console, timers = globalThis, fetch, random, tab = randomId() }) {
    Object.assign(this, { meetings, versions, scope, multiUrl, schedule, handlers, locks, openChannel,
                          log, timers, fetch, random, tab });
  }

  get isLeader() { return this.#leader !== null; }
  get stopped() { return this.#stopped; }

  start() {
    if (!this.#stopped) return this;
    this.#stopped = false;
    this.#join(false);
    return this;
  }

  /** Join again after stop() (a page back from the bfcache), re-syncing if it leads. */
  resume() {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#join(true);
  }

  /**
   * Retry at once if the shared stream waits to (a "Retry now", the tab
   * shown again): the leader does; any other tab asks it over the channel,
   * and the leader retries once however many tabs ask.
   */
  retryNow(reason = "asked") {
    if (this.#stopped) return;
    if (this.#leader) this.#leader.retryNow(reason);
    else this.#post({ type: "retry", tab: this.tab, reason });
  }

  /** The browser went offline: the tab holding the stream drops it as lost. */
  interrupt(reason) {
    if (!this.#stopped) this.#leader?.interrupt(reason);
  }

  /** Leave: stop leading (another tab takes over) and stop listening. */
  stop(reason = "stopped") {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#leader) {
      this.#leader.stop(reason);
      this.#leader = null;
    } else {
      this.log.info(`📡 SSE closed (${reason})`);
    }
    this.#post({ type: "leave", tab: this.tab });
    this.#lockRequest?.abort();
    this.#lockRequest = null;
    this.#releaseLock?.();
    this.#releaseLock = null;
    this.#channel?.close();
    this.#channel = null;
    this.handlers.onStopped?.(reason);
  }

  #join(resumed) {
    this.#heardLeader = false;
    this.#channel = this.openChannel();
    this.#channel.addEventListener("message", (event) => this.#onMessage(event.data));
    this.#announce();
    const request = new AbortController();
    this.#lockRequest = request;
    // The callback's promise holds the lock until this tab stops leading.
    this.locks.request(LOCK_NAME, { signal: request.signal }, () => {
      if (request.signal.aborted || this.#stopped) return undefined;
      this.#lockRequest = null;
      return new Promise((resolve) => {
        this.#releaseLock = resolve;
        this.#lead(resumed);
      });
    }).catch(() => {}); // aborted while waiting: this tab left
  }

  #lead(resumed) {
    const { attempt } = this.#state;
    this.log.info("📡 This tab now holds the live stream for every tab of this browser");
    this.#leader = new Leader({
      tab: this.tab,
      multiUrl: this.multiUrl,
      schedule: this.schedule,
      post: (message) => this.#post(message),
      deliver: (message) => this.#deliver(message, true),
      log: this.log,
      timers: this.timers,
      fetch: this.fetch,
      random: this.random,
      attempt,
      // Re-sync first, as a reconnect does, when the shared stream was down
      // or this page comes back from the bfcache with nobody to catch it up.
      resync: attempt > 0 || (resumed && !this.#heardLeader),
    });
    this.#post({ type: "hello", tab: this.tab });
    this.#leader.join(this.tab, this.meetings(), this.versions(), this.scope());
  }

  #onMessage(message) {
    if (this.#stopped || !message) return;
    if (this.#leader) {
      this.#leader.onMessage(message);
      return;
    }
    if (message.type === "watch" || message.type === "leave" || message.type === "retry") return;
    this.#heardLeader = true;
    if (message.type === "hello") {
      this.#announce(); // a new leader collects what the tabs watch
      return;
    }
    if (message.type === "state" && message.to !== this.tab) return;
    this.#deliver(message, false);
  }

  #deliver(message, quiet) {
    if (this.#stopped) return;
    const watched = new Set(this.meetings().map((meeting) => meeting.id));
    receive(message, {
      watches: (id) => watched.has(id),
      handlers: this.handlers,
      log: this.log,
      quiet,
      state: this.#state,
    });
  }

  #announce() {
    this.#post({
      type: "watch", tab: this.tab, meetings: this.meetings(), versions: this.versions(), scope: this.scope(),
    });
  }

  #post(message) {
    this.#channel?.postMessage(message);
  }
}
