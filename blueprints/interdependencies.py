"""Role interdependencies: who hands work, information and triggers to whom.

Plain data in (the layout input of `blueprints/layout.py`), plain data out: an actor × actor
matrix counting the links between their steps, by kind, and the same as a Graphviz network.
A step's actor is its own actor, or its lane's when it has none; a link with a step that has
neither is counted apart (`unassigned`), since it cannot be placed in the matrix.
"""

import csv
import io
import math
from dataclasses import dataclass
from typing import Any

from blueprints.layout import (
    BAND_ACCENTS,
    BAND_FILLS,
    BANDS,
    FONT,
    INK,
    LINK_KINDS,
    LINK_STYLES,
    MUTED,
    BlueprintData,
    clean,
    esc,
    labels_for,
    link_legend,
    quoted,
    wrap,
)
from frontstage.spreadsheets import safe_cell


@dataclass(frozen=True)
class Interdependencies:
    actors: list[str]  # in blueprint order: by band, lane, phase and position of first step
    bands: list[str]  # the band each actor first appears in
    counts: dict[str, list[list[int]]]  # kind → [source actor][target actor] → links
    unassigned: int

    def total(self) -> list[list[int]]:
        size = len(self.actors)
        return [
            [sum(self.counts[kind][i][j] for kind in LINK_KINDS) for j in range(size)]
            for i in range(size)
        ]

    def pairs(self) -> list[tuple[str, str, dict[str, int]]]:
        """Every (source, target) with at least one link, and its count by kind."""
        found = []
        for i, source in enumerate(self.actors):
            for j, target in enumerate(self.actors):
                by_kind = {kind: self.counts[kind][i][j] for kind in LINK_KINDS}
                if any(by_kind.values()):
                    found.append((source, target, by_kind))
        return found


def interdependencies(blueprint: BlueprintData) -> Interdependencies:
    band_order = {band: index for index, band in enumerate(BANDS)}
    lanes = {lane.id: lane for lane in blueprint.lanes}
    lane_order = {
        lane.id: (band_order.get(lane.band, len(BANDS)), index)
        for index, lane in enumerate(blueprint.lanes)
    }
    phase_order = {phase.id: index for index, phase in enumerate(blueprint.phases)}
    actor_of: dict[int, str] = {}
    bands: dict[str, str] = {}
    ordered = sorted(
        (step for step in blueprint.steps if step.lane in lanes),
        key=lambda step: (lane_order[step.lane], phase_order.get(step.phase, 0)),
    )
    for step in ordered:
        actor = clean(step.actor) or clean(lanes[step.lane].actor)
        if actor:
            actor_of[step.id] = actor
            bands.setdefault(actor, lanes[step.lane].band)
    actors = list(bands)
    index = {actor: i for i, actor in enumerate(actors)}
    counts = {kind: [[0] * len(actors) for _ in actors] for kind in LINK_KINDS}
    unassigned = 0
    for link in blueprint.links:
        if link.kind not in counts:
            continue
        source, target = actor_of.get(link.source), actor_of.get(link.target)
        if source is None or target is None:
            unassigned += 1
            continue
        counts[link.kind][index[source]][index[target]] += 1
    return Interdependencies(actors, [bands[actor] for actor in actors], counts, unassigned)


@dataclass(frozen=True)
class MatrixRow:
    actor: str
    cells: list[tuple[int, str]]  # total, and its breakdown by kind in words


def matrix_rows(result: Interdependencies, language: str = "en") -> list[MatrixRow]:
    """The matrix for a page: one row per source actor, one cell per target actor."""
    labels = labels_for(language)
    rows = []
    for i, actor in enumerate(result.actors):
        cells = []
        for j in range(len(result.actors)):
            parts = [
                f"{result.counts[kind][i][j]} {labels[f'link.{kind}'].lower()}"
                for kind in LINK_KINDS
                if result.counts[kind][i][j]
            ]
            total = sum(result.counts[kind][i][j] for kind in LINK_KINDS)
            cells.append((total, ", ".join(parts)))
        rows.append(MatrixRow(actor, cells))
    return rows


