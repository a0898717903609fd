/**
 * A live status stream over fetch() and a ReadableStream reader, reconnecting
 * with backoff, Last-Event-ID and a re-sync hook, as docs/events.md describes.
 * It touches no DOM, so it runs (and is tested) under Node as well.
 */
import { createParser } from "../../vendor/eventsource-parser/4.1.3/index.js";
import { reconnectDelay, scheduleFor } from "./backoff.js";

const DEFAULT_KEEPALIVE_MS = 15000;

export class LiveStream {
  #attempt = 0;
  #controller = null;
  #lastEventId = "";
  #nextDelayMs = null;
  #retryMs = 5000;
  #stopped = false;
  #reconnectTimer = null;
  #watchdogTimer = null;
  #watchdogMs = 2 * DEFAULT_KEEPALIVE_MS;
  #watchdogFired = false;

  /**
   * @param {object} options
   * @param {string} options.url the events URL
   * @param {string} options.label what the log lines call this stream
   * @param {object} options.handlers onConnected, onStatus, onError, onDeleted,
   *   onDisconnected({attempt, delayMs, reason}), onUnauthorized, onGone,
   *   and beforeReconnect(), awaited before each reconnect
   */
  constructor({ url, label, handlers = {}, fetch = globalThis.fetch.bind(globalThis),
                log = console, random = Math.random, timers = globalThis }) {
    this.url = url;
    this.label = label;
    this.handlers = handlers;
    this.fetch = fetch;
    this.log = log;
    this.random = random;
    this.timers = timers;
  }

  get attempt() { return this.#attempt; }
  get lastEventId() { return this.#lastEventId; }
  get stopped() { return this.#stopped; }

  start() {
    this.#stopped = false;
    this.#connect();
    return this;
  }

  /** Close the stream for good: nothing reconnects afterwards. */
  stop(reason = "stopped") {
    if (this.#stopped) return;
    this.#stopped = true;
    this.log.info(`📡 SSE closed (${reason})`);
    this.timers.clearTimeout(this.#reconnectTimer);
    this.timers.clearTimeout(this.#watchdogTimer);
    this.#controller?.abort();
  }

  async #connect() {
    if (this.#stopped) return;
    this.log.info(`📡 Connecting SSE for ${this.label}...`);
    const controller = new AbortController();
    this.#controller = controller;
    this.#watchdogFired = false;
    const headers = { Accept: "text/event-stream" };
    if (this.#lastEventId) headers["Last-Event-ID"] = this.#lastEventId;
    let response;
    try {
      response = await this.fetch(this.url, {
        headers, credentials: "same-origin", cache: "no-store", signal: controller.signal,
      });
    } catch (error) {
      return this.#disconnected(`network error: ${error.message}`);
    }
    if (response.status === 401) return this.#end("onUnauthorized", "401 Unauthorized");
    if (response.status === 404) return this.#end("onGone", "404 Not Found");
    const type = response.headers.get("Content-Type") || "";
    if (!response.ok || !type.startsWith("text/event-stream")) {
      const retryAfter = Number(response.headers.get("Retry-After"));
      if (retryAfter > 0) this.#nextDelayMs = retryAfter * 1000;
      response.body?.cancel().catch(() => {});
      return this.#disconnected(`HTTP ${response.status}`);
    }
    await this.#read(response.body);
  }

  async #read(body) {
    const parser = createParser({
      onEvent: (event) => this.#dispatch(event),
      onRetry: (ms) => { this.#retryMs = ms; },
    });
    const reader = body.getReader();
    const decoder = new TextDecoder();
    this.#armWatchdog();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        this.#armWatchdog();
        parser.feed(decoder.decode(value, { stream: true }));
      }
      this.#disconnected("stream ended");
    } catch (error) {
      this.#disconnected(this.#watchdogFired ? "no data within the watchdog interval" : `read error: ${error.message}`);
    } finally {
      this.timers.clearTimeout(this.#watchdogTimer);
    }
  }

  #dispatch(event) {
    if (this.#stopped) return;
    // The parser hands over the id in force for this event: commit it now.
    if (event.id !== undefined) this.#lastEventId = event.id;
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
        this.#watchdogMs = 2 * (data.keepaliveInterval || DEFAULT_KEEPALIVE_MS);
        this.#armWatchdog();
        this.log.info("📡 SSE connected:", data);
        this.handlers.onConnected?.(data);
        break;
      case "status":
        this.#attempt = 0;
        this.log.info("📡 Meeting status update:", data);
        this.handlers.onStatus?.(data);
        break;
      case "error":
        this.log.warn("📡 Server could not read the latest status:", data);
        this.handlers.onError?.(data);
        break;
      case "deleted":
        this.log.info("📡 Meeting deleted:", data);
        this.handlers.onDeleted?.(data);
        break;
      case "connectionLost":
        this.log.info("📡 Server is closing the stream:", data);
        this.#nextDelayMs = data.retryAfterMs;
        break;
      default:
        break;
    }
  }

  #disconnected(reason) {
    if (this.#stopped) return;
    this.timers.clearTimeout(this.#watchdogTimer);
    this.#attempt += 1;
    const delayMs = this.#nextDelayMs ?? reconnectDelay(this.#attempt, scheduleFor(this.#retryMs), this.random);
    this.#nextDelayMs = null;
    this.log.info(`📡 SSE disconnected (${reason}), showing banner and scheduling reconnect...`);
    this.log.info(`📡 Reconnecting in ${delayMs}ms (attempt ${this.#attempt})...`);
    this.handlers.onDisconnected?.({ attempt: this.#attempt, delayMs, reason });
    this.#reconnectTimer = this.timers.setTimeout(() => this.#resyncThenConnect(), delayMs);
  }

  async #resyncThenConnect() {
    if (this.#stopped) return;
    if (this.handlers.beforeReconnect) {
      this.log.info("📡 Re-syncing meeting state from API...");
      try {
        await this.handlers.beforeReconnect();
        this.log.info("📡 State re-synced successfully");
      } catch (error) {
        if (error.status === 401) return this.#end("onUnauthorized", "401 during re-sync");
        if (error.status === 404) return this.#end("onGone", "404 during re-sync");
        this.log.warn(`📡 Re-sync failed (${error.message}); reconnecting anyway`);
      }
    }
    this.#connect();
  }

  #end(handler, reason) {
    this.stop(reason);
    this.handlers[handler]?.();
  }

  #armWatchdog() {
    this.timers.clearTimeout(this.#watchdogTimer);
    this.#watchdogTimer = this.timers.setTimeout(() => {
      this.log.warn(`📡 No data for ${this.#watchdogMs}ms; treating the stream as dead`);
      this.#watchdogFired = true;
      this.#controller?.abort();
    }, this.#watchdogMs);
  }
}

/** An error carrying the HTTP status of a failed re-sync request. */
export class HttpError extends Error {
  constructor(status) {
    super(`HTTP ${status}`);
    this.status = status;
  }
}
