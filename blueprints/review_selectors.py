"""Reads for reviewing a blueprint, shared by the API, the Assessment tab and the book: the
blueprint as plain data for `assessment.py` and `audit.py`, and their results worded in the
reader's language, with the dismissed findings marked.
"""

from typing import Any

from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy

from blueprints import assessment, audit
from blueprints.models import Band, Blueprint, Channel, DataStage, FindingDismissal, Step
from blueprints.review import (
    STAGES,
    ReviewBlueprint,
    ReviewChannel,
    ReviewLane,
    ReviewLink,
    ReviewPhase,
    ReviewStep,
)

NO_CHANNEL = gettext_lazy("No channel")

# {channel} is the channel's name; {item} a data item; {systems} the systems, listed.
GAP_MESSAGES = {
    "not_planned": gettext_lazy(
        "{channel}: consumer data is collected, but no step plans what to collect or why."
    ),
    "collected_not_recorded": gettext_lazy(
        "{channel}: consumer data is collected, but no step records it."
    ),
    "recorded_not_synthesised": gettext_lazy(
        "{channel}: consumer data is recorded, but no step synthesises it."
    ),
    "synthesised_not_communicated": gettext_lazy(
        "{channel}: consumer data is synthesised, but no step communicates the results."
    ),
    "captured_without_system": gettext_lazy(
        "{channel}: consumer data is captured with no system named to record it."
    ),
    "fragmented": gettext_lazy("“{item}” is recorded in several systems: {systems}."),
}
GAP_TITLES = {
    "not_planned": gettext_lazy("Collected without a plan"),
    "collected_not_recorded": gettext_lazy("Collected, not recorded"),
    "recorded_not_synthesised": gettext_lazy("Recorded, not synthesised"),
    "synthesised_not_communicated": gettext_lazy("Synthesised, not communicated"),
    "captured_without_system": gettext_lazy("Captured with no recording system"),
    "fragmented": gettext_lazy("Recorded in several systems"),
}
# The book's recommendations, one per gap.
GAP_ADVICE = {
    "not_planned": gettext_lazy(
        "{channel}: agree, before collecting anything, which consumer data each kind of "
        "contact should yield and what it will be used for."
    ),
    "collected_not_recorded": gettext_lazy(
        "{channel}: record what is collected in a named system, in a step of its own, so that "
        "it outlives the contact."
    ),
    "recorded_not_synthesised": gettext_lazy(
        "{channel}: review what is recorded on a set schedule; group the contacts by reason "
        "and look for trends."
    ),
    "synthesised_not_communicated": gettext_lazy(
        "{channel}: share what is learnt with the teams that can act on it, on a set schedule "
        "and in a set format."
    ),
    "captured_without_system": gettext_lazy(
        "{channel}: name where the captured data is kept, or stop capturing it."
    ),
    "fragmented": gettext_lazy(
        "Choose one system of record for “{item}” and have the others refer to it."
    ),
}

RULE_TITLES = {
    "phase_without_customer_action": gettext_lazy("Phase without a customer action"),
    "customer_action_without_response": gettext_lazy("Customer action without a response"),
    "step_without_actor": gettext_lazy("Step without an actor"),
    "owner_change": gettext_lazy("Change of owner"),
    "band_crossing": gettext_lazy("Link over a band"),
    "rework_loop": gettext_lazy("Rework loop"),
    "pain_point_without_opportunity": gettext_lazy("Pain point without an opportunity"),
    "assumed_majority": gettext_lazy("Lane mostly assumed"),
    "unlinked_backstage": gettext_lazy("Back-office step nothing leads to"),
}
RULE_MESSAGES = {
    "phase_without_customer_action": gettext_lazy(
        "The customer does nothing in the phase “{phase}”."
    ),
    "customer_action_without_response": gettext_lazy(
        "“{step}” ({phase}) has no frontstage step of its phase linked to it."
    ),
    "step_without_actor": gettext_lazy(
        "Nobody owns “{step}” ({phase}): neither the step nor its lane has an actor."
    ),
    "owner_change": gettext_lazy("Handoff from {from} to {to}: “{source}” → “{target}”."),
    "band_crossing": gettext_lazy(
        "The link “{source}” → “{target}” goes from {from_band} to {to_band} over {skipped}."
    ),
    "rework_loop": gettext_lazy("Links go round in a loop: {steps}."),
    "pain_point_without_opportunity": gettext_lazy(
        "The pain point “{step}” ({phase}) has no opportunity in its phase or linked to it."
    ),
    "assumed_majority": gettext_lazy(
        "{assumed} of the {count} steps of the lane “{lane}” are only assumed."
    ),
    "unlinked_backstage": gettext_lazy("Nothing leads to “{step}” ({phase}): no link reaches it."),
}
SEVERITY_LABELS = {
    audit.WARNING: gettext_lazy("Warning"),
    audit.NOTICE: gettext_lazy("Notice"),
    audit.INFO: gettext_lazy("Information"),
}


