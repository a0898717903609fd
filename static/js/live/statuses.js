/**
 * The meeting statuses as the server defines them (Status in meetings/domain/lifecycle.py):
 * each one's label and whether it shows progress. The base templates render them
 * into <script id="meeting-statuses" type="application/json">; this module reads
 * that once per page, so the browser keeps no list of its own.
 */
const read = new WeakMap();

function statuses(doc) {
  if (!doc) return new Map();
  if (!read.has(doc)) {
    const text = doc.getElementById("meeting-statuses")?.textContent;
    read.set(doc, new Map((text ? JSON.parse(text) : []).map((status) => [status.value, status])));
  }
  return read.get(doc);
}

/** Return the status's label; one the page does not know shows as it is sent. */
export function statusLabel(value, doc = globalThis.document) {
  return statuses(doc).get(value)?.label ?? value;
}

/** Return whether a meeting in this status shows its progress. */
export function showsProgress(value, doc = globalThis.document) {
  return statuses(doc).get(value)?.showsProgress === true;
}
