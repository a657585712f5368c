"""Merge team blueprints into one global blueprint: plain data in, plain data out.

No ORM here, so the rules can be tested with generated input and benchmarked on their own.
`blueprints/merging.py` reads the database into these dataclasses and writes the result back.

The rules:

- Phases align by name, ignoring case, accents and spacing; the facilitator's phase mapping
  (team phase id → global phase name) overrides the team's name. Global phases are ordered by
  how many teams put one before the other, then the average relative position of their
  team phases, then by name.
- Lanes align by (band, actor), or by (band, name) when they have no actor; ordered by band,
  then by their average relative position inside the band.
- Steps of the same lane and phase whose titles are equal after normalisation become one
  global step; so do pairs the facilitator accepted. Similar titles are only *suggested*, and
  a rejected pair is never suggested again.
- Links follow their steps to the global steps, deduplicated; a link between two steps that
  became one is dropped.
- Every global item keeps its `sources`. Its `key` stays the same from merge to merge: an item
  inherits the key of the previous item it shares most sources with.

The result depends only on the content, never on the order teams, steps or decisions come in.
"""

import difflib
import functools
import hashlib
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from blueprints.layout import BANDS

# Likely matches. An edit similarity of 0.8 already pairs "checks the case" with "closes the
# case", and 0.6 of words in common "writes to the case" with "writes to the voucher"; these
# still pair "opens a case" with "opens a new case" and "calls the hotline" with "the
# consumer calls the hotline".
FUZZY_RATIO = 0.85
TOKEN_OVERLAP = 0.75
CONFLICT_FIELDS = ("channel", "actor", "kind", "emotion")
KEY_MAX = 200
# Fields of a global step a facilitator may edit on the global blueprint, besides its cell.
STEP_VALUES = (
    "title", "description", "kind", "channel", "actor", "emotion", "evidence",
    "data_captured", "data_recorded_in", "data_stage",
)  # fmt: skip

_WORD = re.compile(r"\w+")


def normalise(text: str) -> str:
    """Text compared for equality: no accents, case folded, whitespace collapsed."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.casefold().split())


# ---------------------------------------------------------------------------------------------
# Input


@dataclass(frozen=True)
class TeamPhase:
    id: int
    name: str
    position: int


@dataclass(frozen=True)
class TeamLane:
    id: int
    name: str
    band: str
    position: int
    actor: int | None = None
    name_translations: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TeamStep:
    id: int
    lane: int
    phase: int
    title: str
    position: int = 0
    description: str = ""
    kind: str = "action"
    channel: int | None = None
    actor: int | None = None
    emotion: int = 0
    evidence: str = "observed"
    data_captured: str = ""
    data_recorded_in: str = ""
    data_stage: str = ""


@dataclass(frozen=True)
class TeamLink:
    id: int
    source: int
    target: int
    kind: str = "handoff"
    label: str = ""


@dataclass(frozen=True)
class TeamBlueprint:
    id: int
    team: int
    phases: Sequence[TeamPhase] = ()
    lanes: Sequence[TeamLane] = ()
    steps: Sequence[TeamStep] = ()
    links: Sequence[TeamLink] = ()


def pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a <= b else (b, a)


@dataclass(frozen=True)
class Decisions:
    """The facilitator's choices: phase mapping, accepted and rejected step pairs."""

    phase_names: Mapping[int, str] = field(default_factory=dict)
    accepted: frozenset[tuple[int, int]] = frozenset()
    rejected: frozenset[tuple[int, int]] = frozenset()


@dataclass(frozen=True)
class MergeState:
    """What the previous merge produced: key → source ids, for phases, lanes and steps."""

    phases: Mapping[str, frozenset[int]] = field(default_factory=dict)
    lanes: Mapping[str, frozenset[int]] = field(default_factory=dict)
    steps: Mapping[str, frozenset[int]] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# Output


@dataclass(frozen=True)
class GlobalPhase:
    key: str
    name: str
    position: int
    sources: tuple[int, ...]


