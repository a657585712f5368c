"""The blueprint document: a lossless, versioned JSON form of one blueprint, out and in.

Format `frontstage.blueprint`, version 1 (documented in docs of `GET …/export.json`):

    {
      "format": "frontstage.blueprint", "version": 1,
      "title": "…", "description": "…",
      "source": {"blueprint": 12, "kind": "team", "team": "Quality", "seq": 40},  # informative
      "phases":   [{"key": "p1", "name": "Contact"}],                       # left to right
      "lanes":    [{"key": "l1", "name": "…", "band": "customer", "actor": "Consumer" | null,
                    "name_translations": {"es": "…"}}],                      # top to bottom
      "actors":   [{"name": "Consumer", "description": "…"}],
      "channels": [{"name": "Phone", "kind": "phone"}],
      "steps":    [{"key": "s1", "lane": "l1", "phase": "p1", "title": "…", "description": "…",
                    "kind": "action", "channel": "Phone" | null, "actor": "…" | null,
                    "emotion": 0, "evidence": "observed", "data_captured": "…",
                    "data_recorded_in": "…", "data_stage": "", "sources": [...]}],
      "links":    [{"source": "s1", "target": "s2", "kind": "handoff", "label": "…"}]
    }

Keys are the document's own names for its rows (any distinct strings); steps of one
lane × phase cell keep the order they are listed in. Actors and channels are named, not
numbered: an import matches them by name in the target workspace, or creates them.
`sources` (a global blueprint's provenance: the team steps each step came from) is kept in
the export for readers; an import makes a team blueprint, which has no provenance.

`document_problems` validates a whole document and names every problem with its JSON path
(`$.steps[3].lane`); `blueprint_import` writes a valid one in one transaction.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from blueprints import events, services
from blueprints.models import (
    Actor,
    Band,
    Blueprint,
    Channel,
    ChannelKind,
    DataStage,
    Evidence,
    Lane,
    Link,
    LinkKind,
    Phase,
    Step,
    StepKind,
)
from frontstage import errors
from workspaces.models import Team, Workspace

FORMAT = "frontstage.blueprint"
VERSION = 1
KEY_MAX = 100
# Far above any blueprint people draw (the demo's largest has ~60 steps), low enough that an
# import stays a short transaction.
LIMITS = {"phases": 200, "lanes": 200, "actors": 1000, "channels": 1000, "steps": 5000}
LIMITS["links"] = 4 * LIMITS["steps"]
PROBLEMS_SHOWN = 50


def _max(model: type, name: str) -> int:
    return model._meta.get_field(name).max_length


TEXT = {  # field → longest text the database column takes
    "title": _max(Blueprint, "title"),
    "description": _max(Blueprint, "description"),
    "phase": _max(Phase, "name"),
    "lane": _max(Lane, "name"),
    "actor": _max(Actor, "name"),
    "actor_description": _max(Actor, "description"),
    "channel": _max(Channel, "name"),
    "step_title": _max(Step, "title"),
    "step_description": _max(Step, "description"),
    "data_captured": _max(Step, "data_captured"),
    "data_recorded_in": _max(Step, "data_recorded_in"),
    "label": _max(Link, "label"),
}
LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]

NOT_OBJECT = _("Expected a JSON object.")
NOT_LIST = _("Expected a list.")
NOT_TEXT = _("Expected text.")
NOT_A_DOCUMENT = _('Not a Frontstage blueprint document: "format" must be "{format}".')
UNSUPPORTED_VERSION = _("Version {version} is not supported; this server reads version {known}.")
REQUIRED = _("This field is required.")
UNKNOWN_FIELD = _("Unknown field.")
BLANK = _("Must not be blank.")
TOO_LONG = _("At most {limit} characters.")
NUL = _("Must not contain the NUL character.")
TOO_MANY = _("At most {limit} items.")
NOT_IN = _("Must be one of: {choices}.")
DUPLICATE_KEY = _('The key "{key}" is used twice.')
DUPLICATE_NAME = _('The name "{name}" is listed twice.')
UNKNOWN_KEY = {
    "lane": _('No lane has the key "{key}".'),
    "phase": _('No phase has the key "{key}".'),
    "step": _('No step has the key "{key}".'),
}
EMOTION = _("Expected a whole number from -2 to 2.")
SELF_LINK = _("A step cannot link to itself.")
DUPLICATE_LINK = _("This link is listed twice.")
MORE_PROBLEMS = _("… and {count} more problems.")


@dataclass(frozen=True)
class Problem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class DocumentInvalid(errors.Invalid):
    """The document cannot be imported; `problems` says where and why (400 `document`)."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__({"document": [str(problem) for problem in problems]})


