"""What a persona's page shows of the new services for it (personas.page_parts)."""

from typing import Any

from innovation.models import DataNeed, Opportunity, ServiceConcept
from personas.models import Persona


def persona_innovation_part(persona: Persona) -> tuple[str, dict[str, Any]]:
    """Always shown: even with nothing yet, the persona's page offers to add a data need."""
    return "innovation/_persona_part.html", {
        "opportunities": Opportunity.objects.filter(personas=persona),
        "concepts": ServiceConcept.objects.filter(personas=persona),
        "needs": DataNeed.objects.filter(persona=persona),
    }
