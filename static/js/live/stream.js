/**
 * A live status stream over fetch() and a ReadableStream reader, reconnecting
 * with backoff, Last-Event-ID and a re-sync hook, as docs/events.md describes.
 * While the server says it cannot read the store (`error`), it checks over
 * REST on the same backoff whether the store answers again
 * (live/store-check.js). retryNow() skips
 * a wait (a "Retry now" button, the browser back online). It touches no DOM,
 * so it runs (and is tested) under Node as well.
 */
import { createParser } from "../../vendor/eventsource-parser/4.1.3/index.js";
import { isUnauthorized } from "./api.js";
import { DEFAULT_SCHEDULE, reconnectDelay } from "./backoff.js";
import { StoreCheck } from "./store-check.js";

const DEFAULT_KEEPALIVE_MS = 15000;

/**
 * Log a status event: at info, the seed's flow line, when it changes what
 * seen (meeting id → version) holds; at debug (hidden by default) when it is
 * the first seen of its meeting, or not newer. One line per state change.
 */
export function logStatus(log, seen, data) {
  const before = seen.get(data.meetingId);
  const version = Number(data.version);
  if (before === undefined || version > before) seen.set(data.meetingId, version);
  const news = before !== undefined && version > before;
  (news ? log.info : log.debug).call(log, "📡 Meeting status update:", data);
}

export class LiveStream {
  #abortReason = null;
  #attempt = 0;
  #controller = null;
  // Bumped by start(), stop() and resume(): work begun under an older epoch
  // (a fetch, a read, a re-sync) sees the change after its await and gives up.
  #epoch = 0;
  #lastEventId = "";
  #nextDelayMs = null;
  #reconnectTimer = null;
  // The version of each meeting seen so far: a status is logged as an update
  // only when it changes one (the statuses sent at connect are not news).
  #seen = new Map();
  #stopped = true;
  // Whether the store answers again, while the server says it cannot read it.
  #storeCheck;
  // Between a disconnect and the reconnect its timer starts.
  #waiting = false;
  #watchdogFired = false;
  #watchdogMs = 2 * DEFAULT_KEEPALIVE_MS;
  #watchdogTimer = null;

