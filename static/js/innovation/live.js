// The innovation pages follow each other live: any change in the workspace (an opportunity
// scored, an experiment's verdict, a roadmap move; see innovation/events.py) brings the page's
// live regions (`data-live-region`) again from the server, as a reload would, and the page's
// scripts bind them again (the "innovation:refreshed" event). A region where someone is typing
// or dragging is left as it is. The news carries no sequence: after a reconnect the page
// simply takes its regions again.

import { connectLive } from "../live.js";

const root = document.querySelector("[data-innovation-live]");

function busy(region) {
  const active = document.activeElement;
  const typing = active && region.contains(active) && active.matches("input, textarea, select");
  return typing || Boolean(region.querySelector(".lifted, .saving"));
}

async function refresh() {
  let response;
  try {
    response = await fetch(location.href, { credentials: "same-origin", headers: { Accept: "text/html" } });
  } catch {
    return; // offline: the reconnect refreshes
  }
  if (!response.ok) return;
  const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
  for (const region of document.querySelectorAll("[data-live-region]")) {
    const twin = fresh.querySelector(`[data-live-region="${region.dataset.liveRegion}"]`);
    if (twin && !busy(region)) region.replaceWith(document.adoptNode(twin));
  }
  document.dispatchEvent(new CustomEvent("innovation:refreshed"));
}

if (root) {
  let connected = false;
  connectLive({
    path: root.dataset.innovationLive,
    onHello() {
      if (connected) refresh(); // back after a drop: take what changed meanwhile
      connected = true;
      root.dataset.state = "live";
    },
    onEvent: refresh,
    onState(state) {
      root.dataset.state = state;
    },
  });
}
