// Editing the board (editors only): every control by delegation — the board is swapped, the
// handlers stay — plus deleting with undo, and the phase and lane dialogs.

import { $, $$, format } from "./util.js";

export function install(editor) {
  const { config, T, ID, state } = editor;

  async function remove(url, name, question) {
    if (!(await editor.confirmDelete(question))) return;
    const result = await editor.api("DELETE", url, undefined, { keep: name });
    if (result.queued) return;
    if (!result.ok) return editor.toast(format(T.saveFailed, { detail: editor.problem(result) }));
    editor.refreshBoard();
    editor.toast(format(T.deleted, { name }), { label: T.undo, run: undo });
  }

  async function undo() {
    // Never kept for later: "my last change" may be another one by the time the line is back.
    const result = await editor.api("POST", `/api/v1/blueprints/${ID}/undo/`);
    editor.toast(result.ok ? T.undone : editor.problem(result));
    editor.refreshBoard();
  }

  async function nameDialog(title, value, save) {
    for (;;) {
      const answer = await editor.ask("name", (dialog) => {
        $("[data-name-title]", dialog).textContent = title;
        dialog.querySelector("input[name=name]").value = value;
      });
      if (!answer) return;
      const result = await save(answer.name.trim());
      if (result.queued) return;
      if (result.ok) return editor.refreshBoard();
      value = answer.name;
      editor.toast(format(T.saveFailed, { detail: editor.problem(result) }));
    }
  }

  const actorSelects = () => $$("[data-actor-select]");
  async function laneDialog(lane) {
    for (;;) {
      const answer = await editor.ask("lane", (dialog) => {
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
        // Not kept for later: the lane needs the new actor's id.
        const name = (answer.new_actor || "").trim() || answer.name.trim();
        const created = await editor.api("POST", "/api/v1/actors/", { workspace: config.workspace, name });
        if (!created.ok) {
          editor.toast(format(T.saveFailed, { detail: editor.problem(created) }));
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
      const keep = { keep: body.name };
      const result = lane.id
        ? await editor.api("PATCH", `/api/v1/lanes/${lane.id}/`, body, keep)
        : await editor.api("POST", "/api/v1/lanes/", { blueprint: ID, ...body }, keep);
      if (result.queued) return;
      if (result.ok) return editor.refreshBoard();
      lane = { ...lane, ...body };
      editor.toast(format(T.saveFailed, { detail: editor.problem(result) }));
    }
  }
  $("[data-new-actor]")?.addEventListener("change", (event) => {
    const box = $("[data-new-actor-box]");
    box.hidden = event.target.value !== "new";
    if (!box.hidden) $("input", box).focus();
  });

  async function deleteStep(stepId) {
    const card = document.getElementById(`step-${stepId}`);
    const name = $(".step-title", card)?.textContent || "";
    if (editor.panelOpen() && state.panelStep === Number(stepId)) editor.closePanel();
    await remove(`/api/v1/steps/${stepId}/`, name, format(T.confirmStep, { name }));
  }

  const ACTIONS = {
    "step-add": (button) => {
      const cell = button.closest("td[data-cell]");
      editor.openInline({ mode: "new", lane: cell.dataset.lane, phase: cell.dataset.phase, value: "" });
    },
    "phase-add": () => nameDialog(T.newPhase, "", (name) => editor.api("POST", "/api/v1/phases/", { blueprint: ID, name }, { keep: name })),
    "phase-rename": (button) => {
      const th = button.closest("th[data-phase]");
      nameDialog(T.renamePhase, th.dataset.name, (name) => editor.api("PATCH", `/api/v1/phases/${th.dataset.phase}/`, { name }, { keep: name }));
    },
    "phase-left": (button) => editor.phaseMove(button, -1),
    "phase-right": (button) => editor.phaseMove(button, 1),
    "phase-delete": (button) => {
      const th = button.closest("th[data-phase]");
      remove(`/api/v1/phases/${th.dataset.phase}/`, th.dataset.name, format(T.confirmPhase, { name: th.dataset.name }));
    },
    "lane-add": (button) => laneDialog({ band: button.dataset.band }),
    "lane-edit": (button) => {
      const tr = button.closest("tr[data-lane]");
      laneDialog({ id: tr.dataset.lane, name: tr.dataset.name, band: tr.dataset.band, actor: tr.dataset.actor });
    },
    "lane-up": (button) => editor.laneMove(button, -1),
    "lane-down": (button) => editor.laneMove(button, 1),
    "lane-delete": (button) => {
      const tr = button.closest("tr[data-lane]");
      remove(`/api/v1/lanes/${tr.dataset.lane}/`, tr.dataset.name, format(T.confirmLane, { name: tr.dataset.name }));
    },
    "link-delete": (button) => remove(`/api/v1/links/${button.dataset.linkId}/`, "→", T.confirmLink),
    "panel-close": () => editor.closePanel(),
    "panel-delete": () => deleteStep(state.panelStep),
    "panel-link": () => {
      const id = state.panelStep;
      editor.closePanel();
      editor.startLink(id);
    },
    undo: () => undo(),
  };

  let clickTimer = null;
  document.addEventListener("click", (event) => {
    const control = event.target.closest("[data-act]");
    if (control && ACTIONS[control.dataset.act]) {
      event.preventDefault();
      ACTIONS[control.dataset.act](control);
      return;
    }
    const card = event.target.closest("[data-step]");
    if (!card || event.target.closest("form")) return;
    if (state.linkFrom) return editor.finishLink(card.dataset.step);
    // Wait a moment: a double click renames in place instead.
    clearTimeout(clickTimer);
    clickTimer = setTimeout(() => editor.openPanel(card.dataset.step), 220);
  });
  document.addEventListener("dblclick", (event) => {
    const title = event.target.closest(".step-title");
    const card = title?.closest("[data-step]");
    if (!card) return;
    clearTimeout(clickTimer);
    editor.openInline({ mode: "rename", step: Number(card.dataset.step), version: card.dataset.version, value: title.textContent });
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && state.linkFrom) {
      editor.stopLink();
      return;
    }
    if (event.key === "Escape" && editor.panelOpen() && !document.querySelector("dialog[open]")) {
      editor.closePanel();
      return;
    }
    const card = event.target.closest?.("[data-step]");
    if (!card || event.target !== card) return;
    const id = card.dataset.step;
    if ((event.altKey || event.ctrlKey) && event.key.startsWith("Arrow")) {
      event.preventDefault();
      editor.keyboardMove(card, event.key);
    } else if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      if (state.linkFrom) editor.finishLink(id);
      else editor.openPanel(id);
    } else if (event.key === "F2") {
      event.preventDefault();
      editor.openInline({ mode: "rename", step: Number(id), version: card.dataset.version, value: $(".step-title", card).textContent });
    } else if (event.key === "Delete" || event.key === "Backspace") {
      event.preventDefault();
      deleteStep(id);
    } else if (event.key.toLowerCase() === "l") {
      event.preventDefault();
      editor.startLink(id);
    }
  });
}
