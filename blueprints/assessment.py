"""The data-practice assessment of a blueprint: how the consumer data of each channel is
planned, collected, recorded, synthesised and communicated, and where its flow stops.

Plain data in (`blueprints.review.ReviewBlueprint`), plain data out; the words are added by
`blueprints/review_selectors.py` in the reader's language.

Which channel a step serves: its own; a step without one (a back-office step recording what
the phone line collected) serves the channels of the steps that lead to it through links,
looking back through other steps without a channel; a step nothing with a channel leads to
(a plan made ahead) serves the channels of the steps it leads to. A step none of that reaches
is counted under no channel (`channel` None).

Gaps, per channel row:

- `not_planned`: data collected, and no step plans it (neither in the row, nor a plan that
  serves no channel in particular, which counts for every channel);
- `collected_not_recorded`, `recorded_not_synthesised`, `synthesised_not_communicated`: the
  row has the first stage and not the next: the flow stops there;
- `captured_without_system`: steps capturing consumer data with no recording system named;
- `fragmented`: one data item recorded in more than one system (channel None).
"""

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from blueprints.review import STAGES, ReviewBlueprint, ReviewStep

FLOW = (
    ("collected_not_recorded", "collected", "recorded"),
    ("recorded_not_synthesised", "recorded", "synthesised"),
    ("synthesised_not_communicated", "synthesised", "communicated"),
)
GAP_KINDS = (
    "not_planned",
    *(kind for kind, _, _ in FLOW),
    "captured_without_system",
    "fragmented",
)
_ITEM_SEPARATORS = re.compile(r"[,;/\n·•]+")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class ChannelRow:
    channel: int | None
    name: str  # empty for the row of steps serving no channel
    stages: dict[str, list[int]]  # stage → step ids, every stage present
    teams: dict[str, list[str]] = field(default_factory=dict)  # stage → teams (global)

    @property
    def covered(self) -> int:
        return sum(1 for stage in STAGES if self.stages[stage])


@dataclass(frozen=True)
class Gap:
    kind: str
    channel: int | None
    steps: tuple[int, ...]
    item: str = ""  # fragmented: the data item
    systems: tuple[str, ...] = ()  # fragmented: where it is recorded


@dataclass(frozen=True)
class System:
    name: str
    steps: tuple[int, ...]
    channels: tuple[int | None, ...]
    items: tuple[str, ...]


@dataclass(frozen=True)
class TeamCoverage:
    team: str
    cells: dict[str, list[int | None]]  # stage → channels whose stage this team's steps cover

    @property
    def covered(self) -> int:
        return sum(len(channels) for channels in self.cells.values())


@dataclass(frozen=True)
class Assessment:
    channels: list[ChannelRow]
    gaps: list[Gap]
    systems: list[System]
    teams: list[TeamCoverage]  # empty but on a global blueprint


def normalised(text: str) -> str:
    return _SPACES.sub(" ", text).strip().casefold()


def data_items(captured: str) -> list[str]:
    """The data items a step captures ("Name, phone; batch code" → three), as written."""
    items = (_SPACES.sub(" ", part).strip(" .-") for part in _ITEM_SEPARATORS.split(captured))
    return [item for item in items if item]


def served_channels(blueprint: ReviewBlueprint) -> dict[int, tuple[int | None, ...]]:
    """Step id → the channels it serves (see the module's docstring), in channel order.

    One walk per channel and direction through the steps without a channel, so a long chain
    of back-office steps costs (channels × links), never (steps × links)."""
    by_id = {step.id: step for step in blueprint.steps}
    forward: dict[int, list[int]] = defaultdict(list)
    backward: dict[int, list[int]] = defaultdict(list)
    for link in blueprint.links:
        if link.source in by_id and link.target in by_id:
            forward[link.source].append(link.target)
            backward[link.target].append(link.source)
    starts: dict[int, list[int]] = defaultdict(list)
    for step in blueprint.steps:
        if step.channel is not None:
            starts[step.channel].append(step.id)

    def reach(edges: dict[int, list[int]]) -> dict[int, set[int]]:
        """Channel-less step → the channels whose steps reach it along `edges`."""
        found: dict[int, set[int]] = defaultdict(set)
        for channel, origins in starts.items():
            seen: set[int] = set()
            todo = [target for origin in origins for target in edges[origin]]
            while todo:
                step_id = todo.pop()
                if step_id in seen or by_id[step_id].channel is not None:
                    continue
                seen.add(step_id)
                found[step_id].add(channel)
                todo.extend(edges[step_id])
        return found

    led_from, leading_to = reach(forward), reach(backward)
    order = {channel.id: index for index, channel in enumerate(blueprint.channels)}
    served: dict[int, tuple[int | None, ...]] = {}
    for step in blueprint.steps:
        if step.channel is not None:
            served[step.id] = (step.channel,)
            continue
        channels = led_from.get(step.id) or leading_to.get(step.id) or set()
        ranked = sorted(channels, key=lambda c: (order.get(c, len(order)), c))
        served[step.id] = tuple(ranked) if ranked else (None,)
    return served


