/** Show a meeting's status on the page: the badge, progress, message and time. */
import { showsProgress, statusLabel } from "./statuses.js";

export function formatTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** Return the status root (a page or a row) shows, from its badge's class, or "". */
export function statusOf(root) {
  const badge = root.querySelector('[data-live="status"]');
  const name = [...(badge?.classList ?? [])].find((cls) => cls.startsWith("badge--"));
  return name ? name.slice("badge--".length) : "";
}

/**
 * Update the fields inside root (an element with data-version) from data.
 * Return false, changing nothing, when data is older than what is shown.
 */
export function applyStatus(root, data) {
  if (Number(data.version) < Number(root.dataset.version || 0)) return false;
  root.dataset.version = String(data.version);
  const field = (name) => root.querySelector(`[data-live="${name}"]`);
  const badge = field("status");
  if (badge) {
    badge.textContent = statusLabel(data.status, root.ownerDocument);
    badge.classList.remove(...[...badge.classList].filter((name) => name.startsWith("badge--")));
    badge.classList.add(`badge--${data.status}`);
  }
  const progressBox = field("progress-box");
  if (progressBox) progressBox.hidden = !showsProgress(data.status, root.ownerDocument);
  const bar = field("progress-bar");
  if (bar) bar.value = data.progress;
  const progress = field("progress");
  if (progress) progress.textContent = String(data.progress);
  const title = field("title");
  if (title) title.textContent = data.title;
  const message = field("status-message");
  if (message) message.textContent = data.statusMessage;
  const updated = field("updated-at");
  if (updated && data.updatedAt) {
    updated.dateTime = data.updatedAt;
    updated.textContent = formatTime(data.updatedAt);
  }
  const version = field("version");
  if (version) version.textContent = String(data.version);
  return true;
}

/**
 * Show that the meeting in root (a row) was deleted: its badge says
 * "Deleted" and its progress goes. The page marks the row itself.
 */
export function showDeleted(root) {
  const badge = root.querySelector('[data-live="status"]');
  if (badge) {
    badge.textContent = "Deleted";
    badge.className = "badge badge--deleted";
  }
  const progress = root.querySelector('[data-live="progress-box"]');
  if (progress) progress.hidden = true;
}
