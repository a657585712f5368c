"""Every change of a blueprint's content: keyword-only functions that validate, write, record
the change as the blueprint's next event (`seq`) and broadcast it once committed.

The API, the pages, undo (blueprints/history.py), merge and importers call these; nothing else
writes a blueprint's phases, lanes, steps or links. Access is asked before (workspaces.access);
`actor` is who acts: a user or a workshop guest, named in the event.

Creates take `values` and updates `changes`: field name → value, foreign keys as objects
(snapshots.WRITABLE lists what may be written). Errors are the domain's (frontstage/errors.py).
"""

from typing import Any

from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from blueprints import events, ordering
from blueprints.models import Actor as Role
from blueprints.models import (
    Band,
    Blueprint,
    BlueprintEvent,
    BlueprintKind,
    Channel,
    DismissedStep,
    Lane,
    Link,
    Phase,
    Step,
    StepKind,
)
from blueprints.snapshots import MOVE_FIELDS, WRITABLE, deleted_snapshot, snapshot
from frontstage import errors
from workspaces.models import Workspace

NOT_IN_BLUEPRINT = _("Must belong to the same blueprint.")
NOT_IN_WORKSPACE = _("Must belong to the blueprint's workspace.")
TEAM_NEEDED = _("A team blueprint needs a team.")
NO_TEAM_ON_GLOBAL = _("A global blueprint has no team.")
ONE_GLOBAL = _("This workspace already has its global blueprint.")
LINK_TO_ITSELF = _("A step cannot link to itself.")
LINK_EXISTS = _("This link already exists.")
EVERY_ID_ONCE = _("List every id of this blueprint exactly once.")
CELL_STEPS_ONCE = _("List steps of this blueprint, each once.")
EVERY_CELL_STEP = _("List every step of this cell.")

COPY_OF = _("Copy of {title}")
# What a copy takes over besides the place (lane, phase, position), which is mapped.
LANE_COPY = [n for n in WRITABLE[Lane] if n not in MOVE_FIELDS]
STEP_COPY = [n for n in WRITABLE[Step] if n not in MOVE_FIELDS]

# A new card's kind when none is given: what its lane's band holds.
KIND_BY_BAND = {Band.EVIDENCE: StepKind.TOUCHPOINT}

Actor = Any  # who acts: a user, a workshop guest (see workspaces.access), or None (a script)


# --- recording ---------------------------------------------------------------------------------


def order_of(obj: Phase | Lane | Step) -> dict[str, Any]:
    order: dict[str, Any] = {"ids": ordering.ordered_ids(ordering.siblings_of(obj))}
    if isinstance(obj, Step):
        order = {"lane": obj.lane_id, "phase": obj.phase_id} | order
    return order


def moved(before: dict[str, Any] | None, after: dict[str, Any]) -> bool:
    return before is None or any(before.get(k) != after.get(k) for k in MOVE_FIELDS)


def change_record(
    obj: models.Model,
    verb: str,
    before: dict[str, Any] | None,
    *,
    actor: Actor,
    undo_of: BlueprintEvent | None = None,
    after: dict[str, Any] | None = None,
) -> BlueprintEvent:
    """Record a create, update or delete of `obj` (after the write; before it for a delete)."""
    if verb != "deleted" and after is None:
        after = snapshot(obj)
    order = None
    if isinstance(obj, Phase | Lane | Step) and after is not None and moved(before, after):
        order = order_of(obj)
    return events.event_record(
        blueprint_id=obj.pk if isinstance(obj, Blueprint) else obj.blueprint_id,
        kind=f"{obj._meta.model_name}.{verb}",
        obj_id=obj.pk,
        before=before,
        after=after,
        order=order,
        user=actor,
        undo_of=undo_of,
    )


# --- rules ---------------------------------------------------------------------------------------


