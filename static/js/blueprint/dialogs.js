// The editor's dialogs: a promise per question, and the conflict dialog that puts their saved
// version next to ours (nothing is overwritten unasked).

import { $, $$, format } from "./util.js";

export function install(editor) {
  const { T, state } = editor;
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

  // A stale save the server refused: `conflicts` names the fields someone else changed too.
  // Only those are asked about, one choice each (theirs by default: nothing of a colleague's
  // is undone unasked); the person's other changes go with the answer.
  async function resolveConflict(current, mine, conflicts) {
    const who = state.lastEditor.get(current.id) || T.someone;
    const rows = (conflicts || []).filter((field) => field in mine);
    let chosen = {};
    if (rows.length) {
      const answer = await ask("conflict", (dialog) => {
        $("[data-conflict-text]", dialog).textContent = format(T.conflictFields, { who });
        $("[data-conflict-rows]", dialog).replaceChildren(...rows.map((field) => conflictRow(field, current[field], mine[field])));
      });
      if (!answer || answer.submitter !== "apply") {
        // Nothing saved: the board (and the panel) show the saved version again.
        editor.refreshBoard();
        if (state.panelStep === current.id) editor.fillPanel(current);
        if (state.inline?.step === current.id) editor.closeInline(true);
        return null;
      }
      chosen = Object.fromEntries(rows.filter((field) => answer[`pick-${field}`] === "mine").map((field) => [field, mine[field]]));
    }
    const body = { ...Object.fromEntries(Object.entries(mine).filter(([field]) => !rows.includes(field))), ...chosen };
    if (!Object.keys(body).length) {
      editor.refreshBoard();
      return { ok: true, status: 200, data: current };
    }
    const result = await editor.api("PATCH", `/api/v1/steps/${current.id}/`, { ...body, version: current.version });
    if (result.status === 409 && result.data?.current) return resolveConflict(result.data.current, body, result.data.conflicts);
    return result;
  }

  function conflictRow(field, theirs, mine) {
    const tr = document.createElement("tr");
    tr.dataset.conflictField = field;
    const name = document.createElement("th");
    name.scope = "row";
    name.textContent = T.fields[field] || field;
    tr.append(name);
    for (const [side, value] of [["theirs", theirs], ["mine", mine]]) {
      const cell = document.createElement("td");
      const label = document.createElement("label");
      const radio = document.createElement("input");
      radio.type = "radio";
      radio.name = `pick-${field}`;
      radio.value = side;
      radio.checked = side === "theirs";
      const text = document.createElement("span");
      text.textContent = editor.fieldText ? editor.fieldText(field, value) : String(value ?? "—");
      label.append(radio, text);
      cell.append(label);
      tr.append(cell);
    }
    return tr;
  }

  Object.assign(editor, { ask, confirmDelete, resolveConflict });
}
