/**
 * Live status on the meeting detail page: through the stream this browser's
 * tabs share, or, where it cannot share one, a stream of its own. A change
 * of status is told (live/news.js); a meeting deleted meanwhile says
 * "Deleted" and stops.
 */
import { newsFor } from "./live/news.js";
import { follow } from "./live/page-stream.js";
import { applyStatus, showDeleted, statusOf } from "./live/render.js";

const root = document.querySelector("[data-live-meeting]");

if (root) {
  const { meetingId, meetingEventsUrl, apiUrl } = root.dataset;
  const gone = document.getElementById("meeting-gone");
  const news = newsFor(document);
  let stream = null;

  const title = () => root.querySelector('[data-live="title"]')?.textContent ?? "";

  const endForDeletion = () => {
    if (root.classList.contains("meeting--gone")) return;
    root.classList.add("meeting--gone");
    showDeleted(root);
    news.statusChanged({ meetingId, version: root.dataset.version, title: title(), status: "deleted" });
    stream?.stop("meeting deleted"); // which hides the disconnect banner too
    if (gone) gone.hidden = false;
    for (const action of root.querySelectorAll("[data-needs-meeting]")) action.hidden = true;
  };

  stream = follow(root, {
    meetings: () => (root.classList.contains("meeting--gone")
      ? [] : [{ id: meetingId, apiUrl, eventsUrl: meetingEventsUrl }]),
    versions: () => ({ [meetingId]: Number(root.dataset.version) }),
    onStatus: (data) => {
      const before = statusOf(root);
      if (!applyStatus(root, data)) return;
      // For the other scripts of the page (timeline.js): the update shown.
      root.dispatchEvent(new CustomEvent("meeting:status", { bubbles: true, detail: data }));
      if (data.status !== before) news.statusChanged(data);
    },
    onDeleted: endForDeletion,
    label: `meeting ${meetingId}`,
  });
}
