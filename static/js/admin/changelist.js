/**
 * Live rows on the admin's meetings changelist: each row's status, progress,
 * title and update time, as the site's list shows them; a deleted row is
 * marked. The counts above the list are read again when any meeting in view
 * is created, changed or deleted (the shared stream's scope, from when the
 * page read them: data-read-at).
 */
import { applyStatus, formatTime, showDeleted } from "../live/render.js";
import { refreshCounts } from "./counts.js";
import { follow } from "../live/page-stream.js";

const table = document.querySelector("[data-live-rows]");
const rows = new Map(
  [...(table?.querySelectorAll("tr[data-meeting-id]") ?? [])].map((row) => [row.dataset.meetingId, row]),
);
// The meetings followed; a deleted one leaves, so reconnects skip it.
const followed = new Set(rows.keys());

function showStatus(data) {
  const row = rows.get(data.meetingId);
  if (!row || !followed.has(data.meetingId) || !applyStatus(row, data)) return;
  const updated = row.querySelector("[data-live-updated]");
  // The column's heading says UTC already.
  if (updated && data.updatedAt) updated.textContent = formatTime(data.updatedAt).replace(/ UTC$/, "");
  row.dataset.status = data.status;
}

function markGone({ meetingId }) {
  if (!followed.delete(meetingId)) return;
  const row = rows.get(meetingId);
  row.classList.add("result-gone");
  showDeleted(row);
}

if (table && followed.size > 0) {
  const since = Number(table.dataset.readAt) || null;
  follow(table, {
    meetings: () => [...followed].map((id) => ({ id, apiUrl: rows.get(id).dataset.apiUrl })),
    versions: () => Object.fromEntries([...followed].map((id) => [id, Number(rows.get(id).dataset.version)])),
    onStatus: showStatus,
    onDeleted: markGone,
    scope: () => ({ since }),
    onChanged: () => refreshCounts(),
    label: `${followed.size} meetings and the meetings in view`,
  });
}