# --- out ----------------------------------------------------------------------------------


def blueprint_document(blueprint: Blueprint, language: str | None = None) -> dict[str, Any]:
    """The whole blueprint as a document, in a fixed number of queries whatever its size.

    `language` names an unnamed global blueprint ("Global blueprint") in that language.
    """
    phases = list(blueprint.phases.order_by("position", "id").values_list("id", "name"))
    lanes = list(
        blueprint.lanes.order_by("position", "id").values_list(
            "id", "name", "name_translations", "band", "actor__name"
        )
    )
    phase_order = {pk: index for index, (pk, _name) in enumerate(phases)}
    lane_order = {row[0]: index for index, row in enumerate(lanes)}
    steps = sorted(
        blueprint.steps.values(
            "id",
            "lane_id",
            "phase_id",
            "position",
            "title",
            "description",
            "kind",
            "channel__name",
            "actor__name",
            "emotion",
            "evidence",
            "data_captured",
            "data_recorded_in",
            "data_stage",
        ),  # fmt: skip
        key=lambda s: (
            lane_order[s["lane_id"]],
            phase_order[s["phase_id"]],
            s["position"],
            s["id"],
        ),
    )
    sources: dict[int, list[dict[str, Any]]] = {}
    if blueprint.kind == "global":
        through = Step.sources.through.objects.filter(from_step__blueprint=blueprint)
        rows = through.order_by("to_step__blueprint__team__name", "to_step_id").values_list(
            "from_step_id", "to_step_id", "to_step__title", "to_step__blueprint__team__name"
        )
        for step_id, source_id, title, team in rows:
            sources.setdefault(step_id, []).append(
                {"step": source_id, "title": title, "team": team or ""}
            )
    used_actors = {row[4] for row in lanes} | {s["actor__name"] for s in steps}
    used_channels = {s["channel__name"] for s in steps}
    actors = Actor.objects.filter(workspace_id=blueprint.workspace_id, name__in=used_actors)
    channels = Channel.objects.filter(workspace_id=blueprint.workspace_id, name__in=used_channels)
    links = blueprint.links.order_by("id").values_list("source_id", "target_id", "kind", "label")
    return {
        "format": FORMAT,
        "version": VERSION,
        "title": blueprint.title_in(language),
        "description": blueprint.description,
        "source": {
            "blueprint": blueprint.pk,
            "kind": blueprint.kind,
            "team": blueprint.team.name if blueprint.team_id else None,
            "seq": events.seq_current(blueprint.pk),
        },
        "phases": [{"key": f"p{pk}", "name": name} for pk, name in phases],
        "lanes": [
            {
                "key": f"l{pk}",
                "name": name,
                "name_translations": translations if isinstance(translations, dict) else {},
                "band": band,
                "actor": actor,
            }
            for pk, name, translations, band, actor in lanes
        ],
        "actors": [{"name": a.name, "description": a.description} for a in actors],
        "channels": [{"name": c.name, "kind": c.kind} for c in channels],
        "steps": [
            {
                "key": f"s{s['id']}",
                "lane": f"l{s['lane_id']}",
                "phase": f"p{s['phase_id']}",
                "title": s["title"],
                "description": s["description"],
                "kind": s["kind"],
                "channel": s["channel__name"],
                "actor": s["actor__name"],
                "emotion": s["emotion"],
                "evidence": s["evidence"],
                "data_captured": s["data_captured"],
                "data_recorded_in": s["data_recorded_in"],
                "data_stage": s["data_stage"],
            }
            | ({"sources": sources.get(s["id"], [])} if blueprint.kind == "global" else {})
            for s in steps
        ],
        "links": [
            {"source": f"s{source}", "target": f"s{target}", "kind": kind, "label": label}
            for source, target, kind, label in links
        ],
    }


def document_json(document: dict[str, Any]) -> bytes:
    """The document as a file: UTF-8, every character as itself, indented for diffs."""
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode()


# --- validation -----------------------------------------------------------------------------

PHASE_FIELDS = {"key": True, "name": True}
LANE_FIELDS = {"key": True, "name": True, "band": True, "actor": False, "name_translations": False}
ACTOR_FIELDS = {"name": True, "description": False}
CHANNEL_FIELDS = {"name": True, "kind": False}
STEP_FIELDS = {
    "key": True, "lane": True, "phase": True, "title": True, "description": False,
    "kind": False, "channel": False, "actor": False, "emotion": False, "evidence": False,
    "data_captured": False, "data_recorded_in": False, "data_stage": False, "sources": False,
}  # fmt: skip
LINK_FIELDS = {"source": True, "target": True, "kind": False, "label": False}
TOP_FIELDS = {
    "format": True, "version": True, "title": True, "description": False, "source": False,
    "phases": True, "lanes": True, "actors": False, "channels": False, "steps": True,
    "links": False,
}  # fmt: skip