@dataclass(frozen=True)
class GlobalLane:
    key: str
    name: str
    band: str
    actor: int | None
    position: int
    name_translations: Mapping[str, str]
    sources: tuple[int, ...]


@dataclass(frozen=True)
class GlobalStep:
    key: str
    lane: str
    phase: str
    position: int
    title: str
    description: str
    kind: str
    channel: int | None
    actor: int | None
    emotion: int
    evidence: str
    data_captured: str
    data_recorded_in: str
    data_stage: str
    sources: tuple[int, ...]
    teams: tuple[int, ...]


@dataclass(frozen=True)
class GlobalLink:
    key: str
    source: str
    target: str
    kind: str
    label: str
    sources: tuple[int, ...]
    teams: tuple[int, ...]


@dataclass(frozen=True)
class Suggestion:
    """Two global steps that look alike: `steps` is the team step pair to accept or reject."""

    steps: tuple[int, int]
    global_steps: tuple[str, str]
    titles: tuple[str, str]
    score: float


@dataclass(frozen=True)
class SourceValue:
    source: int
    team: int
    value: Any


@dataclass(frozen=True)
class Conflict:
    """Team steps merged into `step` that disagree on `field`; `chosen` is what was kept."""

    step: str
    field: str
    chosen: Any
    values: tuple[SourceValue, ...]


@dataclass(frozen=True)
class MergeResult:
    phases: tuple[GlobalPhase, ...]
    lanes: tuple[GlobalLane, ...]
    steps: tuple[GlobalStep, ...]
    links: tuple[GlobalLink, ...]
    suggestions: tuple[Suggestion, ...]
    conflicts: tuple[Conflict, ...]
    # Accepted pairs that could not apply: the two steps are no longer in the same cell.
    unapplied: tuple[tuple[int, int], ...]

    def state(self) -> MergeState:
        return MergeState(
            phases={p.key: frozenset(p.sources) for p in self.phases},
            lanes={lane.key: frozenset(lane.sources) for lane in self.lanes},
            steps={s.key: frozenset(s.sources) for s in self.steps},
        )


def snapshot(item: GlobalPhase | GlobalLane | GlobalStep | GlobalLink) -> dict[str, Any]:
    """The values a merge writes for an item (JSON-ready), to detect later edits and changes."""
    if isinstance(item, GlobalPhase):
        return {"name": item.name, "sources": list(item.sources)}
    if isinstance(item, GlobalLane):
        return {
            "name": item.name,
            "band": item.band,
            "actor": item.actor,
            "name_translations": dict(item.name_translations),
            "sources": list(item.sources),
        }
    if isinstance(item, GlobalStep):
        values = {name: getattr(item, name) for name in STEP_VALUES}
        return {"lane": item.lane, "phase": item.phase, **values, "sources": list(item.sources)}
    return {
        "source": item.source,
        "target": item.target,
        "kind": item.kind,
        "label": item.label,
        "sources": list(item.sources),
    }


def describe_changes(
    before: Mapping[str, Mapping[str, Any]], after: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any]:
    """Keys added and removed, and for kept keys the fields whose value changed."""
    updated = {}
    for key in sorted(before.keys() & after.keys()):
        fields = {
            name: {"before": before[key].get(name), "after": value}
            for name, value in after[key].items()
            if before[key].get(name) != value
        }
        if fields:
            updated[key] = fields
    return {
        "added": sorted(after.keys() - before.keys()),
        "removed": sorted(before.keys() - after.keys()),
        "updated": updated,
    }


# ---------------------------------------------------------------------------------------------
# The merge


