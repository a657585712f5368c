// Links between steps: pick a source, then a target, then the kind.

import { $, format } from "./util.js";

export function install(editor) {
  const { T, ID, state } = editor;
  const linkBanner = $("[data-link-banner]");

  function startLink(stepId) {
    const card = document.getElementById(`step-${stepId}`);
    if (!card) return;
    state.linkFrom = { id: Number(stepId), title: $(".step-title", card)?.textContent || "" };
    linkBanner.textContent = format(T.pickTarget, { name: state.linkFrom.title });
    linkBanner.hidden = false;
    document.body.classList.add("linking");
  }

  function stopLink() {
    state.linkFrom = null;
    linkBanner.hidden = true;
    document.body.classList.remove("linking");
  }

  async function finishLink(targetId) {
    const source = state.linkFrom;
    stopLink();
    if (!source || source.id === Number(targetId)) return;
    const target = $(".step-title", document.getElementById(`step-${targetId}`))?.textContent || "";
    const answer = await editor.ask("link", (dialog) => {
      $("[data-link-ends]", dialog).textContent = format(T.linkEnds, { source: source.title, target });
    });
    if (!answer) return;
    const body = { blueprint: ID, source: source.id, target: Number(targetId), kind: answer.kind, label: answer.label };
    const result = await editor.api("POST", "/api/v1/links/", body, { keep: `${source.title} → ${target}` });
    if (result.queued) return;
    if (!result.ok) {
      editor.toast(format(T.saveFailed, { detail: editor.problem(result) }));
      return;
    }
    editor.refreshBoard();
  }

  // Enter on the kind (a select) creates the link, as on any other field of the dialog.
  const linkDialog = $("dialog[data-dialog=link]");
  linkDialog?.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || event.target.tagName !== "SELECT") return;
    event.preventDefault();
    $("form", linkDialog).requestSubmit($("button[value=ok]", linkDialog));
  });

  Object.assign(editor, { startLink, stopLink, finishLink });
}
