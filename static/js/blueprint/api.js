// Talking to the REST API, and telling the user how it went.

import { csrfToken } from "../live.js";
import { $ } from "./util.js";

export function install(editor) {
  const { T, state } = editor;

  // `keep` (a label) marks a write that may wait in the outbox while offline and go out once
  // back: it answers `{queued: true}` then. Without it, an offline write fails at once with
  // status 0, for the callers that keep the typed text on screen themselves.
  async function api(method, url, body, { keep } = {}) {
    if (state.locked && method !== "GET") return { ok: false, status: 403, data: { detail: T.locked } };
    if (keep !== undefined && method !== "GET") {
      return editor.outbox.send({ method, url, body, label: keep });
    }
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET") headers["X-CSRFToken"] = csrfToken();
    try {
      const response = await fetch(url, {
        method,
        headers,
        credentials: "same-origin",
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const data = response.status === 204 ? null : await response.json().catch(() => null);
      return { ok: response.ok, status: response.status, data };
    } catch {
      return { ok: false, status: 0, data: null }; // offline, or the server is unreachable
    }
  }

  function problem(result) {
    if (result.status === 0) return T.offlineSave;
    const data = result.data || {};
    if (data.detail) return data.detail;
    const parts = Object.entries(data).map(([field, messages]) => {
      const label = T.fields[field] || field;
      return `${label}: ${[].concat(messages).join(" ")}`;
    });
    return parts.join(" · ") || `HTTP ${result.status}`;
  }

  function toast(message, action) {
    const box = document.createElement("div");
    box.className = "toast";
    box.setAttribute("role", "status");
    const text = document.createElement("span");
    text.textContent = message;
    box.append(text);
    if (action) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "small";
      button.textContent = action.label;
      button.addEventListener("click", () => {
        box.remove();
        action.run();
      });
      box.append(button);
    }
    $("[data-toasts]").append(box);
    setTimeout(() => box.remove(), action ? 12000 : 5000);
  }

  Object.assign(editor, { api, problem, toast });
}
