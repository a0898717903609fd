/**
 * The admin's change form, told when its meeting changes elsewhere: a newer
 * version than the form opened with shows a polite notice saying what changed,
 * with a link to reload; a deletion says so. The form's inputs are left as the
 * user has them: saving still compares only the fields they changed.
 */
import { statusLabel } from "../live/statuses.js";
import { follow } from "../live/page-stream.js";

const root = document.querySelector("[data-live-change-form]");
const notice = document.getElementById("meeting-changed");

/** Return what differs between the form as opened and data, in words. */
function describe(opened, data) {
  const changes = [];
  if (data.title !== opened.title) changes.push(`the title is now “${data.title}”`);
  if (data.status !== opened.status) {
    changes.push(`the status is now ${statusLabel(data.status)} (was ${statusLabel(opened.status)})`);
  }
  if (Number(data.progress) !== opened.progress) changes.push(`the progress is now ${data.progress}%`);
  if (data.statusMessage !== opened.statusMessage) changes.push("the status message changed");
  if (changes.length === 0) return "Fields other than the status changed.";
  const text = changes.join("; ");
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}

function say(title, text, link) {
  const heading = document.createElement("p");
  const strong = document.createElement("strong");
  strong.textContent = title;
  heading.append(strong);
  const body = document.createElement("p");
  body.append(`${text} `);
  const anchor = document.createElement("a");
  anchor.href = link.href;
  anchor.textContent = link.text;
  body.append(anchor, link.after ?? "");
  notice.dataset.state = link.state;
  notice.replaceChildren(heading, body);
}

if (root && notice) {
  const { meetingId, apiUrl, meetingEventsUrl, changelistUrl } = root.dataset;
  const opened = {
    version: Number(root.dataset.version),
    title: root.dataset.title,
    status: root.dataset.status,
    progress: Number(root.dataset.progress),
    statusMessage: root.dataset.statusMessage,
  };
  let shown = opened.version;
  let gone = false;
  let stream = null;
  stream = follow(root, {
    meetings: () => (gone ? [] : [{ id: meetingId, apiUrl, eventsUrl: meetingEventsUrl }]),
    versions: () => ({ [meetingId]: shown }),
    onStatus: (data) => {
      if (gone || data.meetingId !== meetingId || Number(data.version) <= shown) return;
      shown = Number(data.version);
      say("This meeting changed since you opened it.", describe(opened, data), {
        href: window.location.pathname,
        text: "Reload the form",
        after: " to start from the current values (what you typed here is lost), or save: "
          + "only the fields you changed are written, and a clash with this change is shown before anything is saved.",
        state: "changed",
      });
    },
    onDeleted: ({ meetingId: id }) => {
      if (gone || id !== meetingId) return;
      gone = true;
      stream?.stop("meeting deleted");
      say("This meeting was deleted elsewhere.", "Saving cannot bring it back.", {
        href: changelistUrl,
        text: "Back to the meetings",
        state: "deleted",
      });
    },
    label: `meeting ${meetingId}`,
  });
}
