"""The innovation pages: `/workspaces/{id}/innovation/` and its tabs — the Value × Effort
matrix, opportunities, service concepts, experiments (a board by status), data needs, and
the roadmap.

Every tab is a plain page and every form posts back to it, so all of it works without
script; static/js/innovation/ adds dragging on the matrix and the roadmap (through the API,
with `version`). Members read; participants add opportunities and data needs (and change
their own); facilitators do everything else. Who may write is workspaces.access; what only
a facilitator sets inside an object is innovation.services — a refusal comes back as the
page's error (frontstage/pages.py).
"""

from collections import defaultdict
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from blueprints.models import Step
from frontstage import errors, pages
from innovation import services
from innovation.models import (
    EFFORT_MAX,
    EFFORT_MIN,
    ROADMAP_COLUMNS,
    TEXT_MAX,
    TITLE_MAX,
    DataNeed,
    Experiment,
    ExperimentStatus,
    Horizon,
    Opportunity,
    RoadmapType,
    ServiceConcept,
)
from personas.models import Persona
from workshops.models import Output
from workspaces import access
from workspaces.models import Role, Workspace, workspace_path

TABS = (
    ("matrix", gettext_lazy("Value × Effort")),
    ("opportunities", gettext_lazy("Opportunities")),
    ("concepts", gettext_lazy("Concepts")),
    ("experiments", gettext_lazy("Experiments")),
    ("data-needs", gettext_lazy("Data needs")),
    ("roadmap", gettext_lazy("Roadmap")),
)
FACILITATORS_ONLY = gettext_lazy("Only facilitators change this.")
MEMBERS_ONLY = gettext_lazy("Managers read these pages; facilitators and participants write.")


# --- Who is here --------------------------------------------------------------------------


def _workspace(request: HttpRequest, workspace_id: int) -> tuple[Workspace, str]:
    workspace = Workspace.objects.visible_one(request.user, workspace_id)
    return workspace, access.role_in(request.user, workspace.pk) or ""


def _context(workspace: Workspace, role: str, tab: str, **more: Any) -> dict[str, Any]:
    return {
        "workspace": workspace,
        "role": role,
        "tab": tab,
        "tabs": TABS,
        "can_facilitate": role == Role.FACILITATOR,
        "can_contribute": role in (Role.FACILITATOR, Role.PARTICIPANT),
        **more,
    }


def _require(allowed: bool, message: Any) -> None:
    if not allowed:
        raise PermissionDenied(message)


# --- Forms ----------------------------------------------------------------------------------


class ScopedForm(forms.Form):
    """A form over an innovation model's fields whose choices are the workspace's only;
    labels and widgets are said here, the fields' rules come from the model."""

    model: type[models.Model]
    names: tuple[str, ...] = ()
    labels: dict[str, Any] = {}
    widgets: dict[str, Any] = {}

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, label_suffix="", **kwargs)
        self.fields.update(
            forms.fields_for_model(
                self.model, fields=self.names, labels=self.labels, widgets=self.widgets
            )
        )
        for field in self.fields.values():
            queryset = getattr(field, "queryset", None)
            if queryset is not None:
                field.queryset = in_workspace(queryset, workspace)
        self.fields["version"] = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def changes(self) -> tuple[dict[str, Any], int | None]:
        values = dict(self.cleaned_data)
        return values, values.pop("version", None)


def in_workspace(queryset: models.QuerySet, workspace: Workspace) -> models.QuerySet:
    model = queryset.model
    if model is get_user_model():
        return queryset.filter(memberships__workspace=workspace).order_by("username")
    path = workspace_path(model)
    return queryset.filter(**{path: workspace}) if path else queryset.none()


TEXTAREA = forms.Textarea(attrs={"rows": 3})
PICK_MANY = forms.SelectMultiple(attrs={"size": 5})
DATE = forms.DateInput(attrs={"type": "date"})


