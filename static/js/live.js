// The live client every live page shares (the blueprint editor, the workshop page).
//
// - One WebSocket per page with one back-off policy: exponential, capped, with jitter, so a
//   room full of phones coming back from a dropped Wi-Fi does not reconnect in lockstep.
// - Sequence numbers: events are applied in order; a gap, a reconnect or the periodic
//   heartbeat asks the server for what was missed (`catch_up` after the last seq applied);
//   the server answers with the events, or `reload` when the page must take a fresh snapshot.
//   A line that stays silent past the heartbeat is treated as dead and reconnected.
// - The offline banner: one markup (templates/_live_status.html), shown while disconnected.
// - Writes kept while offline: a write made offline, or one that fails on the network, waits
//   in an outbox (in memory and in sessionStorage, so a reload keeps it), is shown as pending,
//   and goes out in order once the connection is back; the user is told when it is sent.

const HEARTBEAT_MS = 15000; // ask for what was missed this often
const SILENCE_MS = 45000; // nothing heard for this long: the line is dead, reconnect
const BACKOFF_FIRST_MS = 500;
const BACKOFF_CAP_MS = 8000;

/** How long to wait before reconnect attempt number `attempt` (0, 1, 2 …): the capped
 * exponential delay with "equal jitter" (half of it fixed, half random). */
export function backoffDelay(attempt) {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_FIRST_MS * 2 ** attempt);
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

/** The page's CSRF token, for writes. */
export function csrfToken() {
  return (
    document.body.dataset.csrfToken ||
    document.querySelector("[name=csrfmiddlewaretoken]")?.value ||
    ""
  );
}

/**
 * Connect a page to its live channel.
 *
 * `seq` is the last event the page has applied (from its snapshot), or null when the page does
 * not know it and takes it from the server's hello. The hooks:
 * - `onHello(message)` once per connection, before any catch-up;
 * - `onEvent(event)` for each event, in order, exactly once;
 * - `onCaughtUp(applied, message, skipped)` after a catch-up answer (`applied`: how many were
 *   missed; `skipped`: the answer jumped past events it did not bring);
 * - `onReload(message)` when the server says the page is too far behind (may return a promise);
 * - `onMessage(message)` for any other message type (presence, editing …);
 * - `onState(state)`: "connecting", "live", "behind" (catching up) or "offline";
 * - `onAlive()` whenever the server has answered (a hello, a catch-up): the outbox flushes.
 */
