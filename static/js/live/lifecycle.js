/**
 * Tie a stream to the page: stop it on logout, on delete and when the page
 * goes away, so nothing reconnects in the background; resume it when the
 * browser brings the page back from its back/forward cache; and retry at
 * once, rather than after the backoff, when recovery is likely.
 */

/** Browsers back online together (an office's network) come back spread over this. */
export const ONLINE_SPREAD_MS = 250;

export function bindToPage(stream) {
  window.addEventListener("pagehide", () => stream.stop("page hidden"));
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) stream.resume();
  });
  for (const form of document.querySelectorAll("form[data-stops-live-updates]")) {
    form.addEventListener("submit", () => stream.stop("form submitted"));
  }
}

/**
 * Retry at once after a failure when the browser is back online (spread by
 * up to ONLINE_SPREAD_MS), when the tab is shown again and when the window
 * gets the focus; drop the connection when the browser goes offline, as no
 * update can come. stream.retryNow() does nothing while the stream is
 * healthy or already connecting.
 */
export function bindRecovery(stream, { win = window, doc = document, random = Math.random } = {}) {
  win.addEventListener("online", () => {
    win.setTimeout(() => stream.retryNow("back online"), Math.round(random() * ONLINE_SPREAD_MS));
  });
  win.addEventListener("offline", () => stream.interrupt("the browser went offline"));
  doc.addEventListener("visibilitychange", () => {
    if (doc.visibilityState === "visible") stream.retryNow("the page is shown again");
  });
  win.addEventListener("focus", () => stream.retryNow("the window has the focus"));
}

/** Go to the login page, coming back here afterwards. */
export function goToLogin(loginUrl) {
  const next = encodeURIComponent(window.location.pathname + window.location.search);
  window.location.assign(`${loginUrl}?next=${next}`);
}