class OpportunityForm(ScopedForm):
    model = Opportunity
    names = (
        "title", "description", "steps", "personas", "contact_reasons", "workshop_outputs",
    )  # fmt: skip
    labels = {
        "title": gettext_lazy("Title"),
        "description": gettext_lazy("Description"),
        "steps": gettext_lazy("Steps (pain points first)"),
        "personas": gettext_lazy("Personas"),
        "contact_reasons": gettext_lazy("Contact reasons"),
        "workshop_outputs": gettext_lazy("Workshop outputs"),
    }
    widgets = {
        "description": TEXTAREA,
        "steps": PICK_MANY,
        "personas": PICK_MANY,
        "contact_reasons": PICK_MANY,
        "workshop_outputs": PICK_MANY,
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        steps = self.fields["steps"]
        pain_first = models.Case(
            models.When(kind="pain_point", then=0), default=1, output_field=models.IntegerField()
        )
        steps.queryset = steps.queryset.select_related("blueprint").order_by(
            pain_first, "blueprint__title", "title", "id"
        )
        steps.label_from_instance = lambda s: f"{s.blueprint.display_title} — {s.title}"


class ScoreForm(ScopedForm):
    model = Opportunity
    names = ("customer_value", "business_value", "effort", "status")
    labels = {
        "customer_value": gettext_lazy("Customer value (0–100)"),
        "business_value": gettext_lazy("Business value (0–100)"),
        "effort": gettext_lazy("Effort (1–5)"),
        "status": gettext_lazy("Status"),
    }


class ConceptForm(ScopedForm):
    model = ServiceConcept
    names = ("title", "description", "personas", "opportunities")
    labels = {
        "title": gettext_lazy("Title"),
        "description": gettext_lazy("Description"),
        "personas": gettext_lazy("Personas"),
        "opportunities": gettext_lazy("Opportunities it answers"),
    }
    widgets = {"description": TEXTAREA, "personas": PICK_MANY, "opportunities": PICK_MANY}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["storyboard"] = forms.CharField(
            label=gettext_lazy("Storyboard: one frame a line, “title: what happens”"),
            required=False,
            max_length=TEXT_MAX,
            widget=forms.Textarea(attrs={"rows": 4}),
        )

    def clean_storyboard(self) -> list[dict[str, str]]:
        frames = []
        for line in self.cleaned_data["storyboard"].splitlines():
            title, _colon, description = line.partition(":")
            if title.strip():
                frames.append(
                    {"title": title.strip()[:TITLE_MAX], "description": description.strip()}
                )
        return frames


class ExperimentForm(ScopedForm):
    model = Experiment
    names = (
        "concept", "mvp_name", "mvp_description", "hypothesis", "metric", "baseline", "target",
        "start_date", "end_date",
    )  # fmt: skip
    labels = {
        "concept": gettext_lazy("Concept"),
        "mvp_name": gettext_lazy("MVP"),
        "mvp_description": gettext_lazy("What the MVP is"),
        "hypothesis": gettext_lazy("Hypothesis (“We believe that … for … will …”)"),
        "metric": gettext_lazy("Metric"),
        "baseline": gettext_lazy("Baseline"),
        "target": gettext_lazy("Target"),
        "start_date": gettext_lazy("Start"),
        "end_date": gettext_lazy("End"),
    }
    widgets = {
        "mvp_description": TEXTAREA,
        "hypothesis": TEXTAREA,
        "start_date": DATE,
        "end_date": DATE,
    }


class VerdictForm(ScopedForm):
    model = Experiment
    names = ("result", "status", "learnings")
    labels = {
        "result": gettext_lazy("Result"),
        "status": gettext_lazy("Status"),
        "learnings": gettext_lazy("Learnings"),
    }
    widgets = {"learnings": TEXTAREA}


class IterationForm(forms.Form):
    date = forms.DateField(label=gettext_lazy("Date"), required=False, widget=DATE)
    text = forms.CharField(
        label=gettext_lazy("What was tried or learned"), max_length=TEXT_MAX, widget=TEXTAREA
    )


class DataNeedForm(ScopedForm):
    model = DataNeed
    names = ("persona", "item", "why", "method", "step", "channel", "consent", "quality")
    labels = {
        "persona": gettext_lazy("Persona"),
        "item": gettext_lazy("Data item"),
        "why": gettext_lazy("Why it is needed"),
        "method": gettext_lazy("How it is obtained"),
        "step": gettext_lazy("At which step"),
        "channel": gettext_lazy("By which channel"),
        "consent": gettext_lazy("With what consent"),
        "quality": gettext_lazy("How its quality is judged"),
    }
    widgets = {"why": TEXTAREA, "method": TEXTAREA, "consent": TEXTAREA, "quality": TEXTAREA}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        step = self.fields["step"]
        step.queryset = step.queryset.select_related("blueprint")
        step.label_from_instance = lambda s: f"{s.blueprint.display_title} — {s.title}"


class DataNeedStatusForm(ScopedForm):
    model = DataNeed
    names = ("status",)
    labels = {"status": gettext_lazy("Status")}


class RoadmapPlaceForm(forms.Form):
    type = forms.ChoiceField(choices=RoadmapType.choices)
    id = forms.IntegerField(min_value=1)
    horizon = forms.ChoiceField(choices=Horizon.choices)
    position = forms.IntegerField(min_value=0, required=False)
    version = forms.IntegerField(required=False)


def _save(
    request: HttpRequest,
    form: ScopedForm,
    *,
    model: type[models.Model],
    workspace: Workspace,
    obj: Any = None,
) -> Any:
    """Create or update through the services; a refusal lands on the form (None)."""
    values, version = form.changes()
    try:
        if obj is None:
            _require(
                access.can_write(request.user, model(workspace=workspace), "create"), MEMBERS_ONLY
            )
            return services.item_create(
                model=model, workspace=workspace, values=values, actor=request.user
            )
        _require(access.can_write(request.user, obj, "update"), MEMBERS_ONLY)
        return services.item_update(obj=obj, changes=values, version=version, actor=request.user)
    except errors.StaleVersion as error:
        messages.error(request, error.text)
    except (errors.Invalid, errors.Forbidden) as error:
        pages.form_error(form, error)
    return None


# --- The matrix -----------------------------------------------------------------------------


def matrix_place(opportunity: Opportunity) -> dict[str, float] | None:
    """Where a scored opportunity sits, in percent of the plot: effort across (1 left,
    5 right, each in the middle of its column), value up (0 at the bottom)."""
    if opportunity.value is None or opportunity.effort is None:
        return None
    columns = EFFORT_MAX - EFFORT_MIN + 1
    return {
        "x": round((opportunity.effort - EFFORT_MIN + 0.5) / columns * 100, 2),
        "y": round(100 - opportunity.value, 2),
    }


@login_required
def matrix_page(request: HttpRequest, workspace_id: int) -> HttpResponse:
    workspace, role = _workspace(request, workspace_id)
    placed, unscored = [], []
    for opportunity in Opportunity.objects.filter(workspace=workspace):
        place = matrix_place(opportunity)
        (placed if place else unscored).append((opportunity, place))
    context = _context(
        workspace,
        role,
        "matrix",
        placed=placed,
        unscored=unscored,
        efforts=range(EFFORT_MIN, EFFORT_MAX + 1),
    )
    return render(request, "innovation/matrix.html", context)


# --- Opportunities ------------------------------------------------------------------------


def _prefill(request: HttpRequest, workspace: Workspace) -> dict[str, Any]:
    """What `?step=` (a pain point card) or `?output=` (a workshop output) puts in a new
    opportunity: their title and text, and what they are attached to."""
    initial: dict[str, Any] = {}
    step_id, output_id = request.GET.get("step", ""), request.GET.get("output", "")
    if step_id.isdigit():
        step = Step.objects.filter(blueprint__workspace=workspace, pk=int(step_id)).first()
        if step is not None:
            initial = services.values_from_step(step)
    elif output_id.isdigit():
        output = Output.objects.filter(workshop__workspace=workspace, pk=int(output_id)).first()
        if output is not None:
            initial = services.values_from_output(output)
    return initial


OPPORTUNITY_FILTERS = {
    "step": "steps",
    "persona": "personas",
    "output": "workshop_outputs",
    "contact_reason": "contact_reasons",
}


@login_required
def opportunities_page(request: HttpRequest, workspace_id: int) -> HttpResponse:
    workspace, role = _workspace(request, workspace_id)
    context = _context(workspace, role, "opportunities")
    form = None
    if request.method == "POST":
        form = OpportunityForm(request.POST, workspace=workspace)
        if form.is_valid():
            saved = _save(request, form, model=Opportunity, workspace=workspace)
            if saved is not None:
                messages.success(request, _("Opportunity created."))
                return redirect("innovation-opportunity", workspace.pk, saved.pk)
    elif context["can_contribute"]:
        form = OpportunityForm(initial=_prefill(request, workspace), workspace=workspace)
    rows = Opportunity.objects.filter(workspace=workspace).prefetch_related(
        "personas", "service_concepts"
    )
    shown_filter = None
    for key, relation in OPPORTUNITY_FILTERS.items():
        raw = request.GET.get(f"cites_{key}", "")
        if raw.isdigit():
            rows = rows.filter(**{relation: int(raw)}).distinct()
            shown_filter = key
    context.update(
        opportunities=rows,
        form=form,
        prefilled=bool(request.GET.get("step") or request.GET.get("output")),
        shown_filter=shown_filter,
    )
    return render(
        request,
        "innovation/opportunities.html",
        context,
        status=400 if form and form.errors else 200,
    )


@login_required
def opportunity_page(request: HttpRequest, workspace_id: int, opportunity_id: int) -> HttpResponse:
    workspace, role = _workspace(request, workspace_id)
    opportunity = Opportunity.objects.filter(workspace=workspace, pk=opportunity_id).first()
    if opportunity is None:
        raise errors.NotFound()
    context = _context(workspace, role, "opportunities", opportunity=opportunity)
    may_edit = access.can_write(request.user, opportunity, "update")
    form = score = None
    status = 200
    if request.method == "POST":
        _require(may_edit, MEMBERS_ONLY)
        scoring = request.POST.get("form") == "score"
        form_class = ScoreForm if scoring else OpportunityForm
        submitted = form_class(request.POST, workspace=workspace)
        if submitted.is_valid() and _save(
            request, submitted, model=Opportunity, workspace=workspace, obj=opportunity
        ):
            messages.success(request, _("Opportunity saved."))
            return redirect("innovation-opportunity", workspace.pk, opportunity.pk)
        opportunity.refresh_from_db()
        status = 400 if submitted.errors else 409
        if scoring:
            score = submitted
        else:
            form = submitted
    if may_edit and form is None:
        form = OpportunityForm(initial=_initial(opportunity, OpportunityForm), workspace=workspace)
    if context["can_facilitate"] and score is None:
        score = ScoreForm(initial=_initial(opportunity, ScoreForm), workspace=workspace)
    context.update(
        form=form,
        score=score,
        steps=opportunity.steps.select_related("blueprint"),
        personas=opportunity.personas.all(),
        contact_reasons=opportunity.contact_reasons.select_related("parent"),
        outputs=opportunity.workshop_outputs.select_related("workshop"),
        concepts=opportunity.service_concepts.all(),
    )
    return render(request, "innovation/opportunity.html", context, status=status)


def _initial(obj: models.Model, form_class: type[ScopedForm]) -> dict[str, Any]:
    initial: dict[str, Any] = {"version": obj.version}
    for name in form_class.names:
        value = getattr(obj, name)
        initial[name] = list(value.all()) if hasattr(value, "all") else value
    return initial


# --- Concepts ---------------------------------------------------------------------------------


@login_required
def concepts_page(request: HttpRequest, workspace_id: int) -> HttpResponse:
    workspace, role = _workspace(request, workspace_id)
    context = _context(workspace, role, "concepts")
    form = ConceptForm(workspace=workspace) if context["can_facilitate"] else None
    if request.method == "POST":
        _require(context["can_facilitate"], FACILITATORS_ONLY)
        form = ConceptForm(request.POST, workspace=workspace)
        if form.is_valid() and _save(request, form, model=ServiceConcept, workspace=workspace):
            messages.success(request, _("Concept created."))
            return redirect("innovation-concepts", workspace.pk)
    concepts = ServiceConcept.objects.filter(workspace=workspace).prefetch_related(
        "personas", "opportunities", "storyboard", "experiments"
    )
    by_persona: dict[Any, list[ServiceConcept]] = defaultdict(list)
    for concept in concepts:
        for persona in concept.personas.all() or [None]:
            by_persona[persona].append(concept)
    personas = sorted((p for p in by_persona if p is not None), key=lambda p: (p.name, p.pk))
    groups = [(persona, by_persona[persona]) for persona in personas]
    if None in by_persona:
        groups.append((None, by_persona[None]))
    context.update(groups=groups, form=form)
    return render(
        request, "innovation/concepts.html", context, status=400 if form and form.errors else 200
    )


# --- Experiments ----------------------------------------------------------------------------


def experiments_of(workspace: Workspace) -> models.QuerySet:
    return Experiment.objects.filter(workspace=workspace).select_related("concept")


@login_required
def experiments_page(request: HttpRequest, workspace_id: int) -> HttpResponse:
    workspace, role = _workspace(request, workspace_id)
    context = _context(workspace, role, "experiments")
    form = ExperimentForm(workspace=workspace) if context["can_facilitate"] else None
    if request.method == "POST":
        _require(context["can_facilitate"], FACILITATORS_ONLY)
        form = ExperimentForm(request.POST, workspace=workspace)
        if form.is_valid():
            saved = _save(request, form, model=Experiment, workspace=workspace)
            if saved is not None:
                messages.success(request, _("Experiment planned."))
                return redirect("innovation-experiment", workspace.pk, saved.pk)
    by_status: dict[str, list[Experiment]] = defaultdict(list)
    for experiment in experiments_of(workspace):
        by_status[experiment.status].append(experiment)
    columns = [(value, label, by_status[value]) for value, label in ExperimentStatus.choices]
    context.update(columns=columns, form=form)
    return render(
        request, "innovation/experiments.html", context, status=400 if form and form.errors else 200
    )


@login_required
def experiment_page(request: HttpRequest, workspace_id: int, experiment_id: int) -> HttpResponse:
    workspace, role = _workspace(request, workspace_id)
    experiment = experiments_of(workspace).filter(pk=experiment_id).first()
    if experiment is None:
        raise errors.NotFound()
    context = _context(workspace, role, "experiments", experiment=experiment)
    facilitate = context["can_facilitate"]
    verdict = VerdictForm(initial=_initial(experiment, VerdictForm), workspace=workspace)
    iteration = IterationForm()
    status = 200
    if request.method == "POST":
        _require(facilitate, FACILITATORS_ONLY)
        if request.POST.get("form") == "iteration":
            iteration = IterationForm(request.POST)
            if iteration.is_valid():
                services.iteration_add(
                    experiment=experiment,
                    text=iteration.cleaned_data["text"],
                    date=iteration.cleaned_data["date"],
                    actor=request.user,
                )
                messages.success(request, _("Added to the iteration log."))
                return redirect("innovation-experiment", workspace.pk, experiment.pk)
        else:
            verdict = VerdictForm(request.POST, workspace=workspace)
            if verdict.is_valid() and _save(
                request, verdict, model=Experiment, workspace=workspace, obj=experiment
            ):
                messages.success(request, _("Experiment saved."))
                return redirect("innovation-experiment", workspace.pk, experiment.pk)
            experiment.refresh_from_db()
        status = 400
    context.update(
        verdict=verdict if facilitate else None,
        iteration=iteration if facilitate else None,
        iterations=experiment.iterations.select_related("author"),
    )
    return render(request, "innovation/experiment.html", context, status=status)


# --- Data needs -----------------------------------------------------------------------------


@login_required
def data_needs_page(request: HttpRequest, workspace_id: int) -> HttpResponse:
    workspace, role = _workspace(request, workspace_id)
    context = _context(workspace, role, "data-needs")
    form = None
    if request.method == "POST":
        pk = request.POST.get("data_need", "")
        if pk.isdigit():  # a facilitator's status change
            need = DataNeed.objects.filter(workspace=workspace, pk=int(pk)).first()
            if need is None:
                raise errors.NotFound()
            _require(context["can_facilitate"], FACILITATORS_ONLY)
            change = DataNeedStatusForm(request.POST, workspace=workspace)
            if change.is_valid() and _save(
                request, change, model=DataNeed, workspace=workspace, obj=need
            ):
                messages.success(request, _("Data need saved."))
            elif change.errors:
                messages.error(request, "; ".join(change.errors.get("status", [])))
            return redirect("innovation-data-needs", workspace.pk)
        form = DataNeedForm(request.POST, workspace=workspace)
        if form.is_valid() and _save(request, form, model=DataNeed, workspace=workspace):
            messages.success(request, _("Data need added."))
            return redirect("innovation-data-needs", workspace.pk)
    elif context["can_contribute"]:
        persona = request.GET.get("persona", "")
        initial = {"persona": int(persona)} if persona.isdigit() else {}
        form = DataNeedForm(initial=initial, workspace=workspace)
    needs = DataNeed.objects.filter(workspace=workspace).select_related(
        "persona", "step__blueprint", "channel"
    )
    by_persona: dict[Persona, list[tuple[DataNeed, Any]]] = defaultdict(list)
    for need in needs:
        status_form = None
        if context["can_facilitate"]:
            status_form = DataNeedStatusForm(
                initial={"status": need.status, "version": need.version},
                workspace=workspace,
                prefix=f"n{need.pk}",
            )
        by_persona[need.persona].append((need, status_form))
    context.update(
        groups=sorted(by_persona.items(), key=lambda item: (item[0].name, item[0].pk)),
        form=form,
    )
    return render(
        request, "innovation/data_needs.html", context, status=400 if form and form.errors else 200
    )


# --- The roadmap ----------------------------------------------------------------------------


@login_required
def roadmap_page(request: HttpRequest, workspace_id: int) -> HttpResponse:
    workspace, role = _workspace(request, workspace_id)
    context = _context(workspace, role, "roadmap")
    if request.method == "POST":
        _require(context["can_facilitate"], FACILITATORS_ONLY)
        place = RoadmapPlaceForm(request.POST)
        if not place.is_valid():
            raise errors.Invalid({k: list(v) for k, v in place.errors.items()})
        data = place.cleaned_data
        services.roadmap_place(
            workspace=workspace,
            type_name=data["type"],
            pk=data["id"],
            horizon=data["horizon"],
            position=data["position"],
            version=data["version"],
            actor=request.user,
        )
        return redirect("innovation-roadmap", workspace.pk)
    roadmap = services.roadmap_of(workspace_id=workspace.pk)
    labels, type_labels = dict(Horizon.choices), dict(RoadmapType.choices)
    for entries in roadmap.values():
        for entry in entries:
            entry["type_label"] = type_labels[entry["type"]]
    columns = [(str(h), labels[h], roadmap[str(h)]) for h in ROADMAP_COLUMNS]
    off = []
    if context["can_facilitate"]:
        for type_name, model in services.ROADMAP_TYPES.items():
            for item in model.objects.filter(workspace=workspace, horizon=Horizon.NONE):
                off.append((type_name, type_labels[type_name], item))
    context.update(columns=columns, off_roadmap=off, horizons=Horizon.choices)
    return render(request, "innovation/roadmap.html", context)
