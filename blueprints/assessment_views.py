"""The Assessment tab of a blueprint: its consumer-data practices as a heat map, the gaps, the
systems, and the design audit's findings.

The blueprint page loads the tab's content from here (`?fragment=1`) when it is opened, and
again after each change of the board; without script the tab is a link to this page whole.
Dismissing and restoring findings go through the API (blueprints/assessment_api.py).
"""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language

from blueprints import layout, review_selectors
from blueprints.models import Blueprint
from blueprints.views import signed_in_or_guest
from workspaces import access

HEAT_STEPS = 3  # cells with this many steps or more take the darkest colour


def _readable(request: HttpRequest, blueprint_id: int) -> Blueprint:
    blueprint = (
        Blueprint.objects.select_related("workspace", "team").filter(pk=blueprint_id).first()
    )
    if blueprint is None or not access.can_read(request.user, blueprint):
        raise Http404("No such blueprint")
    return blueprint


def initials(name: str) -> str:
    """A team's short name for a cell of the heat map: "Trade Marketing & Promotions" → TMP."""
    words = [
        word for word in name.replace("&", " ").replace("-", " ").split() if word[:1].isalnum()
    ]
    if len(words) == 1:
        return words[0][:3]
    return "".join(word[0].upper() for word in words)[:4] or name[:3]


def _titled(ids: list[int], titles: dict[int, str]) -> list[dict[str, Any]]:
    return [{"id": pk, "title": titles.get(pk, "")} for pk in ids]


def assessment_context(blueprint: Blueprint, language: str, can_dismiss: bool) -> dict[str, Any]:
    """What templates/blueprints/_assessment.html shows, from the same reads as the API."""
    data = review_selectors.review_data(blueprint)
    practices = review_selectors.data_practices(blueprint, language, data)
    report = review_selectors.audit_report(blueprint, language, data)
    titles = {step.id: step.title for step in data.steps}
    channel_names = {row["channel"]: row["name"] for row in practices["channels"]}
    stages = practices["stages"]
    rows = []
    for row in practices["channels"]:
        cells = []
        for stage in stages:
            ids = row["stages"][stage["stage"]]
            cells.append(
                {
                    "stage": stage,
                    "steps": _titled(ids, titles),
                    "ids": ",".join(str(pk) for pk in ids),
                    "heat": min(len(ids), HEAT_STEPS),
                    "teams": row["teams"].get(stage["stage"], []),
                    "team_initials": [
                        initials(team) for team in row["teams"].get(stage["stage"], [])
                    ],
                }
            )
        rows.append({**row, "cells": cells})
    for gap in practices["gaps"]:
        gap["step_list"] = _titled(gap["steps"], titles)
        gap["ids"] = ",".join(str(pk) for pk in gap["steps"])
    for system in practices["systems"]:
        system["ids"] = ",".join(str(pk) for pk in system["steps"])
        system["channel_names"] = [channel_names.get(pk, "") for pk in system["channels"]]
    for team in practices["teams"]:
        team["cells"] = [
            {
                "stage": stage,
                "channels": [channel_names.get(pk, "") for pk in team["stages"][stage["stage"]]],
            }
            for stage in stages
        ]
    groups = []
    for rule in report["rules"]:
        findings = [f for f in report["findings"] if f["rule"] == rule["rule"]]
        for finding in findings:
            finding["ids"] = ",".join(str(pk) for pk in finding["steps"])
            finding["phase_ids"] = ",".join(str(pk) for pk in finding["phases"])
            finding["lane_ids"] = ",".join(str(pk) for pk in finding["lanes"])
        if findings:
            groups.append(
                {
                    **rule,
                    "open_findings": [f for f in findings if not f["dismissed"]],
                    "dismissed_findings": [f for f in findings if f["dismissed"]],
                }
            )
    team_names = sorted(
        {team for row in practices["channels"] for ts in row["teams"].values() for team in ts},
        key=str.casefold,
    )
    return {
        "blueprint": blueprint,
        "team_key": [(initials(team), team) for team in team_names],
        "practices": practices,
        "matrix_rows": rows,
        "stages": stages,
        "report": report,
        "rule_groups": groups,
        "staged_steps": sum(1 for step in data.steps if step.data_stage),
        "can_dismiss": can_dismiss,
        "is_global": blueprint.kind == "global",
    }


@signed_in_or_guest
def assessment_page(request: HttpRequest, blueprint_id: int) -> HttpResponse:
    blueprint = _readable(request, blueprint_id)
    language = layout.language_of(get_language())
    # Guests of a workshop read the assessment; dismissing a finding is for the team's members
    # and the facilitators, through the API, which guests do not reach.
    can_dismiss = not access.is_guest(request.user) and access.can_write(
        request.user, blueprint, "update"
    )
    context = assessment_context(blueprint, language, can_dismiss)
    fragment = request.GET.get("fragment") == "1"
    template = "blueprints/_assessment.html" if fragment else "blueprints/assessment.html"
    response = render(request, template, context)
    response["Cache-Control"] = "no-store"
    return response
