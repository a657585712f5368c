// The live blueprint editor.
//
// The server renders the board; this script edits it through the REST API and keeps it live:
// every change (ours, anyone's, through the API) is an event with the blueprint's next
// sequence number on the WebSocket. An event in order fetches the board again (coalesced);
// a gap asks the server for what was missed; "reload" takes a fresh snapshot. Text being typed
// (an inline title, the details panel) is never thrown away by a refresh or an outage.

const config = JSON.parse(document.getElementById("editor-config").textContent);
const T = config.text;
const ID = config.blueprint;
const scroller = document.querySelector("[data-scroller]");
const csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"];
const format = (template, values) => template.replace(/\{(\w+)\}/g, (_, key) => values[key] ?? "");
const $ = (selector, root = document) => root.querySelector(selector);
const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];
const canvas = () => $("[data-canvas]");

// ---------------------------------------------------------------------------------- the API

// A guest's workshop can be locked by its facilitator: writes wait until it is unlocked.
let locked = false;

async function api(method, url, body) {
  if (locked && method !== "GET") return { ok: false, status: 403, data: { detail: T.locked } };
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET") headers["X-CSRFToken"] = csrf;
  try {
    const response = await fetch(url, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = response.status === 204 ? null : await response.json().catch(() => null);
    return { ok: response.ok, status: response.status, data };
  } catch {
    return { ok: false, status: 0, data: null }; // offline, or the server is unreachable
  }
}

function problem(result) {
  if (result.status === 0) return T.offlineSave;
  const data = result.data || {};
  if (data.detail) return data.detail;
  const parts = Object.entries(data).map(([field, messages]) => {
    const label = T.fields[field] || field;
    return `${label}: ${[].concat(messages).join(" ")}`;
  });
  return parts.join(" · ") || `HTTP ${result.status}`;
}

// ----------------------------------------------------------------------------- the messages

function toast(message, action) {
  const box = document.createElement("div");
  box.className = "toast";
  box.setAttribute("role", "status");
  const text = document.createElement("span");
  text.textContent = message;
  box.append(text);
  if (action) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "small";
    button.textContent = action.label;
    button.addEventListener("click", () => {
      box.remove();
      action.run();
    });
    box.append(button);
  }
  $("[data-toasts]").append(box);
  setTimeout(() => box.remove(), action ? 12000 : 5000);
}

// --------------------------------------------------------------------- the board, refreshed

let seq = Number(canvas().dataset.seq) || 0;
let refreshing = null;
let refreshAgain = false;
let inline = null; // the inline editor being typed in: {mode, step?, lane?, phase?, value, version?}

