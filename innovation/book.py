"""The innovation phase for the manager's PDF book (the book's chapter "From personas to new
services" calls this).

`innovation_for_workspace(workspace_id)` gives plain data, ready for a template: the scored
opportunities, concepts per persona with their storyboards, the experiments with hypothesis,
target, result and verdict, data needs per persona, and the roadmap; `matrix_svg(...)` draws
the Value × Effort matrix as a small SVG, every label escaped. Texts follow the active
language (`translation.override` around the call).
"""

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.utils.formats import date_format, number_format
from django.utils.html import escape
from django.utils.translation import gettext as _

from innovation import services
from innovation.models import (
    EFFORT_MAX,
    EFFORT_MIN,
    ROADMAP_COLUMNS,
    DataNeed,
    Experiment,
    Horizon,
    Opportunity,
    RoadmapType,
    ServiceConcept,
)


def measure(value: Decimal | None) -> str:
    """A baseline, target or result as the reader writes numbers ("" when unknown)."""
    if value is None:
        return ""
    if value == value.to_integral():
        return number_format(value.quantize(Decimal(1)))
    return number_format(value.normalize())  # 17.5000 reads 17.5


def verdict(met: bool | None) -> str:
    if met is None:
        return _("Not known yet")
    return _("Target met") if met else _("Target not met")


def innovation_for_workspace(workspace_id: int) -> dict[str, Any]:
    opportunities = [
        {
            "title": o.title,
            "customer_value": o.customer_value,
            "business_value": o.business_value,
            "value": o.value,
            "effort": o.effort,
            "status": str(o.get_status_display()),
            "personas": [p.name for p in o.personas.all()],
        }
        for o in Opportunity.objects.filter(workspace_id=workspace_id).prefetch_related("personas")
    ]
    concepts: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for concept in ServiceConcept.objects.filter(workspace_id=workspace_id).prefetch_related(
        "personas", "opportunities", "storyboard"
    ):
        shown = {
            "title": concept.title,
            "description": concept.description,
            "opportunities": [o.title for o in concept.opportunities.all()],
            "storyboard": [(f.title, f.description) for f in concept.storyboard.all()],
        }
        for persona in concept.personas.all() or [None]:
            concepts[persona.name if persona else ""].append(shown)
    experiments = [
        {
            "mvp": e.mvp_name,
            "concept": e.concept.title,
            "description": e.mvp_description,
            "hypothesis": e.hypothesis,
            "metric": e.metric,
            "baseline": measure(e.baseline),
            "target": measure(e.target),
            "result": measure(e.result),
            "met": e.met,
            "verdict": verdict(e.met),
            "status": str(e.get_status_display()),
            "dates": " – ".join(date_format(d) for d in (e.start_date, e.end_date) if d),
            "learnings": e.learnings,
            "iterations": [(date_format(i.date), i.text) for i in e.iterations.all()],
        }
        for e in Experiment.objects.filter(workspace_id=workspace_id)
        .select_related("concept")
        .prefetch_related("iterations")
    ]
    needs: dict[str, list[dict[str, str]]] = defaultdict(list)
    for need in DataNeed.objects.filter(workspace_id=workspace_id).select_related(
        "persona", "step", "channel"
    ):
        how = [need.method, need.step.title if need.step else "", str(need.channel or "")]
        needs[need.persona.name].append(
            {
                "item": need.item,
                "why": need.why,
                "how": " · ".join(part for part in how if part),
                "consent": need.consent,
                "quality": need.quality,
                "status": str(need.get_status_display()),
            }
        )
    roadmap = services.roadmap_of(workspace_id=workspace_id)
    labels, types = dict(Horizon.choices), dict(RoadmapType.choices)
    return {
        "opportunities": opportunities,
        "concepts": sorted(concepts.items(), key=lambda item: (item[0] == "", item[0])),
        "experiments": experiments,
        "data_needs": sorted(needs.items()),
        "roadmap": [
            {
                "horizon": str(labels[column]),
                "items": [
                    {
                        "type": str(types[entry["type"]]),
                        "title": entry["title"],
                        "context": entry["context"],
                        "status": entry["status_label"],
                        "owner": entry["owner_name"],
                        "due": date_format(entry["due_date"]) if entry["due_date"] else "",
                    }
                    for entry in roadmap[str(column)]
                ],
            }
            for column in ROADMAP_COLUMNS
        ],
    }


# --- The Value × Effort drawing ---------------------------------------------------------------

