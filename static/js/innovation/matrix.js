// The Value × Effort matrix: a facilitator drags an opportunity to score it again. The drop
// point gives the effort (the column) and the value (the height); the customer and business
// values move together by the same amount (their mean is the value), saved with the card's
// `version`. A colleague's change meanwhile answers 409: the card goes where it now is and
// the page says so.

import { dragWith, format, problem, send } from "./common.js";

let matrix = null;
let plot = null;
const alertBox = document.querySelector("[data-matrix-error]");
const EFFORT_MIN = 1;
const EFFORT_MAX = 5;
const COLUMNS = EFFORT_MAX - EFFORT_MIN + 1;
const clamp = (value, low, high) => Math.min(high, Math.max(low, value));

/** The scores a drop at (x, y) in the plot means for `card`. */
function scoresAt(card, x, y) {
  const box = plot.getBoundingClientRect();
  const effort = clamp(EFFORT_MIN + Math.floor(((x - box.left) / box.width) * COLUMNS), EFFORT_MIN, EFFORT_MAX);
  const value = clamp(Math.round((1 - (y - box.top) / box.height) * 100), 0, 100);
  const customer = card.dataset.customerValue === "" ? value : Number(card.dataset.customerValue);
  const business = card.dataset.businessValue === "" ? value : Number(card.dataset.businessValue);
  const shift = value - (customer + business) / 2;
  const newCustomer = clamp(Math.round(customer + shift), 0, 100);
  const newBusiness = clamp(2 * value - newCustomer, 0, 100);
  return { customer_value: newCustomer, business_value: newBusiness, effort };
}

/** Put `card` where `opportunity` (an API body) says, with its label and version. */
function place(card, opportunity) {
  card.dataset.version = opportunity.version;
  card.dataset.customerValue = opportunity.customer_value ?? "";
  card.dataset.businessValue = opportunity.business_value ?? "";
  card.dataset.effort = opportunity.effort ?? "";
  if (opportunity.value === null || opportunity.effort === null) return;
  if (card.parentElement !== plot) plot.append(card);
  card.style.left = `${((opportunity.effort - EFFORT_MIN + 0.5) / COLUMNS) * 100}%`;
  card.style.top = `${100 - opportunity.value}%`;
  const value = Number.isInteger(opportunity.value) ? opportunity.value : opportunity.value.toFixed(1);
  card.querySelector("[data-score]").textContent = format(matrix.dataset.scoreFormat, { value, effort: opportunity.effort });
  const row = document.querySelector(`[data-row="${card.dataset.opportunity}"]`);
  if (row) {
    for (const name of ["customer_value", "business_value", "effort"]) row.querySelector(`[data-cell=${name}]`).textContent = opportunity[name];
    row.querySelector("[data-cell=value]").textContent = value;
  }
}

function say(message) {
  alertBox.textContent = message;
  alertBox.hidden = !message;
}

async function rescore(card, event) {
  const scores = scoresAt(card, event.clientX, event.clientY);
  card.classList.add("saving");
  const url = `/api/v1/opportunities/${card.dataset.opportunity}/`;
  const result = await send("PATCH", url, { ...scores, version: Number(card.dataset.version) });
  card.classList.remove("saving");
  if (result.ok) {
    say("");
    place(card, result.data);
  } else {
    say(problem(result, `${result.status}`));
    if (result.status === 409 && result.data.current) place(card, result.data.current);
    else restore(card);
  }
}

const origins = new WeakMap();
function restore(card) {
  const origin = origins.get(card);
  if (!origin) return;
  origin.parent.insertBefore(card, origin.next);
  card.style.left = origin.left;
  card.style.top = origin.top;
}

/** Bind the cards (again after a live refresh replaced them). */
function install() {
  matrix = document.querySelector("[data-matrix]");
  plot = matrix?.querySelector("[data-plot]");
  if (!matrix || matrix.dataset.canScore !== "true") return;
  document.querySelector("[data-tray]")?.classList.add("can-score");
  for (const card of document.querySelectorAll("[data-opportunity]")) {
    dragWith(card, {
      onStart() {
        origins.set(card, { parent: card.parentElement, next: card.nextSibling, left: card.style.left, top: card.style.top });
        plot.classList.add("dragging");
      },
      onMove(event, start) {
        if (card.parentElement !== plot) {
          // Moving the card into the plot now would lose the pointer: it follows by offset.
          card.style.transform = `translate(${event.clientX - start.x}px, ${event.clientY - start.y}px)`;
          return;
        }
        const box = plot.getBoundingClientRect();
        card.style.left = `${clamp(((event.clientX - box.left) / box.width) * 100, 0, 100)}%`;
        card.style.top = `${clamp(((event.clientY - box.top) / box.height) * 100, 0, 100)}%`;
      },
      onDrop(event) {
        plot.classList.remove("dragging");
        if (card.parentElement !== plot) card.style.transform = "";
        rescore(card, event);
      },
    });
  }
}

install();
document.addEventListener("innovation:refreshed", install);