export function connectLive({ path, seq = null, catchUpUrl = null, ...hooks }) {
  const banner = document.querySelector("[data-offline]");
  let socket = null;
  let attempt = 0;
  let reconnectTimer = null;
  let lastHeard = Date.now();
  let state = "connecting";

  const setState = (next) => {
    state = next;
    if (banner) banner.hidden = next !== "offline";
    hooks.onState?.(next);
  };

  const send = (message) => {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  };
  const catchUp = () => send({ type: "catch_up", after: seq ?? 0 });

  const receive = async (message) => {
    switch (message.type) {
      case "hello":
        attempt = 0;
        hooks.onHello?.(message);
        if (seq === null) seq = message.seq;
        if (message.seq > seq) {
          setState("behind");
          catchUp();
        } else {
          setState("live");
        }
        hooks.onAlive?.();
        break;
      case "event":
        if (seq !== null && message.seq <= seq) break; // already applied
        if (seq !== null && message.seq > seq + 1) {
          catchUp(); // a gap: fetch what is missing, in order
          break;
        }
        seq = message.seq;
        hooks.onEvent?.(message);
        break;
      case "catch_up": {
        const missed = message.events.filter((event) => seq === null || event.seq > seq);
        for (const event of missed) {
          seq = event.seq;
          hooks.onEvent?.(event);
        }
        const skipped = seq === null || message.seq > seq;
        seq = Math.max(seq ?? 0, message.seq);
        if (state !== "offline") setState("live");
        hooks.onCaughtUp?.(missed.length + (skipped ? 1 : 0), message, skipped);
        hooks.onAlive?.();
        break;
      }
      case "reload":
        seq = Math.max(seq ?? 0, message.seq);
        await hooks.onReload?.(message);
        if (state !== "offline") setState("live");
        break;
      default:
        hooks.onMessage?.(message);
    }
  };

  const connect = () => {
    clearTimeout(reconnectTimer);
    if (socket && socket.readyState <= WebSocket.OPEN) return;
    if (!navigator.onLine) {
      setState("offline");
      return; // the "online" event reconnects
    }
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const mine = new WebSocket(`${scheme}://${location.host}${path}`);
    socket = mine;
    mine.addEventListener("message", (message) => {
      lastHeard = Date.now();
      receive(JSON.parse(message.data));
    });
    mine.addEventListener("close", () => {
      if (mine !== socket) return;
      setState("offline");
      reconnectTimer = setTimeout(connect, backoffDelay(attempt++));
    });
  };

  window.addEventListener("offline", () => {
    setState("offline");
    socket?.close();
  });
  window.addEventListener("online", () => {
    attempt = 0;
    connect();
  });
  // A connection can die without a close (a laptop asleep, Wi-Fi gone quiet), and a server's
  // broadcast can be lost (the channel layer down): ask now and then for what was missed; the
  // answer proves the line alive, silence means reconnect.
  setInterval(() => {
    if (!socket || socket.readyState !== WebSocket.OPEN) {
      pollOverHttp();
      return;
    }
    if (Date.now() - lastHeard > SILENCE_MS) {
      socket.close();
      return;
    }
    catchUp();
  }, HEARTBEAT_MS);

  // No socket (the server's live layer down, a proxy that drops WebSockets) but a network:
  // ask over plain HTTP, so the page still catches up while the socket keeps retrying.
  let polling = false;
  async function pollOverHttp() {
    if (!catchUpUrl || !navigator.onLine || polling) return;
    polling = true;
    try {
      const url = new URL(catchUpUrl, location.href);
      url.searchParams.set("after", String(seq ?? 0));
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (response.ok) await receive(await response.json());
    } catch {
      // offline after all: the socket's back-off and the next beat try again
    } finally {
      polling = false;
    }
  }

  connect();
  return {
    seq: () => seq,
    /** The page took a snapshot at `newer` (a refreshed board): never go back before it. */
    advance: (newer) => {
      if (Number.isFinite(newer)) seq = Math.max(seq ?? 0, newer);
    },
    socket: () => socket,
    state: () => state,
    send,
  };
}

// ---------------------------------------------------------------------- writes kept offline

const OUTBOX_KEY = "frontstage:outbox";
// Answers that mean "the server was not reached" as much as a network error does.
const UNREACHED = new Set([0, 502, 503, 504]);

function encodeBody(body) {
  if (body === undefined || body === null) return null;
  if (body instanceof FormData) {
    // Plain fields only (the live forms have no files), so that it survives a reload.
    return { form: [...body.entries()].filter(([, value]) => typeof value === "string") };
  }
  return { json: JSON.stringify(body) };
}

async function sendNow(entry) {
  // The entry's id travels as the write's key: a retry after an answer lost on the way is
  // recognised by the server and not done twice.
  const headers = {
    Accept: "application/json",
    "X-CSRFToken": csrfToken(),
    "X-Idempotency-Key": entry.id,
  };
  let body;
  if (entry.body?.form) {
    body = new URLSearchParams(entry.body.form);
  } else if (entry.body?.json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = entry.body.json;
  }
  try {
    const response = await fetch(entry.url, {
      method: entry.method,
      headers,
      body,
      credentials: "same-origin",
    });
    const data = response.status === 204 ? null : await response.json().catch(() => null);
    return { ok: response.ok, status: response.status, data };
  } catch {
    return { ok: false, status: 0, data: null }; // offline, or the server is unreachable
  }
}

