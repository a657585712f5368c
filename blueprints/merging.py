"""Merge a workspace's team blueprints into its global blueprint, and keep the curation.

`blueprint_merge` reads the team blueprints and the facilitator's decisions, runs the pure
merge (`blueprints/merge.py`) and writes the result into the one global blueprint of the
workspace, in one transaction:

- rows the merge made carry a stable `merge_key`, so a re-merge updates them in place and
  their ids never change;
- each such row also keeps `merge_snapshot`, the values the merge last wrote. A current value
  that differs from it was edited on the global blueprint, and the merge leaves it alone;
- rows added by hand on the global blueprint (no `merge_key`) stay where they are. A hand-made
  phase, lane, step or link that the merge would create anyway is adopted instead of doubled;
- a merged phase or lane the teams no longer have is removed, unless something is still in it;
- the report (what changed since the last merge, suggestions, conflicts) is kept as a MergeRun.

Facilitators reorder merged phases, lanes and steps in vain: merge order wins for merged rows;
hand-made rows keep their place after the merged row they follow.
"""

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from blueprints import events, layout, merge, ordering, render
from blueprints.models import (
    Actor,
    Blueprint,
    BlueprintKind,
    Channel,
    DismissedStep,
    Lane,
    Link,
    MergeDecision,
    MergeRun,
    Phase,
    PhaseMapping,
    Step,
    StepKind,
    Verdict,
)
from workspaces.models import Workspace

STEP_INPUT_FIELDS = (
    "id", "blueprint_id", "lane_id", "phase_id", "title", "position", "description", "kind",
    "channel_id", "actor_id", "emotion", "evidence", "data_captured", "data_recorded_in",
    "data_stage",
)  # fmt: skip
# Step fields the merge writes, by model attribute; lane and phase are written as keys.
STEP_COLUMNS = {
    name: f"{name}_id" if name in ("channel", "actor") else name for name in merge.STEP_VALUES
}


@dataclass
class MergeReport:
    blueprint: Blueprint
    run: MergeRun

    @property
    def report(self) -> dict[str, Any]:
        return self.run.report


CHANGE_LISTS = ("added", "removed", "updated")


@transaction.atomic
def blueprint_merge(
    *, workspace: Workspace, user: AbstractBaseUser | AnonymousUser | None
) -> MergeReport:
    """Merge the team blueprints of `workspace` into its global blueprint (made if missing)."""
    # One merge at a time per workspace; SQLite serialises writers anyway.
    Workspace.objects.select_for_update().filter(pk=workspace.pk).exists()
    blueprint, _ = Blueprint.objects.get_or_create(
        workspace=workspace, kind=BlueprintKind.GLOBAL, defaults={"title": ""}
    )
    teams = team_blueprints(workspace=workspace)
    decisions = merge_decisions(workspace=workspace)
    writer = _Writer(blueprint)
    result = merge.merge(teams, decisions, writer.previous_state())
    dismissed = dict(
        DismissedStep.objects.filter(blueprint=blueprint).values_list("merge_key", "title")
    )
    result = without_dismissed(result, set(dismissed))
    changes = writer.write(result)
    author = user if user is not None and user.is_authenticated else None
    run = MergeRun.objects.create(
        workspace=workspace, blueprint=blueprint, created_by=author, report={}
    )
    run.report = {
        "id": run.pk,
        "blueprint": blueprint.pk,
        "created_at": run.created_at.isoformat(),
        "created_by": author.pk if author else None,
        "team_blueprints": len(teams),
        "counts": {
            "phases": len(result.phases),
            "lanes": len(result.lanes),
            "steps": len(result.steps),
            "links": len(result.links),
            "sources": sum(len(step.sources) for step in result.steps),
        },
        **changes,
        "suggestions": writer.suggestions(result),
        "conflicts": open_conflicts(blueprint_id=blueprint.pk, conflicts=writer.conflicts(result)),
        "unapplied": [list(pair) for pair in result.unapplied],
        "dismissed": sorted(dismissed.values()),
    }
    run.save(update_fields=["report"])
    # One event for a merge that changed anything, if only the order of the rows: live pages
    # of the global blueprint reload.
    changed = any(change[what] for change in changes["changes"].values() for what in CHANGE_LISTS)
    if changed or writer.rearranged:
        events.event_record(
            blueprint_id=blueprint.pk,
            kind="blueprint.merged",
            obj_id=blueprint.pk,
            before=None,
            after={"merge_run": run.pk, "counts": run.report["counts"]},
            user=author,
        )
    return MergeReport(blueprint=blueprint, run=run)