class _Checker:
    """Walks a document, collecting every problem with its path."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, path: str, message: Any) -> None:
        self.problems.append(Problem(path, str(message)))

    def fields(self, value: Any, path: str, known: dict[str, bool]) -> bool:
        """Is `value` an object with every required field and no unknown one?"""
        if not isinstance(value, dict):
            self.add(path, NOT_OBJECT)
            return False
        for name, required in known.items():
            if required and name not in value:
                self.add(f"{path}.{name}", REQUIRED)
        for name in value:
            if name not in known:
                self.add(f"{path}.{_member(name)}", UNKNOWN_FIELD)
        return True

    def text(
        self, value: Any, path: str, limit: int, *, blank: bool = True, null: bool = False
    ) -> None:
        if value is None and null:
            return
        if not isinstance(value, str):
            self.add(path, NOT_TEXT)
        elif not blank and not value.strip():
            self.add(path, BLANK)
        elif len(value) > limit:
            self.add(path, TOO_LONG.format(limit=limit))
        elif "\x00" in value:
            self.add(path, NUL)

    def choice(self, value: Any, path: str, choices: list[str]) -> None:
        if not isinstance(value, str) or value not in choices:
            shown = ", ".join(f'"{choice}"' for choice in choices)
            self.add(path, NOT_IN.format(choices=shown))

    def items(self, document: dict[str, Any], name: str) -> Iterator[tuple[str, Any]]:
        """The items of a list member (absent: none), each with its path."""
        value = document.get(name, [])
        if not isinstance(value, list):
            self.add(f"$.{name}", NOT_LIST)
            return
        if len(value) > LIMITS[name]:
            self.add(f"$.{name}", TOO_MANY.format(limit=LIMITS[name]))
            return
        for index, item in enumerate(value):
            yield f"$.{name}[{index}]", item

    def keyed(self, document: dict[str, Any], name: str, known: dict[str, bool]) -> set[str]:
        """Check the rows of `name` for their fields and distinct keys; answer the keys."""
        keys: set[str] = set()
        for path, row in self.items(document, name):
            if not self.fields(row, path, known) or "key" not in row:
                continue
            key = row["key"]
            self.text(key, f"{path}.key", KEY_MAX, blank=False)
            if isinstance(key, str):
                if key in keys:
                    self.add(f"{path}.key", DUPLICATE_KEY.format(key=key))
                keys.add(key)
        return keys

    def rows(self, document: dict[str, Any], name: str) -> Iterator[tuple[str, dict[str, Any]]]:
        """The rows of a list already checked by `keyed`: objects only, no second complaint."""
        value = document.get(name, [])
        if isinstance(value, list) and len(value) <= LIMITS[name]:
            for index, row in enumerate(value):
                if isinstance(row, dict):
                    yield f"$.{name}[{index}]", row

    def names(self, document: dict[str, Any], name: str, known: dict[str, bool]) -> None:
        seen: set[str] = set()
        for path, row in self.items(document, name):
            if not self.fields(row, path, known):
                continue
            self.text(row.get("name"), f"{path}.name", TEXT[name[:-1]], blank=False)
            if isinstance(row.get("name"), str):
                if row["name"] in seen:
                    self.add(f"{path}.name", DUPLICATE_NAME.format(name=row["name"]))
                seen.add(row["name"])
            if name == "actors":
                description = row.get("description", "")
                self.text(description, f"{path}.description", TEXT["actor_description"])
            else:
                if "kind" in row:
                    self.choice(row["kind"], f"{path}.kind", ChannelKind.values)


def _member(name: Any) -> str:
    """A field name as it is written in a path."""
    text = str(name)
    return text if text.isidentifier() else json.dumps(text, ensure_ascii=False)


def document_problems(document: Any) -> list[Problem]:
    """Everything wrong with `document`, each with its JSON path; empty when it can be imported."""
    check = _Checker()
    if not check.fields(document, "$", TOP_FIELDS):
        return check.problems
    if document.get("format") != FORMAT:
        return [Problem("$.format", str(NOT_A_DOCUMENT.format(format=FORMAT)))]
    version = document.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version != VERSION:
        shown = json.dumps(version, ensure_ascii=False)[:20]
        return [Problem("$.version", str(UNSUPPORTED_VERSION.format(version=shown, known=VERSION)))]
    check.text(document.get("title"), "$.title", TEXT["title"], blank=False)
    check.text(document.get("description", ""), "$.description", TEXT["description"])

    phases = check.keyed(document, "phases", PHASE_FIELDS)
    for path, row in check.rows(document, "phases"):
        if "name" in row:
            check.text(row["name"], f"{path}.name", TEXT["phase"], blank=False)

    lanes = check.keyed(document, "lanes", LANE_FIELDS)
    for path, row in check.rows(document, "lanes"):
        if "name" in row:
            check.text(row["name"], f"{path}.name", TEXT["lane"], blank=False)
        if "band" in row:
            check.choice(row["band"], f"{path}.band", Band.values)
        check.text(row.get("actor"), f"{path}.actor", TEXT["actor"], blank=False, null=True)
        translations = row.get("name_translations", {})
        if not isinstance(translations, dict):
            check.add(f"{path}.name_translations", NOT_OBJECT)
            continue
        for code, name in translations.items():
            where = f"{path}.name_translations.{_member(code)}"
            if code not in LANGUAGE_CODES:
                check.choice(code, where, LANGUAGE_CODES)
            else:
                check.text(name, where, TEXT["lane"], blank=False)

    check.names(document, "actors", ACTOR_FIELDS)
    check.names(document, "channels", CHANNEL_FIELDS)

    steps = check.keyed(document, "steps", STEP_FIELDS)
    for path, row in check.rows(document, "steps"):
        _check_step(check, path, row, lanes, phases)

    seen: set[tuple[Any, Any, Any]] = set()
    for path, row in check.items(document, "links"):
        if not check.fields(row, path, LINK_FIELDS):
            continue
        for end in ("source", "target"):
            if end in row and (not isinstance(row[end], str) or row[end] not in steps):
                check.add(f"{path}.{end}", UNKNOWN_KEY["step"].format(key=_shown(row[end])))
        kind = row.get("kind", LinkKind.HANDOFF)
        check.choice(kind, f"{path}.kind", LinkKind.values)
        check.text(row.get("label", ""), f"{path}.label", TEXT["label"])
        ends = (row.get("source"), row.get("target"))
        if ends[0] == ends[1] and "source" in row:
            check.add(f"{path}.target", SELF_LINK)
        identity = (_hashable(ends[0]), _hashable(ends[1]), _hashable(kind))
        if identity in seen:
            check.add(path, DUPLICATE_LINK)
        seen.add(identity)
    if len(check.problems) > PROBLEMS_SHOWN:
        more = len(check.problems) - PROBLEMS_SHOWN
        return check.problems[:PROBLEMS_SHOWN] + [
            Problem("$", str(MORE_PROBLEMS.format(count=more)))
        ]
    return check.problems


def _check_step(
    check: _Checker, path: str, row: dict[str, Any], lanes: set[str], phases: set[str]
) -> None:
    for name, keys in (("lane", lanes), ("phase", phases)):
        if name in row and (not isinstance(row[name], str) or row[name] not in keys):
            check.add(f"{path}.{name}", UNKNOWN_KEY[name].format(key=_shown(row[name])))
    if "title" in row:
        check.text(row["title"], f"{path}.title", TEXT["step_title"], blank=False)
    check.text(row.get("description", ""), f"{path}.description", TEXT["step_description"])
    check.choice(row.get("kind", StepKind.ACTION), f"{path}.kind", StepKind.values)
    check.text(row.get("channel"), f"{path}.channel", TEXT["channel"], blank=False, null=True)
    check.text(row.get("actor"), f"{path}.actor", TEXT["actor"], blank=False, null=True)
    emotion = row.get("emotion", 0)
    if isinstance(emotion, bool) or not isinstance(emotion, int) or not -2 <= emotion <= 2:
        check.add(f"{path}.emotion", EMOTION)
    check.choice(row.get("evidence", Evidence.OBSERVED), f"{path}.evidence", Evidence.values)
    check.text(row.get("data_captured", ""), f"{path}.data_captured", TEXT["data_captured"])
    recorded = row.get("data_recorded_in", "")
    check.text(recorded, f"{path}.data_recorded_in", TEXT["data_recorded_in"])
    check.choice(row.get("data_stage", ""), f"{path}.data_stage", DataStage.values)
    if not isinstance(row.get("sources", []), list):
        check.add(f"{path}.sources", NOT_LIST)


def _shown(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)[:40]


def _hashable(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool | None) else repr(value)


# --- in -------------------------------------------------------------------------------------


def _by_name(model: type[Actor] | type[Channel], workspace: Workspace, wanted: dict[str, Any]):
    """Rows of `model` named as in `wanted` (name → fields for a new one), created if missing.

    A name matches exactly, else regardless of case ("consumer" is the workspace's "Consumer").
    """
    rows = {row.name: row for row in model.objects.filter(workspace=workspace, name__in=wanted)}
    missing = [name for name in wanted if name not in rows]
    if missing:
        folded = {name.casefold(): name for name in missing}
        for row in model.objects.annotate(lower=Lower("name")).filter(
            workspace=workspace, lower__in=[name.lower() for name in missing]
        ):
            name = folded.get(row.name.casefold())
            if name is not None:
                rows.setdefault(name, row)
    new = [
        model(workspace=workspace, name=name, **wanted[name]) for name in wanted if name not in rows
    ]
    if new:
        # Another import may create the same name meanwhile: keep theirs.
        model.objects.bulk_create(new, ignore_conflicts=True)
        names = [row.name for row in new]
        rows |= {row.name: row for row in model.objects.filter(workspace=workspace, name__in=names)}
    return rows


@transaction.atomic
def blueprint_import(
    *,
    workspace: Workspace,
    team: Team,
    document: Any,
    actor: AbstractBaseUser | AnonymousUser | None,
    title: str | None = None,
) -> Blueprint:
    """A new team blueprint made from `document`, recorded as created by `actor`.

    Raises DocumentInvalid (nothing written) when the document has problems, errors.Invalid
    when the team is not of the workspace. `title` replaces the document's own.
    """
    problems = document_problems(document)
    if problems:
        raise DocumentInvalid(problems)
    # Made and recorded as any new blueprint is; its contents follow in the same transaction.
    values = {
        "team": team,
        "kind": "team",
        "title": title or document["title"],
        "description": document.get("description", ""),
    }
    blueprint = services.blueprint_create(workspace=workspace, values=values, actor=actor)
    phases = Phase.objects.bulk_create(
        Phase(blueprint=blueprint, name=row["name"], position=index)
        for index, row in enumerate(document["phases"])
    )
    phase_of = {row["key"]: phase for row, phase in zip(document["phases"], phases, strict=True)}

    described = {row["name"]: row for row in document.get("actors", [])}
    actor_names = {row.get("actor") for row in document["lanes"]}
    actor_names |= {row.get("actor") for row in document["steps"]}
    actors = _by_name(
        Actor,
        workspace,
        {
            name: {"description": described.get(name, {}).get("description", "")}
            for name in sorted(actor_names - {None})
            + [n for n in described if n not in actor_names]
        },
    )
    kinds = {
        row["name"]: row.get("kind", ChannelKind.OTHER) for row in document.get("channels", [])
    }
    channel_names = {row.get("channel") for row in document["steps"]} - {None}
    channels = _by_name(
        Channel,
        workspace,
        {name: {"kind": kinds.get(name, ChannelKind.OTHER)} for name in sorted(channel_names)},
    )

    lanes = Lane.objects.bulk_create(
        Lane(
            blueprint=blueprint,
            name=row["name"],
            name_translations=row.get("name_translations", {}),
            band=row["band"],
            actor=actors[row["actor"]] if row.get("actor") is not None else None,
            position=index,
        )
        for index, row in enumerate(document["lanes"])
    )
    lane_of = {row["key"]: lane for row, lane in zip(document["lanes"], lanes, strict=True)}

    positions: dict[tuple[str, str], int] = {}
    new_steps = []
    for row in document["steps"]:
        cell = (row["lane"], row["phase"])
        positions[cell] = positions.get(cell, -1) + 1
        new_steps.append(
            Step(
                blueprint=blueprint,
                lane=lane_of[row["lane"]],
                phase=phase_of[row["phase"]],
                title=row["title"],
                description=row.get("description", ""),
                kind=row.get("kind", StepKind.ACTION),
                channel=channels[row["channel"]] if row.get("channel") is not None else None,
                actor=actors[row["actor"]] if row.get("actor") is not None else None,
                emotion=row.get("emotion", 0),
                evidence=row.get("evidence", Evidence.OBSERVED),
                data_captured=row.get("data_captured", ""),
                data_recorded_in=row.get("data_recorded_in", ""),
                data_stage=row.get("data_stage", ""),
                position=positions[cell],
            )
        )
    steps = Step.objects.bulk_create(new_steps)
    step_of = {row["key"]: step for row, step in zip(document["steps"], steps, strict=True)}
    Link.objects.bulk_create(
        Link(
            blueprint=blueprint,
            source=step_of[row["source"]],
            target=step_of[row["target"]],
            kind=row.get("kind", LinkKind.HANDOFF),
            label=row.get("label", ""),
        )
        for row in document.get("links", [])
    )
    return blueprint
