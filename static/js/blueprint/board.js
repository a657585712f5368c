// The board: events applied in place (apply.js); when one cannot be, the board fetched again
// (coalesced) and swapped in without losing what is being typed or where the focus is; zoom
// and panning; the link arrows.

import { routeLinks } from "./routing.js";
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

  // The link arrows, drawn over the board from the positions of the cards and routed around
  // them (routing.js). Every position is read first (one layout), then only the paths whose
  // route changed are written; at most once a frame, however many events and resizes ask.

  state.arrows = new Map(); // link id → {id, source, target, kind, label}
  const arrowMiddles = new Map(); // link id → [x, y]: where its label shows for the list's focus
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

  const nextCard = (card, way) => {
    let node = card[way];
    while (node && !node.matches("[data-step]")) node = node[way];
    return node;
  };

  // Nothing between two cards of one column but the gap: the upper one last in its cell, the
  // lower one first in its, and the cells between them empty (or both next to each other).
  function straightBetween(one, other, lanes) {
    const [upper, lower] = one.box.top <= other.box.top ? [one, other] : [other, one];
    if (upper.cell === lower.cell) return nextCard(upper.card, "nextElementSibling") === lower.card;
    if (nextCard(upper.card, "nextElementSibling") || nextCard(lower.card, "previousElementSibling")) return false;
    const phase = upper.cell.dataset.phase;
    for (let row = upper.box.row + 1; row < lower.box.row; row++) {
      if ($(`td[data-phase="${phase}"] [data-step]`, lanes[row])) return false;
    }
    return true;
  }

  function drawArrowsNow() {
    const host = canvas();
    const svg = host && $("[data-arrows]", host);
    const table = host && $("table", host);
    if (!svg || !table) return;
    // Reads: the board's size, the columns and rows, every linked card's box — before
    // anything is written.
    const scale = state.zoom || 1;
    const origin = host.getBoundingClientRect();
    const width = String(table.offsetWidth);
    const height = String(table.offsetHeight);
    const place = (element) => {
      const r = element.getBoundingClientRect();
      const left = (r.left - origin.left) / scale;
      const top = (r.top - origin.top) / scale;
      return { left, top, right: left + r.width / scale, bottom: top + r.height / scale };
    };
    const heads = $$("thead th[data-phase]", table);
    const lanes = $$("tr.lane", table);
    const column = new Map(heads.map((th, i) => [th.dataset.phase, i]));
    const row = new Map(lanes.map((tr, i) => [tr.dataset.lane, i]));
    const ends = new Map();
    const end = (id) => {
      if (!ends.has(id)) {
        const card = document.getElementById(`step-${id}`);
        const cell = card && host.contains(card) ? card.closest("td[data-cell]") : null;
        const found = cell && column.has(cell.dataset.phase) && row.has(cell.dataset.lane);
        ends.set(id, found ? { card, cell, box: { ...place(card), col: column.get(cell.dataset.phase), row: row.get(cell.dataset.lane) } } : null);
      }
      return ends.get(id);
    };
    const links = [];
    for (const arrow of state.arrows.values()) {
      const [a, b] = [end(arrow.source), end(arrow.target)];
      if (!a || !b || a === b) continue;
      const straight = a.box.col === b.box.col && straightBetween(a, b, lanes);
      links.push({ id: arrow.id, kind: arrow.kind, a: a.box, b: b.box, straight });
    }
    let grid = { gutters: [], corridors: [] };
    if (links.length) {
      const columns = heads.map(place);
      const rows = lanes.map(place);
      const style = getComputedStyle($("td[data-cell]", table));
      const [padTop, padRight, padBottom, padLeft] = ["Top", "Right", "Bottom", "Left"].map((side) => parseFloat(style[`padding${side}`]) || 0);
      // Gutter c is left of column c, inside the cells' padding; corridor r is above row r.
      const n = columns.length;
      grid = {
        gutters: Array.from({ length: n + 1 }, (_, c) => ({
          left: c === 0 ? columns[0].left : columns[c - 1].right - padRight,
          right: c === n ? columns[n - 1].right : columns[c].left + padLeft,
        })),
        corridors: Array.from({ length: rows.length + 1 }, (_, r) => {
          if (r === 0) return { top: rows[0].top, bottom: rows[0].top + padTop };
          const above = rows[r - 1];
          const touching = r < rows.length && rows[r].top - above.bottom < 1; // no band title between
          return { top: above.bottom - padBottom, bottom: touching ? rows[r].top + padTop : above.bottom };
        }),
      };
    }
    // Nothing moved since the last drawing (an edit that changed no card's size or place, the
    // usual case): nothing to route or write.
    const signature = routeSignature(links, grid, width, height);
    if (svg === drawnOn.svg && signature === drawnOn.signature) return;
    drawnOn.svg = svg;
    drawnOn.signature = signature;
    const paths = routeLinks(links, grid);
    // Writes.
    if (svg.getAttribute("width") !== width) svg.setAttribute("width", width);
    if (svg.getAttribute("height") !== height) svg.setAttribute("height", height);
    if (!svg.querySelector("defs")) svg.innerHTML = `<defs>${MARKERS}</defs>`; // no user text in it
    const drawn = new Map($$("path[data-arrow]", svg).map((path) => [path.dataset.arrow, path]));
    const hits = new Map($$("path[data-arrow-hit]", svg).map((path) => [path.dataset.arrowHit, path]));
    arrowMiddles.clear();
    for (const link of links) {
      const arrow = state.arrows.get(link.id);
      const { d, points } = paths.get(link.id);
      const key = String(link.id);
      let path = drawn.get(key);
      let hit = hits.get(key);
      drawn.delete(key);
      hits.delete(key);
      if (!path) {
        hit = document.createElementNS(SVG, "path");
        hit.dataset.arrowHit = link.id;
        path = document.createElementNS(SVG, "path");
        path.dataset.arrow = link.id;
        svg.append(path, hit);
      }
      if (path.dataset.kind !== arrow.kind) styleArrow(path, arrow.kind);
      if (path.getAttribute("d") !== d) {
        path.setAttribute("d", d);
        hit.setAttribute("d", d);
      }
      arrowMiddles.set(key, middleOf(points));
    }
    for (const gone of [...drawn.values(), ...hits.values()]) gone.remove();
  }

  const drawnOn = { svg: null, signature: "" }; // what the paths on the page were drawn from
  const edges = (box) => `${box.left},${box.top},${box.right},${box.bottom},${box.col},${box.row}`;
  function routeSignature(links, grid, width, height) {
    const parts = [width, height, ...grid.gutters.map((g) => `${g.left},${g.right}`), ...grid.corridors.map((c) => `${c.top},${c.bottom}`)];
    for (const link of links) parts.push(`${link.id}:${link.kind}:${link.straight}:${edges(link.a)}:${edges(link.b)}`);
    return parts.join(";");
  }

  // The middle of a route's longest stretch: where its label shows when not pointed at.
  function middleOf(points) {
    let best = points[0];
    let longest = -1;
    for (let i = 1; i < points.length; i++) {
      const [p, q] = [points[i - 1], points[i]];
      const length = Math.abs(q[0] - p[0]) + Math.abs(q[1] - p[1]);
      if (length > longest) [best, longest] = [[(p[0] + q[0]) / 2, (p[1] + q[1]) / 2], length];
    }
    return best;
  }

  let frame = 0;
  function drawArrows() {
    frame ||= requestAnimationFrame(() => {
      frame = 0;
      drawArrowsNow();
    });
  }

  // An arrow's label (its kind, and the link's own label) shows while it is pointed at, or
  // while its line in the list of links has the focus or the pointer.
  const kindLabel = (kind) => $(`[data-arrow-legend] [data-kind="${kind}"]`)?.textContent.trim() || kind;
  function showLabel(id, at) {
    const arrow = state.arrows.get(Number(id));
    const host = canvas();
    if (!arrow || !host) return;
    hideLabel();
    let tip = $(".arrow-tip", host);
    if (!tip) {
      tip = document.createElement("div");
      tip.className = "arrow-tip";
      tip.setAttribute("aria-hidden", "true"); // the list of links says the same to everyone
      host.append(tip);
    }
    const kind = document.createElement("strong");
    kind.textContent = kindLabel(arrow.kind);
    tip.replaceChildren(kind);
    if (arrow.label) tip.append(` — ${arrow.label}`);
    tip.style.left = `${at[0]}px`;
    tip.style.top = `${at[1]}px`;
    tip.hidden = false;
    $(`[data-arrows] path[data-arrow="${id}"]`, host)?.classList.add("hot");
  }
  function hideLabel() {
    const host = canvas();
    if (!host) return;
    const tip = $(".arrow-tip", host);
    if (tip) tip.hidden = true;
    for (const path of $$("[data-arrows] path.hot", host)) path.classList.remove("hot");
  }
  // A point of the window in the board's own coordinates (those of the arrows).
  function canvasPoint(clientX, clientY) {
    const origin = canvas().getBoundingClientRect();
    const scale = state.zoom || 1;
    return [(clientX - origin.left) / scale, (clientY - origin.top) / scale];
  }
  scroller.addEventListener("pointerover", (event) => {
    const hit = event.target.closest?.("[data-arrow-hit]");
    if (!hit) return;
    const [x, y] = canvasPoint(event.clientX, event.clientY);
    showLabel(hit.dataset.arrowHit, [x + 12, y + 12]);
  });
  scroller.addEventListener("pointerout", (event) => {
    if (event.target.closest?.("[data-arrow-hit]")) hideLabel();
  });
  const listed = (event) => event.target.closest?.("[data-links-card] li[data-link]");
  const fromList = (event) => {
    const item = listed(event);
    const at = item && arrowMiddles.get(item.dataset.link);
    if (at) showLabel(item.dataset.link, at);
  };
  document.addEventListener("focusin", fromList);
  document.addEventListener("focusout", (event) => listed(event) && hideLabel());
  document.addEventListener("pointerover", (event) => !event.target.closest?.("[data-arrow-hit]") && fromList(event));
  document.addEventListener("pointerout", (event) => listed(event) && hideLabel());

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

  // The legend, and the kinds the drag-to-link popover offers: each kind of link drawn as its
  // arrows are (the colours are said once, above).
  for (const item of $$("[data-arrow-legend] [data-kind], [data-link-popover] [data-kind]")) {
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
  Object.assign(editor, { applyEvent, refreshBoard, refreshRelations, applyZoom, drawArrows, canvasPoint });
}