# The global step's column of each field a conflict can be about, and its label.
CONFLICT_COLUMNS = {
    "channel": "channel_id",
    "actor": "actor_id",
    "kind": "kind",
    "emotion": "emotion",
}
CONFLICT_LABELS = {
    "channel": _("Channel"),
    "actor": _("Actor"),
    "kind": _("Kind"),
    "emotion": _("Emotion"),
}


def open_conflicts(*, blueprint_id: int, conflicts: Sequence[Mapping[str, Any]]) -> list[dict]:
    """The conflicts of a merge report that nobody settled since, as the global cards are now.

    Editing the field on the global card is the facilitator's choice: the conflict is settled
    (the merge keeps the edit too). A conflict left open shows the card's current title and
    value as `chosen`. The merge report stores what it found; every reader (merge page, API,
    book) passes it through here, so an edit made after the merge settles it at once.
    """
    if not conflicts:
        return []
    columns = ["id", "title", "merge_snapshot", *CONFLICT_COLUMNS.values()]
    steps = Step.objects.filter(
        blueprint_id=blueprint_id, pk__in={conflict.get("step") for conflict in conflicts}
    )
    current = {row["id"]: row for row in steps.values(*columns)}
    found = []
    for conflict in conflicts:
        name = conflict.get("field")
        step = current.get(conflict.get("step"))
        if step is None or name not in CONFLICT_COLUMNS:
            continue  # the card was deleted from the global blueprint
        merged = step["merge_snapshot"] if isinstance(step["merge_snapshot"], dict) else {}
        value = step[CONFLICT_COLUMNS[name]]
        if name not in merged or merged[name] != value:
            continue  # edited on the global blueprint since the merge wrote it: settled
        found.append({**conflict, "title": step["title"], "chosen": value})
    return found


def report_as_now(run: MergeRun) -> dict[str, Any]:
    """The report of `run` with only the conflicts still open (see `open_conflicts`)."""
    report = dict(run.report or {})
    if report.get("conflicts"):
        report["conflicts"] = open_conflicts(
            blueprint_id=run.blueprint_id, conflicts=report["conflicts"]
        )
    return report


def conflict_value_text(
    name: str, value: Any, *, channels: Mapping[int, str], actors: Mapping[int, str]
) -> str:
    """A conflicting value as a reader knows it: a channel's name, a kind's label, ☹ −2."""
    if value is None or value == "":
        return "—"
    if name == "channel":
        return channels.get(value, "—")
    if name == "actor":
        return actors.get(value, "—")
    if name == "kind":
        return str(StepKind(value).label) if value in StepKind.values else str(value)
    if name == "emotion" and isinstance(value, int):
        return layout.emotion_text(value)[0] if value else "0"
    return str(value)


def conflict_names(workspace_id: int) -> dict[str, dict[int, str]]:
    """The channel and actor names of a workspace, for `conflict_value_text`."""
    return {
        "channels": dict(Channel.objects.filter(workspace=workspace_id).values_list("id", "name")),
        "actors": dict(Actor.objects.filter(workspace=workspace_id).values_list("id", "name")),
    }


def without_dismissed(result: merge.MergeResult, keys: set[str]) -> merge.MergeResult:
    """The merge result less the steps the facilitator deleted from the global blueprint."""
    if not keys:
        return result
    return dataclasses.replace(
        result,
        steps=tuple(step for step in result.steps if step.key not in keys),
        links=tuple(
            link for link in result.links if link.source not in keys and link.target not in keys
        ),
        suggestions=tuple(s for s in result.suggestions if not set(s.global_steps) & keys),
        conflicts=tuple(c for c in result.conflicts if c.step not in keys),
    )


