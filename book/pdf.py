"""The manager's blueprint book: the blueprint as a PDF a consultancy would hand its client.

`book_pdf(blueprint, language)` builds it: cover, contents, the diagram on A3 landscape pages
(book/diagram.py draws and cuts it), a table of steps per band, the role
interdependencies, pain points and opportunities, the consumer-data practices and the design
review (book/review.py), for a global blueprint the provenance and
the open merge conflicts, then the personas with their service protocols and the workshop
outputs. WeasyPrint lays out templates/book/book.html; the PDF is cached under `book_key`, a
hash of version stamps (the blueprint's event `seq`, its workspace's content stamp, the
language and the code's versions), so an unchanged book is two lookups and a file read.
book/builds.py builds it in the background.

Sections fed by other apps
--------------------------
Personas, service protocols and workshop outputs come from their apps through
book/sections.py, which the book calls directly; an empty one reads "None yet."
"""

import base64
import hashlib
import logging
import re
import shutil
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import weasyprint
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from blueprints import events, interdependencies, layout, merging, render
from blueprints.models import Blueprint, MergeRun
from book import diagram as book_diagram
from book import review, sections, weasy
from book import tables as book_tables
from workspaces import stamps
from workspaces.models import Team

BOOK_VERSION = "8"  # part of the cache key: bump when templates or layout change
# The diagram slot of an A3 landscape page (templates/book/book.html sizes it from these),
# and of an A3 upright page, which holds a tall blueprint of few phases on fewer pages.
SLOT_WIDTH_MM = 396.0
SLOT_HEIGHT_MM = 252.0
PORTRAIT_SLOT_WIDTH_MM = 273.0
PORTRAIT_SLOT_HEIGHT_MM = 374.0
MM = 72 / 25.4  # points per millimetre
DIAGRAM_SLOTS = {
    "landscape": (SLOT_WIDTH_MM * MM, SLOT_HEIGHT_MM * MM),
    "portrait": (PORTRAIT_SLOT_WIDTH_MM * MM, PORTRAIT_SLOT_HEIGHT_MM * MM),
}
PX = 0.75  # points per CSS pixel, WeasyPrint's unit
DESCRIPTION_MAX = 600  # characters of a step description in the tables
MATRIX_MAX_ACTORS = 12  # beyond this the matrix is printed smaller
MATRIX_MAX_ACTORS_SMALL = 24  # and beyond this it fits no page: list the pairs


logger = logging.getLogger(__name__)

# --- text helpers ---------------------------------------------------------------------------


def direction(text: str) -> str:
    """The direction of `text`: "rtl" when its first strong character is Arabic or Hebrew."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"


def shortened(text: str, most: int) -> str:
    text = text.strip()
    return text if len(text) <= most else text[: most - 1].rstrip() + "…"


def emotion_label(emotion: int) -> str:
    return layout.emotion_text(emotion)[0] if emotion else ""


def number(value: int) -> str:
    """`value` as the reader's language writes it: 1,000 in English, 1.000 in Italian."""
    return formats.number_format(value, force_grouping=True)


def page_of_css() -> str:
    """CSS `content` for "Page X of Y" in the active language (translators may reorder)."""
    text = _("Page %(page)s of %(pages)s")
    parts = []
    for piece in re.split(r"(%\(pages?\)s)", text):
        if piece == "%(page)s":
            parts.append("counter(page)")
        elif piece == "%(pages)s":
            parts.append("counter(pages)")
        elif piece:
            parts.append(css_string(piece))
    return " ".join(parts)


def css_string(text: str) -> str:
    """`text` as a CSS string literal, for `content:` in the page margins."""
    escaped = "".join(
        f"\\{ord(c):x} " if c in '"\\' or ord(c) < 32 or c in "<>&" else c for c in text
    )
    return f'"{escaped}"'


# --- the context ----------------------------------------------------------------------------


