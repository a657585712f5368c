// The live blueprint editor.
//
// The server renders the board; these modules edit it through the REST API and keep it live:
// every change (ours, anyone's, through the API) is an event with the blueprint's next
// sequence number on the WebSocket (static/js/live.js, shared with the workshop page). An event
// in order is applied where it belongs (apply.js), or fetches the board again when it cannot
// be; a gap asks the server for what was missed; "reload" takes a fresh snapshot. Text being typed (an inline title, the details panel) is
// never thrown away by a refresh or an outage, and moves, deletions, links, phases and lanes
// made offline wait in the outbox until the line is back.
//
// One `editor` object is handed to each part: the page's configuration, the little state the
// parts share, and the functions each part offers the others.

import * as api from "./api.js";
import * as apply from "./apply.js";
import * as board from "./board.js";
import * as dialogs from "./dialogs.js";
import * as editing from "./editing.js";
import * as inline from "./inline.js";
import * as limits from "./limits.js";
import * as linkdrag from "./linkdrag.js";
import * as links from "./links.js";
import * as live from "./live.js";
import * as moving from "./moving.js";
import * as panels from "./panels.js";
import { $ } from "./util.js";

const config = JSON.parse(document.getElementById("editor-config").textContent);

const editor = {
  config,
  T: config.text,
  ID: config.blueprint,
  scroller: $("[data-scroller]"),
  state: {
    locked: false, // a guest's workshop locked by its facilitator: writes wait for the unlock
    inline: null, // the inline editor being typed in: {mode, step?, lane?, phase?, value, version?}
    zoom: 1,
    panelStep: null, // the step open in the details panel, and its version
    panelVersion: null,
    panelSaved: {}, // the panel's values as opened: what the person changed is what differs
    linkFrom: null, // the source picked for a new link
    lastEditor: new Map(), // step id → who changed it last, for the conflict message
  },
};

for (const part of [api, apply, board, dialogs, limits, inline, panels, links, moving, live]) part.install(editor);
if (config.canEdit) {
  editing.install(editor);
  linkdrag.install(editor);
}

editor.applyZoom();
editor.drawArrows();
editor.startLive();
