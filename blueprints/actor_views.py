"""The workspace's actors as facilitators curate them: add, rename, merge, delete when unused.

Everyone in the workspace reads the list (with how many lanes and steps use each actor);
only facilitators change it. Every change goes through blueprints/services.py, which tells
the open editors.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from blueprints import services
from blueprints.models import Actor
from frontstage import errors, pages
from workspaces import access
from workspaces.models import Workspace


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
def actors_page(request: HttpRequest, workspace_id: int) -> HttpResponse:
    workspace = Workspace.objects.visible_one(request.user, workspace_id)
    can_edit = access.can_manage(request.user, workspace.pk)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(_("Only facilitators change this."))
        back = lambda: redirect("actors", workspace_id=workspace.pk)  # noqa: E731
        try:
            _act(request, workspace)
        except errors.DomainError as error:
            return pages.error_answer(request, error, back)
        return back()
    actors = (
        Actor.objects.filter(workspace=workspace)
        .annotate(
            lane_count=Count("lanes", distinct=True), step_count=Count("steps", distinct=True)
        )
        .order_by("name", "id")
    )
    context = {
        "workspace": workspace,
        "can_edit": can_edit,
        "actors": list(actors),
        "name_max": Actor._meta.get_field("name").max_length,
    }
    return render(request, "blueprints/actors.html", context)


def _act(request: HttpRequest, workspace: Workspace) -> None:
    action, user = request.POST.get("action"), request.user
    if action == "add":
        role = services.actor_create(workspace=workspace, name=request.POST.get("name"), actor=user)
        messages.success(request, _("Actor “%(name)s” added.") % {"name": role.name})
        return
    actors = Actor.objects.filter(workspace=workspace)
    role = actors.filter(pk=_int(request.POST.get("actor"))).first()
    if role is None:
        raise errors.Invalid(_("Choose an actor."))
    name = role.name
    if action == "rename":
        services.actor_update(role=role, changes={"name": request.POST.get("name")}, actor=user)
        text = _("“%(old)s” renamed to “%(name)s”.") % {"old": name, "name": role.name}
    elif action == "merge":
        into = actors.filter(pk=_int(request.POST.get("into"))).first()
        if into is None:
            raise errors.Invalid(_("Choose the actor to merge into."))
        services.actor_merge(source=role, into=into, actor=user)
        text = _("“%(source)s” merged into “%(into)s”.") % {"source": name, "into": into.name}
    elif action == "delete":
        services.actor_delete(role=role, actor=user)
        text = _("Actor “%(name)s” deleted.") % {"name": name}
    else:
        raise errors.Invalid(_("Unknown action."))
    messages.success(request, text)