def book_context(
    blueprint: Blueprint, language: str, data: layout.BlueprintData | None = None
) -> dict[str, Any]:
    """Everything the template shows, as plain values (language already applied)."""
    code = layout.language_of(language)
    labels = layout.LABELS[code]
    data = data if data is not None else render.blueprint_data(blueprint)
    roles = layout.role_names(data, code)
    data = layout.with_role_names(data, code)  # one name per role, the reader's, everywhere
    phase_index = {phase.id: i for i, phase in enumerate(data.phases)}
    phase_name = {phase.id: layout.clean(phase.name) for phase in data.phases}
    band_order = {band: i for i, band in enumerate(layout.BANDS)}
    lanes = {lane.id: lane for lane in data.lanes}
    lane_index = {lane.id: (band_order[lane.band], i) for i, lane in enumerate(data.lanes)}
    lane_label = {lane.id: layout.clean(layout.lane_name(lane, code)) for lane in data.lanes}

    def sort_key(step: layout.StepData) -> tuple[int, tuple[int, int]]:
        return phase_index.get(step.phase, 0), lane_index.get(step.lane, (0, 0))

    steps = sorted(data.steps, key=sort_key)
    team_names = sorted({team for step in steps for team in step.teams})
    team_colours = {
        team: layout.TEAM_COLOURS[i % len(layout.TEAM_COLOURS)] for i, team in enumerate(team_names)
    }
    rows = [_step_row(step, lanes, lane_label, phase_name, labels, team_colours) for step in steps]
    bands = []
    for band in layout.BANDS:
        band_rows = [row for row in rows if row["band"] == band]
        band_lanes = [lane for lane in data.lanes if lane.band == band]
        if band_lanes:
            bands.append(
                {
                    "band": band,
                    "label": labels[band],
                    "accent": layout.BAND_ACCENTS[band],
                    "fill": layout.BAND_FILLS[band],
                    "lanes": [lane_label[lane.id] for lane in band_lanes],
                    "rows": band_rows,
                    "count": number(len(band_rows)),
                    "id": f"band-{band}",
                }
            )
    context: dict[str, Any] = {
        "language": code,
        "labels": labels,
        "blueprint": blueprint,
        "title": layout.clean(blueprint.display_title) or "—",
        "title_dir": direction(blueprint.display_title),
        "description": blueprint.description.strip(),
        "kind_label": labels.get(blueprint.kind, blueprint.kind),
        "workspace": blueprint.workspace.name,
        "client": blueprint.workspace.client,
        "date": formats.date_format(timezone.localdate(), "DATE_FORMAT"),
        "teams": _teams_involved(blueprint, team_names),
        "team_legend": list(team_colours.items()),
        "counts": {
            "phases": len(data.phases),
            "lanes": len(data.lanes),
            "steps": len(data.steps),
            "links": len(data.links),
        },
        "shown": {
            "phases": number(len(data.phases)),
            "lanes": number(len(data.lanes)),
            "steps": number(len(data.steps)),
            "links": number(len(data.links)),
        },
        "phases": [phase_name[phase.id] for phase in data.phases],
        "bands": bands,
        "kinds": _kind_counts(steps, labels),
        "step_legend": [
            (labels[f"kind.{kind}"], layout.KIND_COLOURS[kind]) for kind in layout.STEP_KINDS
        ],
        "link_legend": [
            (labels[f"link.{kind}"], layout.LINK_STYLES[kind]["color"], layout.LINK_SAMPLES[kind])
            for kind in layout.LINK_KINDS
        ],
        "pain_points": [r for r in rows if r["pain"]],
        "opportunities": [r for r in rows if r["kind"] == "opportunity"],
        "matrix": _matrix(data, code, layout.clean(blueprint.display_title)),
        "is_global": blueprint.kind == "global",
        "slot_width_mm": SLOT_WIDTH_MM,
        "slot_height_mm": SLOT_HEIGHT_MM,
        "portrait_slot_width_mm": PORTRAIT_SLOT_WIDTH_MM,
        "portrait_slot_height_mm": PORTRAIT_SLOT_HEIGHT_MM,
    }
    context["shown"]["pain_points"] = number(len(context["pain_points"]))
    # "Steps that hurt" count the marked pain points and the steps where the customer feels bad:
    # shown apart, so they add up to the kinds of steps on the same page.
    marked = sum(1 for row in context["pain_points"] if row["kind"] == "pain_point")
    context["shown"]["pain_marked"] = number(marked)
    context["shown"]["pain_felt"] = number(len(context["pain_points"]) - marked)
    context["shown"]["opportunities"] = number(len(context["opportunities"]))
    context["counts"]["pain_points"] = len(context["pain_points"])
    context["counts"]["opportunities"] = len(context["opportunities"])
    if blueprint.kind == "global":
        context["provenance"] = _provenance(steps, rows, team_names)
        context["conflicts"] = _open_conflicts(blueprint, roles)
    context["journey"] = _journey(data, rows)
    context["review"] = review.review_chapters(blueprint, code)
    context["hooked"] = sections.other_apps(blueprint=blueprint, language=code)
    return context


