// The Assessment tab of the blueprint page, and the assessment page on its own.
//
// The server renders the tab's content (templates/blueprints/_assessment.html); this module
// opens the tab, loads that content when the tab opens and again after every change of the
// board (board.js tells of each with a "board-changed" event on the scroller),
// shows on the board the steps of the cell, gap or finding clicked, and dismisses or restores
// findings through the API. Behaviour hangs on data- attributes only.

const layout = document.querySelector("[data-side-layout]");
const panel = document.querySelector("[data-assessment]");
const scroller = document.querySelector("[data-scroller]");
let active = null; // the data-highlight value shown on the board, kept across reloads
let loading = null;
let again = false;

function csrfToken() {
  return document.body.dataset.csrfToken || "";
}

function selectTab(name, { focus = false } = {}) {
  for (const tab of document.querySelectorAll("[data-side-tab]")) {
    const chosen = tab.dataset.sideTab === name;
    tab.setAttribute("aria-selected", String(chosen));
    tab.tabIndex = chosen ? 0 : -1;
    if (chosen && focus) tab.focus();
    document.getElementById(tab.getAttribute("aria-controls")).hidden = !chosen;
  }
  layout?.classList.toggle("assessing", name === "assessment");
  if (name === "assessment") load();
  else clearHighlight();
}

function isOpen() {
  return panel && !panel.hidden;
}

// One load at a time; a change during a load asks for one more afterwards.
async function load() {
  if (!panel) return;
  if (loading) {
    again = true;
    return loading;
  }
  loading = (async () => {
    try {
      do {
        again = false;
        const response = await fetch(panel.dataset.src, { credentials: "same-origin" });
        if (!response.ok) return;
        const body = panel.querySelector("[data-assessment-content]");
        const open = new Map(
          [...body.querySelectorAll("details[data-rule-group]")].map((d) => [d.dataset.ruleGroup, d.open]),
        );
        const typing = document.activeElement?.closest?.("[data-dismiss-form]");
        if (typing && panel.contains(typing)) return; // never throw away a reason being typed
        body.innerHTML = await response.text();
        for (const details of body.querySelectorAll("details[data-rule-group]")) {
          if (open.has(details.dataset.ruleGroup)) details.open = open.get(details.dataset.ruleGroup);
        }
        body.setAttribute("aria-busy", "false");
        if (active !== null) showOnBoard(active, null);
      } while (again);
    } catch {
      // offline: the next change of the board loads it again
    } finally {
      loading = null;
    }
  })();
  return loading;
}

function ids(value) {
  return (value || "").split(",").filter(Boolean);
}

function clearHighlight() {
  active = null;
  for (const hit of document.querySelectorAll(".review-hit")) hit.classList.remove("review-hit");
  scroller?.classList.remove("reviewing");
  for (const button of panel?.querySelectorAll("[data-highlight][aria-pressed='true']") || []) {
    button.setAttribute("aria-pressed", "false");
  }
  say("");
}

function say(text) {
  const status = panel?.querySelector("[data-highlight-status]");
  if (status) status.textContent = text;
}

// Mark the steps (and phases, lanes) of `value` on the board; `button` is the one clicked.
function showOnBoard(value, button) {
  const source = button || panel.querySelector(`[data-highlight="${CSS.escape(value)}"]`);
  for (const hit of document.querySelectorAll(".review-hit")) hit.classList.remove("review-hit");
  const found = [];
  for (const id of ids(value)) {
    const card = document.getElementById(`step-${id}`);
    if (card) found.push(card);
  }
  for (const id of ids(source?.dataset.highlightPhases)) {
    found.push(...document.querySelectorAll(`th.phase[data-phase="${CSS.escape(id)}"]`));
  }
  for (const id of ids(source?.dataset.highlightLanes)) {
    found.push(...document.querySelectorAll(`tr.lane[data-lane="${CSS.escape(id)}"] > th`));
  }
  for (const element of found) element.classList.add("review-hit");
  scroller?.classList.toggle("reviewing", found.length > 0);
  for (const other of panel.querySelectorAll("[data-highlight]")) {
    other.setAttribute("aria-pressed", String(other === source));
  }
  active = value;
  const body = panel.querySelector("[data-assessment-body]");
  say((body?.dataset.shown || "{count}").replace("{count}", String(found.length)));
  return found;
}