  /**
   * @param {object} options
   * @param {string|function(): string} options.url the events URL, or a function
   *   read before each connect; an empty URL stops the stream
   * @param {string} options.label what the log lines call this stream
   * @param {object} options.schedule the reconnect backoff ({baseMs, maxMs, jitter});
   *   the server's `retry:` replaces baseMs
   * @param {object} options.handlers onConnected, onStatus, onError, onDeleted,
   *   onChanged (a scope stream's `changed`),
   *   onDisconnected({attempt, delayMs, reason}), onUnauthorized, and
   *   beforeReconnect(), awaited before each reconnect. onDisconnected also
   *   gets retryAt (milliseconds since 1970). After an `error` event, probe()
   *   runs on the backoff until it resolves true (the store answered) or an
   *   event comes; then onRecovered(). onGone() runs on a 404;
   *   it may return true (or a promise of true) after dropping what was missing
   *   from the URL, and the stream then reconnects at once instead of stopping;
   *   if it fails with a 401 or 403, onUnauthorized runs, as after
   *   beforeReconnect. onStopped(reason) runs whenever the stream stops, so
   *   nothing shows it as retrying any more; onEnded(reason) after that when
   *   the stream stopped itself (a 204, another 4xx, nothing left to watch).
   * @param {number} options.attempt reconnect attempts already made (a tab
   *   taking over a shared stream that is down goes on counting)
   */
  constructor({ url, label, handlers = {}, schedule = DEFAULT_SCHEDULE,
                fetch = globalThis.fetch.bind(globalThis), log = console,
                random = Math.random, timers = globalThis, attempt = 0, now = Date.now }) {
    this.url = url;
    this.label = label;
    this.handlers = handlers;
    this.schedule = { ...DEFAULT_SCHEDULE, ...schedule };
    this.fetch = fetch;
    this.log = log;
    this.random = random;
    this.timers = timers;
    this.now = now;
    this.#attempt = attempt;
    this.#storeCheck = new StoreCheck({
      probe: handlers.probe,
      onRecovered: () => this.handlers.onRecovered?.(),
      onUnauthorized: (error) => this.#unauthorized(`${error.status} while checking the store`),
      schedule: () => this.schedule,
      random, timers, log,
    });
  }

  get attempt() { return this.#attempt; }
  /** Whether the server said it cannot read the store, and has not been heard to since. */
  get degraded() { return this.#storeCheck.waiting; }
  get lastEventId() { return this.#lastEventId; }
  get stopped() { return this.#stopped; }

  start() {
    if (!this.#stopped) return this;
    this.#stopped = false;
    this.#connect(++this.#epoch);
    return this;
  }

  /** Close the stream for good: nothing reconnects afterwards. */
  stop(reason = "stopped") {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#epoch += 1;
    this.log.info(`📡 SSE closed (${reason})`);
    this.timers.clearTimeout(this.#reconnectTimer);
    this.timers.clearTimeout(this.#watchdogTimer);
    this.#waiting = false;
    this.#storeCheck.clear();
    this.#controller?.abort();
    this.#controller = null;
    this.handlers.onStopped?.(reason);
  }

  /**
   * Try again now rather than after the backoff: reconnect if waiting to, or
   * check the store if the server could not read it. Return whether it did;
   * a connect already under way, or a healthy stream, is left alone.
   */
  retryNow(reason = "asked") {
    if (this.#stopped) return false;
    if (this.#waiting) {
      this.log.info(`📡 Retrying now (${reason})`);
      this.timers.clearTimeout(this.#reconnectTimer);
      this.#resyncThenConnect(this.#epoch);
      return true;
    }
    return this.#storeCheck.now();
  }

  /** Drop the connection as lost (the browser went offline) and reconnect as after any loss. */
  interrupt(reason) {
    if (this.#stopped || this.#waiting || !this.#controller) return;
    this.#abortReason = reason;
    this.#controller.abort();
  }

  /** Start again after stop(), re-syncing first (a page back from the bfcache). */
  resume() {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#resyncThenConnect(++this.#epoch);
  }

  async #connect(epoch) {
    if (epoch !== this.#epoch) return;
    const url = typeof this.url === "function" ? this.url() : this.url;
    if (!url) return this.#end("nothing left to watch");
    this.log.info(`📡 Connecting SSE for ${this.label}...`);
    const controller = new AbortController();
    this.#controller = controller;
    this.#watchdogFired = false;
    this.#abortReason = null;
    // A server that accepts the connection but never answers is dead as well.
    this.#armWatchdog(controller);
    const headers = { Accept: "text/event-stream" };
    if (this.#lastEventId) headers["Last-Event-ID"] = this.#lastEventId;
    let response;
    try {
      response = await this.fetch(url, {
        headers, credentials: "same-origin", cache: "no-store", signal: controller.signal,
      });
    } catch (error) {
      if (epoch !== this.#epoch) return;
      return this.#disconnected(epoch, this.#lossReason(`network error: ${error.message}`));
    }
    if (epoch !== this.#epoch) return;
    const { status } = response;
    const type = response.headers.get("Content-Type") || "";
    if (status === 200 && type.startsWith("text/event-stream")) {
      return this.#read(epoch, response.body);
    }
    response.body?.cancel().catch(() => {});
    this.timers.clearTimeout(this.#watchdogTimer);
    // 204 is the standard "stop reconnecting" answer (WHATWG HTML §9.2).
    if (status === 204) return this.#end("HTTP 204");
    if (status === 401) return this.#unauthorized("401 Unauthorized");
    if (status === 404) return this.#gone(epoch, "404 Not Found");
    if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
      this.log.error(`📡 SSE refused with HTTP ${status}; not reconnecting`);
      return this.#end(`HTTP ${status}`);
    }
    const retryAfter = Number(response.headers.get("Retry-After"));
    if (retryAfter > 0) this.#nextDelayMs = retryAfter * 1000;
    return this.#disconnected(epoch, `HTTP ${status}`);
  }

  async #read(epoch, body) {
    const parser = createParser({
      onEvent: (event) => this.#dispatch(epoch, event),
      // Called as an event is dispatched, even one without data (as the spec
      // says), so the id is committed then and only then.
      onId: (id) => { if (epoch === this.#epoch) this.#lastEventId = id; },
      onRetry: (ms) => { this.schedule.baseMs = ms; },
      onError: (error) => this.log.warn(`📡 Ignoring a malformed line: ${error.message}`),
    });
    const reader = body.getReader();
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (epoch !== this.#epoch) return;
        if (done) break;
        this.#armWatchdog(this.#controller);
        parser.feed(decoder.decode(value, { stream: true }));
      }
    } catch (error) {
      if (epoch !== this.#epoch) return;
      return this.#disconnected(epoch, this.#lossReason(`read error: ${error.message}`));
    }
    if (epoch !== this.#epoch) return;
    this.log.info("📡 SSE stream ended");
    this.#disconnected(epoch, "stream ended");
  }

  #dispatch(epoch, event) {
    if (epoch !== this.#epoch) return;
    let data;
    try {
      data = JSON.parse(event.data);
    } catch {
      this.log.warn("📡 Ignoring an event whose data is not JSON", event);
      return;
    }
    switch (event.event) {
      case "connected":
        this.#attempt = 0;
        this.#storeCheck.clear();
        this.#watchdogMs = 2 * (data.keepaliveInterval || DEFAULT_KEEPALIVE_MS);
        this.#armWatchdog(this.#controller);
        this.log.info("📡 SSE connected:", data);
        this.handlers.onConnected?.(data);
        break;
      case "status":
        this.#attempt = 0;
        logStatus(this.log, this.#seen, data);
        this.handlers.onStatus?.(data);
        this.#storeCheck.answered("a status came");
        break;
      case "error":
        this.log.warn("📡 Server could not read the latest status:", data);
        this.handlers.onError?.(data);
        this.#storeCheck.start();
        break;
      case "changed":
        this.log.debug("📡 Meetings changed in view:", data);
        this.handlers.onChanged?.(data);
        this.#storeCheck.answered("a change came");
        break;
      case "deleted":
        this.log.info("📡 Meeting deleted:", data);
        this.handlers.onDeleted?.(data);
        break;
      case "connectionLost":
        this.log.info("📡 Server is closing the stream:", data);
        if (Number.isFinite(data.retryAfterMs)) this.#nextDelayMs = Math.max(0, data.retryAfterMs);
        break;
      default:
        break;
    }
  }

  #disconnected(epoch, reason) {
    if (epoch !== this.#epoch) return;
    this.timers.clearTimeout(this.#watchdogTimer);
    this.#controller = null;
    this.#storeCheck.clear(); // the reconnect re-syncs anyway
    this.#attempt += 1;
    const delayMs = this.#nextDelayMs ?? reconnectDelay(this.#attempt, this.schedule, this.random);
    this.#nextDelayMs = null;
    this.log.info(`📡 SSE disconnected (${reason}), showing banner and scheduling reconnect...`);
    this.log.info(`📡 Reconnecting in ${delayMs}ms (attempt ${this.#attempt})...`);
    this.#waiting = true;
    const retryAt = this.now() + delayMs;
    this.handlers.onDisconnected?.({ attempt: this.#attempt, delayMs, retryAt, reason });
    this.#reconnectTimer = this.timers.setTimeout(() => this.#resyncThenConnect(epoch), delayMs);
  }

  #lossReason(fallback) {
    if (this.#watchdogFired) return WATCHDOG;
    return this.#abortReason ?? fallback;
  }

  async #resyncThenConnect(epoch) {
    if (epoch !== this.#epoch) return;
    this.#waiting = false;
    if (this.handlers.beforeReconnect) {
      this.log.info("📡 Re-syncing meeting state from API...");
      try {
        await this.handlers.beforeReconnect();
        if (epoch !== this.#epoch) return;
        this.log.info("📡 State re-synced successfully");
      } catch (error) {
        if (epoch !== this.#epoch) return;
        if (isUnauthorized(error)) return this.#unauthorized(`${error.status} during re-sync`);
        if (error.status === 404) return this.#gone(epoch, "404 during re-sync");
        this.log.warn(`📡 Re-sync failed (${error.message}); reconnecting anyway`);
      }
    }
    this.#connect(epoch);
  }

  #unauthorized(reason) {
    this.stop(reason);
    this.handlers.onUnauthorized?.();
  }

  /** Stop for good on the server's word, and say so (unlike a stop() asked for). */
  #end(reason) {
    this.stop(reason);
    this.handlers.onEnded?.(reason);
  }

  async #gone(epoch, reason) {
    let again = false;
    try {
      again = await this.handlers.onGone?.();
    } catch (error) {
      if (epoch !== this.#epoch) return;
      if (isUnauthorized(error)) return this.#unauthorized(`${error.status} during re-sync`);
      // Any other failure dropped nothing: the stream stops, as below.
    }
    if (epoch !== this.#epoch) return;
    if (again) return this.#connect(epoch);
    this.#end(reason);
  }

  #armWatchdog(controller) {
    this.timers.clearTimeout(this.#watchdogTimer);
    if (!controller) return;
    this.#watchdogTimer = this.timers.setTimeout(() => {
      this.log.warn(`📡 No data for ${this.#watchdogMs}ms; treating the stream as dead`);
      this.#watchdogFired = true;
      controller.abort();
    }, this.#watchdogMs);
  }
}

const WATCHDOG = "no data within the watchdog interval";
