/**
 * Live statuses on the meeting list: every row over the stream this browser's
 * tabs share, or, where it cannot share one, over one stream of its own.
 */
import { readMeetings } from "./live/api.js";
import { scheduleFrom } from "./live/backoff.js";
import { Banner } from "./live/banner.js";
import { bindToPage, goToLogin } from "./live/lifecycle.js";
import { applyStatus, fromApi } from "./live/render.js";
import { SharedStream, sharingSupported } from "./live/shared-stream.js";
import { LiveStream } from "./live/stream.js";

const table = document.querySelector("[data-live-list]");
const rows = new Map(
  [...(table?.querySelectorAll("tr[data-meeting-id]") ?? [])].map((row) => [row.dataset.meetingId, row]),
);
// The meetings the stream watches; a deleted one leaves, so reconnects skip it.
const watched = new Set(rows.keys());

function eventsUrl() {
  if (watched.size === 0) return "";
  const query = new URLSearchParams([...watched].map((id) => ["meeting", id]));
  return `${table.dataset.eventsUrl}?${query}`;
}

function markGone(meetingId) {
  watched.delete(meetingId);
  const row = rows.get(meetingId);
  if (!row) return;
  row.classList.add("meetings__row--gone");
  const badge = row.querySelector('[data-live="status"]');
  if (badge) {
    badge.textContent = "Deleted";
    badge.className = "badge badge--deleted";
  }
  const progress = row.querySelector('[data-live="progress-box"]');
  if (progress) progress.hidden = true;
}

/**
 * Read every watched row from the API, one request per 100; return whether
 * some turned out deleted (left out of the answer). Throw the first failure.
 */
async function resyncRows() {
  const meetings = [...watched].map((id) => ({ id, apiUrl: rows.get(id).dataset.apiUrl }));
  const { found, missing, failures } = await readMeetings(meetings);
  for (const [id, meeting] of found) applyStatus(rows.get(id), fromApi(meeting));
  for (const id of missing) markGone(id);
  if (failures.length > 0) throw failures[0];
  return missing.length > 0;
}

if (table && watched.size > 0) {
  const banner = new Banner(document.getElementById("connection-banner"));
  const handlers = {
    onConnected: () => banner.hide(),
    onStatus: (data) => {
      const row = rows.get(data.meetingId);
      if (row && watched.has(data.meetingId)) applyStatus(row, data);
    },
    onDeleted: ({ meetingId }) => markGone(meetingId),
    onUnauthorized: () => goToLogin(table.dataset.loginUrl),
    onDisconnected: ({ attempt }) => banner.show(attempt),
  };
  const stream = sharingSupported()
    ? new SharedStream({
      // No single-meeting events URL: the list streams on the multi endpoint.
      meetings: () => [...watched].map((id) => ({ id, apiUrl: rows.get(id).dataset.apiUrl })),
      versions: () => Object.fromEntries([...watched].map((id) => [id, Number(rows.get(id).dataset.version)])),
      multiUrl: table.dataset.eventsUrl,
      schedule: scheduleFrom(table.dataset),
      handlers,
    })
    : new LiveStream({
      url: eventsUrl,
      label: `${watched.size} meetings`,
      schedule: scheduleFrom(table.dataset),
      handlers: {
        ...handlers,
        // One missing meeting refuses the whole stream: drop it and go on.
        onGone: async () => {
          try {
            return await resyncRows();
          } catch {
            return false;
          }
        },
        beforeReconnect: resyncRows,
      },
    });
  bindToPage(stream);
  stream.start();
}