def as_json(result: Interdependencies) -> dict[str, Any]:
    return {
        "actors": result.actors,
        "kinds": list(LINK_KINDS),
        "counts": result.counts,
        "total": result.total(),
        "unassigned_links": result.unassigned,
    }


CSV_HEADER = ["source", "target", *LINK_KINDS, "total"]


def as_csv(result: Interdependencies) -> str:
    """One row per (source actor, target actor) with links, counts by kind and in total."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for source, target, by_kind in result.pairs():
        counts = [by_kind[kind] for kind in LINK_KINDS]
        writer.writerow([safe_cell(source), safe_cell(target), *counts, sum(counts)])
    return out.getvalue()


def network_dot(result: Interdependencies, title: str, language: str = "en") -> str:
    """The actors as a network: one arrow per kind between two actors, labelled with its count.

    Links inside one role (an actor to itself) stay in the matrix only: the network shows how
    roles depend on each other.
    """
    labels = labels_for(language)
    heading = "".join(f'{esc(line)}<BR ALIGN="LEFT"/>' for line in wrap(title, 500, 14, bold=True))
    legend = link_legend(labels)
    out = [
        "digraph interdependencies {",
        f"  graph [rankdir=LR splines=true nodesep=0.35 ranksep=0.9 pad=0.3 bgcolor=white "
        f'fontname="{FONT}" labelloc=t labeljust=l];',
        f'  node [fontname="{FONT}" shape=box style="filled,rounded" penwidth=1.5 '
        f'margin="0.15,0.08"];',
        f'  edge [fontname="{FONT}" fontsize=9 arrowsize=0.8 arrowtail=none dir=forward];',
        f'  label=<<TABLE BORDER="0" CELLSPACING="2" CELLPADDING="0">'
        f'<TR><TD ALIGN="LEFT" BALIGN="LEFT"><FONT POINT-SIZE="14" COLOR="{INK}"><B>{heading}'
        f'</B></FONT></TD></TR><TR><TD ALIGN="LEFT"><FONT POINT-SIZE="10" COLOR="{MUTED}">'
        f'{esc(labels["roles"])}</FONT></TD></TR><TR><TD ALIGN="LEFT">{legend}</TD></TR>'
        f'<TR><TD HEIGHT="8"></TD></TR></TABLE>>;',
    ]
    linked = {
        name
        for source, target, _ in result.pairs()
        if source != target
        for name in (source, target)
    }
    for i, actor in enumerate(result.actors):
        if actor not in linked:
            continue
        band = result.bands[i]
        name = "".join(f"{esc(line)}<BR/>" for line in wrap(actor, 130, 11, bold=True))
        band_label = esc(labels.get(band, band).upper())
        out.append(
            f'  a{i} [label=<<FONT POINT-SIZE="11" COLOR="{INK}"><B>{name}</B></FONT>'
            f'<FONT POINT-SIZE="7" COLOR="{MUTED}">{band_label}</FONT>> '
            f'fillcolor="{BAND_FILLS.get(band, "#ffffff")}" color="{BAND_ACCENTS.get(band, INK)}"];'
        )
    index = {actor: i for i, actor in enumerate(result.actors)}
    for source, target, by_kind in result.pairs():
        if source == target:
            continue
        for kind in LINK_KINDS:
            count = by_kind[kind]
            if not count:
                continue
            style = dict(LINK_STYLES[kind])
            style["penwidth"] = f"{float(style['penwidth']) + 1.2 * math.log2(count):.2f}"
            attrs = " ".join(f'{key}="{value}"' for key, value in style.items())
            kind_label = labels.get(f"link.{kind}", kind)
            out.append(
                f"  a{index[source]} -> a{index[target]} [{attrs} "
                f'label=<<FONT COLOR="{style["color"]}">{count}</FONT>> '
                f"tooltip={quoted(f'{kind_label}: {count}')}];"
            )
    out.append("}")
    return "\n".join(out) + "\n"
