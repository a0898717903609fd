/**
 * Tie a stream to the page: stop it on logout, on delete and when the page
 * goes away, so nothing reconnects in the background; resume it when the
 * browser brings the page back from its back/forward cache.
 */
export function bindToPage(stream) {
  window.addEventListener("pagehide", () => stream.stop("page hidden"));
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) stream.resume();
  });
  for (const form of document.querySelectorAll("form[data-stops-live-updates]")) {
    form.addEventListener("submit", () => stream.stop("form submitted"));
  }
}

/** Go to the login page, coming back here afterwards. */
export function goToLogin(loginUrl) {
  const next = encodeURIComponent(window.location.pathname + window.location.search);
  window.location.assign(`${loginUrl}?next=${next}`);
}
