"""Writes of the innovation app: each validates, writes, and announces itself after commit.

Who may write at all is decided by workspaces.access (through the models' `participant_may`);
what only a facilitator may set inside an object (scores, statuses, the roadmap) is decided
here, for the API and the pages alike. Errors are the domain's (frontstage/errors.py).
"""

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Case, F, Max, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from frontstage import errors
from innovation import events
from innovation.models import (
    NOT_IN_WORKSPACE,
    ROADMAP_COLUMNS,
    DataNeed,
    Experiment,
    Horizon,
    InnovationItem,
    Iteration,
    Opportunity,
    RoadmapItem,
    RoadmapType,
    ServiceConcept,
    StoryboardStep,
    same_workspace,
)
from workspaces import access, stamps
from workspaces.models import Workspace

FACILITATORS_DECIDE = _(
    "Only a facilitator scores, sets statuses and places items on the roadmap ({fields})."
)
FACILITATORS_ONLY = _("Only a facilitator changes the roadmap.")
STALE = _("Someone changed this meanwhile; reload it and apply your change again.")
CONCEPT_TESTED = _(
    "Experiments test this concept: delete them or move them to another concept first."
)
NOT_ON_ROADMAP = _("No such item in this workspace.")
ITERATION_EMPTY = _("Write what was tried or learned.")

# The many-to-many lists of each model: set after the row is written, checked here.
RELATIONS: dict[type[models.Model], tuple[str, ...]] = {
    Opportunity: ("steps", "contact_reasons", "personas", "workshop_outputs"),
    ServiceConcept: ("personas", "opportunities"),
}
# The roadmap's item types, as the API names them.
ROADMAP_TYPES: dict[str, type[RoadmapItem]] = {
    RoadmapType.OPPORTUNITY: Opportunity,
    RoadmapType.EXPERIMENT: Experiment,
    RoadmapType.DATA_NEED: DataNeed,
}
TYPE_NAMES: dict[type[models.Model], str] = {
    **{model: name for name, model in ROADMAP_TYPES.items()},
    ServiceConcept: "service_concept",
}


def is_facilitator(actor: Any, workspace_id: int) -> bool:
    return actor is not None and access.can_manage(actor, workspace_id)


def facilitator_fields(model: type[models.Model]) -> tuple[str, ...]:
    """What only a facilitator sets on `model` (concepts and experiments: only facilitators
    write them at all, see workspaces.access)."""
    return getattr(model, "FACILITATOR_FIELDS", ())


def differs(obj: models.Model, name: str, value: Any) -> bool:
    current = getattr(obj, obj._meta.get_field(name).attname)
    return current != (value.pk if isinstance(value, models.Model) else value)


def check_facilitator_fields(obj: models.Model, changes: dict[str, Any], actor: Any) -> None:
    """A participant may send these fields only unchanged (a page posting a whole form)."""
    if is_facilitator(actor, obj.workspace_id):
        return
    touched = [
        name
        for name in facilitator_fields(type(obj))
        if name in changes and differs(obj, name, changes[name])
    ]
    if touched:
        raise errors.Forbidden(FACILITATORS_DECIDE.format(fields=", ".join(touched)))


def check_relations(workspace_id: int, relations: dict[str, Iterable[Any]]) -> None:
    problems = {
        name: [NOT_IN_WORKSPACE]
        for name, items in relations.items()
        if not all(same_workspace(workspace_id, item) for item in items)
    }
    if problems:
        raise errors.Invalid(problems)


def full_clean(obj: models.Model) -> None:
    try:
        obj.full_clean(validate_constraints=False)
    except ValidationError as error:
        raise errors.from_django(error) from error


def split(model: type[models.Model], values: dict[str, Any]) -> tuple[dict, dict]:
    """The plain fields and the many-to-many lists of `values`."""
    names = RELATIONS.get(model, ())
    fields = {k: v for k, v in values.items() if k not in names}
    return fields, {k: list(v) for k, v in values.items() if k in names}


def column_end(workspace_id: int, horizon: str) -> int:
    """The position after the last item of a roadmap column."""
    last = -1
    for model in ROADMAP_TYPES.values():
        found = model.objects.filter(workspace_id=workspace_id, horizon=horizon).aggregate(
            last=Max("roadmap_position")
        )["last"]
        if found is not None:
            last = max(last, found)
    return last + 1


def placed_at_end(obj: models.Model, fields: dict[str, Any]) -> dict[str, Any]:
    """An item put into a column without a position goes to the column's end."""
    horizon = fields.get("horizon")
    if (
        isinstance(obj, RoadmapItem)
        and horizon is not None
        and horizon != obj.horizon
        and horizon != Horizon.NONE
        and "roadmap_position" not in fields
    ):
        return {**fields, "roadmap_position": column_end(obj.workspace_id, horizon)}
    return fields


# --- Generic create, update, delete -------------------------------------------------------------


