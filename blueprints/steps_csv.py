"""A blueprint's steps as a spreadsheet: one row per step, out and in.

Out: `steps_table` — the columns phase, band, lane, then every field of the step, headed and
valued in the reader's language (kinds, bands, evidence and stages by their labels), rows in
journey order (phase, lane, position in the cell). Every text cell is kept as text in a
spreadsheet (a leading `'` before a formula); the file is UTF-8 with a byte-order mark, with
commas in English and semicolons in Spanish, Italian and Portuguese, as Excel there expects.

In: `steps_import` reads a CSV or XLSX file the way contact imports do (frontstage/tabular.py:
format, encoding and delimiter detected, columns mapped by their names in any of the four
languages, or as the caller maps them), checks every row and reports problems by line; only a
file without any problem is written, all in one transaction, and recorded as one event
(`steps.imported`). Phases and lanes are matched by name (a lane also by its translated
names) or created; a new lane needs its band. Actors and channels are matched by name or
created. Steps go to the end of their cell, in file order.
"""

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.db.models import Max
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from blueprints import events
from blueprints.models import (
    BAND_ORDER,
    Actor,
    Band,
    Blueprint,
    Channel,
    ChannelKind,
    DataStage,
    Evidence,
    Lane,
    Phase,
    Step,
    StepKind,
)
from frontstage import errors, tabular
from frontstage.spreadsheets import FORMULA_STARTS

FIELDS = (
    "phase", "band", "lane", "title", "description", "kind", "channel", "actor", "emotion",
    "evidence", "data_captured", "data_recorded_in", "data_stage",
)  # fmt: skip
REQUIRED = ("phase", "lane", "title")
HEADERS = {
    "phase": _("Phase"),
    "band": _("Band"),
    "lane": _("Lane"),
    "title": _("Title"),
    "description": _("Description"),
    "kind": _("Kind"),
    "channel": _("Channel"),
    "actor": _("Actor"),
    "emotion": _("Customer emotion"),
    "evidence": _("Evidence"),
    "data_captured": _("Data captured"),
    "data_recorded_in": _("Recorded in"),
    "data_stage": _("Data stage"),
}
# Headers people write by hand, besides the ones above in every language and the field names.
MORE_HEADERS = {
    "phase": ["column", "journey phase"],
    "lane": ["row", "role", "swimlane", "fila", "corsia", "raia", "linha"],
    "title": ["step", "name", "paso", "passo", "etapa", "nombre", "nome"],
    "description": ["details", "notes", "notas", "note", "notas"],
    "emotion": ["emotion", "feeling", "score", "emocion", "emozione", "emocao"],
}
CHOICES: dict[str, Any] = {
    "band": Band,
    "kind": StepKind,
    "evidence": Evidence,
    "data_stage": DataStage,
}
DEFAULTS = {"kind": StepKind.ACTION, "evidence": Evidence.OBSERVED, "data_stage": "", "emotion": 0}
MAX_ROWS = 5000
LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]

MISSING_COLUMNS = _("Map a column to each of: {fields}.")
UNKNOWN_COLUMN = _("There is no column “{column}” in the file.")
UNKNOWN_FIELD = _("“{field}” is not a field of a step.")
COLUMN_TWICE = _("The column “{column}” is mapped twice.")
TOO_MANY_ROWS = _("The file has more than {limit} steps.")
NO_ROWS = _("The file has no step below its header.")
REQUIRED_VALUE = _("{column}: a value is needed.")
TOO_LONG = _("{column}: at most {limit} characters.")
NOT_A_CHOICE = _("{column}: “{value}” is not one of {choices}.")
BAD_EMOTION = _("{column}: “{value}” is not a whole number from -2 to 2.")
BAND_NEEDED = _("{column}: the lane “{lane}” is new here, so its band is needed.")
BAND_MISMATCH = _("{column}: the lane “{lane}” is in the band {band}.")


class StepsFileInvalid(errors.Invalid):
    """The file or some of its rows cannot be imported; nothing was written.

    Answered as 400 with `file` (messages about the whole file) and `rows` (`line`, `message`).
    """

    def __init__(self, *, file: list[str] | None = None, rows: list[dict] | None = None) -> None:
        self.file = file or []
        self.rows = rows or []
        lines = [f"{row['line']}: {row['message']}" for row in self.rows]
        super().__init__({"file": self.file} if self.file else {"rows": lines})

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"file": self.file} if self.file else {}
        if self.rows:
            body["rows"] = self.rows  # line numbers stay numbers
        return body


# --- out ------------------------------------------------------------------------------------


def label_of(name: str, value: str, language: str) -> str:
    if not value:
        return ""
    with translation.override(language):
        return str(CHOICES[name](value).label)


