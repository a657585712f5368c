// Text limits: every field with `data-limit` (the server's own limit, handed over by the page)
// counts as the person types or pastes. Nothing is cut: past the limit the field says by how
// much and the form cannot be sent until it is shortened.

import { format } from "./util.js";

export function install(editor) {
  const { T } = editor;

  function check(field) {
    const limit = Number(field.dataset.limit);
    if (!limit) return;
    const count = field.value.length;
    let counter = field.nextElementSibling?.matches?.(".limit-counter") ? field.nextElementSibling : null;
    if (!counter && count > limit * 0.8) {
      counter = document.createElement("small");
      counter.className = "limit-counter";
      counter.setAttribute("aria-live", "polite");
      field.after(counter);
    }
    if (counter && count <= limit * 0.8) {
      counter.remove();
      counter = null;
    }
    const over = count - limit;
    field.setCustomValidity(over > 0 ? format(T.tooLong, { count, max: limit, over }) : "");
    if (counter) {
      counter.textContent = over > 0 ? format(T.tooLong, { count, max: limit, over }) : `${count} / ${limit}`;
      counter.classList.toggle("over", over > 0);
    }
  }

  document.addEventListener("input", (event) => {
    if (event.target.matches?.("[data-limit]")) check(event.target);
  });

  // A dialog's form is reset each time it opens: its fields start within their limits.
  document.addEventListener("reset", (event) => {
    for (const field of event.target.querySelectorAll?.("[data-limit]") || []) {
      field.setCustomValidity("");
      if (field.nextElementSibling?.matches(".limit-counter")) field.nextElementSibling.remove();
    }
  });

  Object.assign(editor, { checkLimit: check });
}
