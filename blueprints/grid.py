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
    line_below: str = ""


@dataclass
class Grid:
    phases: list[Phase]
    bands: list[BandBlock]
    step_count: int
    links: list


def blueprint_grid(blueprint: Blueprint, language: str) -> Grid:
    phases = list(blueprint.phases.order_by("position"))
    lanes = sorted(
        blueprint.lanes.select_related("actor"),
        key=lambda lane: (BAND_ORDER[lane.band], lane.position),
    )
    steps = list(blueprint.steps.select_related("channel", "actor").order_by("position", "id"))
    column = {phase.pk: index for index, phase in enumerate(phases)}
    rows: dict[int, LaneRow] = {
        lane.pk: LaneRow(lane, lane.display_name(language), [[] for _ in phases]) for lane in lanes
    }
    for step in steps:
        rows[step.lane_id].cells[column[step.phase_id]].append(step)
    lines = {upper: name for upper, _lower, name in LINES}
    blocks = []
    for value, label in Band.choices:
        band_rows = [row for row in rows.values() if row.lane.band == value]
        if band_rows:
            blocks.append(BandBlock(value, str(label), band_rows, lines.get(value, "")))
    links = list(blueprint.links.select_related("source", "target"))
    return Grid(phases, blocks, len(steps), links)
