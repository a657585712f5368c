"""What a segment says about the persona drafted from it: pure functions on plain dicts.

A segment's evidence (see `services.segment_evidence`) is a dict: `customers`, `share`,
`small`, `contacts`, `contacts_per_customer`, `over_indexing` (column → rows of `label`,
`share`, `population_share`, `index`), `breakdown` (column → rows of `label`, `share`,
`population_share`; the label "" is every other value together) and `bias` (rows of
`demographic`, `distance`, `flagged`, `label`, `share`, `population_share`).

`draft` turns it into the first version of a profile; `by_attribute` puts the evidence that
backs each profile attribute beside it, for the persona page, the API and the PDF book.
"""

from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

GENDERS = {
    "female": gettext_lazy("Female"),
    "male": gettext_lazy("Male"),
    "other": gettext_lazy("Other"),
}
DEMOGRAPHIC_NAMES = {
    "gender": gettext_lazy("Gender"),
    "age_band": gettext_lazy("Age"),
    "residence": gettext_lazy("Residence"),
    "birthplace": gettext_lazy("Birthplace"),
}
# Each profile attribute and the evidence columns that back it.
ATTRIBUTE_EVIDENCE = {
    "name": ("size",),
    "quote": ("subcategory",),
    "gender": ("gender",),
    "age": ("age_band",),
    "residence": ("residence",),
    "birthplace": ("birthplace",),
    "needs": ("category", "subcategory"),
    "desires": ("subcategory",),
    "frustrations": ("subcategory",),
    "habits": ("channel", "frequency"),
    "preferred_channels": ("channel",),
}


def label_text(column: str, label: str) -> str:
    if label == "":
        return str(_("Others"))
    if column == "gender":
        return str(GENDERS.get(label, label))
    return label


def gender_text(value: str) -> str:
    """A persona's gender in the reader's language when it is one of the choices.

    A draft stores the choice's label in the language it was drafted in ("Female", "Mujer");
    a choice, in any of the languages, reads as the reader's label. What a person wrote
    otherwise stays as written.
    """
    wanted = value.strip().casefold()
    if not wanted:
        return value
    for key, label in GENDERS.items():
        names = {key}
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                names.add(str(label).casefold())
        if wanted in names:
            return str(label)
    return value


def percent(value: float) -> str:
    return f"{number_format(round(100 * value), 0)} %"


def top_label(evidence: dict[str, Any], column: str) -> str:
    for row in evidence.get("breakdown", {}).get(column, []):
        if row["label"]:
            return row["label"]
    return ""


def over(evidence: dict[str, Any], column: str) -> list[dict[str, Any]]:
    return list(evidence.get("over_indexing", {}).get(column, []))


def short_reason(label: str) -> str:
    """ "Complaints › Packaging" → "Packaging"."""
    return label.rsplit(" › ", 1)[-1]


def draft(evidence: dict[str, Any], number: int) -> dict[str, Any]:
    """The first version of a profile, from the evidence alone (the facilitator refines it)."""
    reasons = (
        over(evidence, "category")
        or [row for row in evidence.get("breakdown", {}).get("category", []) if row["label"]][:1]
    )
    channels = (
        over(evidence, "channel")
        or [row for row in evidence.get("breakdown", {}).get("channel", []) if row["label"]][:1]
    )
    parts = [reasons[0]["label"]] if reasons else []
    if channels:
        parts.append(channels[0]["label"])
    name = " · ".join(parts) or _("Segment %(number)s") % {"number": number}
    needs = [
        _("Help with “%(reason)s”") % {"reason": short_reason(row["label"])}
        for row in over(evidence, "subcategory")[:3]
    ]
    habits = [
        _("Gets in touch by %(channel)s (%(share)s of their contacts)")
        % {"channel": row["label"], "share": percent(row["share"])}
        for row in channels[:2]
    ]
    if evidence.get("contacts_per_customer"):
        habits.append(
            _("%(count)s contacts per customer in the period")
            % {"count": number_format(evidence["contacts_per_customer"], 1)}
        )
    return {
        "name": name[:120],
        "gender": label_text("gender", top_label(evidence, "gender"))
        if top_label(evidence, "gender")
        else "",
        "age": top_label(evidence, "age_band"),
        "residence": top_label(evidence, "residence"),
        "birthplace": top_label(evidence, "birthplace"),
        "needs": needs,
        "habits": habits,
    }


def rows_for(evidence: dict[str, Any], column: str) -> list[dict[str, Any]]:
    """Breakdown rows with display labels (and the over-indexing index where there is one)."""
    indexes = {row["label"]: row["index"] for row in over(evidence, column)}
    return [
        {
            "label": label_text(column, row["label"]),
            "share": row["share"],
            "population_share": row["population_share"],
            "index": indexes.get(row["label"]),
        }
        for row in evidence.get("breakdown", {}).get(column, [])
    ]


def size_summary(evidence: dict[str, Any]) -> str:
    return _("%(customers)s customers (%(share)s of all), %(per)s contacts each") % {
        "customers": number_format(evidence.get("customers", 0), 0, force_grouping=True),
        "share": percent(evidence.get("share", 0.0)),
        "per": number_format(evidence.get("contacts_per_customer", 0.0), 1),
    }


def by_attribute(evidence: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per profile attribute: a one-line `summary` and the `rows` behind it."""
    if not evidence:
        return {}
    result: dict[str, dict[str, Any]] = {}
    for attribute, columns in ATTRIBUTE_EVIDENCE.items():
        rows: list[dict[str, Any]] = []
        summaries: list[str] = []
        for column in columns:
            if column == "size":
                summaries.append(size_summary(evidence))
            elif column == "frequency":
                summaries.append(
                    _("%(per)s contacts per customer")
                    % {"per": number_format(evidence.get("contacts_per_customer", 0.0), 1)}
                )
            elif column in ("category", "subcategory", "channel") and attribute != "habits":
                for row in over(evidence, column):
                    rows.append(
                        {
                            "label": row["label"],
                            "share": row["share"],
                            "population_share": row["population_share"],
                            "index": row["index"],
                        }
                    )
                if over(evidence, column):
                    top = over(evidence, column)[0]
                    summaries.append(
                        _("“%(label)s”: %(share)s of their contacts, %(base)s of all")
                        % {
                            "label": top["label"],
                            "share": percent(top["share"]),
                            "base": percent(top["population_share"]),
                        }
                    )
            else:
                rows.extend(rows_for(evidence, column))
                column_rows = [r for r in rows_for(evidence, column) if r["label"]]
                if column_rows:
                    top = column_rows[0]
                    summaries.append(
                        _("%(label)s: %(share)s here, %(base)s of all customers")
                        % {
                            "label": top["label"],
                            "share": percent(top["share"]),
                            "base": percent(top["population_share"]),
                        }
                    )
        result[attribute] = {"summary": " · ".join(summaries), "rows": rows}
    return result


def bias_notes(evidence: dict[str, Any]) -> list[str]:
    """Sentences for the demographics on which the segment differs much from the population."""
    notes = []
    for row in evidence.get("bias", []):
        if not row.get("flagged"):
            continue
        notes.append(
            _(
                "%(demographic)s differs from the population: "
                "%(label)s is %(share)s here, %(base)s overall"
            )
            % {
                "demographic": DEMOGRAPHIC_NAMES.get(row["demographic"], row["demographic"]),
                "label": label_text(row["demographic"], row["label"]),
                "share": percent(row["share"]),
                "base": percent(row["population_share"]),
            }
        )
    return notes