def check_blueprint(values: dict[str, Any], blueprint: Blueprint | None = None) -> None:
    get = lambda name: values.get(name, getattr(blueprint, name, None))  # noqa: E731
    workspace, kind, team = get("workspace"), get("kind") or "team", get("team")
    if kind == "team" and team is None:
        raise errors.Invalid({"team": [TEAM_NEEDED]})
    if kind == "global" and team is not None:
        raise errors.Invalid({"team": [NO_TEAM_ON_GLOBAL]})
    if team is not None and team.workspace_id != workspace.pk:
        raise errors.Invalid({"team": [NOT_IN_WORKSPACE]})
    if kind == "global" and blueprint is None:
        if Blueprint.objects.filter(workspace=workspace, kind="global").exists():
            raise errors.Invalid({"kind": [ONE_GLOBAL]})


def check_in_blueprint(blueprint: Blueprint, values: dict[str, Any]) -> None:
    """Lanes, phases and steps named belong to `blueprint`; actors and channels to its
    workspace."""
    for name in ("lane", "phase", "source", "target"):
        if values.get(name) is not None and values[name].blueprint_id != blueprint.pk:
            raise errors.Invalid({name: [NOT_IN_BLUEPRINT]})
    for name in ("channel", "actor"):
        if values.get(name) is not None and values[name].workspace_id != blueprint.workspace_id:
            raise errors.Invalid({name: [NOT_IN_WORKSPACE]})


def check_link(link: Link) -> None:
    if link.source_id == link.target_id:
        raise errors.Invalid({"target": [LINK_TO_ITSELF]})
    clash = Link.objects.filter(source_id=link.source_id, target_id=link.target_id, kind=link.kind)
    if link.pk is not None:
        clash = clash.exclude(pk=link.pk)
    if clash.exists():
        raise errors.Invalid({"target": [LINK_EXISTS]})


# --- generic writes ------------------------------------------------------------------------------


def set_fields(obj: models.Model, changes: dict[str, Any]) -> None:
    for field, value in changes.items():
        setattr(obj, field, value)


def sent_differs(obj: models.Model, name: str, value: Any) -> bool:
    """Does writing `value` to `obj.name` change anything?"""
    current = getattr(obj, obj._meta.get_field(name).attname)
    return current != (value.pk if isinstance(value, models.Model) else value)


def changed_since(obj: Blueprint | Step, version: int) -> set[str] | None:
    """The writable fields of `obj` that recorded changes altered since its `version`, or None
    when the record does not account for every version since (a merge, a future version): then
    any field may have changed."""
    if version > obj.version:
        return None
    recorded = BlueprintEvent.objects.filter(
        blueprint_id=obj.pk if isinstance(obj, Blueprint) else obj.blueprint_id,
        kind=f"{obj._meta.model_name}.updated",
        object_id=obj.pk,
        before__version__gte=version,
    ).values_list("before", "after")
    changed: set[str] = set()
    accounted: set[int] = set()
    for before, after in recorded:
        accounted.add(before.get("version"))
        changed |= {n for n in WRITABLE[type(obj)] if before.get(n) != after.get(n)}
    if not set(range(version, obj.version)) <= accounted:
        return None
    return changed


def conflicts_of(obj: Blueprint | Step, changes: dict[str, Any], version: int) -> list[str]:
    """The fields a client that saw `version` sends and someone else changed since: never
    written over (a field both set to the same value is no conflict)."""
    changed = changed_since(obj, version)
    return [
        name
        for name, value in changes.items()
        if name in WRITABLE[type(obj)]
        and (changed is None or name in changed)
        and sent_differs(obj, name, value)
    ]


def stale_merge(obj: Blueprint | Step, changes: dict[str, Any], version: int | None) -> int | None:
    """A save from an older `version`: apply the fields nobody else changed since, keeping
    theirs; refuse (StaleVersion naming the fields) if any sent field was changed by both.
    Reloads `obj` if it is not current; answers the version to write over."""
    if version is None or version == obj.version:
        return version
    obj.refresh_from_db(from_queryset=type(obj).objects.select_for_update())
    if version == obj.version:
        return version
    conflicts = conflicts_of(obj, changes, version)
    if conflicts:
        raise errors.StaleVersion(current=obj, conflicts=conflicts)
    return obj.version