def apply(obj: InnovationItem, values: dict[str, Any], actor: Any) -> tuple[dict, dict]:
    """Check `values` and set its plain fields on `obj` (validated, unsaved); answer those
    fields and the lists (many-to-many, storyboard) to set once the row is written."""
    fields, lists = split(type(obj), values)
    if "storyboard" in fields:
        lists["storyboard"] = fields.pop("storyboard")
    check_facilitator_fields(obj, fields, actor)
    check_relations(obj.workspace_id, {k: v for k, v in lists.items() if k != "storyboard"})
    fields = placed_at_end(obj, fields)
    for name, value in fields.items():
        setattr(obj, name, value)
    full_clean(obj)
    return fields, lists


def set_lists(obj: InnovationItem, lists: dict[str, Any]) -> None:
    for name, items in lists.items():
        if name == "storyboard":
            storyboard_set(concept=obj, frames=items)
        else:
            getattr(obj, name).set(items)


@transaction.atomic
def item_create(
    *, model: type[InnovationItem], workspace: Workspace, values: dict[str, Any], actor: Any
) -> Any:
    obj = model(workspace=workspace, created_by=actor if _is_user(actor) else None)
    lists = apply(obj, values, actor)[1]
    obj.save()
    set_lists(obj, lists)
    events.announce(workspace_id=workspace.pk, kind=f"{TYPE_NAMES[model]}.created", obj=obj)
    return obj


@transaction.atomic
def item_update(
    *, obj: InnovationItem, changes: dict[str, Any], version: int | None, actor: Any
) -> Any:
    """Apply `changes` if `version` (when given) is still the object's; else 409 with the
    current object."""
    model = type(obj)
    fields, lists = apply(obj, changes, actor)
    rows = model.objects.filter(pk=obj.pk)
    if version is not None:
        rows = rows.filter(version=version)
    attnames = [obj._meta.get_field(name).attname for name in fields]
    columns = {attname: getattr(obj, attname) for attname in attnames}
    if not rows.update(**columns, version=F("version") + 1, updated_at=timezone.now()):
        raise errors.StaleVersion(STALE, current=model.objects.get(pk=obj.pk))
    set_lists(obj, lists)
    obj.refresh_from_db(fields=["version", "updated_at"])
    events.announce(workspace_id=obj.workspace_id, kind=f"{TYPE_NAMES[model]}.updated", obj=obj)
    return obj


@transaction.atomic
def item_delete(*, obj: InnovationItem, actor: Any) -> None:
    if isinstance(obj, ServiceConcept) and obj.experiments.exists():
        raise errors.Conflict(CONCEPT_TESTED)
    pk, workspace_id = obj.pk, obj.workspace_id
    obj.delete()
    obj.pk = pk
    events.announce(workspace_id=workspace_id, kind=f"{TYPE_NAMES[type(obj)]}.deleted", obj=obj)


def _is_user(actor: Any) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False)


# --- Opportunities from a pain point or a workshop output ---------------------------------------


def values_from_step(step: Any) -> dict[str, Any]:
    """What a step (a pain point card, usually) gives a new opportunity: its title and text,
    the step itself and the personas attached to it."""
    return {
        "title": step.title,
        "description": step.description,
        "steps": [step],
        "personas": list(step.personas.all()),
    }


def values_from_output(output: Any) -> dict[str, Any]:
    """What a workshop output gives a new opportunity: its title and detail, the output and
    the step, persona and category it is about."""
    return {
        "title": output.title,
        "description": output.detail,
        "workshop_outputs": [output],
        "steps": [output.step] if output.step_id else [],
        "personas": [output.persona] if output.persona_id else [],
        "contact_reasons": [output.category] if output.category_id else [],
    }


def opportunity_from_step(*, step: Any, actor: Any) -> Opportunity:
    """An opportunity named after a step, linked to it and to its personas."""
    return item_create(
        model=Opportunity,
        workspace=step.blueprint.workspace,
        values=values_from_step(step),
        actor=actor,
    )


def opportunity_from_output(*, output: Any, actor: Any) -> Opportunity:
    """An opportunity from a workshop output, carrying its step, persona and category."""
    return item_create(
        model=Opportunity,
        workspace=output.workshop.workspace,
        values=values_from_output(output),
        actor=actor,
    )


# --- A concept's storyboard, an experiment's iteration log ---------------------------------------


def storyboard_set(*, concept: ServiceConcept, frames: list[dict[str, Any]]) -> None:
    """Replace the storyboard by `frames` ({"title", "description"}), in their order."""
    concept.storyboard.all().delete()
    StoryboardStep.objects.bulk_create(
        StoryboardStep(
            concept=concept,
            position=index,
            title=frame["title"],
            description=frame.get("description", ""),
        )
        for index, frame in enumerate(frames)
    )
    stamps.bump(concept.workspace_id)  # bulk_create sends no signal


