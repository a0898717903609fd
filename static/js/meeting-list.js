/**
 * The live meeting list: every row's status over the stream this browser's
 * tabs share (or, where it cannot share one, over one stream of its own),
 * and the list itself through the scope (docs/events.md): when meetings in
 * view change, the same page is read again over REST, new meetings that
 * match the filter are offered behind a "N new meetings" prompt, and rows
 * that left the filter are marked until the next refresh. A row's change of
 * status is told (live/news.js).
 */
// The filters apply as they change: a behaviour of its own, loaded with the list.
import "./list-filters.js";
import { getJson } from "./live/api.js";
import { goToLogin } from "./live/lifecycle.js";
import { newsFor } from "./live/news.js";
import { follow } from "./live/page-stream.js";
import { applyStatus, showDeleted, statusOf } from "./live/render.js";

/** How long changes gather before the list is read again. */
const CHECK_DELAY_MS = 300;

const list = document.querySelector("[data-live-list]");
const rows = new Map(
  [...(list?.querySelectorAll("tr[data-meeting-id]") ?? [])].map((row) => [row.dataset.meetingId, row]),
);
// The meetings the stream watches; a deleted one leaves, so reconnects skip it.
const watched = new Set(rows.keys());
const scope = () => ({ since: Number(list.dataset.readAt) });
const news = newsFor(document);

function markGone(meetingId) {
  watched.delete(meetingId);
  const row = rows.get(meetingId);
  if (!row || row.classList.contains("meetings__row--gone")) return;
  row.classList.add("meetings__row--gone");
  showDeleted(row);
  const title = row.querySelector('[data-live="title"]')?.textContent ?? "";
  news.statusChanged({ meetingId, version: row.dataset.version, title, status: "deleted" });
}

/** The list as the server sees it now, against the rows on the page. */
class ListCheck {
  #timer = null;
  #running = false;
  #again = false;
  #fresh = new Set();

  constructor(root) {
    this.root = root;
    this.news = root.querySelector("[data-list-news]");
    this.firstPage = "firstPage" in root.dataset;
    this.filtered = "filtered" in root.dataset;
    this.orderField = root.dataset.orderField || "created_at";
    this.latestFirst = "latestFirst" in root.dataset;
  }

  /** Where a date (ISO-8601, or none) falls in the list's order: lower comes first. */
  rank(value) {
    const time = value ? Date.parse(value) : Number.NaN;
    if (Number.isNaN(time)) return Number.MAX_VALUE; // undated: last, but before "no next page"
    return this.latestFirst ? -time : time;
  }

  /** A scope stream's `changed`: read the list again if it may differ. */
  onChanged({ changes = [], reset = false }) {
    let worth = reset;
    for (const { meetingId, deleted } of changes) {
      if (deleted) {
        if (this.#fresh.delete(meetingId)) this.#render();
      } else if (rows.has(meetingId)) {
        worth ||= this.filtered; // it may have left the filter
      } else {
        worth ||= this.firstPage; // new, or newly matching the filter
      }
    }
    if (worth) this.schedule();
  }

  schedule() {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#run(), CHECK_DELAY_MS);
  }

  async #run() {
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = true;
    try {
      this.#apply(await getJson(this.root.dataset.listApiUrl));
    } catch (error) {
      if (error.status === 401 || error.status === 403) goToLogin(this.root.dataset.loginUrl);
      else console.warn(`📡 Could not read the list again (${error.message})`);
    } finally {
      this.#running = false;
      if (this.#again) {
        this.#again = false;
        this.schedule();
      }
    }
  }

  #apply({ results, next_cursor: nextCursor }) {
    const listed = new Set(results.map((meeting) => meeting.id));
    if (this.firstPage) {
      this.#fresh = new Set(results.filter((meeting) => !rows.has(meeting.id)).map((meeting) => meeting.id));
    }
    // In the list's order (by the date in data-order-field, undated last): a
    // row absent from the answer left the filter, unless it comes after the
    // answer's last meeting (pushed to the next page).
    const last = results.at(-1);
    const bound = nextCursor && last ? this.rank(last[this.orderField]) : Infinity;
    for (const [id, row] of rows) {
      if (row.classList.contains("meetings__row--gone")) continue;
      const left = !listed.has(id) && this.rank(row.dataset.orderAt) < bound;
      if (left !== row.classList.contains("meetings__row--left")) {
        row.classList.toggle("meetings__row--left", left);
        row.querySelector('[data-live="left-filter"]').hidden = !left;
        if (left) console.info(`📡 Meeting ${id} no longer matches this list's filter`);
      }
    }
    this.#render();
  }

  #render() {
    const count = this.#fresh.size;
    const text = count === 1 ? "1 new meeting, show" : `${count} new meetings, show`;
    if (count > 0 && this.news.textContent !== text) console.info(`📡 ${text.replace(", show", "")} in this list`);
    this.news.textContent = count > 0 ? text : "";
    this.news.hidden = count === 0;
  }
}

if (list) {
  const check = new ListCheck(list);
  follow(list, {
    meetings: () => [...watched].map((id) => ({ id, apiUrl: rows.get(id).dataset.apiUrl })),
    versions: () => Object.fromEntries([...watched].map((id) => [id, Number(rows.get(id).dataset.version)])),
    onStatus: (data) => {
      const row = rows.get(data.meetingId);
      if (!row || !watched.has(data.meetingId)) return;
      const before = statusOf(row);
      if (applyStatus(row, data) && data.status !== before) news.statusChanged(data);
    },
    onDeleted: ({ meetingId }) => markGone(meetingId),
    scope,
    onChanged: (data) => check.onChanged(data),
    label: `${watched.size} meetings and the meetings in view`,
  });
}
