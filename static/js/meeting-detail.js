/** Live status on the meeting detail page. */
import { Banner } from "./live/banner.js";
import { getJson, goToLogin, stopOnLeave } from "./live/page.js";
import { applyStatus, fromApi } from "./live/render.js";
import { LiveStream } from "./live/stream.js";

const root = document.querySelector("[data-live-meeting]");

function showDeleted(stream) {
  stream.stop("meeting deleted");
  banner.hide();
  document.getElementById("meeting-gone").hidden = false;
  root.classList.add("meeting--gone");
}

const banner = new Banner(document.getElementById("connection-banner"));

if (root) {
  const { meetingId, eventsUrl, apiUrl, loginUrl } = root.dataset;
  const stream = new LiveStream({
    url: eventsUrl,
    label: `meeting ${meetingId}`,
    handlers: {
      onConnected: () => banner.hide(),
      onStatus: (data) => applyStatus(root, data),
      onDeleted: () => showDeleted(stream),
      onGone: () => showDeleted(stream),
      onUnauthorized: () => goToLogin(loginUrl),
      onDisconnected: ({ attempt }) => banner.show(attempt),
      beforeReconnect: async () => applyStatus(root, fromApi(await getJson(apiUrl))),
    },
  });
  stopOnLeave(stream);
  stream.start();
}
