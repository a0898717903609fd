/**
 * Live status on the meeting detail page: through the stream this browser's
 * tabs share, or, where it cannot share one, a stream of its own.
 */
import { getJson } from "./live/api.js";
import { scheduleFrom } from "./live/backoff.js";
import { Banner } from "./live/banner.js";
import { bindToPage, goToLogin } from "./live/lifecycle.js";
import { applyStatus, fromApi } from "./live/render.js";
import { SharedStream, sharingSupported } from "./live/shared-stream.js";
import { LiveStream } from "./live/stream.js";

const root = document.querySelector("[data-live-meeting]");

if (root) {
  const { meetingId, eventsUrl, sharedEventsUrl, apiUrl, loginUrl } = root.dataset;
  const banner = new Banner(document.getElementById("connection-banner"));
  const gone = document.getElementById("meeting-gone");

  const showDeleted = () => {
    stream.stop("meeting deleted");
    banner.hide();
    if (gone) gone.hidden = false;
    root.classList.add("meeting--gone");
    for (const action of root.querySelectorAll("[data-needs-meeting]")) action.hidden = true;
  };

  const handlers = {
    onConnected: () => banner.hide(),
    onStatus: (data) => applyStatus(root, data),
    onDeleted: showDeleted,
    onUnauthorized: () => goToLogin(loginUrl),
    onDisconnected: ({ attempt }) => banner.show(attempt),
  };
  const stream = sharedEventsUrl && sharingSupported()
    ? new SharedStream({
      meetings: () => (root.classList.contains("meeting--gone") ? [] : [{ id: meetingId, apiUrl, eventsUrl }]),
      versions: () => ({ [meetingId]: Number(root.dataset.version) }),
      multiUrl: sharedEventsUrl,
      schedule: scheduleFrom(root.dataset),
      handlers,
    })
    : new LiveStream({
      url: eventsUrl,
      label: `meeting ${meetingId}`,
      schedule: scheduleFrom(root.dataset),
      handlers: {
        ...handlers,
        onGone: showDeleted,
        beforeReconnect: async () => applyStatus(root, fromApi(await getJson(apiUrl))),
      },
    });
  bindToPage(stream);
  stream.start();
}