def merge(
    blueprints: Iterable[TeamBlueprint],
    decisions: Decisions | None = None,
    previous: MergeState | None = None,
) -> MergeResult:
    decisions = decisions or Decisions()
    previous = previous or MergeState()
    teams = sorted(blueprints, key=lambda b: b.id)
    _check(teams)
    team_of_step = {s.id: b.team for b in teams for s in b.steps}

    phase_groups, phase_of = _align_phases(teams, decisions.phase_names)
    phase_keys = _assign_keys(
        {natural: (_fit("p:" + natural), ids) for natural, ids in phase_groups.items()},
        previous.phases,
    )
    phases = _global_phases(teams, phase_groups, phase_keys, decisions.phase_names)

    lane_groups, lane_of = _align_lanes(teams)
    lane_keys = _assign_keys(
        {natural: (_lane_fresh_key(natural), ids) for natural, ids in lane_groups.items()},
        previous.lanes,
    )
    lanes = _global_lanes(teams, lane_groups, lane_keys)

    cells: dict[tuple[Hashable, str], list[TeamStep]] = defaultdict(list)
    for blueprint in teams:
        for step in blueprint.steps:
            cells[(lane_of[step.lane], phase_of[step.phase])].append(step)
    groups, unapplied = _group_steps(cells, decisions.accepted)
    step_keys = _assign_keys({min(ids): (f"s{min(ids)}", ids) for ids in groups}, previous.steps)
    key_of_group = {ids: step_keys[min(ids)] for ids in groups}
    step_by_id = {s.id: s for b in teams for s in b.steps}
    relative = _relative_step_positions(teams)

    group_of = {i: ids for ids in groups for i in ids}
    cell_of_group = {
        group_of[step.id]: (lane_keys[lane_natural], phase_keys[phase_natural])
        for (lane_natural, phase_natural), members in cells.items()
        for step in members
    }
    steps, conflicts = [], []
    for ids, key in key_of_group.items():
        lane_key, phase_key = cell_of_group[ids]
        sources = [step_by_id[i] for i in sorted(ids)]
        step, found = _global_step(key, lane_key, phase_key, sources, team_of_step)
        steps.append(step)
        conflicts.extend(found)
    steps = _order_steps(steps, relative, phases, lanes)

    step_key_of = {i: key_of_group[ids] for i, ids in group_of.items()}
    links = _global_links(teams, step_key_of)
    suggestions = _suggest(cells, group_of, key_of_group, decisions.rejected, team_of_step)

    return MergeResult(
        phases=tuple(phases),
        lanes=tuple(lanes),
        steps=tuple(steps),
        links=tuple(links),
        suggestions=tuple(suggestions),
        conflicts=tuple(sorted(conflicts, key=lambda c: (c.step, c.field))),
        unapplied=tuple(sorted(unapplied)),
    )


def _check(teams: Sequence[TeamBlueprint]) -> None:
    """Input invariants the database guarantees; plain callers get a clear error."""
    seen: set[tuple[str, int]] = set()
    for blueprint in teams:
        for kind, items in (
            ("phase", blueprint.phases),
            ("lane", blueprint.lanes),
            ("step", blueprint.steps),
            ("link", blueprint.links),
        ):
            for item in items:
                if (kind, item.id) in seen:
                    raise ValueError(f"{kind} {item.id} appears twice")
                seen.add((kind, item.id))
        phases = {p.id for p in blueprint.phases}
        lanes = {lane.id for lane in blueprint.lanes}
        steps = {s.id for s in blueprint.steps}
        for step in blueprint.steps:
            if step.phase not in phases or step.lane not in lanes:
                raise ValueError(f"step {step.id} is outside blueprint {blueprint.id}")
        for link in blueprint.links:
            if link.source not in steps or link.target not in steps:
                raise ValueError(f"link {link.id} is outside blueprint {blueprint.id}")


def _pick[T](candidates: Iterable[tuple[int, T]]) -> T | None:
    """The most common value; ties go to the value held by the lowest id."""
    counts: Counter[T] = Counter()
    first: dict[T, int] = {}
    for ident, value in candidates:
        counts[value] += 1
        first[value] = min(first.get(value, ident), ident)
    if not counts:
        return None
    best = max(counts.values())
    return min((value for value, n in counts.items() if n == best), key=lambda v: first[v])


def _mean(values: Iterable[float]) -> float:
    # fsum is exactly rounded, so the mean does not depend on the order of the values.
    values = list(values)
    return math.fsum(values) / len(values) if values else 0.0


