"""The workshop outputs attached to a persona, on the persona's page (personas.page_parts)."""

from typing import Any

from personas.models import Persona
from workshops.models import Output


def persona_outputs_part(persona: Persona) -> tuple[str, dict[str, Any]] | None:
    outputs = list(
        Output.objects.filter(persona=persona)
        .select_related("workshop")
        .order_by("workshop__date", "workshop_id", "-votes", "id")
    )
    if not outputs:
        return None
    return "workshops/_persona_outputs.html", {"outputs": outputs}
