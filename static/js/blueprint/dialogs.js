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

  async function resolveConflict(current, mine) {
    const who = state.lastEditor.get(current.id) || T.someone;
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
      return editor.api("PATCH", `/api/v1/steps/${current.id}/`, { ...mine, version: current.version });
    }
    // Keep theirs: the board (and the panel) show the saved version again.
    editor.refreshBoard();
    if (state.panelStep === current.id) editor.fillPanel(current);
    if (state.inline?.step === current.id) editor.closeInline(true);
    return null;
  }

  Object.assign(editor, { ask, confirmDelete, resolveConflict });
}