def team_blueprints(*, workspace: Workspace) -> list[merge.TeamBlueprint]:
    """Every team blueprint of the workspace as plain data, in a handful of queries."""
    in_teams = {"blueprint__workspace": workspace, "blueprint__kind": BlueprintKind.TEAM}
    parts: dict[int, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for row in Phase.objects.filter(**in_teams).values("id", "blueprint_id", "name", "position"):
        parts[row.pop("blueprint_id")]["phases"].append(merge.TeamPhase(**row))
    lane_fields = ("id", "blueprint_id", "name", "band", "position", "actor_id")
    for row in Lane.objects.filter(**in_teams).values(*lane_fields, "name_translations"):
        translations = row.pop("name_translations")
        parts[row.pop("blueprint_id")]["lanes"].append(
            merge.TeamLane(
                **_renamed(row, actor_id="actor"),
                name_translations=translations if isinstance(translations, dict) else {},
            )
        )
    for row in Step.objects.filter(**in_teams).values(*STEP_INPUT_FIELDS):
        parts[row.pop("blueprint_id")]["steps"].append(
            merge.TeamStep(**_renamed(row, lane_id="lane", phase_id="phase", **_FK_NAMES))
        )
    link_fields = ("id", "blueprint_id", "source_id", "target_id", "kind", "label")
    for row in Link.objects.filter(**in_teams).values(*link_fields):
        parts[row.pop("blueprint_id")]["links"].append(
            merge.TeamLink(**_renamed(row, source_id="source", target_id="target"))
        )
    teams = Blueprint.objects.filter(workspace=workspace, kind=BlueprintKind.TEAM)
    return [
        merge.TeamBlueprint(
            id=pk,
            team=team_id,
            phases=tuple(parts[pk]["phases"]),
            lanes=tuple(parts[pk]["lanes"]),
            steps=tuple(parts[pk]["steps"]),
            links=tuple(parts[pk]["links"]),
        )
        for pk, team_id in teams.values_list("id", "team_id")
    ]


_FK_NAMES = {"channel_id": "channel", "actor_id": "actor"}


def _renamed(row: dict[str, Any], **names: str) -> dict[str, Any]:
    return {names.get(key, key): value for key, value in row.items()}


def merge_decisions(*, workspace: Workspace) -> merge.Decisions:
    verdicts = MergeDecision.objects.filter(workspace=workspace).values_list(
        "first_step_id", "second_step_id", "verdict"
    )
    return merge.Decisions(
        phase_names=dict(
            PhaseMapping.objects.filter(workspace=workspace).values_list("phase_id", "name")
        ),
        accepted=frozenset((a, b) for a, b, verdict in verdicts if verdict == Verdict.ACCEPTED),
        rejected=frozenset((a, b) for a, b, verdict in verdicts if verdict == Verdict.REJECTED),
    )


@dataclass
class _Outcome:
    """What happened to the rows of one kind, by key, to build the report."""

    before: dict[str, dict[str, Any]] = field(default_factory=dict)
    after: dict[str, dict[str, Any]] = field(default_factory=dict)
    removed_rows: dict[str, models.Model] = field(default_factory=dict)
    kept: list[models.Model] = field(default_factory=list)
    preserved: dict[int, list[str]] = field(default_factory=dict)


class _Writer:
    """Writes one merge result into the global blueprint; holds the rows while it does."""

    def __init__(self, blueprint: Blueprint) -> None:
        self.blueprint = blueprint
        locked = {"blueprint": blueprint}
        self.phases = list(Phase.objects.select_for_update().filter(**locked).order_by("position"))
        self.lanes = list(Lane.objects.select_for_update().filter(**locked).order_by("position"))
        self.steps = list(
            Step.objects.select_for_update().filter(**locked).order_by("position", "id")
        )
        self.outcomes = {kind: _Outcome() for kind in ("phases", "lanes", "steps", "links")}
        self.rearranged = False
        self.ids: dict[str, dict[str, int]] = {kind: {} for kind in self.outcomes}
        self.names: dict[str, dict[int, str]] = {kind: {} for kind in self.outcomes}
        for kind, rows in (("phases", self.phases), ("lanes", self.lanes), ("steps", self.steps)):
            for row in rows:
                self.names[kind][row.pk] = _display(row)
                if row.merge_key:
                    self.ids[kind][row.merge_key] = row.pk

    def previous_state(self) -> merge.MergeState:
        def sources(rows: Iterable[Phase | Lane | Step]) -> dict[str, frozenset[int]]:
            return {
                row.merge_key: frozenset(_int_list(row.merge_snapshot.get("sources")))
                for row in rows
                if row.merge_key and isinstance(row.merge_snapshot, dict)
            }

        return merge.MergeState(
            phases=sources(self.phases), lanes=sources(self.lanes), steps=sources(self.steps)
        )

    # --- writing ---------------------------------------------------------------------------

    def write(self, result: merge.MergeResult) -> dict[str, Any]:
        self._sync_rows("phases", Phase, self.phases, result.phases, self._phase_values)
        self._sync_rows("lanes", Lane, self.lanes, result.lanes, self._lane_values)
        self._sync_steps(result)
        self._remove_empty("phases", Phase, self.phases, "phase_id")
        self._remove_empty("lanes", Lane, self.lanes, "lane_id")
        self._order(Phase, self.phases, result.phases)
        # Lanes take the order of their content (`arrange_lanes`, below), not the merge's:
        # ordering them twice wrote every lane's position twice on every merge.
        self._order_steps(result)
        self._sync_sources(result)
        self._sync_links(result)
        if arrange_lanes(self.blueprint):
            self.rearranged = True
        return self._report()

    def _phase_values(self, item: merge.GlobalPhase) -> dict[str, Any]:
        return {"name": item.name}

    def _lane_values(self, item: merge.GlobalLane) -> dict[str, Any]:
        return {
            "name": item.name,
            "band": item.band,
            "actor": item.actor,
            "name_translations": dict(item.name_translations),
        }

    def _sync_rows(
        self,
        kind: str,
        model: type[Phase] | type[Lane],
        rows: list[Any],
        items: Sequence[merge.GlobalPhase | merge.GlobalLane],
        values_of: Callable[[Any], dict[str, Any]],
    ) -> None:
        """Create, update or adopt the phases or lanes of the result (removal comes later)."""
        outcome = self.outcomes[kind]
        by_key = {row.merge_key: row for row in rows if row.merge_key}
        outcome.before = {key: dict(row.merge_snapshot or {}) for key, row in by_key.items()}
        hand_made = [row for row in rows if not row.merge_key]
        wanted = {item.key for item in items}
        outcome.removed_rows = {key: row for key, row in by_key.items() if key not in wanted}
        next_position = max((row.position for row in rows), default=-1) + 1
        created, changed = [], []
        for item in items:
            values = values_of(item)
            snapshot = merge.snapshot(item)
            outcome.after[item.key] = snapshot
            row = by_key.get(item.key) or self._adopt(kind, hand_made, item)
            if row is None:
                row = model(
                    blueprint=self.blueprint,
                    position=next_position,
                    merge_key=item.key,
                    merge_snapshot=snapshot,
                    **_columns(values),
                )
                next_position += 1
                created.append(row)
                continue
            old = row.merge_snapshot if row.merge_key == item.key else {}
            writes = self._apply(kind, row.pk, values, old, _current(row, values))
            for name, value in _columns(writes).items():
                setattr(row, name, value)
            if writes or row.merge_key != item.key or row.merge_snapshot != snapshot:
                row.merge_key, row.merge_snapshot = item.key, snapshot
                changed.append(row)
        model.objects.bulk_create(created)
        rows.extend(created)
        if changed:
            fields = ["merge_key", "merge_snapshot", *_columns(values_of(items[0]))]
            model.objects.bulk_update(changed, fields)
        for row in rows:
            if row.merge_key:
                self.ids[kind][row.merge_key] = row.pk
            self.names[kind][row.pk] = _display(row)

    def _adopt(
        self, kind: str, hand_made: list[Any], item: merge.GlobalPhase | merge.GlobalLane
    ) -> Any:
        """A hand-made row the merge would otherwise double: same name (and band, actor)."""
        for row in hand_made:
            if kind == "phases":
                same = merge.normalise(row.name) == merge.normalise(item.name)
            else:
                same = row.band == item.band and (
                    row.actor_id == item.actor
                    if item.actor is not None
                    else row.actor_id is None
                    and merge.normalise(row.name) == merge.normalise(item.name)
                )
            if same:
                hand_made.remove(row)
                return row
        return None

    def _apply(
        self,
        kind: str,
        pk: int,
        values: Mapping[str, Any],
        old: Mapping[str, Any],
        current: Mapping[str, Any],
    ) -> dict[str, Any]:
        """The values to write: those the facilitator did not edit. Remember the ones they did."""
        writes = {}
        preserved = []
        for name, value in values.items():
            if current[name] == value:
                continue
            if name in old and current[name] == old[name]:
                writes[name] = value
            else:
                preserved.append(name)
        if preserved:
            self.outcomes[kind].preserved[pk] = preserved
        return writes

    def _sync_steps(self, result: merge.MergeResult) -> None:
        outcome = self.outcomes["steps"]
        by_key = {row.merge_key: row for row in self.steps if row.merge_key}
        outcome.before = {key: dict(row.merge_snapshot or {}) for key, row in by_key.items()}
        lane_key = {pk: key for key, pk in self.ids["lanes"].items()}
        phase_key = {pk: key for key, pk in self.ids["phases"].items()}
        wanted = {step.key for step in result.steps}
        outcome.removed_rows = {key: row for key, row in by_key.items() if key not in wanted}
        if outcome.removed_rows:
            Step.objects.filter(pk__in=[row.pk for row in outcome.removed_rows.values()]).delete()
        self.steps = [row for row in self.steps if row.merge_key not in outcome.removed_rows]
        hand_made: dict[tuple[str, str, str], list[Step]] = defaultdict(list)
        for row in self.steps:
            if not row.merge_key:
                cell = (lane_key.get(row.lane_id, ""), phase_key.get(row.phase_id, ""))
                hand_made[(*cell, merge.normalise(row.title))].append(row)

        self.before_cells = {row.pk: (row.lane_id, row.phase_id) for row in self.steps}
        occupied = set(self.before_cells.values())
        self.merge_cells: dict[str, tuple[int, int]] = {}
        # Temporary positions of new and moved steps: above every current position and every
        # merge position, so they collide with nothing until their cell is put in order.
        highest = max((row.position for row in self.steps), default=-1)
        next_position = max(highest + 1, len(result.steps))
        now = timezone.now()
        created, changed = [], []
        for item in result.steps:
            values = {"lane": item.lane, "phase": item.phase}
            values |= {name: getattr(item, name) for name in merge.STEP_VALUES}
            snapshot = merge.snapshot(item)
            outcome.after[item.key] = snapshot
            cell = (self.ids["lanes"][item.lane], self.ids["phases"][item.phase])
            row = by_key.get(item.key)
            if row is None:
                candidates = hand_made.get((item.lane, item.phase, merge.normalise(item.title)))
                row = candidates.pop(0) if candidates else None
            if row is None:
                row = Step(
                    blueprint=self.blueprint,
                    lane_id=cell[0],
                    phase_id=cell[1],
                    # In a cell that was empty, the merge's position is already the final one.
                    position=next_position if cell in occupied else item.position,
                    merge_key=item.key,
                    merge_snapshot=snapshot,
                    **_columns({name: values[name] for name in merge.STEP_VALUES}),
                )
                next_position += 1
                created.append(row)
                self.merge_cells[item.key] = cell
                continue
            old = row.merge_snapshot if row.merge_key == item.key else {}
            current = {
                "lane": lane_key.get(row.lane_id, ""),
                "phase": phase_key.get(row.phase_id, ""),
            } | {name: getattr(row, column) for name, column in STEP_COLUMNS.items()}
            writes = self._apply("steps", row.pk, values, old, current)
            if "lane" in writes or "phase" in writes:
                row.lane_id = cell[0] if "lane" in writes else row.lane_id
                row.phase_id = cell[1] if "phase" in writes else row.phase_id
                row.position = next_position  # unique everywhere until the cell is reordered
                next_position += 1
            for name, value in writes.items():
                if name not in ("lane", "phase"):
                    setattr(row, STEP_COLUMNS[name], value)
            if writes:
                row.version += 1
                row.updated_at = now
            if writes or row.merge_key != item.key or row.merge_snapshot != snapshot:
                row.merge_key, row.merge_snapshot = item.key, snapshot
                changed.append(row)
            self.merge_cells[item.key] = cell
        Step.objects.bulk_create(created)
        self.steps.extend(created)
        if changed:
            columns = ["lane_id", "phase_id", "position", "version", "updated_at"]
            columns += ["merge_key", "merge_snapshot", *STEP_COLUMNS.values()]
            Step.objects.bulk_update(changed, columns, batch_size=500)
        for row in self.steps:
            if row.merge_key:
                self.ids["steps"][row.merge_key] = row.pk
            self.names["steps"][row.pk] = row.title

    def _remove_empty(
        self, kind: str, model: type[models.Model], rows: list[Any], column: str
    ) -> None:
        """Remove merged rows the result no longer has, unless steps are still in them."""
        outcome = self.outcomes[kind]
        occupied = {getattr(step, column) for step in self.steps}
        gone = [row for row in outcome.removed_rows.values() if row.pk not in occupied]
        outcome.kept = [row for row in outcome.removed_rows.values() if row.pk in occupied]
        outcome.removed_rows = {row.merge_key: row for row in gone}
        if gone:
            model.objects.filter(pk__in=[row.pk for row in gone]).delete()
        rows[:] = [row for row in rows if row not in gone]

    def _order(
        self,
        model: type[Phase] | type[Lane],
        rows: list[Any],
        items: Sequence[merge.GlobalPhase | merge.GlobalLane],
    ) -> None:
        kind = "phases" if model is Phase else "lanes"
        driven = [self.ids[kind][item.key] for item in items]
        existing = [row.pk for row in sorted(rows, key=lambda row: row.position)]
        self._apply_order(model.objects.filter(blueprint=self.blueprint), rows, driven, existing)

    def _order_steps(self, result: merge.MergeResult) -> None:
        by_pk = {row.pk: row for row in self.steps}
        cells: dict[tuple[int, int], list[Step]] = defaultdict(list)
        for row in self.steps:
            cells[(row.lane_id, row.phase_id)].append(row)
        driven: dict[tuple[int, int], list[int]] = defaultdict(list)
        for item in result.steps:  # in merge order
            row = by_pk[self.ids["steps"][item.key]]
            cell = (row.lane_id, row.phase_id)
            if self.merge_cells[item.key] == cell:
                driven[cell].append(row.pk)
        for cell, rows in cells.items():
            before = [
                row.pk
                for row in sorted(rows, key=lambda row: (row.position, row.pk))
                if self.before_cells.get(row.pk) == cell
            ]
            siblings = Step.objects.filter(lane_id=cell[0], phase_id=cell[1])
            self._apply_order(siblings, rows, driven[cell], before)

    def _apply_order(
        self, siblings: models.QuerySet, rows: list[Any], driven: list[int], existing: list[int]
    ) -> None:
        order = arrange(driven, existing)
        by_pk = {row.pk: row for row in rows}
        if [by_pk[pk].position for pk in order] != list(range(len(order))):
            ordering.apply_order(siblings, order)
            self.rearranged = True
            for position, pk in enumerate(order):
                by_pk[pk].position = position

    def _sync_sources(self, result: merge.MergeResult) -> None:
        through = Step.sources.through
        wanted = {
            (self.ids["steps"][item.key], source)
            for item in result.steps
            for source in item.sources
        }
        rows = through.objects.filter(from_step__blueprint=self.blueprint)
        existing = {(a, b): pk for pk, a, b in rows.values_list("id", "from_step_id", "to_step_id")}
        merged = set(self.ids["steps"].values())
        stale = [pk for pair, pk in existing.items() if pair[0] in merged and pair not in wanted]
        if stale:
            through.objects.filter(pk__in=stale).delete()
        through.objects.bulk_create(
            through(from_step_id=a, to_step_id=b) for a, b in sorted(wanted - existing.keys())
        )

    def _sync_links(self, result: merge.MergeResult) -> None:
        outcome = self.outcomes["links"]
        rows = list(Link.objects.select_for_update().filter(blueprint=self.blueprint))
        by_key = {row.merge_key: row for row in rows if row.merge_key}
        by_triple = {(row.source_id, row.target_id, row.kind): row for row in rows}
        outcome.before = {key: dict(row.merge_snapshot or {}) for key, row in by_key.items()}
        wanted = {link.key for link in result.links}
        outcome.removed_rows = {key: row for key, row in by_key.items() if key not in wanted}
        if outcome.removed_rows:
            Link.objects.filter(pk__in=[row.pk for row in outcome.removed_rows.values()]).delete()
        step_ids = self.ids["steps"]
        created, changed = [], []
        for item in result.links:
            snapshot = merge.snapshot(item)
            outcome.after[item.key] = snapshot
            triple = (step_ids[item.source], step_ids[item.target], item.kind)
            row = by_key.get(item.key)
            if row is None:
                row = by_triple.get(triple)
                if row is not None and row.merge_key:
                    continue  # another merged link was re-pointed here by hand: it stands in
            if row is None:
                row = Link(
                    blueprint=self.blueprint,
                    source_id=triple[0],
                    target_id=triple[1],
                    kind=item.kind,
                    label=item.label,
                    merge_key=item.key,
                    merge_snapshot=snapshot,
                )
                created.append(row)
                continue
            old = row.merge_snapshot if row.merge_key == item.key else {}
            if (row.source_id, row.target_id, row.kind) != triple:
                self.outcomes["links"].preserved[row.pk] = ["source", "target", "kind"]
            writes = self._apply("links", row.pk, {"label": item.label}, old, {"label": row.label})
            row.label = writes.get("label", row.label)
            if writes or row.merge_key != item.key or row.merge_snapshot != snapshot:
                row.merge_key, row.merge_snapshot = item.key, snapshot
                changed.append(row)
        Link.objects.bulk_create(created)
        if changed:
            Link.objects.bulk_update(changed, ["label", "merge_key", "merge_snapshot"])
        for row in [*rows, *created]:
            if row.merge_key and row.merge_key in wanted:
                self.ids["links"][row.merge_key] = row.pk
                self.names["links"][row.pk] = f"{row.source_id} → {row.target_id} ({row.kind})"
        for row in outcome.removed_rows.values():
            self.names["links"][row.pk] = f"{row.source_id} → {row.target_id} ({row.kind})"

    # --- reporting -------------------------------------------------------------------------

    def _report(self) -> dict[str, Any]:
        changes = {}
        preserved = []
        for kind, outcome in self.outcomes.items():
            described = merge.describe_changes(outcome.before, outcome.after)
            removed_ids = {key: row.pk for key, row in outcome.removed_rows.items()}
            changes[kind] = {
                "added": [self._entry(kind, self.ids[kind][key]) for key in described["added"]],
                "removed": [
                    self._entry(kind, removed_ids[key])
                    for key in described["removed"]
                    if key in removed_ids
                ],
                "updated": [
                    self._entry(kind, self.ids[kind][key], self._readable(fields))
                    for key, fields in described["updated"].items()
                ],
                "kept": [self._entry(kind, row.pk) for row in outcome.kept],
            }
            preserved += [
                {"type": kind[:-1], "id": pk, "fields": fields}
                for pk, fields in sorted(outcome.preserved.items())
            ]
        return {"changes": changes, "preserved": preserved}

    def _entry(self, kind: str, pk: int, fields: dict[str, Any] | None = None) -> dict[str, Any]:
        entry: dict[str, Any] = {"id": pk, "name": self.names[kind].get(pk, "")}
        if fields is not None:
            entry["fields"] = fields
        return entry

    def _readable(self, fields: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
        """Lane, phase and step keys in a change become the ids of the global blueprint."""
        kinds = {"lane": "lanes", "phase": "phases", "source": "steps", "target": "steps"}
        readable = {}
        for name, change in fields.items():
            if name in kinds:
                ids = self.ids[kinds[name]] | self._removed_ids(kinds[name])
                change = {side: ids.get(value) for side, value in change.items()}
            readable[name] = dict(change)
        return readable

    def _removed_ids(self, kind: str) -> dict[str, int]:
        outcome = self.outcomes[kind]
        return {key: row.pk for key, row in outcome.removed_rows.items()} | {
            row.merge_key: row.pk for row in outcome.kept
        }

    def suggestions(self, result: merge.MergeResult) -> list[dict[str, Any]]:
        return [
            {
                "steps": list(item.steps),
                "titles": list(item.titles),
                "score": item.score,
                "global_steps": [self.ids["steps"][key] for key in item.global_steps],
            }
            for item in result.suggestions
        ]

    def conflicts(self, result: merge.MergeResult) -> list[dict[str, Any]]:
        return [
            {
                "step": self.ids["steps"][item.step],
                "title": self.names["steps"][self.ids["steps"][item.step]],
                "field": item.field,
                "chosen": item.chosen,
                "values": [
                    {"source": value.source, "team": value.team, "value": value.value}
                    for value in item.values
                ],
            }
            for item in result.conflicts
        ]


def arrange_lanes(blueprint: Blueprint) -> bool:
    """Store the merged lanes of a global blueprint in the order its content gives them
    (`layout.arranged_lanes`: by band and name, then the order whose links cross least).

    The board, the API, the diagram and the book all show the stored order; the merge's own
    order breaks ties between lanes by keys that hold actor ids, so the same content merged on
    another database gave other rows. A lane added by hand keeps its place after the merged
    lane it stood behind (`arrange`); merged lanes of an unknown band stay last. True when
    that moved any lane.
    """
    data = render.blueprint_data(blueprint)
    merged = set(
        Lane.objects.filter(blueprint=blueprint).exclude(merge_key="").values_list("pk", flat=True)
    )
    mine = [lane for lane in data.lanes if lane.id in merged]
    drawn = [lane for lane in mine if lane.band in layout.BANDS]
    driven = [lane.id for lane in layout.arranged_lanes(drawn, data.phases, data.steps, data.links)]
    driven += [lane.id for lane in mine if lane.band not in layout.BANDS]
    existing = [lane.id for lane in data.lanes]
    order = arrange(driven, existing)
    if order == existing:
        return False
    ordering.apply_order(Lane.objects.filter(blueprint=blueprint), order)
    return True


def arrange(driven: Sequence[int], existing: Sequence[int]) -> list[int]:
    """`driven` ids in their order, each other id of `existing` after the driven id it follows.

    Merged rows take the merge's order; a row added by hand keeps its place after the merged
    row it stood behind (or at the start).
    """
    wanted = set(driven)
    leading: list[int] = []
    behind: dict[int, list[int]] = defaultdict(list)
    anchor = None
    for pk in existing:
        if pk in wanted:
            anchor = pk
        elif anchor is None:
            leading.append(pk)
        else:
            behind[anchor].append(pk)
    order = leading
    for pk in driven:
        order += [pk, *behind[pk]]
    return order


def _display(row: Phase | Lane | Step) -> str:
    return row.title if isinstance(row, Step) else row.name


def _attname(name: str) -> str:
    return "actor_id" if name == "actor" else name


def _columns(values: Mapping[str, Any]) -> dict[str, Any]:
    return {STEP_COLUMNS.get(name, _attname(name)): value for name, value in values.items()}


def _current(row: Phase | Lane, values: Mapping[str, Any]) -> dict[str, Any]:
    return {name: getattr(row, _attname(name)) for name in values}


def _int_list(value: Any) -> list[int]:
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, int) and not isinstance(item, bool)]
