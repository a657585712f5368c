"""Positions among siblings (phases and lanes of a blueprint, steps of a cell), kept dense and
unique in statements that never collide. No events here: blueprints/services.py records them."""

from collections.abc import Sequence
from typing import Any

from django.db import models, transaction
from django.db.models import Case, Max, Value, When

from blueprints.models import Lane, Phase, Step


def check_fields(obj: models.Model) -> None:
    """The model's own field rules (lengths, choices, ranges). Not the foreign keys: a write
    is handed the related objects themselves, so asking the database whether they exist is
    one query per key for nothing."""
    relations = [field.name for field in obj._meta.concrete_fields if field.is_relation]
    obj.full_clean(exclude=relations, validate_unique=False, validate_constraints=False)


def next_position(siblings: models.QuerySet) -> int:
    highest = siblings.aggregate(highest=Max("position"))["highest"]
    return 0 if highest is None else highest + 1


def apply_order(siblings: models.QuerySet, ordered_ids: Sequence[int], **moves: Any) -> None:
    """Give `ordered_ids` the positions 0..n-1 in two statements that never collide.

    Every row first takes a distinct negative position, then its final one, so the unique
    position constraint holds after each row even where the database checks row by row.
    `moves` (lane=, phase=) are applied in the same statements, to move rows between cells.
    """
    if not ordered_ids:
        return
    rows = siblings.model.objects.filter(pk__in=ordered_ids)
    temporary = Case(*[When(pk=pk, then=Value(-(i + 1))) for i, pk in enumerate(ordered_ids)])
    rows.update(position=temporary, **moves)
    final = Case(*[When(pk=pk, then=Value(i)) for i, pk in enumerate(ordered_ids)])
    rows.update(position=final)


def siblings_of(obj: Phase | Lane | Step) -> models.QuerySet:
    if isinstance(obj, Step):
        return Step.objects.filter(lane_id=obj.lane_id, phase_id=obj.phase_id)
    return type(obj).objects.filter(blueprint_id=obj.blueprint_id)


def ordered_ids(siblings: models.QuerySet) -> list[int]:
    return list(siblings.order_by("position", "id").values_list("pk", flat=True))


@transaction.atomic
def insert(obj: Phase | Lane | Step, position: int | None) -> None:
    """Save a new phase, lane or step at `position` (the end when None), shifting the rest."""
    siblings = siblings_of(obj)
    order = ordered_ids(siblings.select_for_update())
    obj.position = next_position(siblings)
    check_fields(obj)
    obj.save()
    if position is not None and position < len(order):
        order.insert(max(position, 0), obj.pk)
        apply_order(siblings, order)
        obj.refresh_from_db(fields=["position"])


@transaction.atomic
def move(obj: Phase | Lane | Step, position: int | None, **cell: Any) -> None:
    """Move a row to `position` among its siblings, into another cell for a step."""
    source = siblings_of(obj)
    for field, value in cell.items():
        setattr(obj, field, value)
    target = siblings_of(obj)
    order = [pk for pk in ordered_ids(target.select_for_update()) if pk != obj.pk]
    index = len(order) if position is None else max(0, min(position, len(order)))
    order.insert(index, obj.pk)
    apply_order(target, order, **{f"{k}_id": v.pk for k, v in cell.items()})
    if cell:
        apply_order(source, ordered_ids(source.exclude(pk=obj.pk)))
    obj.refresh_from_db(fields=["position"])


@transaction.atomic
def reorder(siblings: models.QuerySet, wanted: Sequence[int], **cell: Any) -> None:
    """Apply a whole new order in one request; rows named from elsewhere move into the cell."""
    current = ordered_ids(siblings.select_for_update())
    movers = [pk for pk in wanted if pk not in set(current)]
    sources = {
        (lane, phase)
        for lane, phase in Step.objects.filter(pk__in=movers).values_list("lane_id", "phase_id")
    }
    apply_order(siblings, list(wanted), **{f"{k}_id": v.pk for k, v in cell.items()})
    for lane_id, phase_id in sources:
        left = Step.objects.filter(lane_id=lane_id, phase_id=phase_id)
        apply_order(left, ordered_ids(left))
