"""A blueprint's objects as plain data: the one list of each model's fields, and their values
as the API shows them — an event's `before` and `after`, the API's representation, undo.

The serializers in blueprints/api.py take their `fields` from FIELDS, so a field added here
shows everywhere at once.
"""

import datetime
from typing import Any

from django.db import models
from django.utils import timezone

from blueprints.models import Blueprint, Lane, Link, Phase, Step

FIELDS: dict[type[models.Model], tuple[str, ...]] = {
    Blueprint: (
        "id", "workspace", "title", "description", "kind", "team", "version",
        "created_at", "updated_at",
    ),
    Phase: ("id", "blueprint", "name", "position"),
    Lane: ("id", "blueprint", "name", "name_translations", "band", "actor", "position"),
    Step: (
        "id", "blueprint", "lane", "phase", "title", "description", "kind", "channel",
        "actor", "emotion", "evidence", "data_captured", "data_recorded_in", "data_stage",
        "position", "version", "sources",
    ),
    Link: ("id", "blueprint", "source", "target", "kind", "label"),
}  # fmt: skip
# What a client may write on each (the rest is identity, bookkeeping or derived).
WRITABLE: dict[type[models.Model], tuple[str, ...]] = {
    Blueprint: ("title", "description"),
    Phase: ("name",),
    Lane: ("name", "name_translations", "band", "actor"),
    Step: (
        "lane", "phase", "title", "description", "kind", "channel", "actor", "emotion",
        "evidence", "data_captured", "data_recorded_in", "data_stage",
    ),
    Link: ("source", "target", "kind", "label"),
}  # fmt: skip
# Fields whose change moves a row among its siblings: its event carries the new order.
MOVE_FIELDS = ("position", "lane", "phase")
MODELS = {model._meta.model_name: model for model in FIELDS}


def value_of(obj: models.Model, name: str) -> Any:
    if name == "id":
        return obj.pk
    if isinstance(obj, Blueprint) and name == "title":
        return obj.display_title
    field = obj._meta.get_field(name)
    if field.many_to_many:
        return list(getattr(obj, name).values_list("pk", flat=True))
    value = getattr(obj, field.attname)
    if isinstance(value, datetime.datetime):
        return iso(value)
    return value


def iso(value: datetime.datetime) -> str:
    """As the API writes a time: ISO 8601 in the site's zone, UTC as `Z`."""
    text = timezone.localtime(value).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The object as the API shows it."""
    return {name: value_of(obj, name) for name in FIELDS[type(obj)]}


def deleted_snapshot(obj: models.Model) -> dict[str, Any]:
    """A step's links go with it; keep them, so that an undo can bring them back."""
    before = snapshot(obj)
    if isinstance(obj, Step):
        links = Link.objects.filter(models.Q(source=obj) | models.Q(target=obj))
        before["links"] = [snapshot(link) for link in links]
    return before
