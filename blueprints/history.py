"""Undo and revert: a person's last change of a blueprint, or any given change, taken back
as an event of its own.

Undoing again walks further back. A change someone else has built on since (the object changed
or went away) is refused with a `Conflict` and leaves everything as it is. Every write goes
through blueprints/services.py, like any other change.
"""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from blueprints import events, ordering, services
from blueprints.models import Blueprint, BlueprintEvent, DismissedStep, Lane, Link, Phase, Step
from blueprints.snapshots import MODELS, WRITABLE, snapshot
from frontstage import errors
from workspaces import access

NOTHING_TO_UNDO = _("You have no change on this blueprint left to undo.")
CANNOT_UNDO = _("This change cannot be undone: {kind}.")
CHANGED_SINCE = _("This was changed since your change; nothing was undone.")
LATER_CHANGES = _(
    "Later changes build on this one, so it cannot be reverted on its own; nothing was "
    "reverted. Revert the later changes first, or edit by hand."
)
ALREADY_REVERTED = _("This change was already reverted.")

UNDOABLE = {
    "blueprint": {"updated"},
    "phase": {"created", "updated", "deleted"},
    "lane": {"created", "updated", "deleted"},
    "step": {"created", "updated", "deleted"},
    "link": {"created", "updated", "deleted"},
}


def changed_fields(event: BlueprintEvent) -> list[str]:
    """The writable fields an update event changed."""
    model = MODELS[event.kind.partition(".")[0]]
    return [n for n in WRITABLE[model] if event.before.get(n) != event.after.get(n)]


def unchanged(current: dict[str, Any], after: dict[str, Any]) -> bool:
    """Is the object as the change left it? Positions shift when siblings come and go."""
    ignore = {"position"}
    return {k: v for k, v in current.items() if k not in ignore} == {
        k: v for k, v in after.items() if k not in ignore
    }


def restored_values(model: type[models.Model], recorded: dict[str, Any]) -> dict[str, Any]:
    """The writable fields of a recorded snapshot as values a service takes: ids of related
    objects become the objects. One that is gone means the change cannot be taken back."""
    values: dict[str, Any] = {}
    for name in WRITABLE[model]:
        if name not in recorded:
            continue
        value = recorded[name]
        field = model._meta.get_field(name)
        if field.is_relation and value is not None:
            value = field.related_model.objects.filter(pk=value).first()
            if value is None:
                raise errors.Conflict(CHANGED_SINCE)
        values[name] = value
    return values


@transaction.atomic
def change_undo(*, blueprint: Blueprint, actor: Any) -> BlueprintEvent:
    """Undo `actor`'s last change of `blueprint` that is not undone yet, as a new event."""
    guest = access.acting_participant(actor, blueprint.pk)
    mine = {"actor_participant": guest} if guest is not None else {"actor": actor}
    event = (
        BlueprintEvent.objects.filter(blueprint=blueprint, undo_of__isnull=True, **mine)
        .exclude(undone_by__isnull=False)
        # A workspace-wide rename or merge is heard by the blueprint, not made on it.
        .exclude(kind__startswith="actor.")
        .exclude(kind__startswith="channel.")
        .order_by("-seq")
        .first()
    )
    if event is None:
        raise errors.Conflict(NOTHING_TO_UNDO)
    return take_back(event, blueprint=blueprint, actor=actor, refusal=CHANGED_SINCE)


@transaction.atomic
def change_revert(*, event: BlueprintEvent, actor: Any) -> BlueprintEvent:
    """Take back one given change of a blueprint, whoever made it, as a new event. Refused
    (Conflict, nothing written) when it was taken back already, or when later changes build on
    it: a field it set was changed again, an object it made was changed, the rows it ordered
    were moved since."""
    if event.undo_of_id is not None or BlueprintEvent.objects.filter(undo_of=event).exists():
        raise errors.Conflict(ALREADY_REVERTED)
    return take_back(event, blueprint=event.blueprint, actor=actor, refusal=LATER_CHANGES)


def take_back(
    event: BlueprintEvent, *, blueprint: Blueprint, actor: Any, refusal: Any
) -> BlueprintEvent:
    name, _dot, verb = event.kind.partition(".")
    if verb == "reordered":
        return reorder_undo(event, blueprint=blueprint, actor=actor)
    if verb not in UNDOABLE.get(name, set()):
        raise errors.Conflict(CANNOT_UNDO.format(kind=event.kind))
    model = MODELS[name]
    current = model.objects.select_for_update().filter(pk=event.object_id).first()
    now = snapshot(current) if current is not None else None
    if verb == "created" and (now is None or not unchanged(now, event.after)):
        raise errors.Conflict(refusal, current=now)
    if verb == "updated":
        if now is None:
            raise errors.Conflict(refusal)
        # Field by field: what this change set and nobody changed again goes back.
        clashes = [field for field in changed_fields(event) if now.get(field) != event.after[field]]
        if clashes:
            raise errors.StaleVersion(refusal, current=now, conflicts=clashes)
        return _update_undo(current, event, now, actor=actor)
    if verb == "created":
        undo = services.change_record(current, "deleted", now, actor=actor, undo_of=event)
        current.delete()
        return undo
    if current is not None:
        raise errors.Conflict(refusal, current=now)
    return _delete_undo(model, event, blueprint=blueprint, actor=actor)


