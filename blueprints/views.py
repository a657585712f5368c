import functools
import gzip
import hashlib
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.cache import caches
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import get_language, gettext, ngettext
from django.utils.translation import gettext_lazy as _

from blueprints import copy_views, events, interdependencies, services
from blueprints import render as drawing
from blueprints.grid import blueprint_grid
from blueprints.models import (
    KIND_ICONS,
    TITLE_MAX,
    Actor,
    Band,
    Blueprint,
    Channel,
    DataStage,
    Evidence,
    Lane,
    LinkKind,
    Step,
    StepKind,
    default_link_kind,
)
from workspaces import access
from workspaces.models import Invitation, Role, Workspace

# What the editor's script says, translated like the rest of the page.
EDITOR_TEXT = {
    "live": _("Live"),
    "connecting": _("Connecting…"),
    "offline": _("Offline"),
    "locked": _("The facilitator has locked editing for now."),
    "behind": _("Catching up…"),
    "saved": _("Saved."),
    "saveFailed": _("Not saved: {detail}"),
    "offlineSave": _(
        "You are offline: nothing was saved. Your text is kept; save again when back."
    ),
    "deleted": _("Deleted “{name}”."),
    "undo": _("Undo"),
    "undone": _("Undone."),
    "nothingToUndo": _("Nothing to undo."),
    "confirmStep": _("Delete the step “{name}” and its links? You can undo it afterwards."),
    "confirmLane": _("Delete the lane “{name}” and every step in it? You can undo it afterwards."),
    "confirmPhase": _(
        "Delete the phase “{name}” and every step in it? You can undo it afterwards."
    ),
    "confirmLink": _("Delete this link?"),
    "newPhase": _("New phase"),
    "renamePhase": _("Rename the phase"),
    "newLane": _("New lane"),
    "editLane": _("Edit the lane"),
    "pickTarget": _(
        "Linking from “{name}”: click the target step or press Enter on it. Esc cancels."
    ),
    "linkEnds": _("From “{source}” to “{target}”"),
    "dragToLink": _("Drag onto another step to link them"),
    "conflictFields": _(
        "{who} changed these fields while you were editing. Choose which version of each to "
        "keep; your other changes are saved with them."
    ),
    "nothingChanged": _("Nothing changed."),
    "tooLong": _("{count} of {max} characters: {over} too many. Shorten it to save."),
    "revert": _("Revert this change"),
    "reverted": _("Reverted."),
    "notReverted": _("Not reverted: {detail}"),
    "someone": _("Someone"),
    "you": _("you"),
    "changedMeanwhile": _(
        "{who} changed this step meanwhile. Saving keeps their changes and yours; if you both "
        "changed a field, you choose which to keep."
    ),
    "goneMeanwhile": _("{who} deleted this step; your text is still here."),
    "newStepTitle": _("Title of the new step"),
    "stepTitle": _("Step title"),
    "moved": _("Moved."),
    "fields": {
        "title": _("Title"),
        "description": _("Description"),
        "kind": _("Kind"),
        "channel": _("Channel"),
        "actor": _("Actor"),
        "emotion": _("Customer emotion"),
        "evidence": _("Evidence"),
        "data_captured": _("Data captured"),
        "data_recorded_in": _("Recorded in"),
        "data_stage": _("Stage"),
        "name": _("Name"),
        "band": _("Band"),
    },
    # Whole sentences, so that each language words them its own way ({name} is what was named).
    "activity": {
        "step.created": _("added the step “{name}”"),
        "step.updated": _("changed the step “{name}”"),
        "step.deleted": _("deleted the step “{name}”"),
        "lane.created": _("added the lane “{name}”"),
        "lane.updated": _("changed the lane “{name}”"),
        "lane.deleted": _("deleted the lane “{name}”"),
        "phase.created": _("added the phase “{name}”"),
        "phase.updated": _("changed the phase “{name}”"),
        "phase.deleted": _("deleted the phase “{name}”"),
        "link.created": _("added a link"),
        "link.updated": _("changed a link"),
        "link.deleted": _("deleted a link"),
        "blueprint.updated": _("changed the blueprint"),
        "blueprint.merged": _("merged the team blueprints into this one"),
        "steps.reordered": _("reordered the steps"),
        "lanes.reordered": _("reordered the lanes"),
        "phases.reordered": _("reordered the phases"),
        "actor.renamed": _("renamed an actor to “{name}”"),
        "actor.merged": _("merged an actor into “{name}”"),
        "channel.renamed": _("renamed a channel to “{name}”"),
        "channel.merged": _("merged a channel into “{name}”"),
    },
    "changed": _("changed “{name}”"),
    "undid": _("undid a change:"),
    "noActivity": _("No changes yet. Every change anyone makes shows up here."),
}