def text_cell(text: str) -> str:
    """Kept as text by spreadsheets, and read back as it was by `steps_import`."""
    if text.startswith(FORMULA_STARTS) or (text[:1] == "'" and text[1:2] in FORMULA_STARTS):
        return "'" + text
    return text


def delimiter_for(language: str) -> str:
    return "," if language.startswith("en") else ";"


def steps_table(blueprint: Blueprint, language: str) -> list[list[str]]:
    """The header and one row per step, every cell text."""
    phases = dict(blueprint.phases.values_list("pk", "position"))
    lanes = {lane.pk: lane for lane in blueprint.lanes.select_related("actor")}
    steps = sorted(
        blueprint.steps.select_related("phase", "channel", "actor"),
        key=lambda s: (phases[s.phase_id], lanes[s.lane_id].position, s.position, s.pk),
    )
    with translation.override(language):
        header = [str(HEADERS[name]) for name in FIELDS]
    rows = [header]
    for step in steps:
        lane = lanes[step.lane_id]
        rows.append(
            [
                text_cell(step.phase.name),
                label_of("band", lane.band, language),
                text_cell(lane.display_name(language)),
                text_cell(step.title),
                text_cell(step.description),
                label_of("kind", step.kind, language),
                text_cell(step.channel.name if step.channel else ""),
                text_cell(step.actor.name if step.actor else ""),
                str(step.emotion),
                label_of("evidence", step.evidence, language),
                text_cell(step.data_captured),
                text_cell(step.data_recorded_in),
                label_of("data_stage", step.data_stage, language),
            ]
        )
    return rows


def steps_csv(blueprint: Blueprint, language: str, delimiter: str | None = None) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(
        buffer, delimiter=delimiter or delimiter_for(language), lineterminator="\r\n"
    )
    writer.writerows(steps_table(blueprint, language))
    return buffer.getvalue().encode("utf-8-sig")


# --- in -------------------------------------------------------------------------------------


def synonyms() -> dict[str, list[str]]:
    """Each field's possible headers: its name, its header in every language, a few more."""
    found: dict[str, list[str]] = {name: [name, name.replace("_", " ")] for name in FIELDS}
    for code in LANGUAGE_CODES:
        with translation.override(code):
            for name, header in HEADERS.items():
                found[name].append(str(header))
    for name, more in MORE_HEADERS.items():
        found[name] += more
    return found


def choice_values(name: str) -> dict[str, str]:
    """Normalised code or label (any language) → the code."""
    choices = CHOICES[name]
    values: dict[str, str] = {}
    for value in choices.values:
        values[tabular.normalized(value)] = value
        for code in LANGUAGE_CODES:
            with translation.override(code):
                values.setdefault(tabular.normalized(str(choices(value).label)), value)
    values.pop("", None)
    if name == "data_stage":
        values["-"] = values[""] = ""
    return values


def read_text(value: Any) -> str:
    """A cell as we wrote it: a `'` that kept a formula as text comes off again."""
    text = tabular.cell_text(value)
    if text[:1] == "'" and text[1:2] in FORMULA_STARTS:
        return text[1:]
    return text


@dataclass
class Row:
    line: int
    values: dict[str, Any]


@dataclass
class Plan:
    """What a valid file asks for, before anything is written."""

    rows: list[Row] = field(default_factory=list)
    new_phases: list[str] = field(default_factory=list)
    new_lanes: dict[str, str] = field(default_factory=dict)  # name → band
    problems: list[dict[str, Any]] = field(default_factory=list)


def _max(name: str) -> int:
    return Step._meta.get_field(name).max_length


LIMITS = {
    "phase": Phase._meta.get_field("name").max_length,
    "lane": Lane._meta.get_field("name").max_length,
    "title": _max("title"),
    "description": _max("description"),
    "channel": Channel._meta.get_field("name").max_length,
    "actor": Actor._meta.get_field("name").max_length,
    "data_captured": _max("data_captured"),
    "data_recorded_in": _max("data_recorded_in"),
}


def check_mapping(mapping: dict[str, str], columns: list[str]) -> list[str]:
    problems = []
    for name, column in mapping.items():
        if name not in FIELDS:
            problems.append(str(UNKNOWN_FIELD.format(field=name)))
        elif column not in columns:
            problems.append(str(UNKNOWN_COLUMN.format(column=column)))
    for column in {c for c in mapping.values() if list(mapping.values()).count(c) > 1}:
        problems.append(str(COLUMN_TWICE.format(column=column)))
    missing = [name for name in REQUIRED if name not in mapping]
    if missing:
        shown = ", ".join(str(HEADERS[name]) for name in missing)
        problems.append(str(MISSING_COLUMNS.format(fields=shown)))
    return problems


