/**
 * Live counts on the admin's meetings dashboard: the page follows the scope
 * of the shared stream (every meeting the user may see, from when the counts
 * were read: data-read-at), and any meeting created, changed or deleted
 * reads the counts again, at most once per poll interval.
 */
import { refreshCounts } from "./counts.js";
import { follow } from "../live/page-stream.js";

const root = document.querySelector("[data-live-counts]");

if (root) {
  const since = Number(root.dataset.readAt) || null;
  follow(root, {
    meetings: () => [],
    versions: () => ({}),
    scope: () => ({ since }),
    onChanged: () => refreshCounts(),
    label: "the meetings in view",
  });
}
