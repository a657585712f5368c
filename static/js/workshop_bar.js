// The workshop bar of a page opened from a workshop (the blueprint editor of a group): the
// current activity, the shared timer and the lock, live; "Bring everyone here" takes the page
// back to the workshop like every other page of the room. The page was opened with
// `?workshop=ID`; the tab remembers it for this page while the person works there.
import { connectLive } from "./live.js";
import { createTimer } from "./workshop_timer.js";

const key = `frontstage:workshop-of:${location.pathname}`;
const asked = new URLSearchParams(location.search).get("workshop");
const workshopId = asked || sessionStorage.getItem(key);

async function showBar(id) {
  let response;
  try {
    response = await fetch(`/workshops/${id}/bar/`, { headers: { Accept: "text/html" } });
  } catch {
    return;
  }
  if (!response.ok) {
    sessionStorage.removeItem(key); // no longer in that workshop
    return;
  }
  sessionStorage.setItem(key, id);
  const holder = document.createElement("div");
  holder.innerHTML = await response.text();
  const bar = holder.firstElementChild;
  (document.querySelector("main") || document.body).prepend(bar);
  const activity = bar.querySelector("[data-activity]");
  const locked = bar.querySelector("[data-bar-locked]");
  const facilitator = bar.dataset.facilitator === "1";
  const timer = createTimer(bar.querySelector("[data-timer]"), JSON.parse(bar.dataset.state));
  const applyState = (state) => {
    if (state.current_activity) activity.textContent = state.current_activity.title;
    locked.hidden = !state.locked;
    timer.apply(state);
  };
  connectLive({
    path: `/ws/workshops/${id}/`,
    catchUpUrl: `/workshops/${id}/events/`,
    onHello: (message) => applyState(message.state),
    onEvent: (event) => {
      const data = event.data || {};
      if (data.timer) applyState(data);
      else if (data.state) applyState(data.state);
      if (event.kind === "workshop.summoned" && !facilitator) {
        location.assign(new URL(data.url, location.href).href);
      }
      if (event.kind === "participant.removed" && bar.dataset.me === String(event.id)) {
        location.assign(`/workshops/${id}/`);
      }
    },
    onReload: () => {},
  });
}

if (workshopId && /^\d{1,18}$/.test(workshopId)) showBar(workshopId);
