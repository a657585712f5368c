"""Personas for the manager's PDF book (blueprints' book engineer calls this).

`personas_for_blueprint(blueprint)` gives plain dicts, ready for a template: the profile,
a summary of the evidence (and the evidence beside each attribute), the bias notes and the
service protocols. Texts follow the active language (`translation.override` around the call).
"""

from typing import Any

from django.db.models import Q
from django.utils.translation import ngettext

from personas import evidence
from personas.models import Persona


def response_time_text(minutes: int | None) -> str:
    if minutes is None:
        return ""
    if minutes < 60 or minutes % 60:
        return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
    hours = minutes // 60
    if hours < 24 or hours % 24:
        return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
    days = hours // 24
    return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}


def personas_for_blueprint(blueprint: Any) -> list[dict[str, Any]]:
    """The personas attached to `blueprint` or to one of its steps, by name.

    A global blueprint with no persona attached gets every persona of its workspace: it is the
    whole operation's picture, and the book should not come out without its personas.
    """
    personas = Persona.objects.filter(
        Q(blueprints=blueprint) | Q(steps__blueprint=blueprint)
    ).distinct()
    if blueprint.kind == "global" and not personas.exists():
        personas = Persona.objects.filter(workspace_id=blueprint.workspace_id)
    personas = personas.order_by("name", "id").prefetch_related(
        "preferred_channels",
        "steps",
        "protocols__contact_reason__parent",
        "protocols__channel",
        "protocols__preferred_channel",
    )
    return [persona_dict(persona, blueprint) for persona in personas]


def persona_dict(persona: Persona, blueprint: Any = None) -> dict[str, Any]:
    by_attribute = evidence.by_attribute(persona.evidence)
    return {
        "id": persona.pk,
        "name": persona.name,
        "initials": persona.initials,
        "picture_path": persona.picture.path if persona.picture else None,
        "quote": persona.quote,
        "gender": evidence.gender_text(persona.gender),
        "age": persona.age,
        "residence": persona.residence,
        "birthplace": persona.birthplace,
        "needs": list(persona.needs),
        "habits": list(persona.habits),
        "desires": list(persona.desires),
        "frustrations": list(persona.frustrations),
        "preferred_channels": [channel.name for channel in persona.preferred_channels.all()],
        "steps": [
            step.title
            for step in persona.steps.all()
            if blueprint is None or step.blueprint_id == blueprint.pk
        ],
        "evidence": {
            "summary": evidence.size_summary(persona.evidence) if persona.evidence else "",
            "small_segment": bool(persona.evidence.get("small")),
            "by_attribute": {name: item["summary"] for name, item in by_attribute.items()},
        },
        "bias_notes": evidence.bias_notes(persona.evidence),
        "protocols": [
            {
                "contact_reason": (
                    f"{protocol.contact_reason.parent.name} › {protocol.contact_reason.name}"
                    if protocol.contact_reason and protocol.contact_reason.parent_id
                    else protocol.contact_reason.name
                    if protocol.contact_reason
                    else ""
                ),
                "channel": protocol.channel.name if protocol.channel else "",
                "tone": protocol.tone,
                "preferred_channel": (
                    protocol.preferred_channel.name if protocol.preferred_channel else ""
                ),
                "target_response_minutes": protocol.target_response_minutes,
                "target_response": response_time_text(protocol.target_response_minutes),
                "script": protocol.script,
            }
            for protocol in persona.protocols.all()
        ],
    }