@transaction.atomic
def versioned_update(
    instance: Blueprint | Step, changes: dict[str, Any], expected_version: int | None
) -> None:
    """Update fields and bump `version`, only if nobody else did since `expected_version`
    (callers merge a stale save first: `stale_merge`)."""
    set_fields(instance, changes)
    ordering.check_fields(instance)
    rows = type(instance).objects.filter(pk=instance.pk)
    if expected_version is not None:
        rows = rows.filter(version=expected_version)
    attnames = [instance._meta.get_field(field).attname for field in changes]
    columns = {attname: getattr(instance, attname) for attname in attnames}
    updated = rows.update(**columns, version=F("version") + 1, updated_at=timezone.now())
    if not updated:
        # Someone saved between our read and our write: say which fields clash, if any.
        current = type(instance).objects.get(pk=instance.pk)
        conflicts = conflicts_of(current, changes, expected_version or current.version)
        raise errors.StaleVersion(current=current, conflicts=conflicts)
    instance.refresh_from_db(fields=["version", "updated_at"])


def plain_update(obj: models.Model, changes: dict[str, Any]) -> None:
    set_fields(obj, changes)
    ordering.check_fields(obj)
    if changes:
        obj.save(update_fields=list(changes))


@transaction.atomic
def _ordered_create(
    obj: Phase | Lane | Step, position: int | None, *, actor: Actor, pk: int | None = None
) -> Phase | Lane | Step:
    if pk is not None:
        obj.pk = pk
    ordering.insert(obj, position)
    change_record(obj, "created", None, actor=actor)
    return obj


@transaction.atomic
def _ordered_update(obj: Phase | Lane, changes: dict[str, Any], *, actor: Actor) -> Phase | Lane:
    before = snapshot(obj)
    changes = dict(changes)
    position = changes.pop("position", None)
    plain_update(obj, changes)
    if position is not None:
        ordering.move(obj, position)
    change_record(obj, "updated", before, actor=actor)
    return obj


@transaction.atomic
def _delete(obj: models.Model, *, actor: Actor) -> None:
    # Recorded first: a deleted blueprint takes its events with it, yet is announced.
    change_record(obj, "deleted", deleted_snapshot(obj), actor=actor)
    obj.delete()


# --- blueprints ----------------------------------------------------------------------------------


@transaction.atomic
def blueprint_create(
    *, workspace: Workspace, values: dict[str, Any], actor: Actor, pk: int | None = None
) -> Blueprint:
    values = {"workspace": workspace, **values}
    check_blueprint(values)
    blueprint = Blueprint(**values)
    if pk is not None:
        blueprint.pk = pk
    ordering.check_fields(blueprint)
    blueprint.save()
    change_record(blueprint, "created", None, actor=actor)
    return blueprint


@transaction.atomic
def blueprint_update(
    *, blueprint: Blueprint, changes: dict[str, Any], version: int | None, actor: Actor
) -> Blueprint:
    check_blueprint(changes, blueprint)
    version = stale_merge(blueprint, changes, version)
    before = snapshot(blueprint)
    versioned_update(blueprint, changes, version)
    change_record(blueprint, "updated", before, actor=actor)
    return blueprint


def blueprint_delete(*, blueprint: Blueprint, actor: Actor) -> None:
    _delete(blueprint, actor=actor)


def copy_title(blueprint: Blueprint) -> str:
    title = str(COPY_OF).format(title=blueprint.display_title)
    limit = Blueprint._meta.get_field("title").max_length
    return title if len(title) <= limit else title[: limit - 1] + "…"


