import functools
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from blueprints import copy_views, events, interdependencies, services
from blueprints import render as drawing
from blueprints.grid import blueprint_grid
from blueprints.models import (
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
    "changedMeanwhile": _("{who} changed this step meanwhile; saving will show both versions."),
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
    },
    "changed": _("changed “{name}”"),
    "undid": _("undid a change:"),
    "noActivity": _("No changes yet. Every change anyone makes shows up here."),
}


def _text(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _text(item) for key, item in value.items()}
    return str(value)


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


def _board_context(request: HttpRequest, blueprint: Blueprint) -> dict[str, Any]:
    can_edit = access.can_write(request.user, blueprint, "update")
    # The sequence number is read before the board: the snapshot holds at least every event up
    # to it, so replaying the events after it can only repeat a change, never miss one.
    seq = events.seq_current(blueprint.pk)
    grid = blueprint_grid(blueprint, get_language() or "en", every_band=can_edit)
    arrows = [
        {"id": link.pk, "source": link.source_id, "target": link.target_id, "kind": link.kind}
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
        "roles": interdependencies.matrix_rows(roles, get_language() or "en"),
    }


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
    context = _board_context(request, blueprint)
    workspace_id = blueprint.workspace_id
    context |= {
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
        "text": _text(EDITOR_TEXT),
    }
    return render(request, "blueprints/blueprint.html", context)


@signed_in_or_guest
def blueprint_board(request: HttpRequest, blueprint_id: int) -> HttpResponse:
    """The board alone: what a live page swaps in after someone's change."""
    blueprint = Blueprint.objects.select_related("workspace", "team").visible_one(
        request.user, blueprint_id
    )
    context = _board_context(request, blueprint)
    response = render(request, "blueprints/_board_fragment.html", context)
    response["Cache-Control"] = "no-store"
    return response
