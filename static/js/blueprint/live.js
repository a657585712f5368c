// The editor's side of the live connection (static/js/live.js): the connection badge, the
// lock a workshop's facilitator can put on editing, who is here, and the recent activity.
// Every event in order is applied to the board in place (apply.js); a missed stretch is caught
// up, event by event.

import { connectLive, createOutbox } from "../live.js";
import { $, format, samePerson } from "./util.js";

export function install(editor) {
  const { config, T, ID, state } = editor;
  const connection = $("[data-connection]");
  const lockBanner = $("[data-locked]");

  function setConnection(name) {
    connection.dataset.state = name;
    connection.textContent = T[name];
  }

  function setEditing(allowed) {
    if (allowed && !config.canEdit) {
      location.reload(); // opened read-only while locked: take the editor now
      return;
    }
    state.locked = !allowed;
    document.body.classList.toggle("editing-locked", state.locked);
    lockBanner.hidden = !state.locked;
  }

  // Presence and activity.

  function initials(name) {
    return name
      .split(/\s+/)
      .filter(Boolean)
      .slice(0, 2)
      .map((part) => part[0].toUpperCase())
      .join("");
  }

  function showPresence(people) {
    const list = $("[data-presence]");
    list.replaceChildren(
      ...people.map((person) => {
        const item = document.createElement("li");
        const avatar = document.createElement("span");
        avatar.className = "avatar";
        avatar.setAttribute("aria-hidden", "true");
        avatar.textContent = initials(person.name);
        avatar.style.background = `hsl(${((person.id ?? person.guest) * 67) % 360} 55% 30%)`; // dark enough for white initials (4.5:1) at every hue
        const name = document.createElement("span");
        name.className = "person";
        name.textContent = samePerson(person, config.me) ? `${person.name} (${T.you})` : person.name;
        item.append(avatar, name);
        return item;
      }),
    );
  }

  function describe(event) {
    const subject = event.after || event.before || {};
    const name = subject.title || subject.name || "";
    const who = event.actor ? event.actor.name : T.someone;
    const sentence = format(T.activity[event.kind] || T.changed, { name });
    return { who, text: event.undo_of ? `${T.undid} ${sentence}` : sentence };
  }

  // Before → after of each field an update changed, as the person reads them.
  const SHOWN = ["title", "name", "description", "kind", "channel", "actor", "emotion", "evidence", "data_captured", "data_recorded_in", "data_stage", "band"];
  const REVERTIBLE = /^(step|lane|phase|link)\.(created|updated|deleted)$|^blueprint\.updated$|\.reordered$/;
  const shown = (field, value) => {
    const text = editor.fieldText ? editor.fieldText(field, value) : value === null || value === "" ? "—" : String(value);
    return text.length > 80 ? `${text.slice(0, 79)}…` : text;
  };
  function changeList(event) {
    if (!event.kind.endsWith(".updated") || !event.before || !event.after) return null;
    const fields = SHOWN.filter((field) => field in event.after && JSON.stringify(event.before[field]) !== JSON.stringify(event.after[field]));
    if (!fields.length) return null;
    const list = document.createElement("ul");
    list.className = "activity-changes";
    for (const field of fields) {
      const line = document.createElement("li");
      const label = document.createElement("span");
      label.className = "field";
      label.textContent = `${T.fields[field] || field}: `;
      const before = document.createElement("del");
      before.textContent = shown(field, event.before[field]);
      const after = document.createElement("ins");
      after.textContent = shown(field, event.after[field]);
      line.append(label, before, " → ", after);
      list.append(line);
    }
    return list;
  }

  $("[data-activity]")?.addEventListener("click", async (click) => {
    const button = click.target.closest("[data-revert]");
    if (!button) return;
    button.disabled = true;
    const result = await editor.api("POST", `/api/v1/blueprints/${ID}/history/${button.dataset.revert}/revert/`);
    button.disabled = false;
    if (result.ok) {
      editor.toast(T.reverted);
      return editor.refreshBoard();
    }
    const fields = (result.data?.conflicts || []).map((field) => T.fields[field] || field);
    const detail = editor.problem(result) + (fields.length ? ` (${fields.join(", ")})` : "");
    editor.toast(format(T.notReverted, { detail }));
  });

  function addActivity(event, fresh) {
    const list = $("[data-activity]");
    const { who, text } = describe(event);
    if (event.kind.startsWith("step.") && event.actor && (fresh || !state.lastEditor.has(event.id))) {
      state.lastEditor.set(event.id, event.actor.name);
    }
    const item = document.createElement("li");
    item.dataset.seq = event.seq;
    const person = document.createElement("strong");
    person.textContent = who;
    const what = document.createElement("span");
    what.textContent = ` ${text}`;
    const when = document.createElement("time");
    when.dateTime = event.at;
    when.textContent = new Date(event.at).toLocaleTimeString(config.language, {
      hour: "2-digit",
      minute: "2-digit",
    });
    item.append(person, what, " ", when);
    const changes = changeList(event);
    if (changes) item.append(changes);
    if (config.canEdit && REVERTIBLE.test(event.kind) && !event.undo_of) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "small";
      button.dataset.revert = event.seq;
      button.textContent = T.revert;
      item.append(button);
    }
    list.querySelector(".empty")?.remove();
    if (fresh) list.prepend(item);
    else list.append(item);
    while (list.children.length > 40) list.lastChild.remove();
  }

  async function loadActivity() {
    const result = await editor.api("GET", `/api/v1/blueprints/${ID}/history/?page_size=25`);
    if (!result.ok) return;
    const list = $("[data-activity]");
    list.replaceChildren();
    for (const event of result.data.results) addActivity(event, false);
    if (!result.data.results.length) {
      const empty = document.createElement("li");
      empty.className = "empty";
      empty.textContent = T.noActivity;
      list.append(empty);
    }
  }

  function applyEvent(event) {
    // The board first: the activity line (dates, a first use of Intl) can wait a moment.
    editor.applyEvent(event);
    editor.warnPanel(event);
    addActivity(event, true);
  }

  function start() {
    // Writes kept while offline go out once the server answers again; each refreshes the board.
    editor.outbox = createOutbox({
      describe: (result) => editor.problem(result),
      onSent: () => editor.refreshBoard(),
    });
    editor.live = connectLive({
      path: `/ws/blueprints/${ID}/`,
      seq: Number($("[data-canvas]").dataset.seq) || 0,
      onState: setConnection,
      onEvent: applyEvent,
      // The events missed were applied one by one; only a stretch the answer skipped (none
      // came for it) needs the whole board.
      onCaughtUp: (missed, message, skipped) => skipped && editor.refreshBoard(),
      onReload: () => {
        loadActivity();
        return editor.refreshBoard();
      },
      onMessage: (message) => {
        if (message.type === "editing") setEditing(message.allowed);
        else if (message.type === "presence") showPresence(message.people);
      },
      onAlive: () => editor.outbox.flush(),
    });
    loadActivity();
  }

  Object.assign(editor, { startLive: start });
}
