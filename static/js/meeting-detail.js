/**
 * Live status on the meeting detail page: through the stream this browser's
 * tabs share, or, where it cannot share one, a stream of its own.
 */
import { follow } from "./live/page-stream.js";
import { applyStatus } from "./live/render.js";

const root = document.querySelector("[data-live-meeting]");

if (root) {
  const { meetingId, meetingEventsUrl, apiUrl } = root.dataset;
  const gone = document.getElementById("meeting-gone");
  let stream = null;

  const endForDeletion = () => {
    root.classList.add("meeting--gone");
    stream?.stop("meeting deleted"); // which hides the disconnect banner too
    if (gone) gone.hidden = false;
    for (const action of root.querySelectorAll("[data-needs-meeting]")) action.hidden = true;
  };

  stream = follow(root, {
    meetings: () => (root.classList.contains("meeting--gone")
      ? [] : [{ id: meetingId, apiUrl, eventsUrl: meetingEventsUrl }]),
    versions: () => ({ [meetingId]: Number(root.dataset.version) }),
    onStatus: (data) => applyStatus(root, data),
    onDeleted: endForDeletion,
    label: `meeting ${meetingId}`,
  });
}