def _relative(items: Sequence[Any]) -> dict[int, float]:
    """Each item's place in its list as a fraction in (0, 1), by (position, id)."""
    ordered = sorted(items, key=lambda item: (item.position, item.id))
    return {item.id: (index + 0.5) / len(ordered) for index, item in enumerate(ordered)}


def _assign_keys(
    groups: Mapping[Hashable, tuple[str, frozenset[int]]],
    previous: Mapping[str, frozenset[int]],
) -> dict[Hashable, str]:
    """Give each group the previous key it shares most sources with, else a fresh key.

    Greedy over (overlap, oldest source, key) so the outcome does not depend on any input
    order: on a tie the item of the oldest card keeps its key (and its global row), whatever
    the keys spell. A fresh key never reuses a previous key, so a previous item is never
    silently turned into another one.
    """
    candidates = []
    owners: dict[int, list[str]] = defaultdict(list)
    for key, ids in previous.items():
        for ident in ids:
            owners[ident].append(key)
    for natural, (fresh, ids) in groups.items():
        overlap: Counter[str] = Counter(key for ident in ids for key in owners.get(ident, ()))
        for key, shared in overlap.items():
            candidates.append((-shared, min(previous[key]), key, fresh, min(ids), natural))
    assigned: dict[Hashable, str] = {}
    taken: set[str] = set()
    for _, _, key, _, _, natural in sorted(candidates, key=lambda c: c[:5]):
        if natural not in assigned and key not in taken:
            assigned[natural] = key
            taken.add(key)
    unavailable = taken | set(previous)
    for natural, (fresh, _) in sorted(groups.items(), key=lambda g: (g[1][0], min(g[1][1]))):
        if natural in assigned:
            continue
        key, serial = fresh, 1
        while key in unavailable:
            serial += 1
            key = _fit(f"{fresh}~{serial}")
        assigned[natural] = key
        unavailable.add(key)
    return assigned


def _fit(key: str) -> str:
    if len(key) <= KEY_MAX:
        return key
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return key[: KEY_MAX - 17] + "#" + digest


# Phases ----------------------------------------------------------------------------------------


def _align_phases(
    teams: Sequence[TeamBlueprint], mapping: Mapping[int, str]
) -> tuple[dict[str, frozenset[int]], dict[int, str]]:
    phase_of = {
        phase.id: _fit(normalise(mapping.get(phase.id, phase.name)))
        for blueprint in teams
        for phase in blueprint.phases
    }
    groups: dict[str, set[int]] = defaultdict(set)
    for phase_id, natural in phase_of.items():
        groups[natural].add(phase_id)
    return {natural: frozenset(ids) for natural, ids in groups.items()}, phase_of


def _global_phases(
    teams: Sequence[TeamBlueprint],
    groups: Mapping[str, frozenset[int]],
    keys: Mapping[str, str],
    mapping: Mapping[int, str],
) -> list[GlobalPhase]:
    by_id = {p.id: p for b in teams for p in b.phases}
    relative = {pid: rel for b in teams for pid, rel in _relative(b.phases).items()}
    rows = []
    for natural, ids in groups.items():
        mapped = [(i, mapping[i]) for i in ids if i in mapping]
        name = _pick(mapped or [(i, by_id[i].name.strip()) for i in ids])
        rows.append((_mean(relative[i] for i in ids), natural, keys[natural], name, ids))
    rows = _by_precedence(teams, groups, sorted(rows, key=lambda row: row[:3]))
    return [
        GlobalPhase(key=key, name=name, position=index, sources=tuple(sorted(ids)))
        for index, (_, _, key, name, ids) in enumerate(rows)
    ]