def _text(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _text(item) for key, item in value.items()}
    return str(value)


def tool_labels() -> dict[str, Any]:
    """The board's own labels that name a lane, a phase or a link, for a page to write again
    when one is renamed in place: the board's translations, with `{name}`-style holes."""
    hole = {"name": "{name}", "lane": "{lane}", "phase": "{phase}"}
    hole |= {"source": "{source}", "target": "{target}"}
    labels = {
        "phaseRename": "Rename phase %(name)s",
        "phaseLeft": "Move phase %(name)s left",
        "phaseRight": "Move phase %(name)s right",
        "phaseDelete": "Delete phase %(name)s",
        "laneEdit": "Edit lane %(name)s",
        "laneUp": "Move lane %(name)s up",
        "laneDown": "Move lane %(name)s down",
        "laneDelete": "Delete lane %(name)s",
        "stepAdd": "Add step: %(lane)s, %(phase)s",
        "linkDelete": "Delete link %(source)s → %(target)s",
    }
    tools = {key: gettext(msgid) % hole for key, msgid in labels.items()}
    return {
        # The step count's words for 0, 1 and 2 or more (enough for the page's languages).
        "stepCounts": [
            ngettext("%(steps)s step", "%(steps)s steps", n) % {"steps": "{steps}"}
            for n in (0, 1, 2)
        ],
        "tools": tools | {"emotion": gettext("Emotion"), "dataCaptured": gettext("Data captured:")},
    }


def text_limits() -> dict[str, int]:
    """The server's limit of each text the editor's forms take: the fields count against them."""
    return {
        "title": TITLE_MAX,
        "name": Lane._meta.get_field("name").max_length,
        "text": Step._meta.get_field("description").max_length,
        "data_captured": Step._meta.get_field("data_captured").max_length,
        "data_recorded_in": Step._meta.get_field("data_recorded_in").max_length,
    }


@login_required
def home(request: HttpRequest) -> HttpResponse:
    workspaces = (
        Workspace.objects.for_user(request.user)
        .with_role(request.user)
        .prefetch_related(
            Prefetch(
                "blueprints", Blueprint.objects.select_related("team").order_by("kind", "title")
            )
        )
        .order_by("name")
    )
    rows = [(ws, Role(ws.user_role), ws.blueprints.all()) for ws in workspaces]
    context = {
        "rows": rows,
        "invitations": Invitation.objects.addressed_to(request.user).select_related(
            "workspace", "invited_by"
        ),
        "may_create": access.may_create_workspace(request.user),
    }
    return render(request, "blueprints/home.html", context)


def _board_context(blueprint: Blueprint, *, seq: int, can_edit: bool, language: str) -> dict:
    grid = blueprint_grid(blueprint, language, every_band=can_edit)
    arrows = [
        {
            "id": link.pk,
            "source": link.source_id,
            "target": link.target_id,
            "kind": link.kind,
            "label": link.label,
        }
        for link in grid.links
    ]
    # The role matrix goes with the board: a new link or actor shows in both at once.
    roles = interdependencies.interdependencies(drawing.blueprint_data(blueprint))
    return {
        "blueprint": blueprint,
        "grid": grid,
        "seq": seq,
        "can_edit": can_edit,
        "arrows": arrows,
        "roles": interdependencies.matrix_rows(roles, language),
    }


# The parts of the board a page shows, each rendered from the same snapshot.
BOARD_PARTS = {
    "board": "blueprints/_board.html",
    "links": "blueprints/_links.html",
    "matrix": "blueprints/_matrix.html",
}
# What each fragment URL answers: the whole board, or what links and actors change.
ANSWERS = {"fragment": ("board", "links", "matrix"), "relations": ("links", "matrix")}
BOARD_CACHE_SECONDS = 600


def _names_stamp(workspace_id: int) -> str:
    """The workspace's actor and channel names: a rename is no event of the blueprint's, yet
    its cards show them, so a board rendered before it must not be served after it."""
    names = (
        list(Actor.objects.filter(workspace_id=workspace_id).values_list("pk", "name")),
        list(Channel.objects.filter(workspace_id=workspace_id).values_list("pk", "name")),
    )
    return hashlib.sha256(repr(names).encode()).hexdigest()[:16]


