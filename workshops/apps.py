from django.apps import AppConfig


class WorkshopsConfig(AppConfig):
    name = "workshops"
    verbose_name = "Workshops"

    def ready(self) -> None:
        # What books show of workshops: their outputs (workspaces.stamps).
        from workshops.models import Output, Workshop
        from workspaces import stamps

        stamps.watch(Workshop)
        stamps.watch(Output, "workshop.workspace_id")

        # Personas sits below workshops: its persona page shows our outputs through a part
        # we hand it, never by importing us.
        from personas import page_parts
        from workshops.persona_outputs import persona_outputs_part

        page_parts.persona_part_register(persona_outputs_part)
