// The board: events applied in place (apply.js); when one cannot be, the board fetched again
// (coalesced) and swapped in without losing what is being typed or where the focus is; zoom
// and panning; the link arrows.

import { $, $$, canvas } from "./util.js";

const ARROW_STYLE = {
  handoff: { color: "#2952cc", dash: "" },
  information: { color: "#8e44ad", dash: "7 4" },
  trigger: { color: "#d9730d", dash: "" },
  dependency: { color: "#5b6475", dash: "2 4" },
};
const SVG = "http://www.w3.org/2000/svg";


// `run` once at a time: a call while it runs asks for one more run after it (never more).
function coalesced(run, settled) {
  let running = null;
  let again = false;
  const call = () => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await run();
        } while (again);
      } catch {
        // offline: the next connection catches up
      } finally {
        running = null;
        settled?.();
      }
    })();
    return running;
  };
  call.busy = () => running !== null;
  return call;
}

export function install(editor) {
  const { ID, state, scroller } = editor;
  const waiting = []; // events heard while a board was on its way: applied on top of it

  // An event in order: applied in place, or the whole board fetched when it cannot be.
  function applyEvent(event) {
    editor.applyNames(event);
    if (refreshBoard.busy()) waiting.push(event);
    else if (!editor.applyInPlace(event)) refreshBoard();
    else boardChanged();
  }

  // For the page's other modules (the assessment tab): the board changed, in place or whole.
  const boardChanged = () => scroller.dispatchEvent(new CustomEvent("board-changed"));

  async function fetchPart(part) {
    const response = await fetch(`/blueprints/${ID}/${part}/`, { credentials: "same-origin" });
    return response.ok ? new DOMParser().parseFromString(await response.text(), "text/html") : null;
  }

  const refreshBoard = coalesced(
    async () => {
      const incoming = await fetchPart("board");
      if (!incoming) return;
      const seq = swapBoard(incoming);
      for (const event of waiting.splice(0)) {
        if (event.seq > seq && !editor.applyInPlace(event)) refreshBoard();
      }
    },
    () => {
      for (const event of waiting.splice(0)) applyEvent(event);
    },
  );

  // The list of links and the role matrix, after a change of links or actors.
  const refreshRelations = coalesced(async () => {
    const incoming = await fetchPart("relations");
    if (incoming) swapParts(incoming);
  });

  function swapParts(incoming) {
    for (const part of ["[data-links-card]", "[data-matrix]"]) {
      const newer = incoming.querySelector(part);
      if (newer) $(part)?.replaceWith(newer);
    }
  }

  function focusKey() {
    const active = document.activeElement;
    if (!active || !canvas().contains(active)) return null;
    const step = active.closest("[data-step]");
    if (step && active === step) return `#step-${step.dataset.step}`;
    if (active.dataset.act) {
      const owner = active.closest("[data-step], [data-phase], [data-lane], [data-band]");
      if (owner) {
        for (const name of ["phase", "lane", "band"]) {
          if (owner.dataset[name] && owner.matches(`[data-${name}]`)) {
            const act = active.dataset.act;
            if (owner.tagName === "TD")
              return `td[data-lane="${owner.dataset.lane}"][data-phase="${owner.dataset.phase}"] [data-act="${act}"]`;
            return `[data-${name}="${owner.dataset[name]}"] [data-act="${act}"]`;
          }
        }
      }
    }
    return null;
  }

  function swapBoard(incoming) {
    const fresh = incoming.querySelector("[data-canvas]");
    if (!fresh) return 0;
    const inline = state.inline;
    if (inline) inline.value = inline.input.value; // keep what is being typed
    const refocus = focusKey();
    const typing = inline && document.activeElement === inline.input;
    const selection = typing ? [inline.input.selectionStart, inline.input.selectionEnd] : null;
    canvas().replaceWith(fresh);
    const seq = Number(fresh.dataset.seq) || 0;
    editor.live?.advance(seq);
    swapParts(incoming);
    const count = $("[data-step-count]");
    if (count) count.textContent = fresh.dataset.countLabel;
    if (state.inline) editor.restoreInline(typing, selection);
    else if (refocus) $(refocus)?.focus({ preventScroll: true });
    applyZoom();
    loadArrows();
    drawArrows();
    boardChanged();
    return seq;
  }

  // Zoom and panning.

  const zoomKey = `frontstage:zoom:${ID}`;
  state.zoom = Number(localStorage.getItem(zoomKey)) || 1;
  function applyZoom() {
    state.zoom = Math.min(2, Math.max(0.3, Math.round(state.zoom * 100) / 100));
    canvas().style.zoom = state.zoom;
    $("[data-zoom-level]").textContent = `${Math.round(state.zoom * 100)} %`;
    localStorage.setItem(zoomKey, String(state.zoom));
  }
  const zoomBy = {
    in: () => (state.zoom *= 1.2),
    out: () => (state.zoom /= 1.2),
    reset: () => (state.zoom = 1),
  };
  for (const button of $$("[data-zoom]")) {
    button.addEventListener("click", () => {
      zoomBy[button.dataset.zoom]();
      applyZoom();
      drawArrows();
    });
  }
  scroller.addEventListener(
    "wheel",
    (event) => {
      if (!event.ctrlKey) return;
      event.preventDefault();
      state.zoom *= event.deltaY < 0 ? 1.1 : 1 / 1.1;
      applyZoom();
      drawArrows();
    },
    { passive: false },
  );
  scroller.addEventListener("keydown", (event) => {
    if (event.target !== scroller) return;
    const action = { "+": "in", "=": "in", "-": "out", 0: "reset" }[event.key];
    if (!action) return;
    event.preventDefault();
    zoomBy[action]();
    applyZoom();
    drawArrows();
  });
  let pan = null;
  scroller.addEventListener("pointerdown", (event) => {
    if (event.target.closest("a, button, input, select, textarea, .step, form")) return;
    pan = { x: event.clientX, y: event.clientY, left: scroller.scrollLeft, top: scroller.scrollTop };
    scroller.classList.add("panning");
  });
  window.addEventListener("pointermove", (event) => {
    if (!pan) return;
    scroller.scrollLeft = pan.left - (event.clientX - pan.x);
    scroller.scrollTop = pan.top - (event.clientY - pan.y);
  });
  window.addEventListener("pointerup", () => {
    pan = null;
    scroller.classList.remove("panning");
  });

  // The link arrows, drawn over the board from the positions of the cards. Every position is
  // read first (one layout), then only the paths whose ends moved are written; at most once a
  // frame, however many events and resizes ask for it.

  state.arrows = new Map(); // link id → {id, source, target, kind}
  function loadArrows() {
    state.arrows.clear();
    const data = $("#board-arrows", canvas());
    for (const arrow of data ? JSON.parse(data.textContent) : []) state.arrows.set(arrow.id, arrow);
  }

  const MARKERS =
    Object.entries(ARROW_STYLE)
      .map(
        ([kind, style]) =>
          `<marker id="arrow-${kind}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 ${kind === "dependency" ? "" : "z"}" fill="${kind === "dependency" ? "white" : style.color}" stroke="${style.color}"/></marker>`,
      )
      .join("") +
    `<marker id="arrow-trigger-start" viewBox="0 0 10 10" refX="5" refY="5" markerWidth="6" markerHeight="6"><circle cx="5" cy="5" r="4" fill="${ARROW_STYLE.trigger.color}"/></marker>`;

  function route(a, b) {
    let start, end, c1, c2;
    if (b.left > a.right + 4 || a.left > b.right + 4) {
      const forward = b.left > a.right;
      start = [forward ? a.right : a.left, a.cy];
      end = [forward ? b.left : b.right, b.cy];
      const bend = Math.max(30, Math.abs(end[0] - start[0]) / 2.5) * (forward ? 1 : -1);
      c1 = [start[0] + bend, start[1]];
      c2 = [end[0] - bend, end[1]];
    } else {
      const down = b.top > a.bottom;
      start = [a.cx, down ? a.bottom : a.top];
      end = [b.cx, down ? b.top : b.bottom];
      const bend = Math.max(20, Math.abs(end[1] - start[1]) / 2.5) * (down ? 1 : -1);
      c1 = [start[0], start[1] + bend];
      c2 = [end[0], end[1] - bend];
    }
    const point = ([x, y]) => `${Math.round(x * 10) / 10},${Math.round(y * 10) / 10}`;
    return `M${point(start)} C${point(c1)} ${point(c2)} ${point(end)}`;
  }

  function styleArrow(path, kind) {
    const style = ARROW_STYLE[kind] || ARROW_STYLE.handoff;
    path.dataset.kind = kind;
    path.setAttribute("fill", "none");
    path.setAttribute("stroke", style.color);
    path.setAttribute("stroke-width", "2");
    if (style.dash) path.setAttribute("stroke-dasharray", style.dash);
    else path.removeAttribute("stroke-dasharray");
    path.setAttribute("marker-end", `url(#arrow-${kind})`);
    if (kind === "trigger") path.setAttribute("marker-start", "url(#arrow-trigger-start)");
    else path.removeAttribute("marker-start");
  }

  function drawArrowsNow() {
    const host = canvas();
    const svg = host && $("[data-arrows]", host);
    const table = host && $("table", host);
    if (!svg || !table) return;
    // Reads: the board's size and every linked card's box, before anything is written.
    const scale = state.zoom || 1;
    const origin = host.getBoundingClientRect();
    const width = String(table.offsetWidth);
    const height = String(table.offsetHeight);
    const boxes = new Map();
    const box = (id) => {
      if (!boxes.has(id)) {
        const card = document.getElementById(`step-${id}`);
        let found = null;
        if (card && host.contains(card)) {
          const r = card.getBoundingClientRect();
          const left = (r.left - origin.left) / scale;
          const top = (r.top - origin.top) / scale;
          const [w, h] = [r.width / scale, r.height / scale];
          found = { left, top, right: left + w, bottom: top + h, cx: left + w / 2, cy: top + h / 2 };
        }
        boxes.set(id, found);
      }
      return boxes.get(id);
    };
    const routes = [];
    for (const arrow of state.arrows.values()) {
      const [a, b] = [box(arrow.source), box(arrow.target)];
      if (a && b) routes.push([arrow, route(a, b)]);
    }
    // Writes.
    if (svg.getAttribute("width") !== width) svg.setAttribute("width", width);
    if (svg.getAttribute("height") !== height) svg.setAttribute("height", height);
    if (!svg.querySelector("defs")) svg.innerHTML = `<defs>${MARKERS}</defs>`; // no user text in it
    const drawn = new Map($$("path[data-arrow]", svg).map((path) => [path.dataset.arrow, path]));
    for (const [arrow, d] of routes) {
      let path = drawn.get(String(arrow.id));
      drawn.delete(String(arrow.id));
      if (!path) {
        path = document.createElementNS(SVG, "path");
        path.dataset.arrow = arrow.id;
        svg.append(path);
      }
      if (path.dataset.kind !== arrow.kind) styleArrow(path, arrow.kind);
      if (path.getAttribute("d") !== d) path.setAttribute("d", d);
    }
    for (const gone of drawn.values()) gone.remove();
  }

  let frame = 0;
  function drawArrows() {
    frame ||= requestAnimationFrame(() => {
      frame = 0;
      drawArrowsNow();
    });
  }

  new ResizeObserver(() => drawArrows()).observe(scroller);
  window.addEventListener("load", drawArrows);
  document.fonts?.ready.then(drawArrows);

  // Arrow keys move the focus to the nearest card that way (Alt/Ctrl+arrows move the card
  // itself, editing.js): reading the board by keyboard without tabbing through every control.
  function nearestCard(from, key) {
    const origin = from.getBoundingClientRect();
    const [dx, dy] = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] }[key];
    const cx = origin.left + origin.width / 2;
    const cy = origin.top + origin.height / 2;
    let best = null;
    let bestScore = Infinity;
    for (const card of $$("[data-step]", canvas())) {
      if (card === from) continue;
      const box = card.getBoundingClientRect();
      const x = box.left + box.width / 2 - cx;
      const y = box.top + box.height / 2 - cy;
      const along = x * dx + y * dy; // how far in the direction asked
      if (along <= 1) continue;
      const across = Math.abs(x * dy) + Math.abs(y * dx);
      const score = along + across * 3; // stay in the row (column) before jumping across
      if (score < bestScore) [best, bestScore] = [card, score];
    }
    return best;
  }

  document.addEventListener("keydown", (event) => {
    if (!event.key.startsWith("Arrow") || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    const card = event.target.closest?.("[data-step]");
    if (!card || event.target !== card) return;
    const next = nearestCard(card, event.key);
    if (!next) return;
    event.preventDefault();
    next.focus();
    next.scrollIntoView({ block: "nearest", inline: "nearest" });
  });

  // The legend: each kind of link drawn as its arrows are (the colours are said once, above).
  for (const item of $$("[data-arrow-legend] [data-kind]")) {
    const style = ARROW_STYLE[item.dataset.kind] || ARROW_STYLE.handoff;
    const swatch = document.createElementNS(SVG, "svg");
    swatch.setAttribute("width", "34");
    swatch.setAttribute("height", "10");
    swatch.setAttribute("aria-hidden", "true");
    const line = document.createElementNS(SVG, "path");
    line.setAttribute("d", "M1,5 L26,5");
    line.setAttribute("stroke", style.color);
    line.setAttribute("stroke-width", "2");
    if (style.dash) line.setAttribute("stroke-dasharray", style.dash);
    const head = document.createElementNS(SVG, "path");
    head.setAttribute("d", "M25,1 L33,5 L25,9 z");
    head.setAttribute("fill", item.dataset.kind === "dependency" ? "white" : style.color);
    head.setAttribute("stroke", style.color);
    swatch.append(line, head);
    item.prepend(swatch);
  }

  loadArrows();
  Object.assign(editor, { applyEvent, refreshBoard, refreshRelations, applyZoom, drawArrows });
}