def _by_precedence(
    teams: Sequence[TeamBlueprint], groups: Mapping[str, frozenset[int]], rows: list[Any]
) -> list[Any]:
    """Order global phases so that what most teams put first comes first.

    Average positions alone misplace a phase only some teams have (a team that starts at
    "Triage" would pull it before "Contact"); counting, for each pair of phases, how many teams
    put one before the other keeps every team's own order wherever the teams agree. Ties and
    disagreements fall back to the order of `rows` (average position), so the result depends
    on the counts only, never on the order of the teams.
    """
    natural_of = {pid: natural for natural, ids in groups.items() for pid in ids}
    before: dict[tuple[str, str], int] = defaultdict(int)
    for blueprint in teams:
        seen: list[str] = []
        for phase in sorted(blueprint.phases, key=lambda p: (p.position, p.id)):
            if natural_of[phase.id] not in seen:
                seen.append(natural_of[phase.id])
        for i, first in enumerate(seen):
            for second in seen[i + 1 :]:
                before[(first, second)] += 1
    remaining = list(rows)  # already in fallback order
    ordered = []
    while remaining:
        naturals = [row[1] for row in remaining]
        free = [
            row
            for row in remaining
            if not any(before[(m, row[1])] > before[(row[1], m)] for m in naturals)
        ]
        pick = (free or remaining)[0]
        ordered.append(pick)
        remaining.remove(pick)
    return ordered


# Lanes -----------------------------------------------------------------------------------------


def _lane_natural(lane: TeamLane) -> tuple[str, str]:
    if lane.actor is not None:
        return (lane.band, f"a{lane.actor}")
    return (lane.band, "n:" + normalise(lane.name))


def _lane_fresh_key(natural: tuple[str, str]) -> str:
    return _fit(f"l:{natural[0]}:{natural[1]}")


def _band_rank(band: str) -> int:
    return BANDS.index(band) if band in BANDS else len(BANDS)


def _align_lanes(
    teams: Sequence[TeamBlueprint],
) -> tuple[dict[tuple[str, str], frozenset[int]], dict[int, tuple[str, str]]]:
    lane_of = {lane.id: _lane_natural(lane) for b in teams for lane in b.lanes}
    groups: dict[tuple[str, str], set[int]] = defaultdict(set)
    for lane_id, natural in lane_of.items():
        groups[natural].add(lane_id)
    return {natural: frozenset(ids) for natural, ids in groups.items()}, lane_of


def _global_lanes(
    teams: Sequence[TeamBlueprint],
    groups: Mapping[tuple[str, str], frozenset[int]],
    keys: Mapping[Hashable, str],
) -> list[GlobalLane]:
    by_id = {lane.id: lane for b in teams for lane in b.lanes}
    relative: dict[int, float] = {}
    for blueprint in teams:
        for band in {lane.band for lane in blueprint.lanes}:
            relative.update(_relative([lane for lane in blueprint.lanes if lane.band == band]))
    rows = []
    for natural, ids in groups.items():
        lanes = [by_id[i] for i in sorted(ids)]
        languages = sorted({code for lane in lanes for code in lane.name_translations})
        translations = {
            code: _pick(
                (lane.id, lane.name_translations[code])
                for lane in lanes
                if code in lane.name_translations
            )
            for code in languages
        }
        order = (_band_rank(natural[0]), _mean(relative[i] for i in ids), keys[natural])
        rows.append(
            (
                order,
                natural,
                ids,
                _pick((lane.id, lane.name.strip()) for lane in lanes),
                translations,
            )
        )
    rows.sort(key=lambda row: row[0])
    return [
        GlobalLane(
            key=keys[natural],
            name=name,
            band=natural[0],
            actor=by_id[min(ids)].actor,
            position=index,
            name_translations=translations,
            sources=tuple(sorted(ids)),
        )
        for index, (_, natural, ids, name, translations) in enumerate(rows)
    ]


# Steps -----------------------------------------------------------------------------------------