@transaction.atomic
def blueprint_duplicate(
    *, blueprint: Blueprint, actor: Actor, title: str = "", team: Any = None
) -> Blueprint:
    """A new team blueprint with the same phases, lanes, steps and links, under new ids, for
    `team` (the original's by default; a copy of the global blueprint needs one). Recorded as
    the new blueprint's creation; the original is not touched."""
    values = {
        "kind": BlueprintKind.TEAM,
        "team": team or blueprint.team,
        "title": title or copy_title(blueprint),
        "description": blueprint.description,
    }
    copy = blueprint_create(workspace=blueprint.workspace, values=values, actor=actor)
    phases = list(Phase.objects.filter(blueprint=blueprint).order_by("position"))
    new_phases = Phase.objects.bulk_create(
        Phase(blueprint=copy, name=phase.name, position=phase.position) for phase in phases
    )
    phase_of = {old.pk: new for old, new in zip(phases, new_phases, strict=True)}
    lanes = list(Lane.objects.filter(blueprint=blueprint).order_by("position"))
    new_lanes = Lane.objects.bulk_create(
        Lane(blueprint=copy, position=lane.position, **{n: getattr(lane, n) for n in LANE_COPY})
        for lane in lanes
    )
    lane_of = {old.pk: new for old, new in zip(lanes, new_lanes, strict=True)}
    steps = list(Step.objects.filter(blueprint=blueprint).order_by("pk"))
    new_steps = Step.objects.bulk_create(
        Step(
            blueprint=copy,
            lane=lane_of[step.lane_id],
            phase=phase_of[step.phase_id],
            position=step.position,
            **{n: getattr(step, n) for n in STEP_COPY},
        )
        for step in steps
    )
    step_of = {old.pk: new for old, new in zip(steps, new_steps, strict=True)}
    Link.objects.bulk_create(
        Link(
            blueprint=copy,
            source=step_of[link.source_id],
            target=step_of[link.target_id],
            kind=link.kind,
            label=link.label,
        )
        for link in Link.objects.filter(blueprint=blueprint)
    )
    return copy


# --- phases and lanes ----------------------------------------------------------------------------


def phase_create(
    *,
    blueprint: Blueprint,
    values: dict[str, Any],
    position: int | None = None,
    actor: Actor,
    pk: int | None = None,
) -> Phase:
    return _ordered_create(Phase(blueprint=blueprint, **values), position, actor=actor, pk=pk)


def phase_update(*, phase: Phase, changes: dict[str, Any], actor: Actor) -> Phase:
    return _ordered_update(phase, changes, actor=actor)


def phase_delete(*, phase: Phase, actor: Actor) -> None:
    _delete(phase, actor=actor)


def lane_create(
    *,
    blueprint: Blueprint,
    values: dict[str, Any],
    position: int | None = None,
    actor: Actor,
    pk: int | None = None,
) -> Lane:
    check_in_blueprint(blueprint, values)
    return _ordered_create(Lane(blueprint=blueprint, **values), position, actor=actor, pk=pk)


def lane_update(*, lane: Lane, changes: dict[str, Any], actor: Actor) -> Lane:
    check_in_blueprint(lane.blueprint, changes)
    return _ordered_update(lane, changes, actor=actor)


def lane_delete(*, lane: Lane, actor: Actor) -> None:
    _delete(lane, actor=actor)


@transaction.atomic
def rows_reorder(
    *, blueprint: Blueprint, model: type[Phase | Lane], order: list[int], actor: Actor
):
    """Give the phases (or lanes) of a blueprint a whole new order: `order` lists every id."""
    siblings = model.objects.filter(blueprint=blueprint)
    before = ordering.ordered_ids(siblings.select_for_update())
    if sorted(order) != sorted(before):
        raise errors.Invalid({"order": [EVERY_ID_ONCE]})
    ordering.reorder(siblings, order)
    events.event_record(
        blueprint_id=blueprint.pk,
        kind=f"{model._meta.model_name}s.reordered",
        obj_id=None,
        before={"ids": before},
        after={"ids": list(order)},
        order={"ids": list(order)},
        user=actor,
    )
    return siblings.order_by("position")


