"""The book's chapters on the review of a blueprint: "Consumer-data practices" (the channel ×
stage matrix, the gaps, the systems, recommendations written from the gaps and, on a global
blueprint, the teams compared) and "Design review" (the open findings of the audit).

Plain, already translated values for templates/book/book.html, from the same reads as the
API and the Assessment tab (blueprints/review_selectors.py).
"""

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from blueprints import review_selectors
from blueprints.models import Blueprint
from blueprints.review import ReviewBlueprint

ONE_RECORD = gettext_noop(
    "Choose one system of record for each of {items}, and have the other systems refer to it."
)
QUOTED = gettext_noop("“{item}”")  # quotation marks differ between languages
HEAT_FILLS = ("#ffffff", "#d8e6fb", "#93b4ef", "#2952cc")  # as static/css/assessment.css
STEPS_SHOWN = 6  # step titles listed per gap before "and n more"


def _titles(ids: list[int], titles: dict[int, str]) -> list[str]:
    return [titles[pk] for pk in ids if pk in titles]


def review_chapters(
    blueprint: Blueprint, language: str, data: ReviewBlueprint | None = None
) -> dict[str, Any]:
    """Both chapters' content in `language` (one of layout.LABELS)."""
    data = data if data is not None else review_selectors.review_data(blueprint)
    practices = review_selectors.data_practices(blueprint, language, data)
    report = review_selectors.audit_report(blueprint, language, data)
    titles = {step.id: step.title for step in data.steps}
    names = {row["channel"]: row["name"] for row in practices["channels"]}
    stages = practices["stages"]
    matrix = [
        {
            "name": row["name"],
            "no_channel": row["channel"] is None,
            "covered": row["covered"],
            "cells": [
                {
                    "count": len(row["stages"][stage["stage"]]),
                    "fill": HEAT_FILLS[min(len(row["stages"][stage["stage"]]), 3)],
                    "dark": len(row["stages"][stage["stage"]]) >= 3,
                    "teams": row["teams"].get(stage["stage"], []),
                }
                for stage in stages
            ],
        }
        for row in practices["channels"]
    ]
    gaps = []
    for gap in practices["gaps"]:
        shown = _titles(gap["steps"], titles)
        gaps.append(
            {
                "kind": gap["kind"],
                "title": gap["title"],
                "message": gap["message"],
                "steps": shown[:STEPS_SHOWN],
                "more": max(0, len(shown) - STEPS_SHOWN),
            }
        )
    advice = list(
        dict.fromkeys(gap["advice"] for gap in practices["gaps"] if gap["kind"] != "fragmented")
    )
    fragmented = [gap["item"] for gap in practices["gaps"] if gap["kind"] == "fragmented"]
    if len(fragmented) == 1:
        advice += [gap["advice"] for gap in practices["gaps"] if gap["kind"] == "fragmented"]
    elif fragmented:
        items = ", ".join(_(QUOTED).format(item=item) for item in fragmented)
        advice.append(_(ONE_RECORD).format(items=items))
    systems = [
        {
            "name": system["name"],
            "channels": [names.get(pk, "") for pk in system["channels"]],
            "items": system["items"],
            "steps": len(system["steps"]),
        }
        for system in practices["systems"]
    ]
    teams = [
        {
            "team": team["team"],
            "covered": team["covered"],
            "cells": [
                [names.get(pk, "") for pk in team["stages"][stage["stage"]]] for stage in stages
            ],
        }
        for team in practices["teams"]
    ]
    groups = []
    for rule in report["rules"]:
        open_findings = [
            finding["message"]
            for finding in report["findings"]
            if finding["rule"] == rule["rule"] and not finding["dismissed"]
        ]
        if open_findings:
            groups.append({**rule, "messages": open_findings})
    dismissed = [
        {
            "title": finding["title"],
            "message": finding["message"],
            "reason": finding["dismissed"]["reason"],
            "by": finding["dismissed"]["by"],
            "at": finding["dismissed"]["at_text"],
        }
        for finding in report["findings"]
        if finding["dismissed"]
    ]
    return {
        "stages": [stage["label"] for stage in stages],
        "matrix": matrix,
        "staged": sum(1 for step in data.steps if step.data_stage),
        "gaps": gaps,
        "advice": advice,
        "systems": systems,
        "teams": teams,
        "rules": [rule for rule in report["rules"] if rule["open"] or rule["dismissed"]],
        "open": report["open"],
        "groups": groups,
        "dismissed": dismissed,
    }
