from django.apps import AppConfig


class BookConfig(AppConfig):
    name = "book"
    verbose_name = "The manager's book"

    def ready(self) -> None:
        # The books someone asked for are built again after a change (book/builds.py).
        # builds defines a task: imported when first needed, never while apps load (a task
        # binds its backend from settings.TASKS as it is defined).
        from blueprints.events import blueprint_changed
        from workspaces.stamps import content_changed

        def on_blueprint(sender: object, blueprint_id: int, **kwargs: object) -> None:
            from book import builds

            builds.blueprint_changed(blueprint_id)

        def on_workspace(sender: object, workspace_id: int, **kwargs: object) -> None:
            from book import builds

            builds.workspace_changed(workspace_id)

        blueprint_changed.connect(on_blueprint, weak=False, dispatch_uid="book-blueprint")
        content_changed.connect(on_workspace, weak=False, dispatch_uid="book-workspace")
