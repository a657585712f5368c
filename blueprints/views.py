from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language

from blueprints import interdependencies
from blueprints import render as drawing
from blueprints.grid import blueprint_grid
from blueprints.models import Blueprint
from workshops import access
from workshops.models import Workspace


def _get_blueprint_for_user(request: HttpRequest, blueprint_id: int) -> Blueprint:
    blueprint = (
        Blueprint.objects.select_related("workspace", "team").filter(pk=blueprint_id).first()
    )
    if blueprint is None or not access.can_read(request.user, blueprint):
        raise Http404("No such blueprint")
    return blueprint


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
    rows = [(ws, ws.user_role, ws.blueprints.all()) for ws in workspaces]
    return render(request, "blueprints/home.html", {"rows": rows})


@login_required
def blueprint_page(request: HttpRequest, blueprint_id: int) -> HttpResponse:
    blueprint = _get_blueprint_for_user(request, blueprint_id)
    grid = blueprint_grid(blueprint, get_language() or "en")
    roles = interdependencies.interdependencies(drawing.blueprint_data(blueprint))
    context = {
        "blueprint": blueprint,
        "grid": grid,
        "roles": interdependencies.matrix_rows(roles, get_language() or "en"),
        "can_edit": access.can_write(request.user, blueprint, "update"),
        "role": access.role_in(request.user, blueprint.workspace_id),
    }
    return render(request, "blueprints/blueprint.html", context)
