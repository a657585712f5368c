// The details panel of a step: every field, saved with the step's version; a colleague's
// change meanwhile is announced, and a clash goes through the conflict dialog.

import { $, $$, format, samePerson } from "./util.js";

const PANEL_FIELDS = ["title", "description", "kind", "channel", "actor", "emotion", "evidence", "data_captured", "data_recorded_in", "data_stage"];

export function install(editor) {
  const { config, T, state } = editor;
  const panel = $("[data-panel]");
  const panelForm = $("[data-panel-form]");

  function fillPanel(step) {
    state.panelStep = step.id;
    state.panelVersion = step.version;
    for (const name of PANEL_FIELDS) {
      panelForm.elements[name].value = step[name] ?? "";
      panelForm.elements[name].disabled = !config.canEdit; // read-only viewers read every field
    }
    state.panelSaved = panelValues(); // what the person started from: only their changes are sent
    for (const link of $$("[data-panel-innovation] a[data-href]")) link.href = format(link.dataset.href, { id: step.id });
    showPersonas(step.id);
    if ($("[data-panel-error]")) $("[data-panel-error]").textContent = "";
    $("[data-panel-notice]").hidden = true;
  }

  // The personas this step is attached to, as links to their pages (none: the line stays hidden).
  async function showPersonas(stepId) {
    const line = $("[data-panel-personas]");
    if (!line) return;
    line.hidden = true;
    const result = await editor.api("GET", `/api/v1/personas/?step=${stepId}`);
    if (!result.ok || state.panelStep !== stepId) return;
    const list = $("[data-panel-persona-list]", line);
    list.replaceChildren();
    for (const persona of (result.data.results || []).filter((one) => !one.archived)) {
      if (list.childElementCount) list.append(", ");
      const link = document.createElement("a");
      link.href = `/personas/${persona.id}/`;
      link.textContent = persona.name;
      list.append(link);
    }
    line.hidden = !list.childElementCount;
  }

  async function openPanel(stepId) {
    const result = await editor.api("GET", `/api/v1/steps/${stepId}/`);
    if (!result.ok) return editor.toast(editor.problem(result));
    fillPanel(result.data);
    panel.hidden = false;
    $$(".step.selected").forEach((card) => card.classList.remove("selected"));
    document.getElementById(`step-${stepId}`)?.classList.add("selected");
    if (config.canEdit) panelForm.elements.title.focus();
    else $("[data-act=panel-close]", panel).focus();
  }

  function closePanel() {
    const stepId = state.panelStep;
    panel.hidden = true;
    state.panelStep = null;
    document.getElementById(`step-${stepId}`)?.classList.remove("selected");
    document.getElementById(`step-${stepId}`)?.focus();
  }

  const panelOpen = () => Boolean(panel) && !panel.hidden;

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
    if (!state.panelStep || event.id !== state.panelStep || !event.kind.startsWith("step.")) return;
    if (event.actor && samePerson(event.actor, config.me)) return;
    const who = event.actor ? event.actor.name : T.someone;
    const notice = $("[data-panel-notice]");
    notice.textContent = format(event.kind === "step.deleted" ? T.goneMeanwhile : T.changedMeanwhile, { who });
    notice.hidden = false;
  }

  panelForm?.addEventListener("submit", async (event) => {
    event.preventDefault();
    const values = panelValues();
    const mine = Object.fromEntries(PANEL_FIELDS.filter((name) => values[name] !== state.panelSaved[name]).map((name) => [name, values[name]]));
    if (!Object.keys(mine).length) return editor.toast(T.nothingChanged);
    // Not kept in the outbox: offline, the panel keeps what was typed and says so.
    let result = await editor.api("PATCH", `/api/v1/steps/${state.panelStep}/`, { ...mine, version: state.panelVersion });
    if (result.status === 409 && result.data?.current) {
      result = await editor.resolveConflict(result.data.current, mine, result.data.conflicts);
      if (result === null) return;
    }
    if (!result.ok) {
      $("[data-panel-error]").textContent = editor.problem(result);
      return;
    }
    fillPanel(result.data);
    editor.toast(T.saved);
    editor.refreshBoard();
  });

  if (!config.canEdit && panel) {
    // Read-only viewers open a card to read it; editors do through editing.js.
    document.addEventListener("click", (event) => {
      if (event.target.closest("[data-act=panel-close]")) return closePanel();
      const card = event.target.closest("[data-step]");
      if (card) openPanel(card.dataset.step);
    });
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && panelOpen()) return closePanel();
      const card = event.target.closest?.("[data-step]");
      if (card && event.target === card && (event.key === "Enter" || event.key === " ")) {
        event.preventDefault();
        openPanel(card.dataset.step);
      }
    });
  }

  // A field's value as the person reads it: the option's label for a choice, "—" for none.
  function fieldText(name, value) {
    const control = panelForm?.elements[name];
    if (control?.tagName === "SELECT") {
      const option = [...control.options].find((item) => item.value === String(value ?? ""));
      if (option) return option.textContent;
    }
    return value === null || value === undefined || value === "" ? "—" : String(value);
  }

  Object.assign(editor, { openPanel, closePanel, fillPanel, warnPanel, panelOpen, fieldText });
}