# --- steps ---------------------------------------------------------------------------------------


def step_create(
    *,
    blueprint: Blueprint,
    values: dict[str, Any],
    position: int | None = None,
    actor: Actor,
    pk: int | None = None,
) -> Step:
    check_in_blueprint(blueprint, values)
    if "kind" not in values and values.get("lane") is not None:
        values = {"kind": KIND_BY_BAND.get(values["lane"].band, StepKind.ACTION), **values}
    return _ordered_create(Step(blueprint=blueprint, **values), position, actor=actor, pk=pk)


@transaction.atomic
def step_update(*, step: Step, changes: dict[str, Any], version: int | None, actor: Actor) -> Step:
    """Change a step's fields, and its place: `lane`, `phase` (another cell) and `position`."""
    check_in_blueprint(step.blueprint, changes)
    version = stale_merge(step, changes, version)
    before = snapshot(step)
    changes = dict(changes)
    cell = {k: changes.pop(k) for k in ("lane", "phase") if k in changes}
    position = changes.pop("position", None)
    moving = {k: v for k, v in cell.items() if getattr(step, f"{k}_id") != v.pk}
    versioned_update(step, changes, version)
    if moving or position is not None:
        ordering.move(step, position, **moving)
    change_record(step, "updated", before, actor=actor)
    return step


@transaction.atomic
def step_delete(*, step: Step, actor: Actor) -> None:
    if step.merge_key and step.blueprint.kind == BlueprintKind.GLOBAL:
        # The facilitator removed what a merge made: the next merges leave it out.
        DismissedStep.objects.update_or_create(
            blueprint=step.blueprint,
            merge_key=step.merge_key,
            defaults={
                "step_id": step.pk,
                "title": step.title,
                "dismissed_by": actor if getattr(actor, "is_authenticated", False) else None,
            },
        )
    _delete(step, actor=actor)


def cells_of(step_ids: list[int]) -> list[dict[str, Any]]:
    """The cells the steps are in, each with its steps' ids in order."""
    pairs = Step.objects.filter(pk__in=list(step_ids)).values_list("lane_id", "phase_id")
    return [
        {
            "lane": lane_id,
            "phase": phase_id,
            "ids": ordering.ordered_ids(Step.objects.filter(lane_id=lane_id, phase_id=phase_id)),
        }
        for lane_id, phase_id in sorted(set(pairs))
    ]


@transaction.atomic
def steps_reorder(*, lane: Lane, phase: Phase, order: list[int], actor: Actor):
    """Set the order of the steps in one lane × phase cell; steps of other cells of the same
    blueprint named in `order` move into this cell."""
    if phase.blueprint_id != lane.blueprint_id:
        raise errors.Invalid({"phase": [NOT_IN_BLUEPRINT]})
    cell = Step.objects.filter(lane=lane, phase=phase)
    known = set(Step.objects.filter(blueprint=lane.blueprint_id).values_list("pk", flat=True))
    if len(set(order)) != len(order) or not set(order) <= known:
        raise errors.Invalid({"order": [CELL_STEPS_ONCE]})
    before = ordering.ordered_ids(cell.select_for_update())
    if not set(before) <= set(order):
        raise errors.Invalid({"order": [EVERY_CELL_STEP]})
    origins = cells_of([step_id for step_id in order if step_id not in set(before)])
    ordering.reorder(cell, order, lane=lane, phase=phase)
    after = {"lane": lane.pk, "phase": phase.pk, "ids": list(order)}
    recorded: dict[str, Any] = {"lane": lane.pk, "phase": phase.pk, "ids": before}
    if origins:
        recorded["from"] = origins  # where the steps moved in came from: for an undo
    events.event_record(
        blueprint_id=lane.blueprint_id,
        kind="steps.reordered",
        obj_id=None,
        before=recorded,
        after=after,
        order=after,
        user=actor,
    )
    return Step.objects.filter(pk__in=order).order_by("position")


