from django.apps import AppConfig


class PersonasConfig(AppConfig):
    name = "personas"

    def ready(self) -> None:
        # What books show of personas (workspaces.stamps).
        from personas.models import ContactReason, Persona, ServiceProtocol
        from workspaces import stamps

        stamps.watch(Persona)
        stamps.watch(ServiceProtocol)
        stamps.watch(ContactReason)
        for field in (Persona.blueprints, Persona.steps, Persona.preferred_channels):
            stamps.watch_m2m(field)
