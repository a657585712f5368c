from django.apps import AppConfig


class BlueprintsConfig(AppConfig):
    name = "blueprints"

    def ready(self) -> None:
        # What books show beyond a blueprint's own events (workspaces.stamps).
        from blueprints.models import Actor, Channel, FindingDismissal, MergeRun, Step
        from workspaces import stamps

        stamps.watch(Actor)
        stamps.watch(Channel)
        stamps.watch(MergeRun)
        stamps.watch(FindingDismissal, "blueprint.workspace_id")
        stamps.locate(Step, "blueprint.workspace_id")  # the far side of others' links