# --- links ---------------------------------------------------------------------------------------


@transaction.atomic
def link_create(
    *, blueprint: Blueprint, values: dict[str, Any], actor: Actor, pk: int | None = None
) -> Link:
    check_in_blueprint(blueprint, values)
    link = Link(blueprint=blueprint, **values)
    if pk is not None:
        link.pk = pk
    check_link(link)
    ordering.check_fields(link)
    link.save()
    change_record(link, "created", None, actor=actor)
    return link


@transaction.atomic
def link_update(*, link: Link, changes: dict[str, Any], actor: Actor) -> Link:
    check_in_blueprint(link.blueprint, changes)
    before = snapshot(link)
    set_fields(link, changes)
    check_link(link)
    plain_update(link, changes)
    change_record(link, "updated", before, actor=actor)
    return link


def link_delete(*, link: Link, actor: Actor) -> None:
    _delete(link, actor=actor)


# --- actors (workspace-wide roles) --------------------------------------------------------------

ACTOR_NAME_MISSING = _("Give the actor a name.")
ACTOR_NAME_TAKEN = _("This workspace already has an actor of that name.")
ACTOR_NAME_LONG = _("At most {max} characters.")
ACTOR_MERGE_ITSELF = _("An actor cannot be merged into itself.")
ACTOR_IN_USE = _(
    "“{name}” is still used by {lanes} lane(s) and {steps} step(s) in: {blueprints}. "
    "Merge it into another actor instead, or change those first."
)


def actor_name_checked(*, workspace_id: int, name: Any, pk: int | None = None) -> str:
    name = " ".join(str(name or "").split())
    limit = Role._meta.get_field("name").max_length
    if not name:
        raise errors.Invalid({"name": [ACTOR_NAME_MISSING]})
    if len(name) > limit:
        raise errors.Invalid({"name": [ACTOR_NAME_LONG.format(max=limit)]})
    others = Role.objects.filter(workspace_id=workspace_id, name__iexact=name).exclude(pk=pk)
    if others.exists():
        raise errors.Invalid({"name": [ACTOR_NAME_TAKEN]})
    return name


def actor_usage(role: Role) -> dict[str, Any]:
    """What uses an actor: how many lanes and steps, and the titles of their blueprints."""
    lanes = Lane.objects.filter(actor=role)
    steps = Step.objects.filter(actor=role)
    ids = set(lanes.values_list("blueprint_id", flat=True))
    ids |= set(steps.values_list("blueprint_id", flat=True))
    titles = Blueprint.objects.filter(pk__in=ids).order_by("title", "id")
    return {
        "lanes": lanes.count(),
        "steps": steps.count(),
        "blueprints": [blueprint.display_title for blueprint in titles],
        "blueprint_ids": sorted(ids),
    }


def names_announce(
    *, kind: str, obj: models.Model, before: Any, after: Any, blueprint_ids: Any, actor: Actor
) -> None:
    """A workspace-wide name (an actor's, a channel's) changed: each blueprint showing it hears
    it as an event of its own, so open editors show the new name without a reload."""
    for blueprint_id in sorted(set(blueprint_ids)):
        events.event_record(
            blueprint_id=blueprint_id,
            kind=kind,
            obj_id=obj.pk,
            before=before,
            after=after,
            user=actor,
        )


@transaction.atomic
def actor_create(*, workspace: Workspace, name: Any, description: str = "", actor: Actor) -> Role:
    name = actor_name_checked(workspace_id=workspace.pk, name=name)
    role = Role(workspace=workspace, name=name, description=description)
    role.full_clean()
    role.save()
    return role