CURVE_W, CURVE_H = 760.0, 150.0  # the emotion curve's drawing, in CSS pixels


def _journey(data: layout.BlueprintData, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Per phase: the steps that hurt, the opportunities and how the customer feels there (the
    mean emotion of the customer band's steps that say one), with the curve of that feeling."""
    customer_lanes = {lane.id for lane in data.lanes if lane.band == "customer"}
    feelings: dict[int, list[int]] = {}
    for step in data.steps:
        if step.lane in customer_lanes and step.emotion:
            feelings.setdefault(step.phase, []).append(step.emotion)
    phases = []
    for phase in data.phases:
        name = layout.clean(phase.name)
        felt = feelings.get(phase.id, [])
        mean = sum(felt) / len(felt) if felt else None
        phases.append(
            {
                "name": name,
                "pains": number(sum(1 for r in rows if r["phase"] == name and r["pain"])),
                "opportunities": number(
                    sum(1 for r in rows if r["phase"] == name and r["kind"] == "opportunity")
                ),
                "feeling": formats.number_format(mean, 1) if mean is not None else "—",
                "feeling_value": mean,
            }
        )
    pitch = CURVE_W / max(len(phases), 1)
    points = [
        (pitch * (i + 0.5), CURVE_H / 2 - phase["feeling_value"] * (CURVE_H / 2 - 14) / 2)
        for i, phase in enumerate(phases)
        if phase["feeling_value"] is not None
    ]
    return {
        "phases": phases,
        "points": " ".join(f"{x:.1f},{y:.1f}" for x, y in points),
        "dots": [{"x": f"{x:.1f}", "y": f"{y:.1f}"} for x, y in points],
        "ticks": [f"{pitch * (i + 0.5):.1f}" for i in range(len(phases))],
        "width": CURVE_W,
        "height": CURVE_H,
        "middle": CURVE_H / 2,
        "felt": bool(points),
    }


def _step_row(
    step: layout.StepData,
    lanes: dict[int, layout.LaneData],
    lane_label: dict[int, str],
    phase_name: dict[int, str],
    labels: dict[str, str],
    team_colours: dict[str, str],
) -> dict[str, Any]:
    lane = lanes[step.lane]
    title = layout.clean(step.title)
    description = shortened(step.description, DESCRIPTION_MAX)
    data = layout.clean(step.data_captured)
    if data and step.data_recorded_in:
        data = f"{data} → {layout.clean(step.data_recorded_in)}"
    return {
        "id": step.id,
        "band": lane.band,
        "phase": phase_name.get(step.phase, ""),
        "lane": lane_label[step.lane],
        "title": title,
        "dir": direction(title),
        "description": description,
        "description_dir": direction(description),
        "kind": step.kind,
        "kind_label": labels.get(f"kind.{step.kind}", step.kind),
        "colour": layout.KIND_COLOURS.get(step.kind, layout.INK),
        "channel": layout.clean(step.channel),
        # A lane without an actor (physical evidence, say) has no role: the matrix skips it too.
        "actor": layout.clean(step.actor or lane.actor) or "—",
        "evidence": labels.get(f"evidence.{step.evidence}", step.evidence),
        "evidence_colour": layout.EVIDENCE_COLOURS.get(step.evidence, layout.MUTED),
        "emotion": emotion_label(step.emotion),
        "emotion_value": step.emotion,
        "pain": step.kind == "pain_point" or step.emotion < 0,
        "data": data,
        "teams": [(team, team_colours.get(team, layout.INK)) for team in step.teams],
    }


def _kind_counts(steps: Sequence[layout.StepData], labels: dict[str, str]) -> list[dict]:
    counts = Counter(step.kind for step in steps)
    return [
        {
            "label": labels[f"kind.{kind}"],
            "colour": layout.KIND_COLOURS[kind],
            "count": number(counts[kind]),
        }
        for kind in layout.STEP_KINDS
        if counts[kind]
    ]


def _teams_involved(blueprint: Blueprint, from_steps: list[str]) -> list[str]:
    if blueprint.kind == "team":
        return [blueprint.team.name] if blueprint.team_id else []
    if from_steps:
        return from_steps
    return list(
        Team.objects.filter(workspace=blueprint.workspace_id, blueprints__kind="team")
        .distinct()
        .order_by("name")
        .values_list("name", flat=True)
    )


def _network_dot(result: interdependencies.Interdependencies, title: str, code: str) -> str:
    """The DOT of the roles as a network; empty when no two roles are linked."""
    if not any(source != target for source, target, _ in result.pairs()):
        return ""
    return interdependencies.network_dot(result, title, code)


# Where the network of roles goes: beside the matrix on its page, or on an A3 page of its own
# when it would print the roles' names (11 pt in the drawing) below MIN_NETWORK_PT there.
NETWORK_INLINE_MM = (265.0, 105.0)
NETWORK_PAGE_MM = (396.0, 240.0)
NETWORK_NAME_PT = 11.0
MIN_NETWORK_PT = 7.0
# Many roles: a spring layout (its nodes kept apart) is far more compact than ranks.
NETWORK_SPRING = 'layout=neato overlap=prism sep="+8" splines=true '


def _svg_size(svg: bytes) -> tuple[float, float]:
    """Width and height of Graphviz's SVG in points."""
    found = re.search(rb'<svg[^>]*?width="([\d.]+)pt"[^>]*?height="([\d.]+)pt"', svg)
    return (float(found[1]), float(found[2])) if found else (1.0, 1.0)


def _fit(size: tuple[float, float], box_mm: tuple[float, float]) -> float:
    return min(1.0, box_mm[0] * MM / size[0], box_mm[1] * MM / size[1])


def network_image(dot_source: str) -> tuple[str, bool]:
    """The network of roles drawn by Graphviz (cached by its DOT) as an image address for the
    book, and whether it takes a page of its own; empty when there is nothing or it could not
    be drawn. A network too big to print legibly beside the matrix gets an A3 page, drawn in
    ranks or as a spring layout, whichever prints larger. Drawn only when the book is made,
    never to compute its key."""
    if not dot_source:
        return "", False
    try:
        svg = render.render(dot_source, "svg")
        if _fit(_svg_size(svg), NETWORK_INLINE_MM) * NETWORK_NAME_PT >= MIN_NETWORK_PT:
            return _svg_address(svg), False
        best = svg
        if "graph [" in dot_source:
            spring = render.render(
                dot_source.replace("graph [", f"graph [{NETWORK_SPRING}", 1), "svg"
            )
            if _fit(_svg_size(spring), NETWORK_PAGE_MM) > _fit(_svg_size(svg), NETWORK_PAGE_MM):
                best = spring
    except render.RenderError:
        logger.warning("The network of roles could not be drawn", exc_info=True)
        return "", False
    return _svg_address(best), True


def _svg_address(svg: bytes) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode()


def _matrix(data: layout.BlueprintData, code: str, title: str = "") -> dict[str, Any]:
    result = interdependencies.interdependencies(data)
    labels = layout.LABELS[code]
    pairs = [
        {
            "source": source,
            "target": target,
            "counts": [number(by_kind[k]) if by_kind[k] else "" for k in layout.LINK_KINDS],
            "total": number(sum(by_kind.values())),
        }
        for source, target, by_kind in result.pairs()
    ]
    return {
        "actors": result.actors,
        "rows": interdependencies.matrix_rows(result, code),
        "pairs": pairs,
        "as_matrix": 0 < len(result.actors) <= MATRIX_MAX_ACTORS_SMALL,
        "big": len(result.actors) > MATRIX_MAX_ACTORS,
        "network_dot": _network_dot(result, title, code),
        "kinds": [labels[f"link.{kind}"] for kind in layout.LINK_KINDS],
        "unassigned": result.unassigned,
    }


def _provenance(
    steps: Sequence[layout.StepData], rows: list[dict[str, Any]], teams: list[str]
) -> dict[str, Any]:
    summary = []
    for team in teams:
        mine = [step for step in steps if team in step.teams]
        summary.append(
            {
                "team": team,
                "steps": number(len(mine)),
                "shared": number(sum(1 for step in mine if len(step.teams) > 1)),
                "only": number(sum(1 for step in mine if len(step.teams) == 1)),
            }
        )
    return {
        "summary": summary,
        "shared": [row for row in rows if len(row["teams"]) > 1],
        "by_hand": [row for row in rows if not row["teams"]],
    }


def _open_conflicts(blueprint: Blueprint, roles: dict[str, str]) -> list[dict[str, Any]]:
    """Conflicts of the last merge that nobody settled since by editing the global step."""
    run = MergeRun.objects.filter(blueprint=blueprint).order_by("-id").first()
    stored = (run.report or {}).get("conflicts", []) if run else []
    conflicts = merging.open_conflicts(blueprint_id=blueprint.pk, conflicts=stored)
    if not conflicts:
        return []
    names = merging.conflict_names(blueprint.workspace_id)
    # An actor reads as the role's name in the reader's language, as in the step tables.
    names["actors"] = {
        pk: roles.get(layout.clean(name), name) for pk, name in names["actors"].items()
    }
    teams = dict(Team.objects.filter(workspace=blueprint.workspace_id).values_list("id", "name"))
    return [
        {
            "title": layout.clean(conflict["title"]),
            "dir": direction(conflict["title"]),
            "field": merging.CONFLICT_LABELS[conflict["field"]],
            "chosen": merging.conflict_value_text(conflict["field"], conflict["chosen"], **names),
            "values": [
                (
                    teams.get(value.get("team"), "—"),
                    merging.conflict_value_text(conflict["field"], value.get("value"), **names),
                )
                for value in conflict.get("values", [])
            ],
        }
        for conflict in conflicts
    ]


# --- the long tables --------------------------------------------------------------------------

# A4 landscape, 16 mm side margins: 265 mm for a table. Column widths in points add up to it.
TABLE_WIDTH_MM = 265.0
TABLE_PAGE_MM = 171.0  # the page's content height (template: @page wide), minus slack
TABLE_HEAD_MM = 14.0  # a table's heading (template: h2.table-title)
TABLE_MORE_MM = 8.0  # "continued" over the rest of a table on its next pages
TABLE_GAP_MM = 6.0  # between two tables on one page


@dataclass
class TableGroup:
    key: str
    title: str
    subtitle: str
    columns: list[book_tables.Column]
    rows: list[book_tables.Row]

    @property
    def count(self) -> str:
        """How many rows, written the reader's way (when the template is rendered)."""
        return number(len(self.rows))


@dataclass
class TableBlock:
    group: TableGroup
    first: bool
    source: str  # DOT
    height_mm: float
    anchor: str


def table_pages(groups: list[TableGroup]) -> list[list[TableBlock]]:
    """The groups' tables packed on pages, each block of rows a DOT source to draw."""
    packed = book_tables.pack(
        [(group.columns, group.rows) for group in groups],
        TABLE_PAGE_MM * MM,
        TABLE_HEAD_MM * MM,
        TABLE_MORE_MM * MM,
        TABLE_GAP_MM * MM,
    )
    pages = []
    for number, page in enumerate(packed):
        blocks = []
        for index, block in enumerate(page):
            group = groups[block.table]
            blocks.append(
                TableBlock(
                    group,
                    block.first,
                    book_tables.block_dot(group.columns, block.rows),
                    block.height / MM,
                    f"table-slot-{group.key}-{number}-{index}",
                )
            )
        pages.append(blocks)
    return pages


def _columns(pairs: list[tuple[str, float]]) -> list[book_tables.Column]:
    """Columns from (header, share of the width) pairs."""
    room = TABLE_WIDTH_MM * MM - book_tables.STRIP
    total = sum(share for _, share in pairs)
    return [book_tables.Column(header, room * share / total) for header, share in pairs]


def _step_cell(row: dict[str, Any], with_description: bool = True) -> list[book_tables.Text]:
    Text = book_tables.Text
    cell = [
        Text(row["title"], 7.5, bold=True),
        Text(row["kind_label"].upper(), 6, bold=True, colour=row["colour"]),
    ]
    if with_description and row["description"]:
        cell.append(Text(row["description"], 7, colour="#2f3a52", most_lines=12))
    if row["teams"]:
        cell.append(Text("● " + ", ".join(team for team, _ in row["teams"]), 6.5, colour="#2f3a52"))
    return cell


def table_groups(context: dict[str, Any]) -> list[TableGroup]:
    """The steps of each band, then pain points and opportunities, as tables to draw."""
    Text, Row = book_tables.Text, book_tables.Row
    steps = _columns(
        [
            (_("Phase"), 11),
            (_("Step"), 30),
            (_("Channel"), 9.5),
            (_("Actor"), 11.5),
            (_("Evidence"), 8),
            (_("Pain points"), 8.5),
            (_("Data captured"), 21.5),
        ]
    )
    groups = []
    for band in context["bands"]:
        rows = [
            Row(
                [
                    [Text(row["phase"])],
                    _step_cell(row),
                    [Text(row["channel"])],
                    [Text(row["actor"])],
                    [Text(row["evidence"], colour=row["evidence_colour"])],
                    [
                        Text(
                            row["kind_label"] if row["kind"] == "pain_point" else "",
                            7,
                            True,
                            layout.KIND_COLOURS["pain_point"],
                        ),
                        Text(row["emotion"], 7.5),
                    ],  # fmt: skip
                    [Text(row["data"], 7, italic=True, colour="#3d4a66")],
                ],
                accent=row["colour"],
            )
            for row in band["rows"]
        ]
        groups.append(TableGroup(band["id"], band["label"], ", ".join(band["lanes"]), steps, rows))
    for key, title, found, last in [
        ("pain-points", _("Steps that hurt"), context["pain_points"], (_("Emotion"), "emotion")),
        (
            "opportunities",
            _("Opportunities"),
            context["opportunities"],
            (_("Evidence"), "evidence"),
        ),
    ]:
        columns = _columns(
            [
                (_("Phase"), 12),
                (_("Lane"), 13),
                (_("Step"), 27),
                (last[0], 8),
                (_("Description"), 40),
            ]
        )
        rows = [
            Row(
                [
                    [Text(row["phase"])],
                    [Text(row["lane"])],
                    _step_cell(row, with_description=False),
                    [Text(row[last[1]])],
                    [Text(row["description"], 7.5, most_lines=14)],
                ],
                accent=row["colour"],
            )
            for row in found
        ]
        groups.append(TableGroup(key, title, "", columns, rows))
    return groups


# --- the PDF --------------------------------------------------------------------------------


@dataclass
class Book:
    pdf: bytes
    key: str  # book_key: the ETag of the answer


def book_html(
    context: dict[str, Any],
    tiles: list[book_diagram.Tile],
    step_pages: list[list[TableBlock]],
    pain_pages: list[list[TableBlock]],
    orientation: str = "landscape",
) -> str:
    with translation.override(context["language"]):
        margin = {
            "page_of": page_of_css(),
            "title": css_string(shortened(context["title"], 90)),
        }
        tile_pages = [
            {
                "index": index,
                "first": tile.first + 1,
                "last": tile.last + 1,
                "part": tile.part,
                "parts": tile.parts,
                "phases": context["phases"][tile.first : tile.last + 1],
            }
            for index, tile in enumerate(tiles)
        ]
        extra = {
            "kind_colours": list(layout.KIND_COLOURS.items()),
            "band_colours": [
                (band, layout.BAND_FILLS[band], layout.BAND_ACCENTS[band]) for band in layout.BANDS
            ],
            "diagram_section": css_string(_("The blueprint diagram")),
            "margin": margin,
            "tiles": tile_pages,
            "orientation": orientation,
            "step_pages": step_pages,
            "pain_pages": pain_pages,
            "pain_colour": layout.KIND_COLOURS["pain_point"],
            "opportunity_colour": layout.KIND_COLOURS["opportunity"],
            "table_head_mm": TABLE_HEAD_MM,
            "table_more_mm": TABLE_MORE_MM,
            "table_gap_mm": TABLE_GAP_MM,
            "table_width_mm": TABLE_WIDTH_MM,
        }
        return render_to_string("book/book.html", {**context, **extra})


TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "book"


@lru_cache(maxsize=1)
def code_version() -> str:
    """What draws the book, hashed once per process: its templates and versions, WeasyPrint,
    Graphviz and the fonts installed. Without Graphviz the key still exists (the build then
    fails and says why)."""
    program = shutil.which(settings.GRAPHVIZ_DOT)
    parts = [
        BOOK_VERSION,
        layout.DRAWING_VERSION,  # the drawing's layout changes the book too
        book_diagram.GEOMETRY_VERSION,
        weasyprint.__version__,
        render.graphviz_version(program) if program else "no graphviz",
        render.fonts_id(),
        *(path.read_text() for path in sorted(TEMPLATES.glob("*"))),
    ]
    return _hashed(parts)


def _hashed(parts: Sequence[object]) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(str(part).encode())
        digest.update(b"\0")
    return digest.hexdigest()


def book_key(blueprint: Blueprint, language: str) -> str:
    """The key (and ETag) of a blueprint's book, from version stamps: no book is built.

    The blueprint's event `seq` counts every change of its content; its workspace's content
    stamp (workspaces.stamps) every change of what the book shows from elsewhere (actor and
    channel names, teams, personas, workshop outputs, innovation …); the blueprint's own row
    (title, description, team) is already read. Two lookups by primary key.
    """
    row = [
        (field.attname, getattr(blueprint, field.attname))
        for field in blueprint._meta.concrete_fields
        if field.attname not in {"updated_at", "version"}
    ]
    return _hashed(
        [
            code_version(),
            blueprint.pk,
            layout.language_of(language),
            events.seq_current(blueprint.pk),
            stamps.current(blueprint.workspace_id),
            repr(row),
        ]
    )


def cached(blueprint: Blueprint, language: str) -> tuple[str, Path | None]:
    """The book's key, and its file when it was built for that key."""
    key = book_key(blueprint, language)
    path = render.cache_path(key, "book.pdf")
    return key, path if path.is_file() else None


# The stages of a build, with how far into it each starts (percent), for progress reports.
STAGES = {"queued": 0, "reading": 5, "drawing": 20, "laying_out": 55, "writing": 85, "done": 100}


def book_pdf(
    blueprint: Blueprint, language: str, progress: Callable[[str], None] | None = None
) -> Book:
    """The book of `blueprint` with labels in `language`, from the cache when unchanged.

    Cold, the work runs side by side: Graphviz draws the diagram while the tables are
    measured and packed, then the tables while WeasyPrint lays out the pages; the drawings
    go into WeasyPrint's own PDF as it writes it (no second pass over the file). `progress`
    hears each stage (STAGES) as it starts.
    """
    code = layout.language_of(language)
    step = progress or (lambda stage: None)
    # The key first: a change made while the book is built gives a newer key, never a stale
    # book under it.
    key = book_key(blueprint, code)
    path = render.cache_path(key, "book.pdf")
    try:
        return Book(path.read_bytes(), key)
    except OSError:
        pass
    with translation.override(code):
        step("reading")
        data = render.blueprint_data(blueprint)
        context = book_context(blueprint, code, data)
        step("drawing")
        with ThreadPoolExecutor(max_workers=2) as pool:
            diagram = None
            if data.phases and data.lanes:
                named = layout.with_role_names(data, code)  # as the tables name the roles
                diagram = pool.submit(book_diagram.draw, book_diagram.book_dot(named, code))
            groups = table_groups(context)
            step_pages = table_pages([group for group in groups if group.key.startswith("band-")])
            pain_pages = table_pages(
                [group for group in groups if not group.key.startswith("band-")]
            )
            blocks = [block for page in step_pages + pain_pages for block in page]
            tables = pool.submit(book_tables.draw_all, [block.source for block in blocks])
            drawing = diagram.result() if diagram is not None else None
            tiles: list[book_diagram.Tile] = []
            orientation = "landscape"
            if drawing is not None:
                orientation, tiles = book_diagram.plan_pages(drawing.geometry, DIAGRAM_SLOTS)
            network, own_page = network_image(context["matrix"]["network_dot"])
            context["matrix"]["network"] = network
            context["matrix"]["network_page"] = own_page
            step("laying_out")
            html = book_html(context, tiles, step_pages, pain_pages, orientation)
            document = weasy.BookHTML(string=html, url_fetcher=weasy.url_fetcher()).render()
            step("writing")
            titles = {card.id: card.title for card in data.steps}
            pdf = _write(document, drawing, tiles, blocks, tables.result(), titles)
    try:
        render.cache_store(path, pdf)
    except OSError:
        pass  # a cache that cannot be written only costs speed
    return Book(pdf, key)


def _off_page_marks(
    drawing: book_diagram.Drawing,
    tiles: list[book_diagram.Tile],
    slots: dict[str, tuple[int, float, float]],
    titles: dict[int, str],
    pictures: list[bytes],
) -> list[book_diagram.Stamp]:
    """Stamps of the marks where links leave a diagram page, naming the card at the other end
    and its page (`book_diagram.off_page_marks`); their drawing joins `pictures`."""
    placed = {
        index: slots[f"diagram-slot-{index}"]
        for index in range(len(tiles))
        if f"diagram-slot-{index}" in slots
    }
    pages = {index: number + 1 for index, (number, _, _) in placed.items()}
    page = pgettext("a page of the book", "p. {page}")
    marks = book_diagram.off_page_marks(drawing.geometry, tiles, titles, pages, page)
    if not marks:
        return []
    pdf, geometry = book_diagram.marks_drawing(drawing.geometry, marks)
    pictures.append(pdf)
    stamps = []
    for index in sorted({mark.tile for mark in marks}):
        number, left, top = placed[index]
        tile = tiles[index]
        body = book_diagram.tile_parts(geometry, tile, left, top)[3]
        stamps.append(book_diagram.Stamp(number, len(pictures) - 1, tile.scale, (body,)))
    return stamps


def _write(
    document: Any,
    drawing: book_diagram.Drawing | None,
    tiles: list[book_diagram.Tile],
    blocks: list[TableBlock],
    tables: list[bytes],
    titles: dict[int, str] | None = None,
) -> bytes:
    slots: dict[str, tuple[int, float, float]] = {}
    for number, page in enumerate(document.pages):
        for anchor, (x, y, _x2, _y2) in page.anchors.items():
            if anchor.startswith(("diagram-slot-", "table-slot-")):
                slots[anchor] = (number, x * PX, page.height * PX - y * PX)
    pictures: list[bytes] = []
    stamps: list[book_diagram.Stamp] = []
    if drawing is not None:
        pictures.append(drawing.pdf)
        for index, tile in enumerate(tiles):
            if f"diagram-slot-{index}" in slots:
                number, left, top = slots[f"diagram-slot-{index}"]
                parts = book_diagram.tile_parts(drawing.geometry, tile, left, top)
                stamps.append(book_diagram.Stamp(number, 0, tile.scale, parts))
        stamps += _off_page_marks(drawing, tiles, slots, titles or {}, pictures)
    for block, table in zip(blocks, tables, strict=True):
        if block.anchor not in slots:
            continue
        number, left, top = slots[block.anchor]
        box = book_diagram.page_box(table)
        scale = min(1.0, TABLE_WIDTH_MM * MM / box.width)
        pictures.append(table)
        part = book_diagram.Part(box, left, top)
        stamps.append(book_diagram.Stamp(number, len(pictures) - 1, scale, (part,)))
    try:
        # The drawings go in while WeasyPrint writes its PDF: one pass, nothing parsed again.
        return book_diagram.write_with_drawings(document, pictures, stamps)
    except book_diagram.NotCairo:
        logger.info("A drawing is not cairo's PDF: stamping with pypdf", exc_info=True)
        return book_diagram.stamp(document.write_pdf(), pictures, stamps)