def shared_board(request: HttpRequest, blueprint: Blueprint) -> dict[str, Any]:
    """The board's parts as rendered HTML, rendered once per blueprint, `seq`, language,
    editing right and actor/channel names, and shared by every page asking for the same.

    The parts are rendered without the request: they carry no CSRF token or anything else
    of one person's, which is also what lets them be served compressed (no BREACH secret).
    """
    can_edit = access.can_write(request.user, blueprint, "update")
    # The sequence number is read before the board: the snapshot holds at least every event up
    # to it, so replaying the events after it can only repeat a change, never miss one.
    seq = events.seq_current(blueprint.pk)
    language = get_language() or "en"
    stamp = _names_stamp(blueprint.workspace_id)
    # The creation time tells a blueprint from a later one given the same id (SQLite reuses ids).
    born = blueprint.created_at.timestamp()
    key = f"board:{blueprint.pk}:{born}:{seq}:{language}:{int(can_edit)}:{stamp}"
    cache = caches["boards"]
    parts = cache.get(key)
    if parts is None:
        context = _board_context(blueprint, seq=seq, can_edit=can_edit, language=language)
        parts = {name: render_to_string(name_, context) for name, name_ in BOARD_PARTS.items()}
        parts |= {"seq": seq, "can_edit": can_edit, "step_count": context["grid"].step_count}
        for name, joined in ANSWERS.items():
            html = "".join(parts[part] for part in joined)
            parts[f"{name}.gz"] = gzip.compress(html.encode(), compresslevel=6)
        cache.set(key, parts, BOARD_CACHE_SECONDS)
    return parts


def _fragment_answer(request: HttpRequest, parts: dict[str, Any], name: str) -> HttpResponse:
    if "gzip" in request.headers.get("Accept-Encoding", ""):
        response = HttpResponse(parts[f"{name}.gz"], content_type="text/html; charset=utf-8")
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse("".join(parts[part] for part in ANSWERS[name]))
    response["Vary"] = "Accept-Encoding, Cookie"
    response["Cache-Control"] = "no-store"
    return response


def signed_in_or_guest(view: Any) -> Any:
    """Members sign in; a workshop guest's browser (guests.Guest) comes in as it is."""
    member_view = login_required(view)

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if access.is_guest(request.user):
            return view(request, *args, **kwargs)
        return member_view(request, *args, **kwargs)

    return wrapper


@signed_in_or_guest
def blueprint_page(request: HttpRequest, blueprint_id: int) -> HttpResponse:
    blueprint = Blueprint.objects.select_related("workspace", "team").visible_one(
        request.user, blueprint_id
    )
    parts = shared_board(request, blueprint)
    workspace_id = blueprint.workspace_id
    context = {
        "blueprint": blueprint,
        "board": parts,
        "can_edit": parts["can_edit"],
        "role": access.role_in(request.user, workspace_id),
        "actors": Actor.objects.filter(workspace_id=workspace_id).order_by("name"),
        "channels": Channel.objects.filter(workspace_id=workspace_id).order_by("name"),
        "step_kinds": StepKind.choices,
        "evidence_choices": Evidence.choices,
        "data_stages": [(value, label) for value, label in DataStage.choices if value],
        "title_max": TITLE_MAX,
        "limits": text_limits(),
        "copy_teams": copy_views.teams_to_copy_into(request.user, blueprint),
        "copy_title": services.copy_title(blueprint),
        "link_kinds": LinkKind.choices,
        "bands": Band.choices,
        "emotions": [(2, "+2 ☺☺"), (1, "+1 ☺"), (0, "0"), (-1, "−1 ☹"), (-2, "−2 ☹☹")],
        "me": events.acting_person(request.user, blueprint.pk),
        "guest": access.is_guest(request.user),
        "guest_workshop": getattr(
            access.acting_participant(request.user, blueprint.pk), "workshop", None
        ),
    }
    context["editor"] = {
        "blueprint": blueprint.pk,
        "workspace": workspace_id,
        "canEdit": context["can_edit"],
        "me": context["me"],
        "language": get_language() or "en",
        "text": _text(EDITOR_TEXT) | tool_labels(),
        "kindIcons": KIND_ICONS,
        # The kind a new link starts with, by the bands of its source and its target.
        "linkKindByBands": {
            source: {target: str(default_link_kind(source, target)) for target in Band.values}
            for source in Band.values
        },
    }
    return render(request, "blueprints/blueprint.html", context)


@signed_in_or_guest
def blueprint_board(request: HttpRequest, blueprint_id: int) -> HttpResponse:
    """The board alone: what a live page swaps in when an event cannot be applied in place."""
    blueprint = Blueprint.objects.select_related("workspace", "team").visible_one(
        request.user, blueprint_id
    )
    return _fragment_answer(request, shared_board(request, blueprint), "fragment")


@signed_in_or_guest
def blueprint_relations(request: HttpRequest, blueprint_id: int) -> HttpResponse:
    """The list of links and the role matrix: refreshed after a change of links or actors."""
    blueprint = Blueprint.objects.select_related("workspace", "team").visible_one(
        request.user, blueprint_id
    )
    return _fragment_answer(request, shared_board(request, blueprint), "relations")
