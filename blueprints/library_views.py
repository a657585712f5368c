"""Pages: a new blueprint from a template or a file, and a blueprint kept as a template."""

import json
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from blueprints import interchange, layout, library
from blueprints.models import TITLE_MAX, Blueprint, BlueprintTemplate
from frontstage import errors, pages
from workspaces import access
from workspaces.models import Team, Workspace

FROM_FILE = "file"
FILE_LIMIT_MB = 20
NOT_JSON = _("This file is not a Frontstage blueprint file (JSON): {reason}")
FILE_NEEDED = _("Choose the file to import.")
TOO_LARGE = _("The file is larger than {limit} MB.")
SAVED = _("Saved as the template “{name}”: new blueprints of this workspace can start from it.")


class NewBlueprintForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=TITLE_MAX,
        required=False,
        help_text=_("Leave empty to keep the template's or the file's title."),
    )
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), empty_label=None)
    start = forms.ChoiceField(label=_("Start from"), widget=forms.RadioSelect)
    file = forms.FileField(label=_("Frontstage file (JSON)"), required=False)

    def __init__(self, *args: Any, teams: list[Team], templates: list, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.filter(pk__in=[team.pk for team in teams])
        choices = [(template.key, template.name) for template in templates]
        self.fields["start"].choices = choices + [(FROM_FILE, _("A Frontstage file (JSON)"))]
        self.fields["start"].initial = "blank"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("start") == FROM_FILE:
            upload = data.get("file")
            if upload is None:
                self.add_error("file", FILE_NEEDED)
            elif upload.size > FILE_LIMIT_MB * 1024 * 1024:
                self.add_error("file", TOO_LARGE.format(limit=FILE_LIMIT_MB))
            else:
                try:
                    data["document"] = json.loads(upload.read().decode("utf-8-sig"))
                except (UnicodeDecodeError, ValueError, RecursionError) as error:
                    self.add_error("file", NOT_JSON.format(reason=str(error)[:200]))
        return data


def writable_teams(user: Any, workspace: Workspace) -> list[Team]:
    return [
        team
        for team in workspace.teams.order_by("name")
        if access.can_write(user, Blueprint(workspace=workspace, team=team, kind="team"), "create")
    ]


@login_required
def new_blueprint(request: HttpRequest, workspace_id: int) -> HttpResponse:
    workspace = Workspace.objects.for_user(request.user).filter(pk=workspace_id).first()
    if workspace is None:
        raise Http404
    teams = writable_teams(request.user, workspace)
    if not teams:
        raise PermissionDenied
    language = layout.language_of(get_language())
    templates = library.templates_for(request.user, language, workspace.pk)
    form = NewBlueprintForm(
        request.POST or None, request.FILES or None, teams=teams, templates=templates
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            target = {"workspace": workspace, "team": data["team"], "actor": request.user}
            try:
                if data["start"] == FROM_FILE:
                    blueprint = interchange.blueprint_import(
                        **target, document=data["document"], title=data["title"] or None
                    )
                else:
                    template = library.template_get(data["start"], request.user, language)
                    blueprint = library.blueprint_from_template(
                        **target, template=template, title=data["title"] or None
                    )
            except errors.Invalid as error:
                for field, found in error.fields.items():
                    field = "file" if field == "document" else field
                    for message in found:
                        form.add_error(field if field in form.fields else None, message)
            else:
                return redirect("blueprint", blueprint.pk)
        status = 400
    context = {"workspace": workspace, "form": form, "templates": templates}
    return render(request, "blueprints/new_blueprint.html", context, status=status)


@login_required
@require_POST
def save_as_template(request: HttpRequest, blueprint_id: int) -> HttpResponse:
    blueprint = Blueprint.objects.filter(pk=blueprint_id).first()
    if blueprint is None or not access.can_read(request.user, blueprint):
        raise Http404
    page = reverse("blueprint", args=[blueprint.pk])

    def back() -> HttpResponse:
        return redirect(f"{page}#templates")

    name = request.POST.get("name", "").strip() or blueprint.display_title
    name = name[: BlueprintTemplate._meta.get_field("name").max_length]
    try:
        template = library.template_save(
            blueprint=blueprint,
            name=name,
            description=request.POST.get("description", "")[:2000],
            actor=request.user,
        )
    except errors.DomainError as error:
        return pages.error_answer(request, error, back)
    messages.success(request, SAVED.format(name=template.name))
    return back()
