"""The book's sections fed by other apps: personas with their service protocols, and workshop
outputs. Each app gives plain data (`personas.book.personas_for_blueprint`,
`workshops.services.workshop_outputs_for_blueprint`); this turns it into entries of the book,
with plain, already translated strings (the book escapes every one). A section with nothing in
it reads "None yet." under its title.
"""

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from blueprints.models import Blueprint
from innovation.book import innovation_for_workspace, matrix_svg
from personas.book import personas_for_blueprint
from workshops.services import workshop_outputs_for_blueprint


@dataclass
class BookEntry:
    """One item of a section fed by another app: a persona, a protocol, a workshop output."""

    title: str
    subtitle: str = ""
    text: str = ""
    facts: Sequence[tuple[str, str]] = ()  # (label, value) pairs
    table_headers: Sequence[str] = ()
    table_rows: Sequence[Sequence[str]] = ()


@dataclass
class BookSection:
    title: str
    intro: str = ""
    entries: Sequence[BookEntry] = field(default_factory=list)
    figure: str = ""  # an SVG drawn by our code, every label in it escaped


def _joined(values: Any) -> str:
    if isinstance(values, list | tuple):
        return "; ".join(str(value) for value in values if str(value).strip())
    return str(values or "")


def personas_section(*, blueprint: Blueprint, language: str) -> BookSection | None:
    personas = personas_for_blueprint(blueprint)
    entries = [_persona_entry(persona) for persona in personas]
    return BookSection(
        title=_("Personas and service protocols"),
        intro=_(
            "Who the consumers behind the contacts are, drawn from the contact data, and how "
            "to serve each of them."
        ),
        entries=entries,
    )


def _persona_entry(persona: dict[str, Any]) -> BookEntry:
    profile = [
        str(persona.get("gender") or ""),
        str(persona.get("age") or ""),
        str(persona.get("residence") or ""),
    ]
    facts = [
        (_("Needs"), _joined(persona.get("needs"))),
        (_("Habits"), _joined(persona.get("habits"))),
        (_("Desires"), _joined(persona.get("desires"))),
        (_("Frustrations"), _joined(persona.get("frustrations"))),
        (_("Preferred channels"), _joined(persona.get("preferred_channels"))),
        (_("Born in"), str(persona.get("birthplace") or "")),
        (_("Steps"), _joined(persona.get("steps"))),
        (_("Evidence"), str((persona.get("evidence") or {}).get("summary") or "")),
        (_("Bias"), _joined(persona.get("bias_notes"))),
    ]
    protocols = persona.get("protocols") or []
    rows = [
        [
            str(protocol.get("contact_reason") or "—"),
            str(protocol.get("channel") or "—"),
            str(protocol.get("tone") or ""),
            str(protocol.get("preferred_channel") or ""),
            str(protocol.get("target_response") or ""),
            str(protocol.get("script") or ""),
        ]
        for protocol in protocols
    ]
    headers = [
        _("Contact reason"),
        _("Channel"),
        _("Tone"),
        _("Preferred channel"),
        _("Respond within"),
        _("Script"),
    ]
    return BookEntry(
        title=str(persona.get("name") or "—"),
        subtitle=" · ".join(part for part in profile if part),
        text=str(persona.get("quote") or ""),
        facts=[(label, value) for label, value in facts if value.strip()],
        table_headers=headers if rows else (),
        table_rows=rows,
    )


def workshops_section(*, blueprint: Blueprint, language: str) -> BookSection | None:
    """One entry per workshop: its outputs with the step (and persona) each is attached to, and
    the votes."""
    outputs = workshop_outputs_for_blueprint(blueprint)
    if not outputs:
        return None
    entries = []
    for (workshop, date), rows in groupby(outputs, key=lambda o: (o["workshop"], o["date"])):
        rows = list(rows)
        entries.append(
            BookEntry(
                title=workshop,
                subtitle=formats.date_format(datetime.date.fromisoformat(date)) if date else "",
                table_headers=[_("Output"), _("Detail"), _("Step"), _("Persona"), _("Votes")],
                table_rows=[
                    [
                        row["title"],
                        row["detail"],
                        row["step"] or "—",
                        row["persona"] or "—",
                        str(row["votes"]),
                    ]
                    for row in rows
                ],
            )
        )
    return BookSection(
        title=_("Workshop outputs"),
        intro=_("What the workshops decided, attached to the steps of this blueprint."),
        entries=entries,
    )


