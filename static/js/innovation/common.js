// What the innovation pages' scripts share: JSON writes to the API with the page's CSRF token,
// and a pointer drag that tells a click (follow the link) from a drag.

import { csrfToken } from "../live.js";

export { format } from "../blueprint/util.js";

/** Send `body` as JSON; answer {ok, status, data} (data: the parsed body, or {}). */
export async function send(method, url, body) {
  let response;
  try {
    response = await fetch(url, {
      method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body),
    });
  } catch {
    return { ok: false, status: 0, data: {} };
  }
  const data = await response.json().catch(() => ({}));
  return { ok: response.ok, status: response.status, data };
}

/** The first message of an API error body: `detail`, else the first field's first message. */
export function problem(result, fallback) {
  const { data } = result;
  if (typeof data.detail === "string") return data.detail;
  for (const [field, messages] of Object.entries(data)) {
    if (Array.isArray(messages) && messages.length) return `${field}: ${messages[0]}`;
  }
  return fallback;
}

const CLICK_SLOP = 4; // pixels a pointer may wander before a press becomes a drag

/**
 * Make `element` draggable with the pointer: `onMove(event, start)` while it moves,
 * `onDrop(event)` when released after a real move (a press without one stays a click).
 * Form controls inside the element keep their own pointer behaviour.
 */
export function dragWith(element, { onStart, onMove, onDrop }) {
  let start = null;
  let dragging = false;
  element.addEventListener("pointerdown", (event) => {
    if (event.button !== 0 || event.target.closest("select, button, input, textarea")) return;
    start = { x: event.clientX, y: event.clientY };
    dragging = false;
    element.setPointerCapture(event.pointerId);
  });
  element.addEventListener("pointermove", (event) => {
    if (!start) return;
    if (!dragging && Math.hypot(event.clientX - start.x, event.clientY - start.y) < CLICK_SLOP) return;
    if (!dragging) {
      dragging = true;
      element.classList.add("lifted");
      onStart?.(event);
    }
    onMove(event, start);
  });
  const finish = (event, dropped) => {
    if (!start) return;
    start = null;
    element.classList.remove("lifted");
    if (dragging && dropped) onDrop(event);
    if (dragging) {
      // The click that follows a drag must not open the link.
      element.addEventListener("click", (click) => click.preventDefault(), { once: true, capture: true });
    }
    dragging = false;
  };
  element.addEventListener("pointerup", (event) => finish(event, true));
  element.addEventListener("pointercancel", (event) => finish(event, false));
  element.addEventListener("dragstart", (event) => event.preventDefault()); // links and images
}
