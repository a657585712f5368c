// Events applied to the board in place: a card, a lane, a phase, a link and its arrow change
// where they are, from what the event carries, and nothing else on the page is touched (what
// is being typed, the focus, the scroll). `applyInPlace(event)` answers false when it cannot
// (an event it does not know, a new lane or phase, a channel or actor the page has never
// heard of): the board is then fetched whole (board.js), as it is after a gap.
//
// Text people wrote only ever goes in through textContent and attributes.

import { $, $$, canvas, format } from "./util.js";

export function install(editor) {
  const { config, T, state } = editor;
  const tools = T.tools;
  const language = config.language || "en";

  const byId = (id) => document.getElementById(`step-${id}`);
  const cellOf = (lane, phase) => $(`td[data-lane="${lane}"][data-phase="${phase}"]`, canvas());
  const row = (id) => $(`tr.lane[data-lane="${id}"]`, canvas());
  const header = (id) => $(`th[data-phase="${id}"]`, canvas());

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // A choice's label as the page's details form offers it (kinds, evidence, channels, actors):
  // null when the page does not know the value.
  function optionLabel(name, value) {
    const control = $(`[data-panel-form] [name="${name}"]`);
    const option = control && [...control.options].find((item) => item.value === String(value));
    return option ? option.textContent : null;
  }

  // Put `items` in this order right after `first` (null: at the start of `parent`), moving
  // only those out of place, so that an untouched card keeps its focus.
  function arrange(parent, first, items) {
    let previous = first;
    for (const item of items) {
      const wanted = previous ? previous.nextElementSibling : parent.firstElementChild;
      if (item !== wanted) parent.insertBefore(item, wanted);
      previous = item;
    }
  }

  // --- cards -----------------------------------------------------------------------------

  function fillCard(card, step) {
    const kind = optionLabel("kind", step.kind);
    const evidence = optionLabel("evidence", step.evidence);
    const channel = step.channel === null ? null : optionLabel("channel", step.channel);
    const actor = step.actor === null ? null : optionLabel("actor", step.actor);
    if (!kind || !evidence || (step.channel !== null && !channel) || (step.actor !== null && !actor)) return false;
    for (const name of [...card.classList]) if (name.startsWith("kind-")) card.classList.remove(name);
    card.classList.add("step", `kind-${step.kind}`);
    card.id = `step-${step.id}`;
    card.dataset.step = step.id;
    card.dataset.version = step.version;
    card.tabIndex = 0;
    if (config.canEdit) card.setAttribute("draggable", "true");
    card.setAttribute("aria-label", `${kind}: ${step.title}`);

    const head = element("p", "step-kind");
    const icon = element("span", "kind-icon", config.kindIcons[step.kind] || config.kindIcons.action);
    icon.setAttribute("aria-hidden", "true");
    head.append(icon, ` ${kind}`);
    const badges = element("p", "step-badges");
    const laneActor = card.closest("tr[data-lane]")?.dataset.actor || "";
    if (channel) badges.append(element("span", "badge channel", channel));
    if (actor && String(step.actor) !== laneActor) badges.append(element("span", "badge actor", actor));
    badges.append(element("span", `badge evidence-${step.evidence}`, evidence));
    if (step.emotion) {
      const up = step.emotion > 0;
      const mood = element("span", `emotion emotion-${up ? "up" : "down"}`);
      mood.title = `${tools.emotion}: ${step.emotion}`;
      const face = element("span", null, up ? "☺" : "☹");
      face.setAttribute("aria-hidden", "true");
      mood.append(face, ` ${up ? "+" : ""}${step.emotion}`);
      badges.append(mood);
    }
    const after = [badges];
    const provenance = $(".provenance", card);
    if (provenance) after.push(provenance); // the teams it came from: no event changes them
    if (step.data_captured) {
      const data = element("p", "data");
      const recorded = step.data_recorded_in ? ` → ${step.data_recorded_in}` : "";
      data.append(element("span", "visually-hidden", tools.dataCaptured), `⛁ ${step.data_captured}${recorded}`);
      after.push(data);
    }
    // Someone renaming this very card keeps their field (and its focus) where the title was.
    const typing = $("form.inline-edit", card);
    if (typing) {
      for (const child of [...card.children]) if (child !== typing) child.remove();
      typing.before(head);
      typing.after(...after);
    } else {
      card.replaceChildren(head, element("h3", "step-title", step.title), ...after);
    }
    return true;
  }

  function placeCard(card, stepId, order) {
    const cell = order && cellOf(order.lane, order.phase);
    if (!cell) return false;
    const cards = order.ids.map((id) => (id === stepId ? card : byId(id))).filter(Boolean);
    arrange(cell, null, cards);
    return true;
  }

  function countSteps(by) {
    const host = canvas();
    const count = Math.max(0, Number(host.dataset.steps) + by);
    host.dataset.steps = count;
    const label = format(T.stepCounts[Math.min(count, 2)], { steps: count });
    host.dataset.countLabel = label;
    const shown = $("[data-step-count]");
    if (shown) shown.textContent = label;
  }

  // Titles written elsewhere: the list of links names both ends of each.
  function renameInLinks(id, title) {
    for (const anchor of $$(`[data-links-card] a[href="#step-${id}"]`)) {
      anchor.textContent = title;
      const item = anchor.closest("li");
      const [source, target] = $$("a", item);
      $("[data-act=link-delete]", item)?.setAttribute(
        "aria-label",
        format(tools.linkDelete, { source: source.textContent, target: target.textContent }),
      );
    }
  }

  function dropArrowsOf(stepIds) {
    let dropped = false;
    for (const [id, arrow] of state.arrows) {
      if (stepIds.has(arrow.source) || stepIds.has(arrow.target)) {
        state.arrows.delete(id);
        dropped = true;
      }
    }
    return dropped;
  }

  const step = {
    created(event) {
      const data = event.after;
      if (data.sources?.length) return false; // a merged card shows its teams: the server says them
      let card = byId(data.id);
      const fresh = !card;
      card ||= element("article");
      if (!placeCard(card, data.id, event.order)) return false;
      if (!fillCard(card, data)) {
        if (fresh) card.remove();
        return false;
      }
      if (fresh) countSteps(1);
      if (data.actor !== null) editor.refreshRelations();
      return true;
    },
    updated(event) {
      const data = event.after;
      const card = byId(data.id);
      if (!card) return false;
      if (Number(card.dataset.version) > data.version) return true; // the page already has newer
      if (event.order && !placeCard(card, data.id, event.order)) return false;
      const titled = $(".step-title", card)?.textContent;
      if (!fillCard(card, data)) return false;
      if (titled !== data.title) renameInLinks(data.id, data.title);
      if (event.before && event.before.actor !== data.actor) editor.refreshRelations();
      return true;
    },
    deleted(event) {
      const card = byId(event.id);
      if (card) {
        card.remove();
        countSteps(-1);
      }
      if (state.inline?.mode === "rename" && state.inline.step === event.id) {
        editor.restoreInline(document.activeElement === state.inline.input, null); // kept, as an orphan
      }
      const linked = dropArrowsOf(new Set([event.id]));
      if (linked || event.before?.actor) editor.refreshRelations();
      return true;
    },
  };

  const steps = {
    reordered(event) {
      const order = event.after;
      const cell = cellOf(order.lane, order.phase);
      const cards = order.ids.map(byId);
      if (!cell || cards.some((card) => !card)) return false;
      arrange(cell, null, cards);
      return true;
    },
  };

  // --- lanes and phases ------------------------------------------------------------------

  function laneName(lane) {
    const translations = lane.name_translations || {};
    return translations[language] || translations[language.slice(0, 2)] || lane.name;
  }

  function labelAddButtons(buttons) {
    for (const button of buttons) {
      const cell = button.closest("td[data-lane]");
      const lane = $(".lane-label", row(cell.dataset.lane))?.textContent || "";
      const phase = header(cell.dataset.phase)?.dataset.name || "";
      button.setAttribute("aria-label", format(tools.stepAdd, { lane, phase }));
    }
  }

  function labelTools(owner, labels, name) {
    for (const [act, key] of Object.entries(labels)) {
      $(`[data-act="${act}"]`, owner)?.setAttribute("aria-label", format(tools[key], { name }));
    }
  }

  const removeSteps = (cards) => {
    const ids = new Set(cards.map((card) => Number(card.dataset.step)));
    for (const card of cards) card.remove();
    if (ids.size) countSteps(-ids.size);
    dropArrowsOf(ids);
  };

  const lane = {
    updated(event) {
      const data = event.after;
      const tr = row(data.id);
      if (!tr) return false;
      // Another band or actor changes where the row sits and the cards' actor badges.
      if (data.band !== tr.dataset.band || String(data.actor ?? "") !== tr.dataset.actor) return false;
      const name = laneName(data);
      tr.dataset.name = data.name;
      const label = $(".lane-label", tr);
      label.textContent = name;
      const actor = data.actor === null ? null : optionLabel("actor", data.actor);
      $(".actor", tr.cells[0])?.remove();
      if (actor && actor !== name) label.after(element("span", "actor", actor));
      labelTools(tr.cells[0], { "lane-edit": "laneEdit", "lane-up": "laneUp", "lane-down": "laneDown", "lane-delete": "laneDelete" }, name);
      labelAddButtons($$("[data-act=step-add]", tr));
      return true;
    },
    deleted(event) {
      const tr = row(event.id);
      if (!tr) return true;
      const band = tr.closest("tbody");
      // Read-only pages show only bands with lanes, and the lines between them follow.
      if (!config.canEdit && $$("tr.lane", band).length === 1) return false;
      removeSteps($$("[data-step]", tr));
      tr.remove();
      editor.refreshRelations();
      return true;
    },
  };

  const lanes = {
    reordered(event) {
      const rows = event.after.ids.map(row);
      if (rows.some((tr) => !tr)) return false;
      for (const band of $$("tbody[data-band]", canvas())) {
        arrange(band, $("tr.band-title", band), rows.filter((tr) => tr.parentElement === band));
      }
      return true;
    },
  };

  const phase = {
    updated(event) {
      const data = event.after;
      const th = header(data.id);
      if (!th) return false;
      th.dataset.name = data.name;
      $(".phase-name", th).textContent = data.name;
      labelTools(th, { "phase-rename": "phaseRename", "phase-left": "phaseLeft", "phase-right": "phaseRight", "phase-delete": "phaseDelete" }, data.name);
      labelAddButtons($$(`td[data-phase="${data.id}"] [data-act=step-add]`, canvas()));
      return true;
    },
    deleted(event) {
      const th = header(event.id);
      if (!th) return true;
      const cells = $$(`td[data-phase="${event.id}"]`, canvas());
      removeSteps(cells.flatMap((cell) => $$("[data-step]", cell)));
      for (const cell of cells) cell.remove();
      th.remove();
      const span = String($$("th[data-phase]", canvas()).length + 2);
      for (const wide of $$("tr.band-title > th, tr.line-rule > td", canvas())) wide.colSpan = span;
      editor.refreshRelations();
      return true;
    },
  };

  const phases = {
    reordered(event) {
      const heads = event.after.ids.map(header);
      if (heads.some((th) => !th)) return false;
      const top = heads[0].parentElement;
      arrange(top, $(".corner", top), heads);
      for (const tr of $$("tr.lane", canvas())) {
        const cells = event.after.ids.map((id) => $(`td[data-phase="${id}"]`, tr));
        if (cells.some((cell) => !cell)) return false;
        arrange(tr, tr.cells[0], cells);
      }
      return true;
    },
  };

  // --- links and the blueprint -----------------------------------------------------------

  const link = {
    created(event) {
      const { id, source, target, kind, label } = event.after;
      state.arrows.set(id, { id, source, target, kind, label });
      editor.refreshRelations();
      return true;
    },
    updated(event) {
      return link.created(event);
    },
    deleted(event) {
      state.arrows.delete(event.id);
      editor.refreshRelations();
      return true;
    },
  };

  const blueprint = {
    updated(event) {
      const title = event.after?.title;
      if (title) {
        const heading = $(".editor-head h1");
        if (heading) heading.textContent = title;
      }
      return true;
    },
  };

  // --- workspace-wide names (actors, channels) -----------------------------------------------

  // A facilitator renamed or merged an actor or a channel: the page's choices take the new
  // name (a merged one goes) as soon as the event is heard, even while a board is on its way
  // (board.js). The board itself is fetched whole, since cards, lanes and the role matrix all
  // show the name: the appliers answer false.
  function applyNames(event) {
    const [noun, verb] = event.kind.split(".");
    if (!["actor", "channel"].includes(noun)) return;
    for (const control of $$(`[data-panel-form] select[name="${noun}"], dialog select[name="${noun}"]`)) {
      const option = (id) => [...control.options].find((item) => item.value === String(id));
      if (verb === "renamed" && option(event.id)) option(event.id).textContent = event.after.name;
      if (verb === "merged") option(event.before.id)?.remove();
    }
  }
  const refetched = { renamed: () => false, merged: () => false };

  const appliers = { step, steps, lane, lanes, phase, phases, link, blueprint, actor: refetched, channel: refetched };

  function applyInPlace(event) {
    const [noun, verb] = event.kind.split(".");
    const apply = Object.hasOwn(appliers, noun) && Object.hasOwn(appliers[noun], verb) ? appliers[noun][verb] : null;
    if (!apply || !canvas() || !$("table", canvas())) return false;
    const focused = document.activeElement;
    const applied = apply(event);
    // A card moved by the event takes its focus along.
    if (focused && focused !== document.body && focused.isConnected && document.activeElement !== focused) {
      focused.focus({ preventScroll: true });
    }
    if (applied) editor.drawArrows();
    return applied;
  }

  Object.assign(editor, { applyInPlace, applyNames });
}
