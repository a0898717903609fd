/**
 * While a stream is open but its server cannot read the store (an `error`
 * event), check over REST, on the reconnect backoff, whether the store
 * answers again: the server sends nothing when it recovers unless something
 * changed. No DOM, so it is unit-tested under Node (through LiveStream).
 */
import { isUnauthorized } from "./api.js";
import { reconnectDelay } from "./backoff.js";

export class StoreCheck {
  #attempt = 0;
  #checking = false;
  // Bumped by every start and clear: a check begun before gives up.
  #generation = 0;
  #timer = null;
  #waiting = false;

  /**
   * @param {object} options
   * @param {function(): Promise<boolean>} [options.probe] reads over REST;
   *   resolves true if the store answered, false if there was nothing to read
   * @param {function(string)} options.onRecovered the store answers again
   * @param {function(Error)} options.onUnauthorized the session is gone
   * @param {function(): object} options.schedule the stream's current backoff
   */
  constructor({ probe, onRecovered, onUnauthorized, schedule, random, timers, log }) {
    Object.assign(this, { probe, onRecovered, onUnauthorized, schedule, random, timers, log });
  }

  /** Whether the store is known not to answer. */
  get waiting() { return this.#waiting; }

  /** The server said it cannot read the store: check on the backoff until it can. */
  start() {
    if (this.#waiting) return;
    this.#waiting = true;
    this.#generation += 1;
    this.#attempt = 0;
    this.#schedule(this.#generation);
  }

  /** Check now rather than at the next try; return whether it did. */
  now() {
    if (!this.#waiting || this.#checking) return false;
    this.timers.clearTimeout(this.#timer);
    this.#check(this.#generation);
    return true;
  }

  /** The store answered some other way (an event came): stop checking; return whether it was waiting. */
  answered(why) {
    if (!this.#waiting) return false;
    this.clear();
    this.log.info(`📡 Live again (${why})`);
    this.onRecovered(why);
    return true;
  }

  /** Stop checking, saying nothing (the stream stopped or reconnects anyway). */
  clear() {
    this.#waiting = false;
    this.#generation += 1;
    this.timers.clearTimeout(this.#timer);
    this.#timer = null;
  }

  #schedule(generation) {
    if (!this.probe || generation !== this.#generation) return;
    this.#attempt += 1;
    const delayMs = reconnectDelay(this.#attempt, this.schedule(), this.random);
    this.#timer = this.timers.setTimeout(() => this.#check(generation), delayMs);
  }

  async #check(generation) {
    if (!this.probe || generation !== this.#generation) return;
    this.#checking = true;
    let read = false;
    try {
      read = await this.probe();
    } catch (error) {
      if (generation !== this.#generation) return;
      if (isUnauthorized(error)) return this.onUnauthorized(error);
      this.log.info(`📡 The store still does not answer (${error.message})`);
      return this.#schedule(generation);
    } finally {
      this.#checking = false;
    }
    // Nothing to read (a list with no row) tells nothing: an event will.
    if (read && generation === this.#generation) this.answered("the store answers again");
  }
}
