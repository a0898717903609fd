/** Read a meeting from the REST API with the session cookie, for re-syncs. */

/** An error carrying the HTTP status of a failed request. */
export class HttpError extends Error {
  constructor(status) {
    super(`HTTP ${status}`);
    this.status = status;
  }
}

export async function getJson(url, fetch = globalThis.fetch.bind(globalThis)) {
  const response = await fetch(url, {
    headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store",
  });
  if (!response.ok) throw new HttpError(response.status);
  return response.json();
}
