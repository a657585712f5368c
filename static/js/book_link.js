// The book link of the blueprint page: books are built in the background (book/api.py), so a
// click asks for the book, shows the build's progress beside the link, then downloads the file
// once it is ready (and offers it as a link, should the browser hold the download back).
// Without JavaScript the link still works: the API answers 202 with the progress as JSON.

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function csrfToken() {
  return document.body.dataset.csrfToken || "";
}

async function json(url, options = {}) {
  const answer = await fetch(url, {
    credentials: "same-origin",
    ...options,
    headers: { Accept: "application/json", ...(options.headers || {}) },
  });
  const body = answer.headers.get("Content-Type")?.includes("json") ? await answer.json() : {};
  return { answer, body };
}

function say(out, text, state) {
  out.hidden = false;
  out.dataset.state = state;
  out.replaceChildren(document.createTextNode(text));
}

async function follow(link, out) {
  const T = link.dataset;
  let { body } = await json(T.status);
  if (!body.ready && body.state === "failed") {
    ({ body } = await json(T.status, { method: "POST", headers: { "X-CSRFToken": csrfToken() } }));
  } else if (!body.ready) {
    const asked = await json(T.start); // starts the build: 202 with its progress
    body = asked.answer.status === 200 ? { ready: true } : asked.body;
  }
  while (!body.ready) {
    if (body.state === "failed") {
      say(out, `${T.failed} ${body.reason || ""}`.trim(), "failed");
      return;
    }
    say(out, `${T.building} ${body.progress ?? 0} %`, "building");
    await sleep(1000);
    ({ body } = await json(T.status));
    if (body.state === "missing") {
      // The blueprint changed meanwhile: ask for the book as it is now.
      const asked = await json(T.start);
      body = asked.answer.status === 200 ? { ready: true } : asked.body;
    }
  }
  say(out, T.ready, "ready");
  const file = document.createElement("a");
  file.href = link.href;
  file.download = "";
  file.dataset.bookFile = "";
  file.textContent = T.download;
  out.append(" ", file);
  file.click();
}

for (const link of document.querySelectorAll("a[data-book]")) {
  const out = document.getElementById(link.dataset.out);
  link.addEventListener("click", async (event) => {
    event.preventDefault();
    if (link.getAttribute("aria-busy") === "true") return;
    link.setAttribute("aria-busy", "true");
    try {
      await follow(link, out);
    } catch {
      say(out, link.dataset.failed, "failed");
    } finally {
      link.removeAttribute("aria-busy");
    }
  });
}