async function send(method, url, body) {
  const headers = { Accept: "application/json", "X-CSRFToken": csrfToken() };
  if (body) headers["Content-Type"] = "application/json";
  try {
    const response = await fetch(url, {
      method,
      headers,
      credentials: "same-origin",
      body: body ? JSON.stringify(body) : undefined,
    });
    const data = response.status === 204 ? null : await response.json().catch(() => null);
    return { ok: response.ok, status: response.status, data };
  } catch {
    return { ok: false, status: 0, data: null };
  }
}

function problem(result, body) {
  if (result.status === 0) return body?.dataset.offline || "Offline";
  const data = result.data || {};
  if (data.detail) return data.detail;
  return Object.values(data).flat().join(" ") || `HTTP ${result.status}`;
}

if (panel) {
  panel.addEventListener("click", async (event) => {
    const highlight = event.target.closest("[data-highlight]");
    if (highlight) {
      if (highlight.getAttribute("aria-pressed") === "true") {
        clearHighlight();
        return;
      }
      const [first] = showOnBoard(highlight.dataset.highlight, highlight);
      first?.scrollIntoView({ block: "nearest", inline: "center", behavior: "smooth" });
      return;
    }
    const restore = event.target.closest("[data-restore]");
    if (restore) {
      const body = panel.querySelector("[data-assessment-body]");
      restore.disabled = true;
      const result = await send("DELETE", `${body.dataset.dismissals}${restore.dataset.restore}/`);
      if (!result.ok) {
        restore.disabled = false;
        say(problem(result, body));
      }
      load();
    }
  });

  panel.addEventListener("submit", async (event) => {
    const form = event.target.closest("[data-dismiss-form]");
    if (!form) return;
    event.preventDefault();
    const item = form.closest("[data-finding]");
    const body = panel.querySelector("[data-assessment-body]");
    const error = form.querySelector("[data-dismiss-error]");
    const reason = form.elements.reason.value;
    form.querySelector("button[type=submit]").disabled = true;
    const result = await send("POST", body.dataset.dismissals, {
      rule: item.dataset.rule,
      key: item.dataset.key,
      reason,
    });
    form.querySelector("button[type=submit]").disabled = false;
    if (!result.ok) {
      error.textContent = problem(result, body);
      return;
    }
    form.elements.reason.blur();
    load();
  });
}

// The tabs: a link to the assessment page without script; tabs, arrow keys included, with it.
for (const tab of document.querySelectorAll("[data-side-tab]")) {
  tab.addEventListener("click", (event) => {
    event.preventDefault();
    selectTab(tab.dataset.sideTab);
    if (tab.dataset.sideTab === "assessment") history.replaceState(null, "", "#assessment");
    else if (location.hash === "#assessment") history.replaceState(null, "", location.pathname);
  });
  tab.addEventListener("keydown", (event) => {
    if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
    const tabs = [...document.querySelectorAll("[data-side-tab]")];
    const next = tabs[(tabs.indexOf(tab) + (event.key === "ArrowRight" ? 1 : -1) + tabs.length) % tabs.length];
    selectTab(next.dataset.sideTab, { focus: true });
  });
}

// After every change of the board (applied in place or swapped whole, board.js says so):
// mark the steps again, and reassess.
if (scroller) {
  let timer = null;
  scroller.addEventListener("board-changed", () => {
    if (!isOpen()) return;
    if (active !== null) showOnBoard(active, null);
    clearTimeout(timer);
    timer = setTimeout(load, 300);
  });
}

if (layout && location.hash === "#assessment") selectTab("assessment");
