/**
 * The status timeline of the detail page (templates/meetings/timeline.html):
 * each entry's time in the browser's zone, to the second, with UTC in the
 * tooltip; the time in the current status ("Processing for 2 min 13 s"),
 * ticking every second; and each change the live stream brings, from the
 * `meeting:status` event meeting-detail.js dispatches. When the page may have
 * missed a change (the version jumped, or the update has no statusChangedAt,
 * as a REST re-sync), the timeline reads the meeting again over REST.
 */
import { getJson } from "./live/api.js";
import { statusLabel } from "./live/statuses.js";
import { utcTime } from "./local-time.js";

// The text changes once a second; checking four times a second keeps it
// within a quarter second of the true elapsed time, and writes only changes.
const TICK_MS = 250;
const UNITS = [
  ["d", 24 * 3600],
  ["h", 3600],
  ["min", 60],
  ["s", 1],
];

/** Return a span as its largest unit and the next one: "2 min 13 s", "1 h", "0 s". */
export function formatElapsed(milliseconds) {
  let seconds = Math.max(0, Math.floor(milliseconds / 1000));
  const parts = [];
  for (const [unit, size] of UNITS) {
    const count = Math.floor(seconds / size);
    seconds -= count * size;
    if (parts.length === 1) {
      if (count > 0) parts.push(`${count} ${unit}`);
      break;
    }
    if (count > 0 || size === 1) parts.push(`${count} ${unit}`);
  }
  return parts.join(" ");
}

/** Return the date and time to the second in the browser's zone, e.g. "15 Jan 2030, 10:00:07". */
export function entryTime(date, locale = undefined, timeZone = undefined) {
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "medium", timeZone }).format(date);
}

function sameTime(a, b) {
  if (!a || !b) return !a && !b;
  return Date.parse(a) === Date.parse(b);
}

/**
 * Decide what a status update means for a timeline showing
 * {status, since, version}: "none", "append" (one transition, at
 * data.statusChangedAt) or "reload" (changes the page may have missed).
 */
export function timelineUpdate(shown, data) {
  const version = Number(data.version);
  if (!(version > shown.version)) return "none";
  const moved = data.status !== shown.status
    || (data.statusChangedAt != null && !sameTime(data.statusChangedAt, shown.since));
  if (!moved) return "none";
  if (data.statusChangedAt && data.status !== shown.status && version === shown.version + 1) return "append";
  return "reload";
}

/** Show a timeline <time> in the browser's zone, with UTC in the tooltip. */
export function showTime(element, locale = undefined, timeZone = undefined) {
  const date = new Date(element.getAttribute("datetime"));
  if (Number.isNaN(date.getTime())) return;
  element.textContent = entryTime(date, locale, timeZone);
  element.title = utcTime(date);
}

function follow(timeline) {
  const doc = timeline.ownerDocument;
  const list = timeline.querySelector("[data-timeline-list]");
  const elapsed = timeline.querySelector("[data-timeline-elapsed]");
  const empty = timeline.querySelector("[data-timeline-empty]");
  const meeting = timeline.closest("[data-live-meeting]");
  const { meetingId, apiUrl } = timeline.dataset;
  const shown = {
    status: elapsed.dataset.status,
    since: elapsed.dataset.since || null,
    version: Number(timeline.dataset.version),
  };

  const entry = (status, at) => {
    const item = doc.createElement("li");
    item.className = "timeline__entry";
    item.dataset.status = status;
    const badge = doc.createElement("span");
    badge.className = `badge badge--${status}`;
    badge.textContent = statusLabel(status, doc);
    const time = doc.createElement("time");
    time.dateTime = at;
    time.dataset.timelineTime = "";
    showTime(time);
    item.append(badge, " ", time);
    return item;
  };

  const tick = () => {
    if (meeting?.classList.contains("meeting--gone")) {
      elapsed.hidden = true; // a deleted meeting is in no status
      return false;
    }
    elapsed.hidden = !shown.since;
    if (shown.since) {
      const text = `${statusLabel(shown.status, doc)} for ${formatElapsed(Date.now() - Date.parse(shown.since))}`;
      if (elapsed.textContent !== text) elapsed.textContent = text;
    }
    return true;
  };

  const show = (status, since, version) => {
    Object.assign(shown, { status, since: since || null, version });
    elapsed.dataset.status = status;
    elapsed.dataset.since = since || "";
    empty.hidden = list.children.length > 0;
    tick();
  };

  let reading = null;
  let again = false;
  const reload = async () => {
    if (reading) {
      again = true;
      return;
    }
    reading = getJson(apiUrl).then((read) => {
      if (read.version < shown.version) return;
      list.replaceChildren(...read.status_history.map((change) => entry(change.status, change.at)));
      show(read.status, read.status_changed_at, read.version);
    }).catch((error) => console.warn("Timeline: could not read the status history", error));
    await reading;
    reading = null;
    if (again) {
      again = false;
      reload();
    }
  };

  doc.addEventListener("meeting:status", ({ detail: data }) => {
    if (String(data.meetingId).toLowerCase() !== meetingId.toLowerCase()) return;
    const update = timelineUpdate(shown, data);
    if (update === "append") {
      list.append(entry(data.status, data.statusChangedAt));
      show(data.status, data.statusChangedAt, Number(data.version));
    } else if (update === "reload") {
      reload();
    } else if (Number(data.version) > shown.version) {
      shown.version = Number(data.version);
    }
  });

  for (const time of list.querySelectorAll("time[data-timeline-time]")) showTime(time);
  tick();
  const timer = setInterval(() => {
    if (!tick()) clearInterval(timer);
  }, TICK_MS);
}

if (typeof document !== "undefined") {
  const timeline = document.querySelector("[data-timeline]");
  if (timeline) follow(timeline);
}
