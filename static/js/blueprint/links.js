// Links between steps: pick a source, then a target, then the kind (or drag from a card's
// handle onto another, linkdrag.js). The kind offered first follows the bands of both ends.

import { $, format } from "./util.js";

export function install(editor) {
  const { T, ID, state, config } = editor;
  const linkBanner = $("[data-link-banner]");
  const card = (stepId) => document.getElementById(`step-${stepId}`);
  const titleOf = (stepId) => $(".step-title", card(stepId))?.textContent || "";

  function defaultKind(sourceId, targetId) {
    const band = (stepId) => card(stepId)?.closest("tr[data-band]")?.dataset.band;
    return config.linkKindByBands?.[band(sourceId)]?.[band(targetId)] || "handoff";
  }

  function startLink(stepId) {
    if (!card(stepId)) return;
    state.linkFrom = { id: Number(stepId), title: titleOf(stepId) };
    linkBanner.textContent = format(T.pickTarget, { name: state.linkFrom.title });
    linkBanner.hidden = false;
    document.body.classList.add("linking");
  }

  function stopLink() {
    state.linkFrom = null;
    linkBanner.hidden = true;
    document.body.classList.remove("linking");
  }

  // The link through the API; its arrow and its line in the list at once (the event that
  // follows changes nothing more). Answers whether it was made (or queued while offline).
  async function createLink({ source, target, kind, label = "" }) {
    const body = { blueprint: ID, source: Number(source), target: Number(target), kind, label };
    const result = await editor.api("POST", "/api/v1/links/", body, { keep: `${titleOf(source)} → ${titleOf(target)}` });
    if (result.queued) return true;
    if (!result.ok) {
      editor.toast(format(T.saveFailed, { detail: editor.problem(result) }));
      return false;
    }
    const made = result.data;
    state.arrows.set(made.id, { id: made.id, source: made.source, target: made.target, kind: made.kind, label: made.label });
    editor.drawArrows();
    editor.refreshRelations();
    return true;
  }

  async function finishLink(targetId) {
    const source = state.linkFrom;
    stopLink();
    if (!source || source.id === Number(targetId)) return;
    const kind = defaultKind(source.id, targetId);
    const answer = await editor.ask("link", (dialog) => {
      $("[data-link-ends]", dialog).textContent = format(T.linkEnds, { source: source.title, target: titleOf(targetId) });
      $("select[name=kind]", dialog).value = kind;
    });
    if (answer) await createLink({ source: source.id, target: targetId, kind: answer.kind, label: answer.label });
  }

  // Enter on the kind (a select) creates the link, as on any other field of the dialog.
  const linkDialog = $("dialog[data-dialog=link]");
  linkDialog?.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || event.target.tagName !== "SELECT") return;
    event.preventDefault();
    $("form", linkDialog).requestSubmit($("button[value=ok]", linkDialog));
  });

  Object.assign(editor, { startLink, stopLink, finishLink, createLink, defaultLinkKind: defaultKind });
}
