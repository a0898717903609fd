/** What the meeting pages share: fetching JSON, and stopping streams on leave. */
import { HttpError } from "./stream.js";

export async function getJson(url) {
  const response = await fetch(url, {
    headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store",
  });
  if (!response.ok) throw new HttpError(response.status);
  return response.json();
}

/** Stop the stream on logout, on delete, and when the page goes away. */
export function stopOnLeave(stream) {
  window.addEventListener("pagehide", () => stream.stop("page hidden"));
  for (const form of document.querySelectorAll("form[data-stops-live-updates]")) {
    form.addEventListener("submit", () => stream.stop("form submitted"));
  }
}

export function goToLogin(loginUrl) {
  const next = encodeURIComponent(window.location.pathname + window.location.search);
  window.location.assign(`${loginUrl}?next=${next}`);
}
