// Persona pages: follow a running import or segmentation, and confirm deletions.
// Elements with data-progress-url poll that API object; the page reloads when it is done.

const POLL_MS = 700;

function follow(box) {
  const bar = box.querySelector("progress");
  const text = box.querySelector("[data-progress-text]");
  const tick = async () => {
    let body;
    try {
      const response = await fetch(box.dataset.progressUrl, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (!response.ok) throw new Error(String(response.status));
      body = await response.json();
    } catch {
      setTimeout(tick, POLL_MS * 3); // offline for a moment: try again, a little later
      return;
    }
    if (bar) bar.value = body.progress;
    if (text) text.textContent = `${Math.round(body.progress * 100)} %`;
    if (body.status === "done" || body.status === "failed") {
      window.location.reload();
    } else {
      setTimeout(tick, POLL_MS);
    }
  };
  setTimeout(tick, POLL_MS);
}

for (const box of document.querySelectorAll("[data-progress-url]")) follow(box);

for (const button of document.querySelectorAll("button[data-confirm]")) {
  button.addEventListener("click", (event) => {
    if (!window.confirm(button.dataset.confirm)) event.preventDefault();
  });
}
