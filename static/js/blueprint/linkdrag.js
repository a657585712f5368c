// Drag to link (editors only): the card pointed at or focused shows a handle; dragging it
// draws a line to the pointer; dropped on another card, a small popover asks the kind of link
// (the one usual for the two bands first: Enter creates it, Escape cancels); dropped anywhere
// else, nothing happens. Pointer events, so a mouse, a pen and a finger all work. From the
// keyboard, L on a card does the same (links.js).
//
// One handle for the whole board, moved to the card in use: no element per card.

import { $, canvas, format } from "./util.js";

const SVG = "http://www.w3.org/2000/svg";
const EDGE = 40; // px from the board's edge where a drag scrolls it

export function install(editor) {
  const { T, state, scroller } = editor;
  const titleOf = (card) => $(".step-title", card)?.textContent || "";

  const handle = document.createElement("span");
  handle.className = "link-handle";
  handle.dataset.linkHandle = "";
  handle.title = T.dragToLink;
  handle.textContent = "→";
  handle.setAttribute("aria-hidden", "true"); // the keyboard's way is L on the card

  function offer(event) {
    if (drag || asking) return;
    const card = event.target.closest?.("[data-step]");
    if (card && canvas()?.contains(card) && handle.parentElement !== card && !$("form", card)) card.append(handle);
  }
  scroller.addEventListener("pointerover", offer);
  scroller.addEventListener("focusin", offer);

  // --- the drag --------------------------------------------------------------------------

  let drag = null; // {card, pointer, target, band, line}
  let asking = false;

  function rubberBand(from) {
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("class", "rubber-band");
    svg.setAttribute("width", "1");
    svg.setAttribute("height", "1");
    svg.setAttribute("aria-hidden", "true");
    const line = document.createElementNS(SVG, "line");
    line.setAttribute("stroke", "#2952cc");
    line.setAttribute("stroke-width", "2.5");
    line.setAttribute("stroke-dasharray", "6 4");
    line.setAttribute("stroke-linecap", "round");
    for (const [name, value] of [["x1", from[0]], ["y1", from[1]], ["x2", from[0]], ["y2", from[1]]]) line.setAttribute(name, value);
    svg.append(line);
    canvas().append(svg);
    return { svg, line };
  }

  function targetAt(x, y) {
    const card = document.elementFromPoint(x, y)?.closest?.("[data-step]");
    return card && card !== drag.card && canvas().contains(card) ? card : null;
  }

  function follow(event) {
    // Reads first: where the pointer is on the board, what is under it, the board's edges.
    const [x, y] = editor.canvasPoint(event.clientX, event.clientY);
    const target = targetAt(event.clientX, event.clientY);
    const edges = scroller.getBoundingClientRect();
    drag.band.line.setAttribute("x2", x);
    drag.band.line.setAttribute("y2", y);
    if (target !== drag.target) {
      drag.target?.classList.remove("link-target");
      target?.classList.add("link-target");
      drag.target = target;
    }
    const by = (low, high, at) => (at < low + EDGE ? -12 : at > high - EDGE ? 12 : 0);
    scroller.scrollBy(by(edges.left, edges.right, event.clientX), by(edges.top, edges.bottom, event.clientY));
  }

  function endDrag() {
    if (!drag) return null;
    const ended = drag;
    drag = null;
    ended.target?.classList.remove("link-target");
    ended.card.setAttribute("draggable", "true");
    handle.classList.remove("active");
    document.body.classList.remove("link-dragging");
    if (handle.hasPointerCapture(ended.pointer)) handle.releasePointerCapture(ended.pointer);
    return ended;
  }

  function cancelDrag() {
    endDrag()?.band.svg.remove();
  }

  handle.addEventListener("pointerdown", (event) => {
    if (event.button !== 0 || state.locked || drag || asking) return;
    const card = handle.closest("[data-step]");
    if (!card) return;
    event.preventDefault();
    event.stopPropagation();
    const box = handle.getBoundingClientRect();
    const from = editor.canvasPoint(box.left + box.width / 2, box.top + box.height / 2);
    handle.setPointerCapture(event.pointerId);
    card.setAttribute("draggable", "false"); // this drag draws a link, it does not move the card
    handle.classList.add("active");
    document.body.classList.add("link-dragging");
    drag = { card, pointer: event.pointerId, target: null, band: rubberBand(from) };
  });
  handle.addEventListener("pointermove", (event) => {
    if (drag && event.pointerId === drag.pointer) follow(event);
  });
  handle.addEventListener("pointerup", (event) => {
    if (!drag || event.pointerId !== drag.pointer) return;
    follow(event);
    const { card, target, band } = endDrag();
    if (!target) return band.svg.remove();
    askKind(card, target, event.clientX, event.clientY).then((kind) => {
      band.svg.remove();
      if (kind) editor.createLink({ source: card.dataset.step, target: target.dataset.step, kind });
    });
  });
  handle.addEventListener("pointercancel", cancelDrag);
  handle.addEventListener("lostpointercapture", cancelDrag);
  // The press on the handle is no click on its card (which opens the details).
  handle.addEventListener("click", (event) => event.stopPropagation());
  document.addEventListener("keydown", (event) => {
    if (drag && event.key === "Escape") {
      event.preventDefault();
      cancelDrag();
    }
  });

  // --- the kind, asked where the link was dropped -----------------------------------------

  const popover = $("[data-link-popover]");

  function askKind(source, target, x, y) {
    asking = true;
    popover.reset();
    $("[data-link-popover-ends]", popover).textContent = format(T.linkEnds, { source: titleOf(source), target: titleOf(target) });
    const kind = editor.defaultLinkKind(source.dataset.step, target.dataset.step);
    const choice = $(`input[name=kind][value="${kind}"]`, popover) || $("input[name=kind]", popover);
    choice.checked = true;
    target.classList.add("link-target");
    popover.hidden = false;
    // Next to the drop, inside the window.
    const { width, height } = popover.getBoundingClientRect();
    popover.style.left = `${Math.max(8, Math.min(x + 12, innerWidth - width - 8))}px`;
    popover.style.top = `${Math.max(8, Math.min(y + 12, innerHeight - height - 8))}px`;
    choice.focus();
    return new Promise((resolve) => {
      const done = (answer) => {
        popover.removeEventListener("submit", onSubmit);
        popover.removeEventListener("keydown", onKey);
        cancel.removeEventListener("click", onCancel);
        document.removeEventListener("pointerdown", onOutside, true);
        popover.hidden = true;
        target.classList.remove("link-target");
        asking = false;
        source.focus({ preventScroll: true });
        resolve(answer);
      };
      const onSubmit = (event) => {
        event.preventDefault();
        done(new FormData(popover).get("kind"));
      };
      const onKey = (event) => {
        if (event.key === "Escape") {
          event.preventDefault();
          event.stopPropagation(); // only the popover closes, not the details beside it
          done(null);
        } else if (event.key === "Enter" && event.target.tagName !== "BUTTON") {
          event.preventDefault();
          popover.requestSubmit();
        }
      };
      const onCancel = () => done(null);
      const onOutside = (event) => !popover.contains(event.target) && done(null);
      const cancel = $("[data-link-popover-cancel]", popover);
      popover.addEventListener("submit", onSubmit);
      popover.addEventListener("keydown", onKey);
      cancel.addEventListener("click", onCancel);
      document.addEventListener("pointerdown", onOutside, true);
    });
  }
}
