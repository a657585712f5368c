"""Duplicating a blueprint from its page: a form posted to a small view that calls the service
and lands in the copy's editor (works without script)."""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from blueprints import services
from blueprints.models import TITLE_MAX, Blueprint
from frontstage import errors
from workspaces import access
from workspaces.models import Team

DUPLICATED = _("This is your copy of “{title}”: same phases, lanes, steps and links.")


def teams_to_copy_into(user: Any, blueprint: Blueprint) -> list[Team]:
    """The teams `user` may make a blueprint for in the workspace of `blueprint` (none for a
    workshop guest: copies are made by people with an account)."""
    if access.is_guest(user):
        return []
    return [
        team
        for team in Team.objects.filter(workspace_id=blueprint.workspace_id).order_by("name")
        if access.can_write(
            user, Blueprint(workspace_id=blueprint.workspace_id, team=team, kind="team"), "create"
        )
    ]


class DuplicateForm(forms.Form):
    title = forms.CharField(required=False, max_length=TITLE_MAX)
    team = forms.ModelChoiceField(queryset=Team.objects.none(), required=False)

    def __init__(self, *args: Any, teams: list[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.filter(pk__in=[team.pk for team in teams])


@login_required
@require_POST
def blueprint_duplicate(request: HttpRequest, blueprint_id: int) -> HttpResponse:
    original = Blueprint.objects.select_related("workspace", "team").filter(pk=blueprint_id).first()
    if original is None or not access.can_read(request.user, original):
        raise errors.NotFound()
    teams = teams_to_copy_into(request.user, original)
    form = DuplicateForm(request.POST, teams=teams)
    if not form.is_valid():
        raise errors.Invalid(form.errors)
    team = form.cleaned_data["team"] or (original.team if original.team in teams else None)
    if team is None and not teams:
        raise errors.Forbidden(access.write_refusal(request.user, original))
    copy = services.blueprint_duplicate(
        blueprint=original, actor=request.user, title=form.cleaned_data["title"].strip(), team=team
    )
    messages.success(request, DUPLICATED.format(title=original.display_title))
    return redirect("blueprint", blueprint_id=copy.pk)