def assess(blueprint: ReviewBlueprint) -> Assessment:
    served = served_channels(blueprint)
    names = {channel.id: channel.name for channel in blueprint.channels}
    used = {step.channel for step in blueprint.steps if step.channel is not None}
    staged = [step for step in blueprint.steps if step.data_stage in STAGES]
    row_ids: list[int | None] = [c.id for c in blueprint.channels if c.id in used]
    row_ids += sorted(used - set(names))  # a channel of another workspace: never, but safe
    if any(None in served[step.id] for step in staged):
        row_ids.append(None)
    is_global = blueprint.kind == "global"
    rows = []
    for channel in row_ids:
        cells = {stage: [] for stage in STAGES}
        teams: dict[str, list[str]] = {stage: [] for stage in STAGES} if is_global else {}
        for step in staged:
            if channel in served[step.id]:
                cells[step.data_stage].append(step.id)
                if is_global:
                    for team in step.teams:
                        if team not in teams[step.data_stage]:
                            teams[step.data_stage].append(team)
        for stage_teams in teams.values():
            stage_teams.sort(key=str.casefold)
        rows.append(ChannelRow(channel, names.get(channel, "") if channel else "", cells, teams))
    return Assessment(
        channels=rows,
        gaps=_flow_gaps(rows, staged, served) + _system_gaps(blueprint.steps),
        systems=systems_of(blueprint.steps, served, row_ids),
        teams=_team_coverage(rows) if is_global else [],
    )


def _flow_gaps(
    rows: list[ChannelRow], staged: list[ReviewStep], served: dict[int, tuple[int | None, ...]]
) -> list[Gap]:
    general_plan = any(
        step.data_stage == "planned" and served[step.id] == (None,) for step in staged
    )
    gaps = []
    for row in rows:
        if row.stages["collected"] and not row.stages["planned"] and not general_plan:
            gaps.append(Gap("not_planned", row.channel, tuple(row.stages["collected"])))
        for kind, first, then in FLOW:
            if row.stages[first] and not row.stages[then]:
                gaps.append(Gap(kind, row.channel, tuple(row.stages[first])))
    return gaps


def _system_gaps(steps: Sequence[ReviewStep]) -> list[Gap]:
    gaps = []
    unrecorded: dict[int | None, list[int]] = {}
    for step in steps:
        if data_items(step.data_captured) and not step.data_recorded_in.strip():
            unrecorded.setdefault(step.channel, []).append(step.id)
    for channel, ids in unrecorded.items():
        gaps.append(Gap("captured_without_system", channel, tuple(ids)))
    # item → system → steps; names compared without case and extra spaces, shown as first met
    where: dict[str, dict[str, list[int]]] = {}
    spelled: dict[str, str] = {}
    for step in steps:
        system = normalised(step.data_recorded_in)
        if not system:
            continue
        spelled.setdefault(system, _SPACES.sub(" ", step.data_recorded_in).strip())
        for item in data_items(step.data_captured):
            key = normalised(item)
            spelled.setdefault(key, item)
            where.setdefault(key, {}).setdefault(system, []).append(step.id)
    for item, systems in where.items():
        if len(systems) > 1:
            ids = sorted({pk for pks in systems.values() for pk in pks})
            gaps.append(
                Gap(
                    "fragmented",
                    None,
                    tuple(ids),
                    item=spelled[item],
                    systems=tuple(sorted((spelled[s] for s in systems), key=str.casefold)),
                )
            )
    return gaps


def systems_of(
    steps: Iterable[ReviewStep],
    served: dict[int, tuple[int | None, ...]],
    row_order: list[int | None],
) -> list[System]:
    """Where data is recorded: each system with the steps and channels feeding it."""
    grouped: dict[str, list[ReviewStep]] = {}
    spelled: dict[str, str] = {}
    for step in steps:
        key = normalised(step.data_recorded_in)
        if key:
            spelled.setdefault(key, _SPACES.sub(" ", step.data_recorded_in).strip())
            grouped.setdefault(key, []).append(step)
    rank = {channel: index for index, channel in enumerate(row_order)}
    systems = []
    for key, feeding in grouped.items():
        channels = {channel for step in feeding for channel in served.get(step.id, (None,))}
        items: dict[str, str] = {}
        for step in feeding:
            for item in data_items(step.data_captured):
                items.setdefault(normalised(item), item)
        systems.append(
            System(
                name=spelled[key],
                steps=tuple(step.id for step in feeding),
                channels=tuple(sorted(channels, key=lambda c: rank.get(c, len(rank)))),
                items=tuple(items.values()),
            )
        )
    systems.sort(key=lambda system: (-len(system.steps), system.name.casefold()))
    return systems


def _team_coverage(rows: list[ChannelRow]) -> list[TeamCoverage]:
    cells: dict[str, dict[str, list[int | None]]] = {}
    for row in rows:
        for stage, teams in row.teams.items():
            for team in teams:
                cells.setdefault(team, {s: [] for s in STAGES})[stage].append(row.channel)
    return [TeamCoverage(team, cells[team]) for team in sorted(cells, key=str.casefold)]