def _update_undo(
    current: models.Model, event: BlueprintEvent, now: dict[str, Any], *, actor: Any
) -> BlueprintEvent:
    fields = changed_fields(event)
    changes = restored_values(type(current), {n: event.before[n] for n in fields})
    moved = event.before.get("position") != event.after.get("position")
    position = event.before.get("position") if moved or {"lane", "phase"} & set(fields) else None
    try:
        with transaction.atomic():
            if isinstance(current, Blueprint | Step):
                cell = {k: changes.pop(k) for k in ("lane", "phase") if k in changes}
                moving = {k: v for k, v in cell.items() if getattr(current, f"{k}_id") != v.pk}
                services.versioned_update(current, changes, now["version"])
                if isinstance(current, Step) and (moving or position is not None):
                    ordering.move(current, position, **moving)
            else:
                if isinstance(current, Link):
                    services.set_fields(current, changes)
                    services.check_link(current)
                services.plain_update(current, changes)
                if position is not None:
                    ordering.move(current, position)
    except errors.Invalid as invalid:
        raise errors.Conflict(f"{CHANGED_SINCE} {invalid.text}") from invalid
    return services.change_record(current, "updated", now, actor=actor, undo_of=event)


def _delete_undo(
    model: type[models.Model], event: BlueprintEvent, *, blueprint: Blueprint, actor: Any
) -> BlueprintEvent:
    values = restored_values(model, event.before)
    try:
        with transaction.atomic():
            restored = _restore(model, values, event, blueprint=blueprint)
    except errors.Invalid as invalid:
        raise errors.Conflict(f"{CHANGED_SINCE} {invalid.text}") from invalid
    after = snapshot(restored)
    if isinstance(restored, Step):
        # A merged step brought back is merged again (matched by its cell and title).
        DismissedStep.objects.filter(blueprint=blueprint, step_id=restored.pk).delete()
        if event.before.get("sources"):
            restored.sources.set(Step.objects.filter(pk__in=event.before["sources"]))
        after = snapshot(restored) | {"links": restore_links(event.before.get("links", []))}
    return services.change_record(
        restored, "created", None, actor=actor, undo_of=event, after=after
    )


def _restore(
    model: type[models.Model], values: dict[str, Any], event: BlueprintEvent, *, blueprint
) -> models.Model:
    """The deleted object again, with its id, written as the services write (not recorded:
    the undo's own event says it)."""
    obj = model(blueprint=blueprint, **values)
    obj.pk = event.object_id
    if isinstance(obj, Link):
        services.check_in_blueprint(blueprint, values)
        services.check_link(obj)
        ordering.check_fields(obj)
        obj.save(force_insert=True)
        return obj
    services.check_in_blueprint(blueprint, values)
    ordering.insert(obj, event.before.get("position"))
    return obj


def restore_links(links: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Bring back the links that went with a deleted step, where both ends still exist."""
    back = []
    for recorded in links:
        ends = Step.objects.filter(pk__in=[recorded["source"], recorded["target"]])
        if ends.count() != 2 or Link.objects.filter(pk=recorded["id"]).exists():
            continue
        link = Link(
            pk=recorded["id"],
            blueprint_id=recorded["blueprint"],
            source_id=recorded["source"],
            target_id=recorded["target"],
            kind=recorded["kind"],
            label=recorded["label"],
        )
        try:
            services.check_link(link)
            ordering.check_fields(link)
        except (errors.Invalid, DjangoValidationError):
            continue  # a link that no longer fits stays away
        link.save(force_insert=True)
        back.append(snapshot(link))
    return back


def reorder_undo(event: BlueprintEvent, *, blueprint: Blueprint, actor: Any) -> BlueprintEvent:
    """Put phases, lanes or a cell's steps back in the order they had, if nobody moved them since.

    Steps that were moved into the cell go back to the cells they came from, at their places.
    """
    if event.kind in ("phases.reordered", "lanes.reordered"):
        model = Phase if event.kind == "phases.reordered" else Lane
        siblings = model.objects.filter(blueprint=blueprint)
        if ordering.ordered_ids(siblings.select_for_update()) != event.after["ids"]:
            raise errors.Conflict(CHANGED_SINCE)
        ordering.reorder(siblings, event.before["ids"])
        return _reorder_recorded(event, {"ids": event.before["ids"]}, actor=actor)
    target = Step.objects.filter(lane_id=event.after["lane"], phase_id=event.after["phase"])
    if ordering.ordered_ids(target.select_for_update()) != event.after["ids"]:
        raise errors.Conflict(CHANGED_SINCE)
    origins = event.before.get("from", [])
    movers = set(event.after["ids"]) - set(event.before["ids"])
    for origin in origins:
        cell = Step.objects.filter(lane_id=origin["lane"], phase_id=origin["phase"])
        expected = [pk for pk in origin["ids"] if pk not in movers]
        if ordering.ordered_ids(cell.select_for_update()) != expected:
            raise errors.Conflict(CHANGED_SINCE)
    for origin in origins:
        lane = Lane.objects.filter(pk=origin["lane"], blueprint=blueprint).first()
        phase = Phase.objects.filter(pk=origin["phase"], blueprint=blueprint).first()
        if lane is None or phase is None:
            raise errors.Conflict(CHANGED_SINCE)
        cell = Step.objects.filter(lane=lane, phase=phase)
        ordering.reorder(cell, origin["ids"], lane=lane, phase=phase)
    lane, phase = (
        Lane.objects.get(pk=event.after["lane"]),
        Phase.objects.get(pk=event.after["phase"]),
    )
    ordering.reorder(target, event.before["ids"], lane=lane, phase=phase)
    order = {"lane": lane.pk, "phase": phase.pk, "ids": event.before["ids"]}
    return _reorder_recorded(event, order, actor=actor)


def _reorder_recorded(
    event: BlueprintEvent, order: dict[str, Any], *, actor: Any
) -> BlueprintEvent:
    return events.event_record(
        blueprint_id=event.blueprint_id,
        kind=event.kind,
        obj_id=None,
        before=event.after,
        after=order,
        order=order,
        user=actor,
        undo_of=event,
    )
