// Moving things: steps by drag and drop or Alt + arrows, phases left and right, lanes up and
// down within their band. Offline, a move waits in the outbox and goes out once back.

import { $, $$, canvas, format } from "./util.js";

function swap(list, index, other) {
  if (other < 0 || other >= list.length) return null;
  [list[index], list[other]] = [list[other], list[index]];
  return list;
}

export function install(editor) {
  const { T, ID, state } = editor;
  const titleOf = (stepId) => $(".step-title", document.getElementById(`step-${stepId}`))?.textContent || "";

  function cellIds(cell, without) {
    return $$("[data-step]", cell)
      .map((card) => Number(card.dataset.step))
      .filter((id) => id !== Number(without));
  }

  async function moveStep(stepId, cell, index) {
    const order = cellIds(cell, stepId);
    order.splice(Math.max(0, Math.min(index, order.length)), 0, Number(stepId));
    const body = { lane: Number(cell.dataset.lane), phase: Number(cell.dataset.phase), order };
    const result = await editor.api("POST", "/api/v1/steps/reorder/", body, { keep: titleOf(stepId) });
    if (!result.ok && !result.queued) editor.toast(format(T.saveFailed, { detail: editor.problem(result) }));
    await editor.refreshBoard();
    // Follow the card, unless the user has gone on to something else meanwhile.
    if (!state.inline && (document.activeElement === document.body || !document.activeElement)) {
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
    document.body.classList.add("card-dragging"); // the arrows let the drop through
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.step);
  });
  document.addEventListener("dragend", () => {
    dragged?.classList.remove("dragging");
    document.body.classList.remove("card-dragging");
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
  async function reorder(kind, order, focusSelector, name) {
    const result = await editor.api("POST", `/api/v1/${kind}/reorder/`, { blueprint: ID, order }, { keep: name });
    if (!result.ok && !result.queued) editor.toast(format(T.saveFailed, { detail: editor.problem(result) }));
    await editor.refreshBoard();
    if (focusSelector) $(focusSelector)?.focus();
  }

  function phaseMove(button, by) {
    const th = button.closest("th[data-phase]");
    const id = Number(th.dataset.phase);
    const order = phaseOrder();
    const index = order.indexOf(id);
    const moved = swap(order, index, index + by);
    const act = by < 0 ? "phase-left" : "phase-right";
    if (moved) reorder("phases", moved, `th[data-phase="${id}"] [data-act=${act}], th[data-phase="${id}"] [data-act=phase-rename]`, th.dataset.name);
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
    reorder("lanes", moved, `tr[data-lane="${id}"] [data-act=${act}]`, tr.dataset.name);
  }

  Object.assign(editor, { keyboardMove, phaseMove, laneMove });
}