class _UnionFind:
    def __init__(self, items: Iterable[int]) -> None:
        self.parent = {item: item for item in items}

    def find(self, item: int) -> int:
        root = item
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[item] != root:
            self.parent[item], item = root, self.parent[item]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _group_steps(
    cells: Mapping[tuple[Hashable, str], list[TeamStep]], accepted: Iterable[tuple[int, int]]
) -> tuple[list[frozenset[int]], list[tuple[int, int]]]:
    cell_of = {s.id: cell for cell, members in cells.items() for s in members}
    union = _UnionFind(cell_of)
    for members in cells.values():
        first_with_title: dict[str, int] = {}
        for step in sorted(members, key=lambda s: s.id):
            title = normalise(step.title)
            if title in first_with_title:
                union.union(first_with_title[title], step.id)
            else:
                first_with_title[title] = step.id
    unapplied = []
    for a, b in sorted({pair(*p) for p in accepted}):
        if a not in cell_of or b not in cell_of:
            continue  # a step that no longer exists: nothing to merge
        if cell_of[a] != cell_of[b]:
            unapplied.append((a, b))
            continue
        union.union(a, b)
    groups: dict[int, set[int]] = defaultdict(set)
    for ident in cell_of:
        groups[union.find(ident)].add(ident)
    return [frozenset(ids) for ids in groups.values()], unapplied


def _relative_step_positions(teams: Sequence[TeamBlueprint]) -> dict[int, float]:
    relative: dict[int, float] = {}
    for blueprint in teams:
        cells: dict[tuple[int, int], list[TeamStep]] = defaultdict(list)
        for step in blueprint.steps:
            cells[(step.lane, step.phase)].append(step)
        for members in cells.values():
            relative.update(_relative(members))
    return relative


def _global_step(
    key: str,
    lane: str,
    phase: str,
    sources: Sequence[TeamStep],
    team_of_step: Mapping[int, int],
) -> tuple[GlobalStep, list[Conflict]]:
    def chosen(name: str, skip_empty: bool = False) -> Any:
        values = [(s.id, getattr(s, name)) for s in sources]
        if skip_empty:
            values = [(i, v) for i, v in values if v not in ("", None)] or values
        return _pick(values)

    values = {
        "title": chosen("title"),
        "description": chosen("description", skip_empty=True),
        "kind": chosen("kind"),
        "channel": chosen("channel", skip_empty=True),
        "actor": chosen("actor", skip_empty=True),
        "emotion": chosen("emotion"),
        "evidence": chosen("evidence"),
        "data_captured": chosen("data_captured", skip_empty=True),
        "data_recorded_in": chosen("data_recorded_in", skip_empty=True),
        "data_stage": chosen("data_stage", skip_empty=True),
    }
    conflicts = []
    if len(sources) > 1:
        for name in CONFLICT_FIELDS:
            # An unset channel or actor is not a disagreement: the team did not say.
            stated = [s for s in sources if getattr(s, name) is not None]
            if len({getattr(s, name) for s in stated}) > 1:
                conflicts.append(
                    Conflict(
                        step=key,
                        field=name,
                        chosen=values[name],
                        values=tuple(
                            SourceValue(s.id, team_of_step[s.id], getattr(s, name)) for s in stated
                        ),
                    )
                )
    step = GlobalStep(
        key=key,
        lane=lane,
        phase=phase,
        position=0,
        **values,
        sources=tuple(s.id for s in sources),
        teams=tuple(sorted({team_of_step[s.id] for s in sources})),
    )
    return step, conflicts


def _order_steps(
    steps: list[GlobalStep],
    relative: Mapping[int, float],
    phases: Sequence[GlobalPhase],
    lanes: Sequence[GlobalLane],
) -> list[GlobalStep]:
    cells: dict[tuple[str, str], list[GlobalStep]] = defaultdict(list)
    for step in steps:
        cells[(step.lane, step.phase)].append(step)
    phase_rank = {p.key: p.position for p in phases}
    lane_rank = {lane.key: lane.position for lane in lanes}
    ordered = []
    for lane, phase in sorted(cells, key=lambda cell: (lane_rank[cell[0]], phase_rank[cell[1]])):
        members = sorted(
            cells[(lane, phase)],
            key=lambda s: (_mean(relative[i] for i in s.sources), normalise(s.title), s.key),
        )
        ordered.extend(replace(s, position=index) for index, s in enumerate(members))
    return ordered