@transaction.atomic
def actor_update(*, role: Role, changes: dict[str, Any], actor: Actor) -> Role:
    """Rename an actor (or change its description); every blueprint that uses it hears of the
    new name."""
    before = {"id": role.pk, "name": role.name}
    if "name" in changes:
        role.name = actor_name_checked(
            workspace_id=role.workspace_id, name=changes["name"], pk=role.pk
        )
    if "description" in changes:
        role.description = changes["description"]
    role.full_clean()
    role.save(update_fields=["name", "description"])
    if before["name"] != role.name:
        names_announce(
            kind="actor.renamed",
            obj=role,
            before=before,
            after={"id": role.pk, "name": role.name},
            blueprint_ids=actor_usage(role)["blueprint_ids"],
            actor=actor,
        )
    return role


@transaction.atomic
def actor_merge(*, source: Role, into: Role, actor: Actor) -> Role:
    """Every lane and step of `source` moves to `into` (each as its blueprint's own event),
    then `source` is deleted: all in one transaction, nothing lost."""
    if source.pk == into.pk:
        raise errors.Invalid({"into": [ACTOR_MERGE_ITSELF]})
    if source.workspace_id != into.workspace_id:
        raise errors.Invalid({"into": [NOT_IN_WORKSPACE]})
    source = Role.objects.select_for_update().get(pk=source.pk)
    blueprint_ids = actor_usage(source)["blueprint_ids"]
    for lane in Lane.objects.filter(actor=source).select_related("blueprint"):
        lane_update(lane=lane, changes={"actor": into}, actor=actor)
    for step in Step.objects.filter(actor=source).select_related("blueprint"):
        step_update(step=step, changes={"actor": into}, version=None, actor=actor)
    if into.description == "" and source.description:
        into.description = source.description
        into.save(update_fields=["description"])
    names_announce(
        kind="actor.merged",
        obj=into,
        before={"id": source.pk, "name": source.name},
        after={"id": into.pk, "name": into.name},
        blueprint_ids=blueprint_ids,
        actor=actor,
    )
    source.delete()
    return into


@transaction.atomic
def actor_delete(*, role: Role, actor: Actor) -> None:
    """Delete an actor nothing uses; one in use is refused, naming what uses it."""
    usage = actor_usage(role)
    if usage["lanes"] or usage["steps"]:
        raise errors.Conflict(
            ACTOR_IN_USE.format(
                name=role.name,
                lanes=usage["lanes"],
                steps=usage["steps"],
                blueprints=", ".join(usage["blueprints"]),
            )
        )
    role.delete()


# --- channels (workspace-wide; the personas app curates their names and aliases) -------------

CHANNEL_IN_USE = _(
    "“{name}” is still used by {uses}. Merge it into another channel instead, or change those "
    "first."
)


def channel_usage(channel: Channel) -> dict[str, int]:
    """What refers to a channel, by kind (steps, contacts, protocols, personas…), found
    through its relations, so that the apps above need not be named here. Its own record of
    names (a one-to-one) is not a use."""
    usage = {}
    for relation in Channel._meta.related_objects:
        if relation.one_to_one:
            continue
        model = relation.related_model
        count = model._base_manager.filter(**{relation.field.name: channel}).distinct().count()
        if count:
            usage[str(model._meta.verbose_name_plural)] = count
    return usage


def channel_step_blueprints(channel: Channel) -> list[int]:
    return list(Step.objects.filter(channel=channel).values_list("blueprint_id", flat=True))


@transaction.atomic
def channel_delete(*, channel: Channel, actor: Actor) -> None:
    """Delete a channel nothing uses; one in use is refused, naming what uses it."""
    usage = channel_usage(channel)
    if usage:
        uses = ", ".join(f"{count} {label}" for label, count in usage.items())
        raise errors.Conflict(CHANNEL_IN_USE.format(name=channel.name, uses=uses))
    channel.delete()
