/**
 * Show every <time data-local-time> in the browser's own time zone, with how
 * long ago (or how soon) it is, refreshed every 30 seconds; the server's UTC
 * text moves to the tooltip. A time the live script rewrites (its datetime
 * changes) is shown again at once. Without JavaScript the UTC text stays.
 */
const REFRESH_MS = 30_000;
const UNITS = [
  ["year", 365 * 24 * 3600],
  ["month", 30 * 24 * 3600],
  ["week", 7 * 24 * 3600],
  ["day", 24 * 3600],
  ["hour", 3600],
  ["minute", 60],
];

/** Return "2 min ago", "in 3 days", "now": seconds from now, in the largest fitting unit. */
export function relativeTime(date, now, locale) {
  const format = new Intl.RelativeTimeFormat(locale, { numeric: "auto", style: "short" });
  const seconds = (date.getTime() - now.getTime()) / 1000;
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return format.format(Math.round(seconds / size), unit);
  }
  return format.format(0, "second");
}

/** Return the date and time in the browser's zone, e.g. "15 Jan 2030, 10:00". */
export function localTime(date, locale, timeZone) {
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short", timeZone }).format(date);
}

/** Return the UTC tooltip, e.g. "2030-01-15 09:00:00 UTC". */
export function utcTime(date) {
  return `${date.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** Show one <time> element locally; leave it alone when its datetime is not a date. */
export function showLocally(element, now = new Date(), locale = undefined, timeZone = undefined) {
  const date = new Date(element.getAttribute("datetime"));
  if (Number.isNaN(date.getTime())) return;
  const text = `${localTime(date, locale, timeZone)} (${relativeTime(date, now, locale)})`;
  // Setting the same text again would wake the observer for nothing.
  if (element.textContent !== text) element.textContent = text;
  element.title = utcTime(date);
}

function showAll(root) {
  for (const element of root.querySelectorAll("time[data-local-time]")) showLocally(element);
}

if (typeof document !== "undefined") {
  showAll(document);
  setInterval(() => showAll(document), REFRESH_MS);
  // The live script rewrites a time's datetime and text on every update.
  new MutationObserver((changes) => {
    for (const change of changes) {
      const element = change.target.closest?.("time[data-local-time]");
      if (element) showLocally(element);
    }
  }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ["datetime"], childList: true });
}