function refreshBoard() {
  if (refreshing) {
    refreshAgain = true;
    return refreshing;
  }
  refreshing = (async () => {
    try {
      do {
        refreshAgain = false;
        const response = await fetch(`/blueprints/${ID}/board/`, { credentials: "same-origin" });
        if (!response.ok) return;
        swapBoard(await response.text());
      } while (refreshAgain);
    } catch {
      // offline: the next connection catches up
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

function focusKey() {
  const active = document.activeElement;
  if (!active || !canvas().contains(active)) return null;
  const step = active.closest("[data-step]");
  if (step && active === step) return `#step-${step.dataset.step}`;
  if (active.dataset.act) {
    const owner = active.closest("[data-step], [data-phase], [data-lane], [data-band]");
    if (owner) {
      for (const name of ["phase", "lane", "band"]) {
        if (owner.dataset[name] && owner.matches(`[data-${name}]`)) {
          const act = active.dataset.act;
          if (owner.tagName === "TD")
            return `td[data-lane="${owner.dataset.lane}"][data-phase="${owner.dataset.phase}"] [data-act="${act}"]`;
          return `[data-${name}="${owner.dataset[name]}"] [data-act="${act}"]`;
        }
      }
    }
  }
  return null;
}

function swapBoard(html) {
  const incoming = new DOMParser().parseFromString(html, "text/html");
  const fresh = incoming.querySelector("[data-canvas]");
  if (!fresh) return;
  if (inline) inline.value = inline.input.value; // keep what is being typed
  const refocus = focusKey();
  const typing = inline && document.activeElement === inline.input;
  const selection = typing ? [inline.input.selectionStart, inline.input.selectionEnd] : null;
  canvas().replaceWith(fresh);
  seq = Math.max(seq, Number(fresh.dataset.seq) || 0);
  for (const part of ["[data-links-card]", "[data-matrix]"]) {
    const newer = incoming.querySelector(part);
    if (newer) $(part)?.replaceWith(newer);
  }
  const count = $("[data-step-count]");
  if (count) count.textContent = fresh.dataset.countLabel;
  if (inline) restoreInline(typing, selection);
  else if (refocus) $(refocus)?.focus({ preventScroll: true });
  applyZoom();
  drawArrows();
}

// ------------------------------------------------------------------------- the live socket

const connection = $("[data-connection]");
const banner = $("[data-offline]");
let socket = null;
let retry = 0;
let reconnectTimer = null;
let lastHeard = Date.now();

function setState(state) {
  connection.dataset.state = state;
  connection.textContent = T[state];
  banner.hidden = state !== "offline";
}

function connect() {
  clearTimeout(reconnectTimer);
  if (socket && socket.readyState <= 1) return;
  if (!navigator.onLine) {
    setState("offline");
    return;
  }
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(`${scheme}://${location.host}/ws/blueprints/${ID}/`);
  const mine = socket;
  socket.addEventListener("message", (message) => {
    lastHeard = Date.now();
    receive(JSON.parse(message.data));
  });
  socket.addEventListener("close", () => {
    if (mine !== socket) return;
    setState("offline");
    reconnectTimer = setTimeout(connect, Math.min(5000, 400 * 2 ** retry++));
  });
}

const lockBanner = $("[data-locked]");

function setEditing(allowed) {
  if (allowed && !config.canEdit) {
    location.reload(); // opened read-only while locked: take the editor now
    return;
  }
  locked = !allowed;
  document.body.classList.toggle("editing-locked", locked);
  lockBanner.hidden = !locked;
}

function send(message) {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}

function receive(message) {
  switch (message.type) {
    case "hello":
      retry = 0;
      setState("live");
      if (message.seq > seq) {
        setState("behind");
        send({ type: "catch_up", after: seq });
      }
      break;
    case "editing":
      setEditing(message.allowed);
      break;
    case "event":
      if (message.seq <= seq) break;
      if (message.seq > seq + 1) {
        send({ type: "catch_up", after: seq });
        break;
      }
      applyEvent(message);
      break;
    case "catch_up": {
      const missed = message.events.filter((event) => event.seq > seq);
      for (const event of missed) applyEvent(event);
      seq = Math.max(seq, message.seq);
      setState("live");
      if (missed.length) refreshBoard();
      break;
    }
    case "reload":
      seq = Math.max(seq, message.seq);
      refreshBoard().then(() => setState("live"));
      loadActivity();
      break;
    case "presence":
      showPresence(message.people);
      break;
  }
}

const lastEditor = new Map(); // step id → who changed it last, for the conflict message

function applyEvent(event) {
  seq = event.seq;

  addActivity(event, true);
  warnPanel(event);
  refreshBoard();
}

window.addEventListener("offline", () => {
  setState("offline");
  socket?.close();
});
window.addEventListener("online", () => {
  retry = 0;
  connect();
});
// A connection can die without a close (a laptop asleep, Wi-Fi gone quiet): ask now and then
// for what we missed; the answer proves the line is alive, silence means reconnect.
setInterval(() => {
  if (!socket || socket.readyState !== WebSocket.OPEN) return;
  if (Date.now() - lastHeard > 45000) {
    socket.close();
    return;
  }
  send({ type: "catch_up", after: seq });
}, 15000);

// ------------------------------------------------------------------- presence and activity

// A workshop guest has no account: `id` is null and `guest` names their participant row.
function samePerson(a, b) {
  return Boolean(a && b) && a.id === b.id && (a.guest ?? null) === (b.guest ?? null);
}

function initials(name) {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((part) => part[0].toUpperCase())
    .join("");
}

function showPresence(people) {
  const list = $("[data-presence]");
  list.replaceChildren(
    ...people.map((person) => {
      const item = document.createElement("li");
      const avatar = document.createElement("span");
      avatar.className = "avatar";
      avatar.setAttribute("aria-hidden", "true");
      avatar.textContent = initials(person.name);
      avatar.style.background = `hsl(${((person.id ?? person.guest) * 67) % 360} 55% 42%)`;
      const name = document.createElement("span");
      name.className = "person";
      name.textContent = samePerson(person, config.me) ? `${person.name} (${T.you})` : person.name;
      item.append(avatar, name);
      return item;
    }),
  );
}

function describe(event) {
  const subject = event.after || event.before || {};
  const name = subject.title || subject.name || "";
  const who = event.actor ? event.actor.name : T.someone;
  const sentence = format(T.activity[event.kind] || T.changed, { name });
  return { who, text: event.undo_of ? `${T.undid} ${sentence}` : sentence };
}

function addActivity(event, fresh) {
  const list = $("[data-activity]");
  const { who, text } = describe(event);
  if (event.kind.startsWith("step.") && event.actor && (fresh || !lastEditor.has(event.id))) {
    lastEditor.set(event.id, event.actor.name);
  }
  const item = document.createElement("li");
  item.dataset.seq = event.seq;
  const person = document.createElement("strong");
  person.textContent = who;
  const what = document.createElement("span");
  what.textContent = ` ${text}`;
  const when = document.createElement("time");
  when.dateTime = event.at;
  when.textContent = new Date(event.at).toLocaleTimeString(config.language, {
    hour: "2-digit",
    minute: "2-digit",
  });
  item.append(person, what, " ", when);
  list.querySelector(".empty")?.remove();
  if (fresh) list.prepend(item);
  else list.append(item);
  while (list.children.length > 40) list.lastChild.remove();
}

async function loadActivity() {
  const result = await api("GET", `/api/v1/blueprints/${ID}/history/?page_size=25`);
  if (!result.ok) return;
  const list = $("[data-activity]");
  list.replaceChildren();
  for (const event of result.data.results) addActivity(event, false);
  if (!result.data.results.length) {
    const empty = document.createElement("li");
    empty.className = "empty";
    empty.textContent = T.noActivity;
    list.append(empty);
  }
}

// ------------------------------------------------------------------------ zoom and panning

const zoomKey = `frontstage:zoom:${ID}`;
let zoom = Number(localStorage.getItem(zoomKey)) || 1;
function applyZoom() {
  zoom = Math.min(2, Math.max(0.3, Math.round(zoom * 100) / 100));
  canvas().style.zoom = zoom;
  $("[data-zoom-level]").textContent = `${Math.round(zoom * 100)} %`;
  localStorage.setItem(zoomKey, String(zoom));
}
const zoomBy = { in: () => (zoom *= 1.2), out: () => (zoom /= 1.2), reset: () => (zoom = 1) };
for (const button of $$("[data-zoom]")) {
  button.addEventListener("click", () => {
    zoomBy[button.dataset.zoom]();
    applyZoom();
    drawArrows();
  });
}
scroller.addEventListener(
  "wheel",
  (event) => {
    if (!event.ctrlKey) return;
    event.preventDefault();
    zoom *= event.deltaY < 0 ? 1.1 : 1 / 1.1;
    applyZoom();
    drawArrows();
  },
  { passive: false },
);
scroller.addEventListener("keydown", (event) => {
  if (event.target !== scroller) return;
  const action = { "+": "in", "=": "in", "-": "out", 0: "reset" }[event.key];
  if (!action) return;
  event.preventDefault();
  zoomBy[action]();
  applyZoom();
  drawArrows();
});
let pan = null;
scroller.addEventListener("pointerdown", (event) => {
  if (event.target.closest("a, button, input, select, textarea, .step, form")) return;
  pan = { x: event.clientX, y: event.clientY, left: scroller.scrollLeft, top: scroller.scrollTop };
  scroller.classList.add("panning");
});
window.addEventListener("pointermove", (event) => {
  if (!pan) return;
  scroller.scrollLeft = pan.left - (event.clientX - pan.x);
  scroller.scrollTop = pan.top - (event.clientY - pan.y);
});
window.addEventListener("pointerup", () => {
  pan = null;
  scroller.classList.remove("panning");
});

// ---------------------------------------------------------------------------------- arrows

const ARROW_STYLE = {
  handoff: { color: "#2952cc", dash: "" },
  information: { color: "#8e44ad", dash: "7 4" },
  trigger: { color: "#d9730d", dash: "" },
  dependency: { color: "#5b6475", dash: "2 4" },
};
const SVG = "http://www.w3.org/2000/svg";

function drawArrows() {
  const host = canvas();
  const svg = $("[data-arrows]", host);
  const data = $("#board-arrows", host);
  if (!svg || !data) return;
  const table = $("table", host);
  const scale = zoom || 1;
  const origin = host.getBoundingClientRect();
  svg.setAttribute("width", table.offsetWidth);
  svg.setAttribute("height", table.offsetHeight);
  const defs = Object.entries(ARROW_STYLE)
    .map(
      ([kind, style]) =>
        `<marker id="arrow-${kind}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 ${kind === "dependency" ? "" : "z"}" fill="${kind === "dependency" ? "white" : style.color}" stroke="${style.color}"/></marker>`,
    )
    .join("");
  const dot = `<marker id="arrow-trigger-start" viewBox="0 0 10 10" refX="5" refY="5" markerWidth="6" markerHeight="6"><circle cx="5" cy="5" r="4" fill="${ARROW_STYLE.trigger.color}"/></marker>`;
  svg.innerHTML = `<defs>${defs}${dot}</defs>`;
  const box = (element) => {
    const r = element.getBoundingClientRect();
    const left = (r.left - origin.left) / scale;
    const top = (r.top - origin.top) / scale;
    return { left, top, right: left + r.width / scale, bottom: top + r.height / scale, cx: left + r.width / scale / 2, cy: top + r.height / scale / 2 };
  };
  for (const arrow of JSON.parse(data.textContent)) {
    const from = document.getElementById(`step-${arrow.source}`);
    const to = document.getElementById(`step-${arrow.target}`);
    if (!from || !to) continue;
    const a = box(from);
    const b = box(to);
    let start, end, c1, c2;
    if (b.left > a.right + 4 || a.left > b.right + 4) {
      const forward = b.left > a.right;
      start = [forward ? a.right : a.left, a.cy];
      end = [forward ? b.left : b.right, b.cy];
      const bend = Math.max(30, Math.abs(end[0] - start[0]) / 2.5) * (forward ? 1 : -1);
      c1 = [start[0] + bend, start[1]];
      c2 = [end[0] - bend, end[1]];
    } else {
      const down = b.top > a.bottom;
      start = [a.cx, down ? a.bottom : a.top];
      end = [b.cx, down ? b.top : b.bottom];
      const bend = Math.max(20, Math.abs(end[1] - start[1]) / 2.5) * (down ? 1 : -1);
      c1 = [start[0], start[1] + bend];
      c2 = [end[0], end[1] - bend];
    }
    const style = ARROW_STYLE[arrow.kind] || ARROW_STYLE.handoff;
    const path = document.createElementNS(SVG, "path");
    path.setAttribute("d", `M${start} C${c1} ${c2} ${end}`);
    path.setAttribute("fill", "none");
    path.setAttribute("stroke", style.color);
    path.setAttribute("stroke-width", "2");
    if (style.dash) path.setAttribute("stroke-dasharray", style.dash);
    path.setAttribute("marker-end", `url(#arrow-${arrow.kind})`);
    if (arrow.kind === "trigger") path.setAttribute("marker-start", "url(#arrow-trigger-start)");
    path.dataset.arrow = arrow.id;
    svg.append(path);
  }
}
new ResizeObserver(() => drawArrows()).observe(scroller);
window.addEventListener("load", drawArrows);
document.fonts?.ready.then(drawArrows);

// ------------------------------------------------------------------ editing (editors only)

const dialogs = Object.fromEntries($$("dialog[data-dialog]").map((d) => [d.dataset.dialog, d]));

function ask(name, setup) {
  // Open a dialog and resolve with its form's values, or null when cancelled.
  const dialog = dialogs[name];
  const form = $("form", dialog);
  form.reset();
  for (const error of $$("[data-dialog-error]", dialog)) error.textContent = "";
  setup?.(dialog);
  dialog.showModal();
  return new Promise((resolve) => {
    const done = (value) => {
      form.removeEventListener("submit", onSubmit);
      dialog.removeEventListener("cancel", onCancel);
      cancel?.removeEventListener("click", onCancel);
      resolve(value);
    };
    const onSubmit = (event) => {
      const submitter = event.submitter?.value;
      if (submitter === "cancel") return done(null);
      done({ ...Object.fromEntries(new FormData(form)), submitter, dialog, form });
    };
    const onCancel = () => {
      dialog.close();
      done(null);
    };
    const cancel = $("[data-act=dialog-cancel]", dialog);
    form.addEventListener("submit", onSubmit);
    dialog.addEventListener("cancel", onCancel);
    cancel?.addEventListener("click", onCancel);
  });
}

async function confirmDelete(text) {
  const answer = await ask("confirm", (dialog) => {
    $("[data-confirm-text]", dialog).textContent = text;
  });
  return answer?.submitter === "ok";
}

async function remove(url, name, question) {
  if (!(await confirmDelete(question))) return;
  const result = await api("DELETE", url);
  if (!result.ok) return toast(format(T.saveFailed, { detail: problem(result) }));
  refreshBoard();
  toast(format(T.deleted, { name }), { label: T.undo, run: undo });
}

async function undo() {
  const result = await api("POST", `/api/v1/blueprints/${ID}/undo/`);
  toast(result.ok ? T.undone : problem(result));
  refreshBoard();
}

// Inline title editing: a new step in a cell, or renaming a card.

function inlineInput(label, value) {
  const form = document.createElement("form");
  form.className = "inline-edit";
  const input = document.createElement("input");
  input.setAttribute("aria-label", label);
  input.maxLength = $("[data-title-max]")?.maxLength || 200; // the server's limit
  input.value = value;
  const error = document.createElement("p");
  error.className = "error";
  error.setAttribute("role", "alert");
  form.append(input, error);
  return { form, input, error };
}

function mountInline(state) {
  const cell = state.mode === "new" ? $(`td[data-lane="${state.lane}"][data-phase="${state.phase}"]`, canvas()) : null;
  const card = state.mode === "rename" ? document.getElementById(`step-${state.step}`) : null;
  const { form, input, error } = inlineInput(state.mode === "new" ? T.newStepTitle : T.stepTitle, state.value);
  if (cell) cell.insertBefore(form, $("[data-act=step-add]", cell));
  else if (card) $(".step-title", card).replaceWith(form);
  else {
    // The cell or card went away (someone deleted it): keep the text where it can be seen.
    error.textContent = format(T.goneMeanwhile, { who: T.someone });
    form.classList.add("orphan");
    document.querySelector(".toolbar").after(form);
  }
  error.textContent ||= state.error || "";
  state.form = form;
  state.input = input;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    saveInline(state);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      closeInline(true);
    }
  });
  return state;
}

function restoreInline(typing, selection) {
  inline.form.remove();
  mountInline(inline);
  if (typing) {
    inline.input.focus({ preventScroll: true });
    if (selection) inline.input.setSelectionRange(...selection);
  }
}

function openInline(state) {
  closeInline(false);
  inline = mountInline(state);
  inline.input.focus();
  inline.input.select();
}

function closeInline(refocus) {
  if (!inline) return;
  const { form, mode, step, lane, phase } = inline;
  form.remove();
  inline = null;
  if (mode === "rename") {
    refreshBoard().then(() => refocus && document.getElementById(`step-${step}`)?.focus());
  } else if (refocus) {
    $(`td[data-lane="${lane}"][data-phase="${phase}"] [data-act=step-add]`, canvas())?.focus();
  }
}

async function saveInline(state) {
  const title = state.input.value.trim();
  if (!title) return;
  state.value = state.input.value;
  let result;
  if (state.mode === "new") {
    result = await api("POST", "/api/v1/steps/", { blueprint: ID, lane: Number(state.lane), phase: Number(state.phase), title });
  } else {
    result = await api("PATCH", `/api/v1/steps/${state.step}/`, { title, version: Number(state.version) });
    if (result.status === 409 && result.data?.current) {
      const mine = { title };
      const resolved = await resolveConflict(result.data.current, mine);
      if (resolved === null) return;
      result = resolved;
    }
  }
  if (!result.ok) {
    state.error = problem(result);
    const error = $(".error", state.form);
    if (error) error.textContent = state.error;
    return;
  }
  if (state.mode === "new") {
    // Ready for the next card in the same cell, as on a wall of sticky notes.
    state.value = "";
    state.input.value = "";
    state.error = "";
    $(".error", state.form).textContent = "";
    await refreshBoard();
    inline?.input.focus();
  } else {
    closeInline(true);
  }
}

// The conflict dialog: their saved version next to ours; nothing is overwritten unasked.

async function resolveConflict(current, mine) {
  const who = lastEditor.get(current.id) || T.someone;
  const rows = Object.keys(mine).filter((field) => String(current[field] ?? "") !== String(mine[field] ?? ""));
  const answer = await ask("conflict", (dialog) => {
    $("[data-conflict-text]", dialog).textContent = format(T.conflict, { who });
    $("[data-conflict-rows]", dialog).replaceChildren(
      ...rows.map((field) => {
        const tr = document.createElement("tr");
        for (const text of [T.fields[field] || field, current[field] ?? "—", mine[field] ?? "—"]) {
          const cell = document.createElement("td");
          cell.textContent = String(text);
          tr.append(cell);
        }
        return tr;
      }),
    );
  });
  if (answer?.submitter === "mine") {
    return api("PATCH", `/api/v1/steps/${current.id}/`, { ...mine, version: current.version });
  }
  // Keep theirs: the board (and the panel) show the saved version again.
  refreshBoard();
  if (panelStep === current.id) fillPanel(current);
  if (inline?.step === current.id) closeInline(true);
  return null;
}

// The details panel.

const panel = $("[data-panel]");
const panelForm = $("[data-panel-form]");
let panelStep = null;
let panelVersion = null;
const PANEL_FIELDS = ["title", "description", "kind", "channel", "actor", "emotion", "evidence", "data_captured", "data_recorded_in", "data_stage"];

function fillPanel(step) {
  panelStep = step.id;
  panelVersion = step.version;
  for (const name of PANEL_FIELDS) panelForm.elements[name].value = step[name] ?? "";
  $("[data-panel-error]").textContent = "";
  $("[data-panel-notice]").hidden = true;
}

async function openPanel(stepId) {
  const result = await api("GET", `/api/v1/steps/${stepId}/`);
  if (!result.ok) return toast(problem(result));
  fillPanel(result.data);
  panel.hidden = false;
  $$(".step.selected").forEach((card) => card.classList.remove("selected"));
  document.getElementById(`step-${stepId}`)?.classList.add("selected");
  panelForm.elements.title.focus();
}

function closePanel() {
  const stepId = panelStep;
  panel.hidden = true;
  panelStep = null;
  document.getElementById(`step-${stepId}`)?.classList.remove("selected");
  document.getElementById(`step-${stepId}`)?.focus();
}

function panelValues() {
  const values = {};
  for (const name of PANEL_FIELDS) {
    const raw = panelForm.elements[name].value;
    if (["channel", "actor", "emotion"].includes(name)) values[name] = raw === "" ? (name === "emotion" ? 0 : null) : Number(raw);
    else values[name] = raw;
  }
  return values;
}

function warnPanel(event) {
  if (!panelStep || event.id !== panelStep || !event.kind.startsWith("step.")) return;
  if (event.actor && samePerson(event.actor, config.me)) return;
  const who = event.actor ? event.actor.name : T.someone;
  const notice = $("[data-panel-notice]");
  notice.textContent = format(event.kind === "step.deleted" ? T.goneMeanwhile : T.changedMeanwhile, { who });
  notice.hidden = false;
}

panelForm?.addEventListener("submit", async (event) => {
  event.preventDefault();
  const mine = panelValues();
  let result = await api("PATCH", `/api/v1/steps/${panelStep}/`, { ...mine, version: panelVersion });
  if (result.status === 409 && result.data?.current) {
    result = await resolveConflict(result.data.current, mine);
    if (result === null) return;
  }
  if (!result.ok) {
    $("[data-panel-error]").textContent = problem(result);
    return;
  }
  fillPanel(result.data);
  toast(T.saved);
  refreshBoard();
});

// Links: pick a source, then a target, then the kind.

let linkFrom = null;
const linkBanner = $("[data-link-banner]");

function startLink(stepId) {
  const card = document.getElementById(`step-${stepId}`);
  if (!card) return;
  linkFrom = { id: Number(stepId), title: $(".step-title", card)?.textContent || "" };
  linkBanner.textContent = format(T.pickTarget, { name: linkFrom.title });
  linkBanner.hidden = false;
  document.body.classList.add("linking");
}

function stopLink() {
  linkFrom = null;
  linkBanner.hidden = true;
  document.body.classList.remove("linking");
}

async function finishLink(targetId) {
  const source = linkFrom;
  stopLink();
  if (!source || source.id === Number(targetId)) return;
  const target = $(".step-title", document.getElementById(`step-${targetId}`))?.textContent || "";
  for (;;) {
    const answer = await ask("link", (dialog) => {
      $("[data-link-ends]", dialog).textContent = format(T.linkEnds, { source: source.title, target });
    });
    if (!answer) return;
    const result = await api("POST", "/api/v1/links/", { blueprint: ID, source: source.id, target: Number(targetId), kind: answer.kind, label: answer.label });
    if (result.ok) break;
    toast(format(T.saveFailed, { detail: problem(result) }));
    return;
  }
  refreshBoard();
}

// Moving steps: drag and drop, or Alt + arrows.

function cellIds(cell, without) {
  return $$("[data-step]", cell)
    .map((card) => Number(card.dataset.step))
    .filter((id) => id !== Number(without));
}

async function moveStep(stepId, cell, index) {
  const order = cellIds(cell, stepId);
  order.splice(Math.max(0, Math.min(index, order.length)), 0, Number(stepId));
  const result = await api("POST", "/api/v1/steps/reorder/", {
    lane: Number(cell.dataset.lane),
    phase: Number(cell.dataset.phase),
    order,
  });
  if (!result.ok) toast(format(T.saveFailed, { detail: problem(result) }));
  await refreshBoard();
  // Follow the card, unless the user has gone on to something else meanwhile.
  if (!inline && (document.activeElement === document.body || !document.activeElement)) {
    document.getElementById(`step-${stepId}`)?.focus();
  }
}

function neighbourCell(cell, dx, dy) {
  const row = cell.parentElement;
  if (dx) {
    const cells = $$("td[data-cell]", row);
    return cells[cells.indexOf(cell) + dx] || null;
  }
  const rows = $$("tr.lane", canvas());
  const next = rows[rows.indexOf(row) + dy];
  return next ? $(`td[data-phase="${cell.dataset.phase}"]`, next) : null;
}

function keyboardMove(card, key) {
  const cell = card.closest("td[data-cell]");
  const cards = $$("[data-step]", cell);
  const index = cards.indexOf(card);
  if (key === "ArrowLeft" || key === "ArrowRight") {
    const target = neighbourCell(cell, key === "ArrowLeft" ? -1 : 1, 0);
    if (target) moveStep(card.dataset.step, target, Infinity);
    return;
  }
  const up = key === "ArrowUp";
  if (up ? index > 0 : index < cards.length - 1) {
    moveStep(card.dataset.step, cell, index + (up ? -1 : 1));
    return;
  }
  const target = neighbourCell(cell, 0, up ? -1 : 1);
  if (target) moveStep(card.dataset.step, target, up ? Infinity : 0);
}

let dragged = null;
document.addEventListener("dragstart", (event) => {
  const card = event.target.closest?.("[data-step][draggable=true]");
  if (!card) return;
  dragged = card;
  card.classList.add("dragging");
  event.dataTransfer.effectAllowed = "move";
  event.dataTransfer.setData("text/plain", card.dataset.step);
});
document.addEventListener("dragend", () => {
  dragged?.classList.remove("dragging");
  dragged = null;
  $$(".drop-target").forEach((cell) => cell.classList.remove("drop-target"));
});
function dropIndex(cell, y) {
  const cards = $$("[data-step]", cell).filter((card) => card !== dragged);
  const index = cards.findIndex((card) => {
    const r = card.getBoundingClientRect();
    return y < r.top + r.height / 2;
  });
  return index === -1 ? cards.length : index;
}
document.addEventListener("dragover", (event) => {
  const cell = event.target.closest?.("td[data-cell]");
  if (!dragged || !cell) return;
  event.preventDefault();
  $$(".drop-target").forEach((other) => other !== cell && other.classList.remove("drop-target"));
  cell.classList.add("drop-target");
});
document.addEventListener("drop", (event) => {
  const cell = event.target.closest?.("td[data-cell]");
  if (!dragged || !cell) return;
  event.preventDefault();
  const id = dragged.dataset.step;
  const index = dropIndex(cell, event.clientY);
  // Show it where it was dropped at once; the refresh confirms it.
  const before = $$("[data-step]", cell).filter((card) => card !== dragged)[index];
  cell.insertBefore(dragged, before || $("[data-act=step-add]", cell));
  moveStep(id, cell, index);
});

// Phases and lanes.

function phaseOrder() {
  return $$("th[data-phase]", canvas()).map((th) => Number(th.dataset.phase));
}
function laneOrder() {
  return $$("tr.lane", canvas()).map((tr) => Number(tr.dataset.lane));
}
async function reorder(kind, order, focusSelector) {
  const result = await api("POST", `/api/v1/${kind}/reorder/`, { blueprint: ID, order });
  if (!result.ok) toast(format(T.saveFailed, { detail: problem(result) }));
  await refreshBoard();
  if (focusSelector) $(focusSelector)?.focus();
}
function swap(list, index, other) {
  if (other < 0 || other >= list.length) return null;
  [list[index], list[other]] = [list[other], list[index]];
  return list;
}

async function nameDialog(title, value, save) {
  for (;;) {
    const answer = await ask("name", (dialog) => {
      $("[data-name-title]", dialog).textContent = title;
      dialog.querySelector("input[name=name]").value = value;
    });
    if (!answer) return;
    const result = await save(answer.name.trim());
    if (result.ok) return refreshBoard();
    value = answer.name;
    toast(format(T.saveFailed, { detail: problem(result) }));
  }
}

const actorSelects = () => $$("[data-actor-select]");
async function laneDialog(lane) {
  for (;;) {
    const answer = await ask("lane", (dialog) => {
      $("[data-lane-title]", dialog).textContent = lane.id ? T.editLane : T.newLane;
      const form = $("form", dialog);
      form.elements.name.value = lane.name || "";
      form.elements.band.value = lane.band;
      form.elements.actor.value = lane.actor || "";
      $("[data-new-actor-box]", dialog).hidden = true;
    });
    if (!answer) return;
    let actor = answer.actor ? Number(answer.actor) : null;
    if (answer.actor === "new") {
      const name = (answer.new_actor || "").trim() || answer.name.trim();
      const created = await api("POST", "/api/v1/actors/", { workspace: config.workspace, name });
      if (!created.ok) {
        toast(format(T.saveFailed, { detail: problem(created) }));
        continue;
      }
      actor = created.data.id;
      for (const select of actorSelects()) {
        const option = new Option(created.data.name, created.data.id);
        const last = select.querySelector("option[value=new]");
        select.insertBefore(option, last);
      }
    }
    const body = { name: answer.name.trim(), band: answer.band, actor };
    const result = lane.id
      ? await api("PATCH", `/api/v1/lanes/${lane.id}/`, body)
      : await api("POST", "/api/v1/lanes/", { blueprint: ID, ...body });
    if (result.ok) return refreshBoard();
    lane = { ...lane, ...body };
    toast(format(T.saveFailed, { detail: problem(result) }));
  }
}
$("[data-new-actor]")?.addEventListener("change", (event) => {
  const box = $("[data-new-actor-box]");
  box.hidden = event.target.value !== "new";
  if (!box.hidden) $("input", box).focus();
});

// Every control of the board, by delegation: the board is swapped, the handlers stay.

const ACTIONS = {
  "step-add": (button) => {
    const cell = button.closest("td[data-cell]");
    openInline({ mode: "new", lane: cell.dataset.lane, phase: cell.dataset.phase, value: "" });
  },
  "phase-add": () => nameDialog(T.newPhase, "", (name) => api("POST", "/api/v1/phases/", { blueprint: ID, name })),
  "phase-rename": (button) => {
    const th = button.closest("th[data-phase]");
    nameDialog(T.renamePhase, th.dataset.name, (name) => api("PATCH", `/api/v1/phases/${th.dataset.phase}/`, { name }));
  },
  "phase-left": (button) => phaseMove(button, -1),
  "phase-right": (button) => phaseMove(button, 1),
  "phase-delete": (button) => {
    const th = button.closest("th[data-phase]");
    remove(`/api/v1/phases/${th.dataset.phase}/`, th.dataset.name, format(T.confirmPhase, { name: th.dataset.name }));
  },
  "lane-add": (button) => laneDialog({ band: button.dataset.band }),
  "lane-edit": (button) => {
    const tr = button.closest("tr[data-lane]");
    laneDialog({ id: tr.dataset.lane, name: tr.dataset.name, band: tr.dataset.band, actor: tr.dataset.actor });
  },
  "lane-up": (button) => laneMove(button, -1),
  "lane-down": (button) => laneMove(button, 1),
  "lane-delete": (button) => {
    const tr = button.closest("tr[data-lane]");
    remove(`/api/v1/lanes/${tr.dataset.lane}/`, tr.dataset.name, format(T.confirmLane, { name: tr.dataset.name }));
  },
  "link-delete": (button) => remove(`/api/v1/links/${button.dataset.linkId}/`, "→", T.confirmLink),
  "panel-close": () => closePanel(),
  "panel-delete": () => deleteStep(panelStep),
  "panel-link": () => {
    const id = panelStep;
    closePanel();
    startLink(id);
  },
  undo: () => undo(),
};

function phaseMove(button, by) {
  const id = Number(button.closest("th[data-phase]").dataset.phase);
  const order = phaseOrder();
  const index = order.indexOf(id);
  const moved = swap(order, index, index + by);
  const act = by < 0 ? "phase-left" : "phase-right";
  if (moved) reorder("phases", moved, `th[data-phase="${id}"] [data-act=${act}], th[data-phase="${id}"] [data-act=phase-rename]`);
}

function laneMove(button, by) {
  const tr = button.closest("tr[data-lane]");
  const id = Number(tr.dataset.lane);
  const order = laneOrder();
  const index = order.indexOf(id);
  // Lanes move within their band: bands keep their canonical order.
  const neighbour = $$(`tr.lane[data-band="${tr.dataset.band}"]`, canvas()).map((row) => Number(row.dataset.lane));
  const next = neighbour[neighbour.indexOf(id) + by];
  if (next === undefined) return;
  const moved = swap(order, index, order.indexOf(next));
  const act = by < 0 ? "lane-up" : "lane-down";
  reorder("lanes", moved, `tr[data-lane="${id}"] [data-act=${act}]`);
}

async function deleteStep(stepId) {
  const card = document.getElementById(`step-${stepId}`);
  const name = $(".step-title", card)?.textContent || "";
  if (!panel.hidden && panelStep === Number(stepId)) closePanel();
  await remove(`/api/v1/steps/${stepId}/`, name, format(T.confirmStep, { name }));
}

let clickTimer = null;
if (config.canEdit) {
  document.addEventListener("click", (event) => {
    const control = event.target.closest("[data-act]");
    if (control && ACTIONS[control.dataset.act]) {
      event.preventDefault();
      ACTIONS[control.dataset.act](control);
      return;
    }
    const card = event.target.closest("[data-step]");
    if (!card || event.target.closest("form")) return;
    if (linkFrom) return finishLink(card.dataset.step);
    // Wait a moment: a double click renames in place instead.
    clearTimeout(clickTimer);
    clickTimer = setTimeout(() => openPanel(card.dataset.step), 220);
  });
  document.addEventListener("dblclick", (event) => {
    const title = event.target.closest(".step-title");
    const card = title?.closest("[data-step]");
    if (!card) return;
    clearTimeout(clickTimer);
    openInline({ mode: "rename", step: Number(card.dataset.step), version: card.dataset.version, value: title.textContent });
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && linkFrom) {
      stopLink();
      return;
    }
    if (event.key === "Escape" && !panel.hidden && !document.querySelector("dialog[open]")) {
      closePanel();
      return;
    }
    const card = event.target.closest?.("[data-step]");
    if (!card || event.target !== card) return;
    const id = card.dataset.step;
    if (event.altKey && event.key.startsWith("Arrow")) {
      event.preventDefault();
      keyboardMove(card, event.key);
    } else if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      if (linkFrom) finishLink(id);
      else openPanel(id);
    } else if (event.key === "F2") {
      event.preventDefault();
      openInline({ mode: "rename", step: Number(id), version: card.dataset.version, value: $(".step-title", card).textContent });
    } else if (event.key === "Delete" || event.key === "Backspace") {
      event.preventDefault();
      deleteStep(id);
    } else if (event.key.toLowerCase() === "l") {
      event.preventDefault();
      startLink(id);
    }
  });
}

// ------------------------------------------------------------------------------- start up

applyZoom();
drawArrows();
loadActivity();
connect();