def innovation_section(*, blueprint: Blueprint, language: str) -> BookSection | None:
    """The global blueprint's chapter "From personas to new services": the Value × Effort
    matrix, concepts per persona, the experiments and their verdicts, data needs, roadmap."""
    if blueprint.kind != "global":
        return None
    found = innovation_for_workspace(blueprint.workspace_id)
    entries = []
    if found["opportunities"]:
        entries.append(
            BookEntry(
                title=_("Opportunities"),
                table_headers=[
                    "#",
                    _("Opportunity"),
                    _("Customer value"),
                    _("Business value"),
                    _("Value"),
                    _("Effort"),
                    _("Status"),
                    _("Personas"),
                ],  # fmt: skip
                table_rows=[
                    [
                        str(number),
                        o["title"],
                        _shown(o["customer_value"]),
                        _shown(o["business_value"]),
                        _shown(o["value"]),
                        _shown(o["effort"]),
                        o["status"],
                        _joined(o["personas"]),
                    ]  # fmt: skip
                    for number, o in enumerate(found["opportunities"], start=1)
                ],
            )
        )
    for persona, concepts in found["concepts"]:
        entries.append(
            BookEntry(
                title=_("Concepts for %(persona)s") % {"persona": persona}
                if persona
                else _("Concepts for no persona yet"),
                facts=[
                    (
                        c["title"],
                        " ".join(
                            [c["description"]]
                            + [
                                f"{n}. {title}" + (f": {text}" if text else "")
                                for n, (title, text) in enumerate(c["storyboard"], start=1)
                            ]
                        ).strip(),
                    )
                    for c in concepts
                ],
            )
        )
    for e in found["experiments"]:
        facts = [
            (_("Hypothesis"), e["hypothesis"]),
            (_("Metric"), e["metric"]),
            (_("Baseline"), e["baseline"]),
            (_("Target"), e["target"]),
            (_("Result"), e["result"]),
            (_("Verdict"), f"{e['status']} · {e['verdict']}"),
            (_("Dates"), e["dates"]),
            (_("Learnings"), e["learnings"]),
            (_("Iterations"), " · ".join(f"{date}: {text}" for date, text in e["iterations"])),
        ]
        entries.append(
            BookEntry(
                title=_("Experiment: %(mvp)s") % {"mvp": e["mvp"]},
                subtitle=e["concept"],
                text=e["description"],
                facts=[(label, value) for label, value in facts if str(value).strip()],
            )
        )
    for persona, needs in found["data_needs"]:
        entries.append(
            BookEntry(
                title=_("Data to obtain for %(persona)s") % {"persona": persona},
                table_headers=[
                    _("Data item"),
                    _("Why"),
                    _("How it is obtained"),
                    _("Consent"),
                    _("Quality"),
                    _("Status"),
                ],  # fmt: skip
                table_rows=[
                    [n["item"], n["why"], n["how"], n["consent"], n["quality"], n["status"]]
                    for n in needs
                ],
            )
        )
    roadmap_rows = [
        [
            column["horizon"],
            item["type"],
            item["title"],
            item["context"],
            item["status"],
            item["owner"],
            item["due"],
        ]  # fmt: skip
        for column in found["roadmap"]
        for item in column["items"]
    ]
    if roadmap_rows:
        entries.append(
            BookEntry(
                title=_("Roadmap"),
                table_headers=[
                    _("When"),
                    _("Kind"),
                    _("Item"),
                    _("For"),
                    _("Status"),
                    _("Owner"),
                    _("Due"),
                ],  # fmt: skip
                table_rows=roadmap_rows,
            )
        )
    scored = any(o["value"] is not None and o["effort"] for o in found["opportunities"])
    return BookSection(
        title=_("From personas to new services"),
        intro=_(
            "Opportunities scored by customer and business value against effort, the service "
            "concepts for each persona, the MVPs that tested them, the data still to obtain, "
            "and what comes next."
        ),
        entries=entries,
        figure=matrix_svg(found["opportunities"]) if scored else "",
    )


def _shown(value: Any) -> str:
    if value is None:
        return "—"
    if value == int(value):
        return formats.number_format(int(value))
    return formats.number_format(value, decimal_pos=1)


# (key, section, its title while it is empty), in the book's order
OTHER_APPS: tuple[tuple[str, Callable[..., BookSection | None], Any], ...] = (
    ("personas", personas_section, gettext_lazy("Personas and service protocols")),
    ("workshops", workshops_section, gettext_lazy("Workshop outputs")),
    ("innovation", innovation_section, None),  # None: left out where it does not belong
)


def other_apps(*, blueprint: Blueprint, language: str) -> list[dict[str, Any]]:
    """The sections of the other apps, each `{"key", "section"}`, for templates/book/book.html.

    Runs inside `translation.override(language)`; `language` is one of layout.LABELS."""
    found = []
    for key, section, empty_title in OTHER_APPS:
        made = section(blueprint=blueprint, language=language)
        if made is None and empty_title is None:
            continue
        found.append({"key": key, "section": made or BookSection(title=str(empty_title))})
    return found
