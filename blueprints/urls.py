from django.urls import path

from blueprints import actor_views, assessment_views, copy_views, library_views, merge_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("blueprints/<int:blueprint_id>/", views.blueprint_page, name="blueprint"),
    path("blueprints/<int:blueprint_id>/board/", views.blueprint_board, name="blueprint-board"),
    path(
        "blueprints/<int:blueprint_id>/relations/",
        views.blueprint_relations,
        name="blueprint-relations",
    ),
    path(
        "blueprints/<int:blueprint_id>/duplicate/",
        copy_views.blueprint_duplicate,
        name="blueprint-duplicate",
    ),
    path(
        "blueprints/<int:blueprint_id>/save-template/",
        library_views.save_as_template,
        name="blueprint-save-template",
    ),
    path(
        "workspaces/<int:workspace_id>/blueprints/new/",
        library_views.new_blueprint,
        name="blueprint-new",
    ),
    path(
        "blueprints/<int:blueprint_id>/assessment/",
        assessment_views.assessment_page,
        name="blueprint-assessment",
    ),
    path("workspaces/<int:workspace_id>/actors/", actor_views.actors_page, name="actors"),
    path("workspaces/<int:workspace_id>/merge/", merge_views.merge_page, name="merge"),
    path(
        "workspaces/<int:workspace_id>/merge/decide/",
        merge_views.merge_decide,
        name="merge-decide",
    ),
]
