from django.apps import AppConfig


class InnovationConfig(AppConfig):
    name = "innovation"
    verbose_name = "Innovation"

    def ready(self) -> None:
        # Personas sits below innovation: its page shows our part through the hook it offers.
        from innovation.persona_part import persona_innovation_part
        from personas import page_parts

        page_parts.persona_part_register(persona_innovation_part)
