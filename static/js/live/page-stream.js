/**
 * Follow what a page shows: over the stream this browser's tabs share, or,
 * where it cannot share one, over a stream of the page's own that re-syncs
 * over REST before each reconnect. Every live page, site and admin, starts
 * its stream here, and shows the page's disconnect banner (#connection-banner)
 * while the stream is down, and only until it stops; its freshness line
 * ([data-freshness]: "Live", "Updates paused: shown as of 14:02"); and
 * retries at once when recovery is likely (live/lifecycle.js).
 */
import { resyncMeetings } from "./api.js";
import { scheduleFrom } from "./backoff.js";
import { Banner } from "./banner.js";
import { Freshness } from "./freshness.js";
import { bindRecovery, bindToPage, goToLogin } from "./lifecycle.js";
import { newsFor } from "./news.js";
import { SharedStream, sharingSupported } from "./shared-stream.js";
import { LiveStream } from "./stream.js";
import { streamUrl } from "./watch-set.js";

/** Return when the page's data was read: its data-read-at, else when it was loaded. */
function readAt(root) {
  const ms = Number(root.dataset.readAt);
  return new Date(ms > 0 ? ms : globalThis.performance?.timeOrigin ?? Date.now());
}

/**
 * Start following; return the stream, or null with nothing to follow.
 * Stopping the stream (the page's stop(), or the stream's own) hides the
 * banner: a stopped stream is not retrying.
 *
 * @param {HTMLElement} root its data-events-url (the multi-meeting endpoint),
 *   data-login-url and data-reconnect-base-ms configure the stream; it
 *   carries data-stale while its data is not live
 * @param {object} page
 * @param {function(): object[]} page.meetings followed now, as
 *   [{id, apiUrl, eventsUrl?}]; a deleted one should leave it. One with an
 *   eventsUrl alone streams on the single-meeting endpoint.
 * @param {function(): object} page.versions {meeting id: version shown}
 * @param {function(object)} page.onStatus a status payload, or a REST meeting
 *   after a re-sync (in the same shape)
 * @param {function(object)} page.onDeleted {meetingId} of a deleted meeting
 * @param {function(): object|null} page.scope {since: milliseconds} to hear
 *   of every meeting in view created, changed or deleted since (a scope
 *   stream's `changed`, docs/events.md), or null
 * @param {function(object)} page.onChanged a scope stream's `changed`
 * @param {function(object)} page.onConnected, page.onDisconnected the
 *   connection's state, besides the banner
 * @param {string} page.label what the log lines call the stream
 * @param {object} [io] for tests: sharing (default: whether this browser can
 *   share a stream), and the streams' fetch, timers, log, random, locks and
 *   openChannel
 */
export function follow(root, {
  meetings, versions = () => ({}), onStatus = () => {}, onDeleted = () => {}, scope = () => null,
  onChanged, onConnected, onDisconnected, label,
}, { sharing = sharingSupported(), ...io } = {}) {
  if (meetings().length === 0 && !scope()) return null;
  const { eventsUrl, loginUrl } = root.dataset;
  const schedule = scheduleFrom(root.dataset);
  let stream = null;
  const banner = new Banner(document.getElementById("connection-banner"), {
    onRetry: () => stream?.retryNow("Retry now"), timers: io.timers,
  });
  const freshness = new Freshness(document.querySelector("[data-freshness]"), [root], {
    loadedAt: readAt(root),
  });
  const news = newsFor(document);
  const handlers = {
    onConnected: (data) => {
      banner.hide();
      freshness.live();
      onConnected?.(data);
    },
    onDisconnected: (event) => {
      banner.show(event);
      freshness.paused();
      onDisconnected?.(event);
    },
    // The stream is up, but the server cannot read the store: nothing is current.
    onError: () => {
      if (freshness.state === "live") news.say("Updates paused");
      freshness.paused();
    },
    onRecovered: () => {
      if (freshness.state === "paused") news.say("Live again");
      freshness.live();
    },
    onStatus,
    onDeleted,
    onChanged,
    onUnauthorized: () => goToLogin(loginUrl),
    onStopped: () => {
      banner.hide();
      freshness.idle();
    },
    onEnded: () => {
      banner.hide();
      freshness.ended();
    },
  };
  // Read every followed meeting; return whether some turned out deleted.
  const resync = async () => {
    if (meetings().length === 0) return false;
    return resyncMeetings(meetings(), {
      onStatus: (data) => onStatus(data),
      onDeleted: (meetingId) => onDeleted({ meetingId }),
    }, io.fetch);
  };
  stream = sharing
    ? new SharedStream({ meetings, versions, scope, multiUrl: eventsUrl, schedule, handlers, ...io })
    : new LiveStream({
      url: () => streamUrl(meetings(), eventsUrl, scope()),
      label,
      schedule,
      ...io,
      handlers: {
        ...handlers,
        // A missing meeting refuses the whole stream: drop it and go on.
        onGone: resync,
        beforeReconnect: resync,
        // Whether the store answers again: a re-sync that read something.
        probe: async () => {
          if (meetings().length === 0) return false;
          await resync();
          return true;
        },
      },
    });
  bindToPage(stream);
  bindRecovery(stream, { random: io.random });
  stream.start();
  return stream;
}