# Links -----------------------------------------------------------------------------------------


def _global_links(
    teams: Sequence[TeamBlueprint], step_key_of: Mapping[int, str]
) -> list[GlobalLink]:
    merged: dict[tuple[str, str, str], list[tuple[TeamLink, int]]] = defaultdict(list)
    for blueprint in teams:
        for link in blueprint.links:
            source, target = step_key_of[link.source], step_key_of[link.target]
            if source != target:
                merged[(source, target, link.kind)].append((link, blueprint.team))
    links = []
    for (source, target, kind), members in merged.items():
        labels = [(link.id, link.label) for link, _ in members if link.label]
        links.append(
            GlobalLink(
                key=_fit(f"{source}>{target}:{kind}"),
                source=source,
                target=target,
                kind=kind,
                label=_pick(labels) or "",
                sources=tuple(sorted(link.id for link, _ in members)),
                teams=tuple(sorted({team for _, team in members})),
            )
        )
    return sorted(links, key=lambda link: link.key)


# Suggestions -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Features:
    """What the filters of `likeness` need of one normalised title, computed once."""

    length: int
    words: frozenset[str]
    # The characters as a multiset: ("a", 1), ("a", 2)… for the first, second… "a", so that
    # the size of an intersection is the number of characters two titles have in common.
    letters: frozenset[tuple[str, int]]


@functools.lru_cache(maxsize=65_536)
def _features(title: str) -> _Features:
    seen: dict[str, int] = defaultdict(int)
    letters = []
    for ch in title:
        seen[ch] += 1
        letters.append((ch, seen[ch]))
    return _Features(len(title), frozenset(_WORD.findall(title)), frozenset(letters))


def likeness(a: str, b: str) -> float | None:
    """How alike two normalised titles are (0..1), or None when they are not a likely match.

    Likely: an edit similarity of at least FUZZY_RATIO, or at least TOKEN_OVERLAP of their
    words in common (the same words in another order, one extra word).
    """
    if a > b:
        a, b = b, a
    return _likeness(a, b)


@functools.lru_cache(maxsize=262_144)
def _likeness(a: str, b: str) -> float | None:
    """`likeness` of an ordered pair, remembered between merges (a re-merge asks the same
    pairs again). Exact: the cheap tests only rule out pairs the edit similarity would."""
    fa, fb = _features(a), _features(b)
    union = len(fa.words | fb.words)
    overlap = len(fa.words & fb.words) / union if union else 0.0
    if overlap < TOKEN_OVERLAP:
        total = fa.length + fb.length
        # difflib's ratio is at most its quick_ratio, the share of characters in common;
        # that in turn is at most what the shorter title's length allows.
        if 2 * min(fa.length, fb.length) < FUZZY_RATIO * total:
            return None
        if 2 * len(fa.letters & fb.letters) < FUZZY_RATIO * total:
            return None
    ratio = difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()
    if overlap < TOKEN_OVERLAP and ratio < FUZZY_RATIO:
        return None
    return max(overlap, ratio)


