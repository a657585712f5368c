// The editor's side of the live connection (static/js/live.js): the connection badge, the
// lock a workshop's facilitator can put on editing, who is here, and the recent activity.
// Every event in order refreshes the board (coalesced); a missed stretch is caught up.

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
        avatar.style.background = `hsl(${((person.id ?? person.guest) * 67) % 360} 55% 42%)`;
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
    addActivity(event, true);
    editor.warnPanel(event);
    editor.refreshBoard();
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
      onCaughtUp: (missed) => missed && editor.refreshBoard(),
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
