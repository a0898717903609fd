/** Fakes shared by the shared-stream tests: fetch, SSE bodies, timers, locks, channels. */
const encoder = new TextEncoder();

export function recordingLog() {
  const lines = [];
  const write = (...parts) => lines.push(parts.map((p) => (typeof p === "string" ? p : JSON.stringify(p))).join(" "));
  return { lines, debug: write, info: write, warn: write, error: write };
}

/** Like fetch while no response comes: pending until aborted. */
export function hang(signal) {
  return new Promise((resolve, reject) => {
    signal?.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")));
  });
}

/** A fetch answering by URL: route(url, init) returns a Response, a function of init, or nothing (hang). */
export function routedFetch(route) {
  const calls = [];
  const fetch = async (url, init = {}) => {
    calls.push({ url, headers: { ...init.headers }, signal: init.signal });
    const answer = route(url, init);
    if (!answer) return hang(init.signal);
    if (answer instanceof Error) throw answer;
    return typeof answer === "function" ? answer(init) : answer;
  };
  return { fetch, calls };
}

/** An SSE response that stays open; push(text) sends more, end() closes it. */
export function openSse(initial = "") {
  const pushes = [];
  const ends = [];
  const respond = ({ signal }) => new Response(new ReadableStream({
    start(controller) {
      const push = (text) => { try { controller.enqueue(encoder.encode(text)); } catch {} };
      pushes.push(push);
      ends.push(() => { try { controller.close(); } catch {} });
      if (initial) push(initial);
      signal?.addEventListener("abort", () => {
        try { controller.error(new DOMException("aborted", "AbortError")); } catch {}
      });
    },
  }), { status: 200, headers: { "Content-Type": "text/event-stream" } });
  respond.push = (text) => pushes.at(-1)(text);
  respond.end = () => ends.at(-1)();
  return respond;
}

export function json(status, body = {}) {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

export function statusEvent(data, id) {
  return `event: status\n${id ? `id: ${id}\n` : ""}data: ${JSON.stringify(data)}\n\n`;
}

export const CONNECTED = 'event: connected\ndata: {"keepaliveInterval":15000}\n\n';

/** Timers that run only when the test says so. */
export function manualTimers() {
  let next = 1;
  const pending = new Map();
  return {
    setTimeout(fn, ms) { const id = next++; pending.set(id, { fn, ms }); return id; },
    clearTimeout(id) { pending.delete(id); },
    delays() { return [...pending.values()].map((t) => t.ms).sort((a, b) => a - b); },
    /** Run the pending timer due first. */
    async runShortest() {
      const [id, timer] = [...pending.entries()].sort((a, b) => a[1].ms - b[1].ms)[0];
      pending.delete(id);
      await timer.fn();
    },
    /** Run every pending timer of at most ms (not the 30 s watchdogs). */
    async runUpTo(ms) {
      for (const [id, timer] of [...pending.entries()].sort((a, b) => a[1].ms - b[1].ms)) {
        if (timer.ms > ms || !pending.has(id)) continue;
        pending.delete(id);
        await timer.fn();
      }
    },
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));
export async function settle() { for (let i = 0; i < 20; i += 1) await tick(); }

/** BroadcastChannels of one origin: a message reaches every other open channel, asynchronously. */
export function channelHub() {
  const open = new Set();
  const sent = [];
  const openChannel = () => {
    const listeners = [];
    const channel = {
      addEventListener(type, fn) { if (type === "message") listeners.push(fn); },
      postMessage(data) {
        if (!open.has(channel)) throw new Error("InvalidStateError: channel closed");
        const copy = structuredClone(data);
        sent.push(copy);
        for (const other of open) {
          if (other !== channel) queueMicrotask(() => { if (open.has(other)) other.deliver(copy); });
        }
      },
      close() { open.delete(channel); },
      deliver(data) { for (const fn of listeners) fn({ data }); },
    };
    open.add(channel);
    return channel;
  };
  return { openChannel, sent, open };
}

/** navigator.locks for exclusive locks: one holder, the others wait in order. */
export function fakeLocks() {
  const queues = new Map();
  const held = new Set();
  const grant = (name) => {
    if (held.has(name)) return;
    const queue = queues.get(name) ?? [];
    const next = queue.shift();
    if (!next) return;
    held.add(name);
    queueMicrotask(async () => {
      try {
        next.resolve(await next.callback({ name, mode: "exclusive" }));
      } catch (error) {
        next.reject(error);
      } finally {
        held.delete(name);
        grant(name);
      }
    });
  };
  return {
    held,
    request(name, options, callback) {
      return new Promise((resolve, reject) => {
        const entry = { callback, resolve, reject };
        if (!queues.has(name)) queues.set(name, []);
        queues.get(name).push(entry);
        options.signal?.addEventListener("abort", () => {
          const queue = queues.get(name);
          const at = queue.indexOf(entry);
          if (at >= 0) {
            queue.splice(at, 1);
            reject(new DOMException("aborted", "AbortError"));
          }
        });
        grant(name);
      });
    },
  };
}