WIDTH, PLOT_HEIGHT = 640, 360
LEFT, TOP, RIGHT, BOTTOM = 56, 16, 16, 44  # margins around the plot, for the axes
LEGEND_LINE = 14  # the legend under the plot: two columns of "n  title"
LABEL_MAX = 48  # characters of a title in the legend


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= LABEL_MAX else text[: LABEL_MAX - 1] + "…"


def matrix_svg(opportunities: list[dict[str, Any]]) -> str:
    """The scored opportunities as numbered dots on Value (up, 0–100) × Effort (across,
    1–5), the quadrants named, and a legend of the numbers under the plot (the numbers are
    the opportunities' order, as in the book's table). Every text is escaped."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, PLOT_HEIGHT - TOP - BOTTOM
    columns = EFFORT_MAX - EFFORT_MIN + 1
    placed = [
        (number, o)
        for number, o in enumerate(opportunities, start=1)
        if o["value"] is not None and o["effort"] is not None
    ]
    rows = (len(placed) + 1) // 2
    height = PLOT_HEIGHT + rows * LEGEND_LINE + 8

    def x_of(effort: float) -> float:
        return LEFT + (effort - EFFORT_MIN + 0.5) / columns * plot_w

    def y_of(value: float) -> float:
        return TOP + (100 - value) / 100 * plot_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" font-family="sans-serif" font-size="10">',
        f'<rect x="{LEFT}" y="{TOP}" width="{plot_w / 2}" height="{plot_h / 2}" fill="#eaf6ee"/>',
        f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" '
        'stroke="#8a93a6"/>',
        f'<line x1="{LEFT + plot_w / 2}" y1="{TOP}" x2="{LEFT + plot_w / 2}" '
        f'y2="{TOP + plot_h}" stroke="#c5cad6" stroke-dasharray="4 3"/>',
        f'<line x1="{LEFT}" y1="{TOP + plot_h / 2}" x2="{LEFT + plot_w}" '
        f'y2="{TOP + plot_h / 2}" stroke="#c5cad6" stroke-dasharray="4 3"/>',
    ]
    corners = [
        (LEFT + 6, TOP + 14, "start", _("Quick wins")),
        (LEFT + plot_w - 6, TOP + 14, "end", _("Big bets")),
        (LEFT + 6, TOP + plot_h - 6, "start", _("Fill-ins")),
        (LEFT + plot_w - 6, TOP + plot_h - 6, "end", _("Money pits")),
    ]
    for x, y, anchor, text in corners:
        parts.append(
            f'<text x="{x}" y="{y}" text-anchor="{anchor}" fill="#8a93a6" font-size="9" '
            f'letter-spacing="1">{escape(text.upper())}</text>'
        )
    for effort in range(EFFORT_MIN, EFFORT_MAX + 1):
        parts.append(
            f'<text x="{x_of(effort):.1f}" y="{TOP + plot_h + 14}" text-anchor="middle">'
            f"{effort}</text>"
        )
    for value in (0, 50, 100):
        parts.append(
            f'<text x="{LEFT - 6}" y="{y_of(value) + 3:.1f}" text-anchor="end">{value}</text>'
        )
    parts.append(
        f'<text x="{LEFT + plot_w / 2}" y="{TOP + plot_h + 32}" text-anchor="middle" '
        f'font-weight="bold">{escape(_("Effort"))} →</text>'
    )
    parts.append(
        f'<text x="14" y="{TOP + plot_h / 2}" text-anchor="middle" font-weight="bold" '
        f'transform="rotate(-90 14 {TOP + plot_h / 2})">{escape(_("Value"))} →</text>'
    )
    crowd: dict[tuple[int, int], int] = defaultdict(int)  # dots already in about this place
    for number, opportunity in placed:
        place = (opportunity["effort"], round(opportunity["value"] / 6))
        x = x_of(opportunity["effort"]) + crowd[place] * 16  # side by side, never on top
        y = y_of(opportunity["value"])
        crowd[place] += 1
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="7" fill="#2952cc"/>')
        parts.append(
            f'<text x="{x:.1f}" y="{y + 3.5:.1f}" text-anchor="middle" fill="#fff" '
            f'font-size="9" font-weight="bold">{number}</text>'
        )
    for index, (number, opportunity) in enumerate(placed):
        x = LEFT + (index // rows) * (plot_w / 2) if rows else LEFT
        y = PLOT_HEIGHT + (index % rows) * LEGEND_LINE + 6
        parts.append(
            f'<text x="{x:.1f}" y="{y}"><tspan font-weight="bold" fill="#2952cc">{number}'
            f"</tspan>  {escape(_short(opportunity['title']))}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
