// The roadmap: a facilitator drags an item to another column (now, next, later) or to another
// place in its column. The move is one POST to the workspace's roadmap with the item's
// `version`; the answer is the whole roadmap, whose versions the page keeps. A refusal puts
// the item back and says why.

import { dragWith, problem, send } from "./common.js";

let board = null;
const alertBox = document.querySelector("[data-roadmap-error]");

function say(message) {
  alertBox.textContent = message;
  alertBox.hidden = !message;
}

/** The column under (x, y), and the index the item would take there. */
function dropPlace(item, x, y) {
  const under = document
    .elementsFromPoint(x, y)
    .find((element) => !item.contains(element) && element.closest("[data-roadmap-column]"));
  const column = under?.closest("[data-roadmap-column]");
  if (!column) return null;
  const others = [...column.querySelectorAll("[data-item-id]")].filter((other) => other !== item);
  let index = others.findIndex((other) => {
    const box = other.getBoundingClientRect();
    return y < box.top + box.height / 2;
  });
  if (index < 0) index = others.length;
  return { column, index, before: others[index] ?? null };
}

function keepVersions(roadmap) {
  for (const entries of Object.values(roadmap)) {
    for (const entry of entries) {
      const element = document.getElementById(`roadmap-${entry.type}-${entry.id}`);
      if (!element) continue;
      element.dataset.version = entry.version;
      const version = element.querySelector("input[name=version]");
      if (version) version.value = entry.version;
    }
  }
}

async function move(item, event) {
  const target = dropPlace(item, event.clientX, event.clientY);
  item.style.transform = "";
  if (!target) return;
  const origin = { parent: item.parentElement, next: item.nextSibling };
  target.column.insertBefore(item, target.before);
  const horizon = target.column.dataset.roadmapColumn;
  const select = item.querySelector("select[name=horizon]");
  const result = await send("POST", board.dataset.roadmap, {
    type: item.dataset.itemType,
    id: Number(item.dataset.itemId),
    horizon,
    position: target.index,
    version: Number(item.dataset.version),
  });
  if (result.ok) {
    say("");
    if (select) select.value = horizon;
    keepVersions(result.data);
  } else {
    origin.parent.insertBefore(item, origin.next);
    say(problem(result, `${result.status}`));
  }
}

/** Bind the items (again after a live refresh replaced them). */
function install() {
  board = document.querySelector("[data-roadmap]");
  if (!board || board.dataset.canMove !== "true") return;
  for (const item of board.querySelectorAll("[data-item-id]")) {
    dragWith(item, {
      onMove(event, start) {
        item.style.transform = `translate(${event.clientX - start.x}px, ${event.clientY - start.y}px)`;
      },
      onDrop(event) {
        move(item, event);
      },
    });
  }
}

install();
document.addEventListener("innovation:refreshed", install);