def review_data(blueprint: Blueprint) -> ReviewBlueprint:
    """The plain input of the assessment and the audit, in six queries whatever the size."""
    phases = [ReviewPhase(pk, name) for pk, name in blueprint.phases.values_list("id", "name")]
    lanes = [
        ReviewLane(
            pk, name, band, actor or "", translations if isinstance(translations, dict) else {}
        )
        for pk, name, band, actor, translations in blueprint.lanes.values_list(
            "id", "name", "band", "actor__name", "name_translations"
        )
    ]
    lane_actor = {lane.id: lane.actor for lane in lanes}
    teams: dict[int, list[str]] = {}
    if blueprint.kind == "global":
        provenance = Step.sources.through.objects.filter(from_step__blueprint=blueprint)
        for step_id, team in provenance.values_list(
            "from_step_id", "to_step__blueprint__team__name"
        ).order_by("to_step__blueprint__team__name"):
            if team and team not in teams.setdefault(step_id, []):
                teams[step_id].append(team)
    phase_rank = {phase.id: index for index, phase in enumerate(phases)}
    lane_rank = {lane.id: index for index, lane in enumerate(lanes)}
    rows = blueprint.steps.values_list(
        "id", "lane_id", "phase_id", "title", "kind", "channel_id", "actor__name", "evidence",
        "data_stage", "data_captured", "data_recorded_in", "position",
    )  # fmt: skip
    steps = [
        ReviewStep(
            id=row[0],
            lane=row[1],
            phase=row[2],
            title=row[3],
            kind=row[4],
            channel=row[5],
            actor=row[6] or lane_actor.get(row[1], ""),
            evidence=row[7],
            data_stage=row[8],
            data_captured=row[9],
            data_recorded_in=row[10],
            teams=tuple(teams.get(row[0], ())),
        )
        for row in sorted(
            rows, key=lambda r: (phase_rank.get(r[2], 0), lane_rank.get(r[1], 0), r[11], r[0])
        )
    ]
    links = [
        ReviewLink(source, target, kind)
        for source, target, kind in blueprint.links.order_by("id").values_list(
            "source_id", "target_id", "kind"
        )
    ]
    channels = [
        ReviewChannel(pk, name)
        for pk, name in Channel.objects.filter(workspace_id=blueprint.workspace_id).values_list(
            "id", "name"
        )
    ]
    return ReviewBlueprint(phases, lanes, steps, links, channels, kind=blueprint.kind)


def _listed(names: list[str]) -> str:
    return ", ".join(names)


def _channel_name(row_name: str, channel: int | None) -> str:
    return row_name if channel is not None else str(NO_CHANNEL)


def data_practices(
    blueprint: Blueprint, language: str, data: ReviewBlueprint | None = None
) -> dict[str, Any]:
    """The data-practice assessment as the API answers it, worded in `language`."""
    data = data if data is not None else review_data(blueprint)
    result = assessment.assess(data)
    names = {channel.id: channel.name for channel in data.channels}
    with translation.override(language):
        stage_labels = {stage: str(DataStage(stage).label) for stage in STAGES}
        gaps = []
        for gap in result.gaps:
            channel = _channel_name(names.get(gap.channel, ""), gap.channel)
            words = {"channel": channel, "item": gap.item, "systems": _listed(list(gap.systems))}
            gaps.append(
                {
                    "kind": gap.kind,
                    "title": str(GAP_TITLES[gap.kind]),
                    "channel": gap.channel,
                    "channel_name": channel,
                    "steps": list(gap.steps),
                    "message": str(GAP_MESSAGES[gap.kind]).format(**words),
                    "advice": str(GAP_ADVICE[gap.kind]).format(**words),
                    "item": gap.item,
                    "systems": list(gap.systems),
                }
            )
        return {
            "blueprint": blueprint.pk,
            "kind": blueprint.kind,
            "language": language,
            "stages": [{"stage": stage, "label": stage_labels[stage]} for stage in STAGES],
            "channels": [
                {
                    "channel": row.channel,
                    "name": _channel_name(row.name, row.channel),
                    "stages": row.stages,
                    "covered": row.covered,
                    "teams": row.teams,
                }
                for row in result.channels
            ],
            "gaps": gaps,
            "systems": [
                {
                    "name": system.name,
                    "steps": list(system.steps),
                    "channels": list(system.channels),
                    "items": list(system.items),
                }
                for system in result.systems
            ],
            "teams": [
                {"team": team.team, "covered": team.covered, "stages": team.cells}
                for team in result.teams
            ],
        }