/**
 * The outbox: `send({method, url, body, label})` sends a write now, or keeps it when the
 * network is down (or earlier writes still wait), and answers `{ok, status, data}`, with
 * `queued: true` when it was kept. Kept writes go out in order on `flush()` (the live client
 * calls it whenever the server answers); `onSent(entry, result)` runs after each one, e.g.
 * to refresh the page. The user sees each kept write as pending, then sent (or why not).
 * `describe(result)` words a refusal.
 */
export function createOutbox({ onSent, describe } = {}) {
  const view = document.querySelector("[data-outbox]");
  const toasts = document.querySelector("[data-toasts]");
  const text = {
    pending: view?.dataset.pending || "Pending",
    sent: view?.dataset.sent || "Saved.",
    failed: view?.dataset.failed || "Not saved: {detail}",
  };
  const load = () => {
    try {
      return JSON.parse(sessionStorage.getItem(OUTBOX_KEY) || "[]");
    } catch {
      return [];
    }
  };
  const queue = load();
  const save = () => sessionStorage.setItem(OUTBOX_KEY, JSON.stringify(queue));
  let flushing = null;

  // Waiting and refused writes are listed in the page, under the offline banner, where they
  // cover nothing (a toast would sit on a phone's form); a write sent is confirmed by a toast.
  const quote = (label, room = 80) =>
    label ? ` “${label.length > room ? `${label.slice(0, room - 1)}…` : label}”` : "";
  const line = (entry, message, kind) => {
    let item = view?.querySelector(`[data-outbox-entry="${entry.id}"]`);
    if (!item && view) {
      item = document.createElement("div");
      item.dataset.outboxEntry = entry.id;
      view.append(item);
    }
    if (item) {
      item.dataset.outboxState = kind;
      item.textContent = message;
    }
    if (view) view.hidden = !view.children.length;
  };
  const showPending = (entry) => line(entry, `${text.pending}:${quote(entry.label)}`, "pending");
  const showSent = (entry) => {
    view?.querySelector(`[data-outbox-entry="${entry.id}"]`)?.remove();
    if (view) view.hidden = !view.children.length;
    const box = document.createElement("div");
    box.className = "toast";
    box.setAttribute("role", "status");
    box.dataset.outboxState = "sent";
    box.textContent = `${text.sent}${quote(entry.label)}`;
    toasts?.append(box);
    setTimeout(() => box.remove(), 5000);
  };
  // A refused write stays listed with its text, so that nothing typed vanishes unseen.
  const showFailed = (entry, detail) => line(entry, text.failed.replace("{detail}", detail), "failed");
  for (const entry of queue) showPending(entry);

  const keep = (entry) => {
    queue.push(entry);
    save();
    showPending(entry);
  };

  const drain = async () => {
    while (queue.length) {
      const entry = queue[0];
      const result = await sendNow(entry);
      if (UNREACHED.has(result.status)) return; // still away: the next answer tries again
      queue.shift();
      save();
      if (result.ok) showSent(entry);
      else showFailed(entry, (describe?.(result) || `HTTP ${result.status}`) + quote(entry.label, Infinity));
      await onSent?.(entry, result);
    }
  };
  const flush = () => {
    // `.finally` runs after the assignment, even when there is nothing to drain.
    flushing ||= drain().finally(() => {
      flushing = null;
    });
    return flushing;
  };

  const send = async ({ method, url, body, label = "" }) => {
    const entry = {
      id: `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`,
      method,
      url,
      body: encodeBody(body),
      label,
    };
    if (!navigator.onLine || queue.length || flushing) {
      keep(entry); // behind the writes that wait, in order
      if (navigator.onLine) flush();
      return { ok: false, status: 0, data: null, queued: true };
    }
    const result = await sendNow(entry);
    if (UNREACHED.has(result.status)) {
      keep(entry);
      return { ...result, queued: true };
    }
    return result;
  };

  return { send, flush, pending: () => queue.length };
}
