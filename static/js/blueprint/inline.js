// Inline title editing: a new step in a cell, or renaming a card. What is typed survives board
// refreshes and outages; offline, saving says so and keeps the text for when the line is back.

import { $, canvas, format } from "./util.js";

export function install(editor) {
  const { T, ID, state } = editor;

  function inlineInput(label, value) {
    const form = document.createElement("form");
    form.className = "inline-edit";
    const input = document.createElement("input");
    input.setAttribute("aria-label", label);
    input.dataset.limit = $("[data-title-max]")?.dataset.limit || 200; // the server's limit, never cut
    input.value = value;
    const error = document.createElement("p");
    error.className = "error";
    error.setAttribute("role", "alert");
    form.append(input, error);
    return { form, input, error };
  }

  function mountInline(inline) {
    const cell = inline.mode === "new" ? $(`td[data-lane="${inline.lane}"][data-phase="${inline.phase}"]`, canvas()) : null;
    const card = inline.mode === "rename" ? document.getElementById(`step-${inline.step}`) : null;
    const { form, input, error } = inlineInput(inline.mode === "new" ? T.newStepTitle : T.stepTitle, inline.value);
    if (cell) cell.insertBefore(form, $("[data-act=step-add]", cell));
    else if (card) $(".step-title", card).replaceWith(form);
    else {
      // The cell or card went away (someone deleted it): keep the text where it can be seen.
      error.textContent = format(T.goneMeanwhile, { who: T.someone });
      form.classList.add("orphan");
      document.querySelector(".toolbar").after(form);
    }
    error.textContent ||= inline.error || "";
    editor.checkLimit(input);
    inline.form = form;
    inline.input = input;
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      saveInline(inline);
    });
    input.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        closeInline(true);
      }
    });
    return inline;
  }

  function restoreInline(typing, selection) {
    const inline = state.inline;
    inline.form.remove();
    mountInline(inline);
    if (typing) {
      inline.input.focus({ preventScroll: true });
      if (selection) inline.input.setSelectionRange(...selection);
    }
  }

  function openInline(inline) {
    closeInline(false);
    state.inline = mountInline(inline);
    state.inline.input.focus();
    state.inline.input.select();
  }

  function closeInline(refocus) {
    if (!state.inline) return;
    const { form, mode, step, lane, phase } = state.inline;
    form.remove();
    state.inline = null;
    if (mode === "rename") {
      editor.refreshBoard().then(() => refocus && document.getElementById(`step-${step}`)?.focus());
    } else if (refocus) {
      $(`td[data-lane="${lane}"][data-phase="${phase}"] [data-act=step-add]`, canvas())?.focus();
    }
  }

  async function saveInline(inline) {
    const title = inline.input.value.trim();
    if (!title) return;
    inline.value = inline.input.value;
    let result;
    if (inline.mode === "new") {
      result = await editor.api("POST", "/api/v1/steps/", { blueprint: ID, lane: Number(inline.lane), phase: Number(inline.phase), title });
    } else {
      result = await editor.api("PATCH", `/api/v1/steps/${inline.step}/`, { title, version: Number(inline.version) });
      if (result.status === 409 && result.data?.current) {
        const mine = { title };
        const resolved = await editor.resolveConflict(result.data.current, mine, result.data.conflicts);
        if (resolved === null) return;
        result = resolved;
      }
    }
    if (!result.ok) {
      inline.error = editor.problem(result);
      const error = $(".error", inline.form);
      if (error) error.textContent = inline.error;
      return;
    }
    if (inline.mode === "new") {
      // Ready for the next card in the same cell, as on a wall of sticky notes.
      inline.value = "";
      inline.input.value = "";
      inline.error = "";
      $(".error", inline.form).textContent = "";
      await editor.refreshBoard();
      state.inline?.input.focus();
    } else {
      closeInline(true);
    }
  }

  Object.assign(editor, { openInline, closeInline, restoreInline });
}
