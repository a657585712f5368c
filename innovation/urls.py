from django.urls import path

from innovation import views

PREFIX = "workspaces/<int:workspace_id>/innovation/"

urlpatterns = [
    path(PREFIX, views.matrix_page, name="innovation"),
    path(f"{PREFIX}opportunities/", views.opportunities_page, name="innovation-opportunities"),
    path(
        f"{PREFIX}opportunities/<int:opportunity_id>/",
        views.opportunity_page,
        name="innovation-opportunity",
    ),
    path(f"{PREFIX}concepts/", views.concepts_page, name="innovation-concepts"),
    path(f"{PREFIX}experiments/", views.experiments_page, name="innovation-experiments"),
    path(
        f"{PREFIX}experiments/<int:experiment_id>/",
        views.experiment_page,
        name="innovation-experiment",
    ),
    path(f"{PREFIX}data-needs/", views.data_needs_page, name="innovation-data-needs"),
    path(f"{PREFIX}roadmap/", views.roadmap_page, name="innovation-roadmap"),
]
