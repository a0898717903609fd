/** Read meetings from the REST API with the session cookie, for re-syncs. */

/** GET /v1/meetings takes at most this many `id`s (meetings/api/serializers.py). */
export const MAX_IDS_PER_READ = 100;

/** Convert a REST meeting (snake_case) to the stream's status shape. */
export function fromApi(meeting) {
  return {
    meetingId: meeting.id,
    title: meeting.title,
    status: meeting.status,
    progress: meeting.progress,
    statusMessage: meeting.status_message,
    updatedAt: meeting.updated_at,
    version: meeting.version,
  };
}

/** An error carrying the HTTP status of a failed request. */
export class HttpError extends Error {
  constructor(status) {
    super(`HTTP ${status}`);
    this.status = status;
  }
}

/** Whether a failed request means the session is gone (go to the login page). */
export function isUnauthorized(error) {
  return error?.status === 401 || error?.status === 403;
}

export async function getJson(url, fetch = globalThis.fetch.bind(globalThis)) {
  const response = await fetch(url, {
    headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store",
  });
  if (!response.ok) throw new HttpError(response.status);
  return response.json();
}

/**
 * Read meetings ([{id, apiUrl}]) with one GET /v1/meetings?id=…&id=… per 100.
 * The list URL is the parent of each meeting's apiUrl, so the pages need no
 * second URL. Resolve to {found: Map(id → API meeting), missing: [id],
 * failures: [error]}: a meeting left out of its answer is deleted or no
 * longer visible (missing); those of a failed request are in neither.
 */
export async function readMeetings(meetings, fetch = globalThis.fetch.bind(globalThis)) {
  const found = new Map();
  const missing = [];
  const failures = [];
  const byList = new Map();
  for (const { id, apiUrl } of meetings) {
    const listUrl = apiUrl.slice(0, apiUrl.lastIndexOf("/"));
    if (!byList.has(listUrl)) byList.set(listUrl, []);
    const ids = byList.get(listUrl);
    if (!ids.includes(id)) ids.push(id);
  }
  const requests = [];
  for (const [listUrl, ids] of byList) {
    for (let start = 0; start < ids.length; start += MAX_IDS_PER_READ) {
      requests.push([listUrl, ids.slice(start, start + MAX_IDS_PER_READ)]);
    }
  }
  await Promise.all(requests.map(async ([listUrl, ids]) => {
    try {
      const query = new URLSearchParams(ids.map((id) => ["id", id]));
      const { results } = await getJson(`${listUrl}?${query}`, fetch);
      // The API writes UUIDs in lower case; a page might not.
      const answered = new Map(results.map((meeting) => [String(meeting.id).toLowerCase(), meeting]));
      for (const id of ids) {
        const meeting = answered.get(String(id).toLowerCase());
        if (meeting) found.set(id, meeting);
        else missing.push(id);
      }
    } catch (error) {
      failures.push(error);
    }
  }));
  return { found, missing, failures };
}

/**
 * Re-sync meetings ([{id, apiUrl}]) over REST, as every stream does before
 * it reconnects: pass each one read to onStatus(data, id), in the stream's
 * status shape, and each one left out of its answer (deleted or no longer
 * visible) to onDeleted(id). Stop passing them on once stopped() is true.
 * Resolve to whether some were deleted; reject with the first failure, a 401
 * or 403 before any other (the page must go to the login page, not retry),
 * once every request has been tried.
 */
export async function resyncMeetings(meetings, { onStatus, onDeleted, stopped = () => false },
                                     fetch = globalThis.fetch.bind(globalThis)) {
  const { found, missing, failures } = await readMeetings(meetings, fetch);
  if (stopped()) return false;
  for (const [id, meeting] of found) {
    onStatus(fromApi(meeting), id);
    if (stopped()) return false;
  }
  for (const id of missing) onDeleted(id);
  if (failures.length > 0) throw failures.find(isUnauthorized) ?? failures[0];
  return missing.length > 0;
}