def _band_label(band: str) -> str:
    return str(Band(band).label) if band in Band.values else band


def _translated(lane: ReviewLane, language: str) -> str:
    translations = lane.name_translations or {}
    return translations.get(language) or translations.get(language[:2]) or lane.name


def reader_names(data: ReviewBlueprint, language: str) -> tuple[dict[str, str], dict[str, str]]:
    """Roles and lanes by their names in the reader's language, as the book names them: a lane
    named after its actor gives that role its translations (see layout.role_names)."""
    roles: dict[str, str] = {}
    lanes: dict[str, str] = {}
    for lane in data.lanes:
        shown = _translated(lane, language)
        lanes.setdefault(lane.name, shown)
        if lane.actor and lane.actor.strip() == lane.name.strip():
            roles.setdefault(lane.actor, shown)
    return roles, lanes


def finding_message(
    finding: audit.Finding,
    roles: dict[str, str] | None = None,
    lanes: dict[str, str] | None = None,
) -> str:
    params = dict(finding.params)
    for name in ("from", "to"):
        if name in params and roles:
            params[name] = roles.get(params[name], params[name])
    if "lane" in params and lanes:
        params["lane"] = lanes.get(params["lane"], params["lane"])
    for name in ("from_band", "to_band"):
        if name in params:
            params[name] = _band_label(params[name])
    if "skipped" in params:
        params["skipped"] = _listed([_band_label(band) for band in params["skipped"]])
    if isinstance(params.get("steps"), list):
        params["steps"] = " → ".join(f"“{title}”" for title in params["steps"])
    return str(RULE_MESSAGES[finding.rule]).format(**params)


def dismissal_json(dismissal: FindingDismissal) -> dict[str, Any]:
    by = dismissal.dismissed_by
    return {
        "id": dismissal.pk,
        "rule": dismissal.rule,
        "key": dismissal.key,
        "reason": dismissal.reason,
        "by": (by.get_full_name() or by.get_username()) if by is not None else "",
        "at": dismissal.dismissed_at.isoformat(),
        "at_text": date_format(dismissal.dismissed_at, "DATE_FORMAT"),
    }


def audit_report(
    blueprint: Blueprint, language: str, data: ReviewBlueprint | None = None
) -> dict[str, Any]:
    """Every finding of the audit, worded in `language`; the dismissed ones say so and why."""
    data = data if data is not None else review_data(blueprint)
    findings = audit.audit(data)
    dismissed = {
        (row.rule, row.key): row
        for row in FindingDismissal.objects.filter(blueprint=blueprint).select_related(
            "dismissed_by"
        )
    }
    roles, lanes = reader_names(data, language)
    with translation.override(language):
        shown = []
        counts = {rule: {"open": 0, "dismissed": 0} for rule in audit.RULES}
        for finding in findings:
            dismissal = dismissed.get((finding.rule, finding.key))
            counts[finding.rule]["dismissed" if dismissal else "open"] += 1
            shown.append(
                {
                    "rule": finding.rule,
                    "severity": finding.severity,
                    "title": str(RULE_TITLES[finding.rule]),
                    "key": finding.key,
                    "steps": list(finding.steps),
                    "phases": list(finding.phases),
                    "lanes": list(finding.lanes),
                    "message": finding_message(finding, roles, lanes),
                    "dismissed": dismissal_json(dismissal) if dismissal else None,
                }
            )
        return {
            "blueprint": blueprint.pk,
            "language": language,
            "rules": [
                {
                    "rule": rule,
                    "severity": severity,
                    "severity_label": str(SEVERITY_LABELS[severity]),
                    "title": str(RULE_TITLES[rule]),
                    **counts[rule],
                }
                for rule, severity in audit.RULES.items()
            ],
            "open": sum(count["open"] for count in counts.values()),
            "dismissed": sum(count["dismissed"] for count in counts.values()),
            "findings": shown,
        }