def _suggest(
    cells: Mapping[tuple[Hashable, str], list[TeamStep]],
    group_of: Mapping[int, frozenset[int]],
    key_of_group: Mapping[frozenset[int], str],
    rejected: Iterable[tuple[int, int]],
    team_of_step: Mapping[int, int],
) -> list[Suggestion]:
    """Likely matches between the groups of each cell. Only pairs of titles the index finds
    (`_candidate_pairs`) are compared: the others cannot be likely matches."""
    blocked = {
        frozenset((group_of[a], group_of[b]))
        for a, b in rejected
        if a in group_of and b in group_of
    }
    step_by_id = {s.id: s for members in cells.values() for s in members}
    suggestions = []
    for members in cells.values():
        cell_groups = sorted({group_of[s.id] for s in members}, key=min)
        if len(cell_groups) < 2:
            continue
        order = {ids: index for index, ids in enumerate(cell_groups)}
        teams = {ids: {team_of_step[i] for i in ids} for ids in cell_groups}
        entries = [
            (title, ident, ids)
            for ids in cell_groups
            for title, ident in _titles(ids, step_by_id).items()
        ]
        best: dict[tuple[frozenset[int], frozenset[int]], tuple[float, int, int]] = {}
        for i, j in _candidate_pairs([title for title, _, _ in entries]):
            (title_a, a, first), (title_b, b, second) = entries[i], entries[j]
            if order[first] > order[second]:
                first, second = second, first
            # A team that put two cards side by side meant two different things.
            if first == second or teams[first] & teams[second]:
                continue
            if frozenset((first, second)) in blocked:
                continue
            score = likeness(title_a, title_b)
            if score is None:
                continue
            candidate = (score, *pair(a, b))
            known = best.get((first, second))
            if known is None or (-score, candidate[1:]) < (-known[0], known[1:]):
                best[(first, second)] = candidate
        for score, a, b in best.values():
            suggestions.append(
                Suggestion(
                    steps=(a, b),
                    global_steps=(key_of_group[group_of[a]], key_of_group[group_of[b]]),
                    titles=(step_by_id[a].title, step_by_id[b].title),
                    score=round(score, 3),
                )
            )
    return sorted(suggestions, key=lambda s: (-s.score, s.steps))


def _titles(ids: frozenset[int], step_by_id: Mapping[int, TeamStep]) -> dict[str, int]:
    """Distinct normalised titles of a group, each with the lowest step id carrying it."""
    titles: dict[str, int] = {}
    for ident in sorted(ids):
        titles.setdefault(normalise(step_by_id[ident].title), ident)
    return titles


def _candidate_pairs(titles: Sequence[str]) -> set[tuple[int, int]]:
    """Pairs (i < j) of `titles` that may be likely matches, found through an index of their
    words and characters instead of comparing every pair (prefix filtering).

    Two titles are likely when they share TOKEN_OVERLAP of their words, or when their edit
    similarity reaches FUZZY_RATIO, which needs (difflib's quick_ratio) a share of characters
    in common. Either needs at least `need` tokens in common; then, with every title's tokens
    sorted rarest first in one order, the first `len − need + 1` tokens of both titles share
    one. So each title is looked up by those few rare tokens only. Sound: no pair that
    `likeness` would accept is missed.
    """
    features = [_features(title) for title in titles]
    word_count = Counter(w for f in features for w in f.words)
    letter_count = Counter(ch for f in features for ch in f.letters)
    # The shortest partner the length filter allows has FUZZY_RATIO / (2 − FUZZY_RATIO) of a
    # title's length; the characters in common must then be at least that share of it.
    share = FUZZY_RATIO / (2 - FUZZY_RATIO)
    by_word: dict[str, list[int]] = defaultdict(list)
    by_letter: dict[tuple[str, int], list[int]] = defaultdict(list)
    pairs: set[tuple[int, int]] = set()
    for j, f in enumerate(features):
        words = sorted(f.words, key=lambda w: (word_count[w], w))
        need = max(1, math.floor(TOKEN_OVERLAP * len(words)))
        # Two empty titles are alike (difflib): they meet under a token of their own.
        letters = sorted(f.letters, key=lambda ch: (letter_count[ch], ch)) or [("", 0)]
        need_letters = max(1, math.floor(share * f.length))
        for index, found in (
            (by_word, words[: len(words) - need + 1]),
            (by_letter, letters[: len(letters) - need_letters + 1]),
        ):
            for token in found:
                for i in index[token]:
                    pairs.add((i, j))
                index[token].append(j)
    return pairs


__all__ = [
    "Conflict",
    "Decisions",
    "GlobalLane",
    "GlobalLink",
    "GlobalPhase",
    "GlobalStep",
    "MergeResult",
    "MergeState",
    "SourceValue",
    "Suggestion",
    "TeamBlueprint",
    "TeamLane",
    "TeamLink",
    "TeamPhase",
    "TeamStep",
    "describe_changes",
    "merge",
    "normalise",
    "pair",
    "likeness",
    "snapshot",
]
