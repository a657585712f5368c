"""The blueprint as a grid of bands, lanes, phases and cells, ready for a template."""

from dataclasses import dataclass, field

from blueprints.models import BAND_ORDER, LINES, Band, Blueprint, Lane, Phase, Step


@dataclass
class LaneRow:
    lane: Lane
    name: str
    cells: list[list[Step]]


@dataclass
class BandBlock:
    band: str
    label: str
    rows: list[LaneRow] = field(default_factory=list)
    lines_below: list[str] = field(default_factory=list)


@dataclass
class Grid:
    phases: list[Phase]
    bands: list[BandBlock]
    step_count: int
    links: list


def blueprint_grid(blueprint: Blueprint, language: str, *, every_band: bool = False) -> Grid:
    """The board; `every_band` keeps empty bands too, so an editor can add their first lane."""
    phases = list(blueprint.phases.order_by("position"))
    lanes = sorted(
        blueprint.lanes.select_related("actor"),
        key=lambda lane: (BAND_ORDER[lane.band], lane.position),
    )
    steps = list(blueprint.steps.select_related("channel", "actor").order_by("position", "id"))
    if blueprint.kind == "global":
        attach_provenance(steps)
    column = {phase.pk: index for index, phase in enumerate(phases)}
    rows: dict[int, LaneRow] = {
        lane.pk: LaneRow(lane, lane.display_name(language), [[] for _ in phases]) for lane in lanes
    }
    for step in steps:
        rows[step.lane_id].cells[column[step.phase_id]].append(step)
    blocks = []
    for value, label in Band.choices:
        band_rows = [row for row in rows.values() if row.lane.band == value]
        if band_rows or every_band:
            blocks.append(BandBlock(value, str(label), band_rows))
    # A line runs between two bands shown next to each other whenever it separates them,
    # so both interaction and visibility lie between customers and backstage without frontstage.
    for above, below in zip(blocks, blocks[1:], strict=False):
        above.lines_below = [
            str(name)
            for upper, lower, name in LINES
            if BAND_ORDER[above.band] <= BAND_ORDER[upper]
            and BAND_ORDER[lower] <= BAND_ORDER[below.band]
        ]
    links = list(blueprint.links.select_related("source", "target"))
    return Grid(phases, blocks, len(steps), links)


def attach_provenance(steps: list[Step]) -> None:
    """Give each global step `teams` and `source_titles`: where its team steps came from."""
    through = Step.sources.through.objects.filter(from_step__in=[s.pk for s in steps])
    rows = through.values_list(
        "from_step_id", "to_step__title", "to_step__blueprint__team__name"
    ).order_by("to_step__blueprint__team__name", "to_step_id")
    found: dict[int, list[tuple[str, str]]] = {}
    for step_id, title, team in rows:
        found.setdefault(step_id, []).append((team or "", title))
    for step in steps:
        sources = found.get(step.pk, [])
        step.teams = sorted({team for team, _ in sources if team})
        step.source_titles = [f"{team}: {title}" for team, title in sources]
