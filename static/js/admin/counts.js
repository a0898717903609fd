/**
 * The meetings per status on an admin page (the changelist's counts, the
 * dashboard's chart), read again from the admin's counts view when something
 * may have moved them. refreshCounts() may be called as often as events come:
 * it reads at most once per data-counts-refresh-ms (1 s), and does
 * nothing on a page without counts (no data-status-counts-url).
 */
import { getJson } from "../live/api.js";
import { throttle } from "./throttle.js";

const root = globalThis.document?.querySelector("[data-status-counts-url]");

function show({ counts, total, chart }) {
  for (const [status, number] of [...Object.entries(counts), ["all", total]]) {
    for (const element of document.querySelectorAll(`[data-status-count="${status}"]`)) {
      element.textContent = String(number);
    }
  }
  const svg = document.querySelector("[data-status-chart]");
  if (!svg || !chart) return;
  svg.querySelector("title").textContent = chart.title;
  svg.querySelector("desc").textContent = chart.description;
  for (const bar of chart.bars) {
    svg.querySelector(`[data-status-bar="${bar.status}"]`)?.setAttribute("width", String(bar.width));
    svg.querySelector(`[data-status-count="${bar.status}"]`)?.setAttribute("x", String(bar.count_x));
    svg.querySelector(`[data-status-link="${bar.status}"]`)?.setAttribute("aria-label", `${bar.label}: ${bar.count}`);
  }
}

async function load() {
  try {
    const data = await getJson(root.dataset.statusCountsUrl);
    show(data);
    console.info("📡 Status counts refreshed:", data.counts);
  } catch (error) {
    // A page that stays as it is beats one that breaks; the next change retries.
    console.warn(`📡 Could not refresh the status counts (${error.message})`);
  }
}

const refresh = root ? throttle(load, Number(root.dataset.countsRefreshMs) || 1000) : () => {};

/** Read the counts again soon (at most once per poll interval) and show them. */
export function refreshCounts() {
  refresh();
}
