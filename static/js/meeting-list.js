/** Live statuses on the meeting list: one stream for every row on the page. */
import { Banner } from "./live/banner.js";
import { getJson, goToLogin, stopOnLeave } from "./live/page.js";
import { applyStatus, fromApi } from "./live/render.js";
import { HttpError, LiveStream } from "./live/stream.js";

const table = document.querySelector("[data-live-list]");

function rowFor(meetingId) {
  return table.querySelector(`tr[data-meeting-id="${CSS.escape(meetingId)}"]`);
}

function markGone(meetingId) {
  const row = rowFor(meetingId);
  if (!row) return;
  row.classList.add("meetings__row--gone");
  const badge = row.querySelector('[data-live="status"]');
  if (badge) badge.textContent = "Deleted";
}

async function resyncRows() {
  const rows = [...table.querySelectorAll("tr[data-meeting-id]")];
  await Promise.all(rows.map(async (row) => {
    try {
      applyStatus(row, fromApi(await getJson(`${table.dataset.apiUrl}/${row.dataset.meetingId}`)));
    } catch (error) {
      if (error instanceof HttpError && error.status === 404) markGone(row.dataset.meetingId);
      else throw error;
    }
  }));
}

if (table && table.dataset.eventsUrl) {
  const banner = new Banner(document.getElementById("connection-banner"));
  const stream = new LiveStream({
    url: table.dataset.eventsUrl,
    label: `${table.querySelectorAll("tr[data-meeting-id]").length} meetings`,
    handlers: {
      onConnected: () => banner.hide(),
      onStatus: (data) => {
        const row = rowFor(data.meetingId);
        if (row) applyStatus(row, data);
      },
      onDeleted: ({ meetingId }) => markGone(meetingId),
      onUnauthorized: () => goToLogin(table.dataset.loginUrl),
      onDisconnected: ({ attempt }) => banner.show(attempt),
      beforeReconnect: resyncRows,
    },
  });
  stopOnLeave(stream);
  stream.start();
}
