from django.apps import AppConfig


class InnovationConfig(AppConfig):
    name = "innovation"
    verbose_name = "Innovation"

    def ready(self) -> None:
        # The innovation chapter of a global blueprint's book (workspaces.stamps).
        from innovation.models import (
            DataNeed,
            Experiment,
            Iteration,
            Opportunity,
            ServiceConcept,
            StoryboardStep,
        )
        from workspaces import stamps

        for model in (Opportunity, ServiceConcept, Experiment, DataNeed):
            stamps.watch(model)
        stamps.watch(StoryboardStep, "concept.workspace_id")
        stamps.watch(Iteration, "experiment.workspace_id")
        for field in (
            Opportunity.steps,
            Opportunity.contact_reasons,
            Opportunity.personas,
            Opportunity.workshop_outputs,
            ServiceConcept.personas,
            ServiceConcept.opportunities,
        ):
            stamps.watch_m2m(field)

        # Personas sits below innovation: its page shows our part through the hook it offers.
        from innovation.persona_part import persona_innovation_part
        from personas import page_parts

        page_parts.persona_part_register(persona_innovation_part)
