"""Book sections fed by other apps, adapted to the book's `BookSection` (see blueprints/book.py).

The personas app gives its personas as plain dicts (`personas.book.personas_for_blueprint`);
this turns them into entries of the book. While that module does not exist the section
reads "none yet".
"""

import importlib
import importlib.util
from typing import Any

from django.utils.translation import gettext as _

from blueprints.book import BookEntry, BookSection
from blueprints.models import Blueprint


def _module(name: str) -> Any:
    try:
        found = importlib.util.find_spec(name)
    except ModuleNotFoundError:
        found = None
    return importlib.import_module(name) if found is not None else None


def _joined(values: Any) -> str:
    if isinstance(values, list | tuple):
        return "; ".join(str(value) for value in values if str(value).strip())
    return str(values or "")


def personas_section(*, blueprint: Blueprint, language: str) -> BookSection | None:
    module = _module("personas.book")
    provider = getattr(module, "personas_for_blueprint", None) if module else None
    if provider is None:
        return None
    personas = provider(blueprint)
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