def plan_rows(
    blueprint: Blueprint,
    rows: Iterable[tuple[int, list[Any], str | None]],
    columns: list[str],
    mapping: dict[str, str],
) -> Plan:
    """Every row checked against the blueprint; problems by line."""
    plan = Plan()
    index = {name: columns.index(column) for name, column in mapping.items()}
    phases = {
        tabular.normalized(name): name for name in blueprint.phases.values_list("name", flat=True)
    }
    lane_bands: dict[str, str] = {}
    for lane in blueprint.lanes.all():
        for name in [lane.name, *(lane.name_translations or {}).values()]:
            lane_bands.setdefault(tabular.normalized(name), lane.band)
    choices = {name: choice_values(name) for name in CHOICES}

    def report(line: int, message: Any) -> None:
        plan.problems.append({"line": line, "message": str(message)})

    for line, cells, problem in rows:
        if problem:
            report(line, problem)
            continue
        if len(plan.rows) >= MAX_ROWS:
            raise StepsFileInvalid(file=[str(TOO_MANY_ROWS.format(limit=MAX_ROWS))])

        def get(name: str, cells: list[Any] = cells) -> Any:
            position = index.get(name)
            return cells[position] if position is not None and position < len(cells) else None

        values: dict[str, Any] = {}
        bad = False
        for name in FIELDS:
            column = mapping.get(name, name)
            raw = get(name)
            if name in CHOICES:
                text = tabular.cell_text(raw)
                if not text:
                    values[name] = DEFAULTS.get(name, "")
                    continue
                code = choices[name].get(tabular.normalized(text))
                if code is None:
                    shown = ", ".join(
                        str(label) for _value, label in CHOICES[name].choices if _value
                    )
                    report(line, NOT_A_CHOICE.format(column=column, value=text[:40], choices=shown))
                    bad = True
                values[name] = code
            elif name == "emotion":
                text = tabular.cell_text(raw).replace(",", ".").lstrip("+")
                if not text:
                    values[name] = 0
                    continue
                try:
                    number = float(text)
                except ValueError:
                    number = 0.5
                if not number.is_integer() or not -2 <= number <= 2:
                    report(line, BAD_EMOTION.format(column=column, value=text[:40]))
                    bad = True
                else:
                    values[name] = int(number)
            else:
                text = read_text(raw)
                if name in ("phase", "lane", "channel", "actor"):
                    text = " ".join(text.split())
                if name in REQUIRED and not text:
                    report(line, REQUIRED_VALUE.format(column=column))
                    bad = True
                elif len(text) > LIMITS[name]:
                    report(line, TOO_LONG.format(column=column, limit=LIMITS[name]))
                    bad = True
                values[name] = text
        if bad:
            continue
        phase_key = tabular.normalized(values["phase"])
        if phase_key not in phases:
            phases[phase_key] = values["phase"]
            plan.new_phases.append(values["phase"])
        values["phase"] = phases[phase_key]
        lane_key = tabular.normalized(values["lane"])
        band = lane_bands.get(lane_key)
        if band is None:
            if not values["band"]:
                report(
                    line,
                    BAND_NEEDED.format(column=mapping.get("band", "band"), lane=values["lane"]),
                )
                continue
            lane_bands[lane_key] = band = values["band"]
            plan.new_lanes[values["lane"]] = band
        elif values["band"] and values["band"] != band:
            label = str(Band(band).label)
            report(
                line, BAND_MISMATCH.format(column=mapping["band"], lane=values["lane"], band=label)
            )
            continue
        plan.rows.append(Row(line, values))
    return plan


@dataclass
class Outcome:
    detected: tabular.Detected
    mapping: dict[str, str]
    steps: int = 0
    new_phases: list[str] = field(default_factory=list)
    new_lanes: list[str] = field(default_factory=list)
    new_actors: list[str] = field(default_factory=list)
    new_channels: list[str] = field(default_factory=list)


def steps_import(
    *,
    blueprint: Blueprint,
    stream: IO[bytes],
    actor: AbstractBaseUser | AnonymousUser | None,
    mapping: dict[str, str] | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    dry_run: bool = False,
) -> Outcome:
    """Add the steps of a CSV or XLSX file to `blueprint` (nothing when `dry_run`).

    Raises StepsFileInvalid when the file is no table, or the mapping or any row has a
    problem: then nothing is written.
    """
    try:
        detected = tabular.detect(stream, encoding=encoding, delimiter=delimiter)
    except tabular.Unreadable as error:
        raise StepsFileInvalid(file=[str(error)]) from error
    mapping = dict(mapping) if mapping else tabular.suggest_mapping(detected.columns, synonyms())
    outcome = Outcome(detected, mapping)
    problems = check_mapping(mapping, detected.columns)
    if problems:
        raise StepsFileInvalid(file=problems)
    reader = tabular.RowReader(
        stream, format=detected.format, encoding=detected.encoding, delimiter=detected.delimiter
    )
    try:
        rows = iter(reader)
        next(rows, None)  # the header
        plan = plan_rows(blueprint, rows, detected.columns, mapping)
    except tabular.Unreadable as error:
        raise StepsFileInvalid(file=[str(error)]) from error
    if plan.problems:
        raise StepsFileInvalid(rows=plan.problems)
    if not plan.rows:
        raise StepsFileInvalid(file=[str(NO_ROWS)])
    outcome.steps = len(plan.rows)
    outcome.new_phases = plan.new_phases
    outcome.new_lanes = list(plan.new_lanes)
    names = {name for row in plan.rows for name in [row.values["actor"]] if name}
    known = set(
        Actor.objects.filter(workspace_id=blueprint.workspace_id, name__in=names).values_list(
            "name", flat=True
        )
    )
    outcome.new_actors = sorted(names - known)
    names = {row.values["channel"] for row in plan.rows if row.values["channel"]}
    known = set(
        Channel.objects.filter(workspace_id=blueprint.workspace_id, name__in=names).values_list(
            "name", flat=True
        )
    )
    outcome.new_channels = sorted(names - known)
    if not dry_run:
        _write(blueprint, plan, actor)
    return outcome


