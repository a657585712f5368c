// The live workshop page: shared timer in server time, live events with catch-up after a
// reconnect (static/js/live.js), forms sent without leaving the page and kept while offline,
// notes dragged between clusters.
import { connectLive, createOutbox } from "./live.js";
import { createTimer } from "./workshop_timer.js";

const root = document.querySelector("[data-workshop]");

if (root) {
  const workshopId = root.dataset.workshop;
  const facilitator = root.dataset.facilitator === "1";
  const timerEl = root.querySelector("[data-timer]");
  const activityEl = root.querySelector("[data-activity]");
  const statusEl = root.querySelector("[data-live-status]");
  const flashEl = root.querySelector("[data-flash]");
  const text = {
    live: statusEl.dataset.live || "Live",
    reconnecting: statusEl.dataset.reconnecting || "Reconnecting…",
  };
  // --- The shared timer -----------------------------------------------------------------
  const timer = createTimer(timerEl, JSON.parse(root.dataset.state));
  const applyState = (next) => {
    if (next.current_activity) activityEl.textContent = next.current_activity.title;
    timer.apply(next);
  };

  // --- Refreshing what changed ----------------------------------------------------------
  const flash = (message) => {
    flashEl.textContent = message;
    flashEl.hidden = !message;
  };
  let refreshQueued = null;
  const refresh = () => {
    // Many events in a burst (a room adding notes) cost one refresh, not one each.
    if (refreshQueued) return;
    refreshQueued = setTimeout(async () => {
      refreshQueued = null;
      let response;
      try {
        response = await fetch(location.href, { headers: { Accept: "text/html" } });
      } catch {
        return; // offline: the next connection catches up
      }
      if (!response.ok) return;
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      for (const selector of ["#board", ".controls", ".facilitator-grid", "[data-whoami]"]) {
        const fresh = page.querySelector(selector);
        const current = document.querySelector(selector);
        if (fresh && current) swapKeepingInput(current, fresh);
      }
    }, 120);
  };
  const swapKeepingInput = (current, fresh) => {
    // Keep what someone is typing, where their focus is and which notes they opened.
    const typed = {};
    for (const field of current.querySelectorAll("textarea[id], input[id]:not([type=hidden])")) {
      if (field.value && field === document.activeElement) typed[field.id] = field.value;
      else if (field.tagName === "TEXTAREA" && field.value) typed[field.id] = field.value;
    }
    const focused = document.activeElement && current.contains(document.activeElement)
      ? document.activeElement.id : null;
    const open = [...current.querySelectorAll("details[open]")].map(
      (d) => d.closest("[data-note]")?.dataset.note,
    );
    current.replaceWith(fresh);
    for (const [id, value] of Object.entries(typed)) {
      const field = fresh.querySelector(`#${CSS.escape(id)}`);
      if (field) field.value = value;
    }
    for (const note of open) {
      fresh.querySelector(`[data-note="${note}"] details`)?.setAttribute("open", "");
    }
    if (focused) fresh.querySelector(`#${CSS.escape(focused)}`)?.focus({ preventScroll: true });
  };

  // --- Live events ----------------------------------------------------------------------
  const apply = (event) => {
    if (event.kind === "group.elsewhere") return; // another group's board: nothing to show
    const data = event.data || {};
    if (data.timer) applyState(data);
    else if (data.state) applyState(data.state);
    if (event.kind === "workshop.summoned" && !facilitator) {
      const target = new URL(data.url, location.href);
      if (target.pathname + target.search !== location.pathname + location.search) {
        location.assign(target.href);
        return;
      }
    }
    if (event.kind === "participant.removed" && root.dataset.me === String(event.id)) {
      location.reload();
      return;
    }
    if (!event.kind.startsWith("timer.")) refresh();
  };
  // Writes go through the outbox: made offline, they wait and go out once back.
  const outbox = createOutbox({
    describe: (result) => result.data?.detail,
    onSent: () => refresh(),
  });
  const live = connectLive({
    path: `/ws/workshops/${workshopId}/`,
    catchUpUrl: `/workshops/${workshopId}/events/`,
    onHello: (message) => applyState(message.state),
    onEvent: apply,
    onCaughtUp: (missed) => missed && refresh(),
    onReload: () => location.reload(),
    onState: (state) => {
      const online = state === "live" || state === "behind";
      statusEl.textContent = online ? text.live : text.reconnecting;
      statusEl.classList.toggle("online", online);
    },
    onAlive: () => outbox.flush(),
  });
  // The groups' blueprints change without a workshop event: the facilitator's dashboard
  // (steps, links, who is active) is read again now and then.
  if (facilitator) setInterval(refresh, 30000);
  // Exposed for tests and the curious: what the page has applied so far.
  window.frontstageWorkshop = { seq: live.seq, socket: live.socket, pending: outbox.pending };

  // --- Forms without leaving the page ---------------------------------------------------
  // What a kept write is called while it waits: the note typed, a name typed, or the button
  // (with the note it acts on: "Vote · Call back").
  const labelOf = (form, submitter) => {
    const typed =
      form.querySelector("textarea[name=text]")?.value ||
      form.querySelector("input[name=name]:not([type=hidden])")?.value;
    if (typed) return typed.trim();
    const note = form.closest("[data-note]")?.querySelector(".note-text")?.textContent;
    return [submitter?.textContent, note].filter(Boolean).map((part) => part.trim()).join(" · ");
  };
  const post = async (url, body, label) => {
    const answer = await outbox.send({ method: "POST", url, body, label });
    if (answer.queued) {
      flash("");
      return answer;
    }
    if (!answer.ok) {
      flash(answer.data?.detail || `HTTP ${answer.status}`);
      return null;
    }
    flash("");
    return answer.data || {};
  };
  document.addEventListener("submit", async (event) => {
    const form = event.target.closest("form[data-live-form]");
    if (!form) return;
    event.preventDefault();
    const body = new FormData(form, event.submitter);
    const answer = await post(form.getAttribute("action"), body, labelOf(form, event.submitter));
    if (answer === null) return;
    if (answer.timer) applyState(answer);
    if (form.classList.contains("add-note")) {
      // Sent or kept in the outbox (shown as pending): either way the form is free again.
      form.reset();
      form.querySelector("textarea")?.focus();
    }
    if (answer.queued) return;
    if (form.hasAttribute("data-reload")) {
      location.reload();
      return;
    }
    refresh();
  });

  // --- Drag a note onto a cluster, or a person onto a group -----------------------------
  // Each kind of card: what it is dragged as, where it may land, and the write a drop makes.
  const drops = [
    {
      card: "[data-note]", id: (el) => el.dataset.note, type: "text/x-note",
      zone: "[data-cluster]", field: "cluster", value: (zone) => zone.dataset.cluster,
      url: (id) => `/workshops/${workshopId}/notes/${id}/`, label: ".note-text",
    },
    {
      card: "[data-person]", id: (el) => el.dataset.person, type: "text/x-person",
      zone: "[data-person-drop]", field: "group", value: (zone) => zone.dataset.personDrop,
      url: (id) => `/workshops/${workshopId}/participants/${id}/`, label: null, list: "ul",
    },
  ];
  document.addEventListener("dragstart", (event) => {
    for (const drop of drops) {
      const card = event.target.closest?.(drop.card);
      if (card) event.dataTransfer.setData(drop.type, drop.id(card));
    }
  });
  document.addEventListener("dragover", (event) => {
    for (const drop of drops) {
      const zone = event.target.closest?.(drop.zone);
      if (zone && event.dataTransfer.types.includes(drop.type)) {
        event.preventDefault();
        zone.classList.add("drop-target");
      }
    }
  });
  document.addEventListener("dragleave", (event) => {
    for (const drop of drops) event.target.closest?.(drop.zone)?.classList.remove("drop-target");
  });
  document.addEventListener("drop", async (event) => {
    for (const drop of drops) {
      const zone = event.target.closest?.(drop.zone);
      const id = event.dataTransfer.getData(drop.type);
      if (!zone || !id) continue;
      event.preventDefault();
      zone.classList.remove("drop-target");
      const card = document.querySelector(`${drop.card.slice(0, -1)}="${CSS.escape(id)}"]`);
      // A person's chip moves where it was dropped at once; the refresh confirms it.
      if (drop.list && card) zone.querySelector(drop.list)?.append(card);
      const body = new FormData();
      body.append(drop.field, drop.value(zone));
      const label = (drop.label ? card?.querySelector(drop.label) : card)?.textContent;
      const answer = await post(drop.url(id), body, label);
      if (answer && !answer.queued) refresh();
    }
  });
}
