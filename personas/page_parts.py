"""What the apps above personas show on a persona's page.

Personas may not import them (the floors, pyproject.toml): an upper app registers a part when
it starts (its `AppConfig.ready`), calling down, and the page renders every registered part.
A part takes the persona and answers a template and its context, or None to show nothing.
"""

from collections.abc import Callable
from typing import Any

from personas.models import Persona

PersonaPart = Callable[[Persona], tuple[str, dict[str, Any]] | None]
_parts: list[PersonaPart] = []


def persona_part_register(part: PersonaPart) -> None:
    if part not in _parts:
        _parts.append(part)


def persona_parts(persona: Persona) -> list[tuple[str, dict[str, Any]]]:
    return [shown for part in _parts if (shown := part(persona)) is not None]
