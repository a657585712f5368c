"""Reads the workshop pages need beyond one model: the progress of the groups' blueprints."""

import datetime
from typing import Any

from django.db.models import Count, Max
from django.utils import timezone

from blueprints.models import BlueprintEvent, Link, Step

ACTIVE_WITHIN = datetime.timedelta(minutes=10)


def blueprint_progress(blueprint_ids: list[int]) -> dict[int, dict[str, Any]]:
    """For each blueprint: steps and links so far, when it last changed and who changed it in
    the last ten minutes (names, most recent first). Four queries, whatever the number."""
    ids = [pk for pk in blueprint_ids if pk is not None]
    if not ids:
        return {}
    progress: dict[int, dict[str, Any]] = {
        pk: {"steps": 0, "links": 0, "last_change": None, "active": []} for pk in ids
    }
    for row in (
        Step.objects.filter(blueprint_id__in=ids).values("blueprint_id").annotate(n=Count("id"))
    ):
        progress[row["blueprint_id"]]["steps"] = row["n"]
    for row in (
        Link.objects.filter(blueprint_id__in=ids).values("blueprint_id").annotate(n=Count("id"))
    ):
        progress[row["blueprint_id"]]["links"] = row["n"]
    events = BlueprintEvent.objects.filter(blueprint_id__in=ids)
    for row in events.values("blueprint_id").annotate(last=Max("created_at")):
        progress[row["blueprint_id"]]["last_change"] = row["last"]
    recent = (
        events.filter(created_at__gte=timezone.now() - ACTIVE_WITHIN)
        .select_related("actor")
        .order_by("-created_at")
    )
    for event in recent[:500]:
        name = event.actor_name or (
            (event.actor.get_full_name() or event.actor.get_username()) if event.actor else ""
        )
        active = progress[event.blueprint_id]["active"]
        if name and name not in active:
            active.append(name)
    return progress


def notes_by_category(notes: list[Any]) -> list[dict[str, Any]]:
    """Notes under their taxonomy category, then subcategory: `[{"category": the top node or
    None, "count", "parts": [{"path": "Complaints › Taste", "notes": [...]}, …]}]`, categories
    by name, each category's own notes before its subcategories', "no category" last. Each
    note's `category` comes with its `parent` (a category and its subcategories)."""
    tops: dict[int | None, dict[str, Any]] = {}
    for note in notes:
        node = note.category
        top = node.parent if node is not None and node.parent_id else node
        section = tops.setdefault(
            top.pk if top else None, {"category": top, "count": 0, "parts": {}}
        )
        section["count"] += 1
        if node is None:
            path = ""
        elif node.parent_id is not None:
            path = f"{node.parent.name} › {node.name}"
        else:
            path = node.name
        key = (
            node is not None and node.parent_id is not None,
            path.casefold(),
            node.pk if node else 0,
        )
        section["parts"].setdefault(key, {"node": node, "path": path, "notes": []})["notes"].append(
            note
        )
    ordered = sorted(
        tops.values(),
        key=lambda s: (
            s["category"] is None,
            s["category"].name.casefold() if s["category"] else "",
        ),
    )
    for section in ordered:
        section["parts"] = [section["parts"][key] for key in sorted(section["parts"])]
    return ordered
