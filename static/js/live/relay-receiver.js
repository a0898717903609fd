/**
 * A tab's side of the shared stream: apply one message that the tab holding
 * the stream relayed, through the page's handlers (the same ones LiveStream
 * calls), and log the same flow as LiveStream does. No DOM, so it is
 * unit-tested under Node.
 */
import { logStatus } from "./stream.js";

/**
 * @param {object} message what the leader posted ({type, …})
 * @param {object} tab {watches(id), handlers, log, quiet, state}: quiet skips
 *   the log lines (the leader's own LiveStream has written them); state.attempt
 *   remembers the shared stream's reconnect attempt, so a tab that takes over
 *   goes on counting from there.
 */
export function receive(message, { watches, handlers, log = console, quiet = false, state = {} }) {
  const say = (level, ...parts) => { if (!quiet) log[level](...parts); };
  switch (message?.type) {
    case "connected":
      state.attempt = 0;
      say("info", "📡 SSE connected:", message.data);
      handlers.onConnected?.(message.data);
      break;
    case "status":
      if (!watches(message.data?.meetingId)) break;
      state.attempt = 0;
      state.seen ??= new Map();
      if (!message.resync && !quiet) logStatus(log, state.seen, message.data);
      handlers.onStatus?.(message.data);
      break;
    case "deleted":
      if (!watches(message.data?.meetingId)) break;
      say("info", "📡 Meeting deleted:", message.data);
      handlers.onDeleted?.(message.data);
      break;
    case "error":
      say("warn", "📡 Server could not read the latest status:", message.data);
      handlers.onError?.(message.data);
      break;
    case "recovered":
      say("info", "📡 Live again");
      handlers.onRecovered?.();
      break;
    case "stopped":
      // The shared stream stopped for good: a 204, another 4xx, nothing left to watch.
      say("info", `📡 SSE closed (${message.reason})`);
      handlers.onStopped?.(message.reason);
      handlers.onEnded?.(message.reason);
      break;
    case "changed":
      say("debug", "📡 Meetings changed in view:", message.data);
      handlers.onChanged?.(message.data);
      break;
    case "disconnected": {
      const { attempt, delayMs, retryAt = null, reason } = message;
      state.attempt = attempt;
      say("info", `📡 SSE disconnected (${reason}), showing banner and scheduling reconnect...`);
      say("info", `📡 Reconnecting in ${delayMs}ms (attempt ${attempt})...`);
      handlers.onDisconnected?.({ attempt, delayMs, retryAt, reason });
      break;
    }
    case "resyncing":
      say("info", "📡 Re-syncing meeting state from API...");
      break;
    case "resynced":
      say("info", "📡 State re-synced successfully");
      break;
    case "unauthorized":
      say("info", "📡 Not logged in any more; going to the login page");
      handlers.onUnauthorized?.();
      break;
    case "state":
      // The leader's answer to this tab's joining: what it missed, and
      // whether the shared stream is up.
      for (const data of message.statuses ?? []) {
        if (watches(data.meetingId)) handlers.onStatus?.(data);
      }
      for (const meetingId of message.gone ?? []) {
        if (watches(meetingId)) handlers.onDeleted?.({ meetingId });
      }
      if (message.ended) {
        handlers.onEnded?.(message.ended);
      } else if (message.attempt > 0) {
        state.attempt = message.attempt;
        handlers.onDisconnected?.({
          attempt: message.attempt, delayMs: null, retryAt: message.retryAt ?? null, reason: "shared stream down",
        });
      } else if (message.up) {
        handlers.onConnected?.(null);
        if (message.error) handlers.onError?.(message.error);
      }
      break;
    default:
      break;
  }
}