@transaction.atomic
def iteration_add(
    *, experiment: Experiment, text: str, date: datetime.date | None = None, actor: Any
) -> Iteration:
    text = text.strip()
    if not text:
        raise errors.Invalid({"text": [ITERATION_EMPTY]})
    iteration = Iteration(
        experiment=experiment,
        text=text,
        date=date or timezone.localdate(),
        author=actor if _is_user(actor) else None,
    )
    full_clean(iteration)
    iteration.save()
    Experiment.objects.filter(pk=experiment.pk).update(version=F("version") + 1)
    experiment.refresh_from_db(fields=["version"])
    events.announce(workspace_id=experiment.workspace_id, kind="experiment.updated", obj=experiment)
    return iteration


@transaction.atomic
def iteration_delete(*, iteration: Iteration, actor: Any) -> None:
    experiment = iteration.experiment
    iteration.delete()
    Experiment.objects.filter(pk=experiment.pk).update(version=F("version") + 1)
    experiment.refresh_from_db(fields=["version"])
    events.announce(workspace_id=experiment.workspace_id, kind="experiment.updated", obj=experiment)


# --- The roadmap -----------------------------------------------------------------------------


def roadmap_entry(type_name: str, item: RoadmapItem) -> dict[str, Any]:
    if isinstance(item, Opportunity):
        title, context = item.title, ""
    elif isinstance(item, Experiment):
        title, context = item.mvp_name, item.concept.title
    else:
        title, context = item.item, item.persona.name
    owner = item.owner
    return {
        "type": type_name,
        "id": item.pk,
        "title": title,
        "context": context,
        "status": item.status,
        "status_label": str(item.get_status_display()),
        "owner": item.owner_id,
        "owner_name": (owner.get_full_name() or owner.get_username()) if owner else "",
        "due_date": item.due_date,
        "position": item.roadmap_position,
        "version": item.version,
    }


def roadmap_of(*, workspace_id: int) -> dict[str, list[dict[str, Any]]]:
    """The roadmap: its columns now, next and later, each in the facilitator's order."""
    columns: dict[str, list[dict[str, Any]]] = {str(h): [] for h in ROADMAP_COLUMNS}
    related = {"opportunity": ["owner"], "experiment": ["owner", "concept"]}
    related["data_need"] = ["owner", "persona"]
    order = list(ROADMAP_TYPES)
    for type_name, model in ROADMAP_TYPES.items():
        rows = model.objects.filter(workspace_id=workspace_id, horizon__in=list(columns))
        for item in rows.select_related(*related[type_name]):
            columns[item.horizon].append(roadmap_entry(type_name, item))
    for entries in columns.values():
        entries.sort(key=lambda e: (e["position"], order.index(e["type"]), e["id"]))
    return columns


@transaction.atomic
def roadmap_place(
    *,
    workspace: Workspace,
    type_name: str,
    pk: int,
    horizon: str,
    position: int | None = None,
    version: int | None = None,
    actor: Any,
) -> dict[str, list[dict[str, Any]]]:
    """Put one item into a column at `position` (0 first; None or past the end: last), or
    take it off the roadmap (`none`); the column's other items close up around it."""
    if not is_facilitator(actor, workspace.pk):
        raise errors.Forbidden(FACILITATORS_ONLY)
    model = ROADMAP_TYPES[type_name]
    item = model.objects.select_for_update().filter(workspace=workspace, pk=pk).first()
    if item is None:
        raise errors.Invalid({"id": [NOT_ON_ROADMAP]})
    if version is not None and version != item.version:
        raise errors.StaleVersion(STALE, current=roadmap_entry(type_name, item))
    if horizon == Horizon.NONE:
        place = 0
    else:
        column = [
            (entry["type"], entry["id"])
            for entry in roadmap_of(workspace_id=workspace.pk)[horizon]
            if (entry["type"], entry["id"]) != (type_name, pk)
        ]
        place = len(column) if position is None else max(0, min(position, len(column)))
        column.insert(place, (type_name, pk))
        renumber(column)
    model.objects.filter(pk=pk).update(
        horizon=horizon,
        roadmap_position=place,
        version=F("version") + 1,
        updated_at=timezone.now(),
    )
    item.refresh_from_db(fields=["version"])
    events.announce(workspace_id=workspace.pk, kind="roadmap.moved", obj=item)
    return roadmap_of(workspace_id=workspace.pk)


def renumber(column: list[tuple[str, int]]) -> None:
    """Number a column's items 0, 1, 2… in the given order: one UPDATE per item type."""
    for type_name, model in ROADMAP_TYPES.items():
        places = {pk: index for index, (kind, pk) in enumerate(column) if kind == type_name}
        if places:
            model.objects.filter(pk__in=list(places)).update(
                roadmap_position=Case(
                    *(When(pk=pk, then=Value(index)) for pk, index in places.items()),
                    output_field=models.PositiveIntegerField(),
                )
            )