def _named(
    model: type[Actor] | type[Channel], blueprint: Blueprint, names: set[str], **new: Any
) -> dict[str, Any]:
    rows = {
        row.name: row
        for row in model.objects.filter(workspace_id=blueprint.workspace_id, name__in=names)
    }
    missing = [
        model(workspace_id=blueprint.workspace_id, name=name, **new)
        for name in sorted(names - set(rows))
    ]
    if missing:
        model.objects.bulk_create(missing, ignore_conflicts=True)
        rows |= {
            row.name: row
            for row in model.objects.filter(workspace_id=blueprint.workspace_id, name__in=names)
        }
    return rows


@transaction.atomic
def _write(blueprint: Blueprint, plan: Plan, actor: Any) -> None:
    Blueprint.objects.select_for_update().filter(pk=blueprint.pk).first()  # one import at a time
    top = blueprint.phases.aggregate(top=Max("position"))["top"]
    start = -1 if top is None else top
    new_phases = Phase.objects.bulk_create(
        Phase(blueprint=blueprint, name=name, position=start + 1 + i)
        for i, name in enumerate(plan.new_phases)
    )
    top = blueprint.lanes.aggregate(top=Max("position"))["top"]
    start = -1 if top is None else top
    # New lanes in band order (the board shows bands in canonical order anyway), each band's
    # in the order the file names them.
    ordered = sorted(plan.new_lanes.items(), key=lambda item: BAND_ORDER[item[1]])
    new_lanes = Lane.objects.bulk_create(
        Lane(blueprint=blueprint, name=name, band=band, position=start + 1 + i)
        for i, (name, band) in enumerate(ordered)
    )
    phases = {tabular.normalized(p.name): p for p in blueprint.phases.all()}
    lanes: dict[str, Lane] = {}
    for lane in blueprint.lanes.order_by("position"):
        for name in [lane.name, *(lane.name_translations or {}).values()]:
            lanes.setdefault(tabular.normalized(name), lane)
    actors = _named(
        Actor, blueprint, {row.values["actor"] for row in plan.rows if row.values["actor"]}
    )
    channels = _named(
        Channel,
        blueprint,
        {row.values["channel"] for row in plan.rows if row.values["channel"]},
        kind=ChannelKind.OTHER,
    )
    tops = {
        (lane, phase): top
        for lane, phase, top in blueprint.steps.values("lane", "phase")
        .annotate(top=Max("position"))
        .values_list("lane", "phase", "top")
    }
    steps = []
    for row in plan.rows:
        values = row.values
        lane, phase = (
            lanes[tabular.normalized(values["lane"])],
            phases[tabular.normalized(values["phase"])],
        )
        cell = (lane.pk, phase.pk)
        tops[cell] = tops.get(cell, -1) + 1
        steps.append(
            Step(
                blueprint=blueprint,
                lane=lane,
                phase=phase,
                title=values["title"],
                description=values["description"],
                kind=values["kind"],
                channel=channels.get(values["channel"]),
                actor=actors.get(values["actor"]),
                emotion=values["emotion"],
                evidence=values["evidence"],
                data_captured=values["data_captured"],
                data_recorded_in=values["data_recorded_in"],
                data_stage=values["data_stage"],
                position=tops[cell],
            )
        )
    created = Step.objects.bulk_create(steps)
    # One event for the whole file: live pages refresh their board once, not once a row.
    events.event_record(
        blueprint_id=blueprint.pk,
        kind="steps.imported",
        obj_id=None,
        before=None,
        after={
            "steps": [step.pk for step in created],
            "phases": [phase.pk for phase in new_phases],
            "lanes": [lane.pk for lane in new_lanes],
            "count": len(created),
        },
        user=actor,
    )
