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

// A long list to choose from (select[data-searchable]) gets a search box above it: typing
// hides the options that do not contain the text (case and accents aside); chosen ones stay.
const plain = (text) =>
  text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();

for (const select of document.querySelectorAll("select[data-searchable]")) {
  const search = document.createElement("input");
  search.type = "search";
  search.placeholder = select.dataset.searchable;
  search.setAttribute("aria-label", select.dataset.searchable);
  search.setAttribute("aria-controls", select.id);
  search.className = "select-search";
  search.addEventListener("input", () => {
    const wanted = plain(search.value.trim());
    for (const option of select.options) {
      option.hidden = Boolean(wanted) && !option.selected && !plain(option.text).includes(wanted);
    }
  });
  select.before(search);
}
