from django.urls import path, re_path

from workshops import views

urlpatterns = [
    path(
        "workspaces/<int:workspace_id>/workshops/",
        views.workspace_workshops,
        name="workspace-workshops",
    ),
    path("join/", views.join_by_code, name="workshop-join-code"),
    re_path(r"^join/(?P<code>[A-Za-z0-9]{1,16})/$", views.join, name="workshop-join"),
    path("workshops/<int:workshop_id>/", views.workshop_page, name="workshop"),
    path("workshops/<int:workshop_id>/board/", views.board, name="workshop-board"),
    path("workshops/<int:workshop_id>/events/", views.events_since, name="workshop-events"),
    path("workshops/<int:workshop_id>/bar/", views.bar, name="workshop-bar"),
    path("workshops/<int:workshop_id>/notes/", views.note_create, name="workshop-note-create"),
    path(
        "workshops/<int:workshop_id>/notes/<int:note_id>/",
        views.note_edit,
        name="workshop-note-edit",
    ),
    path(
        "workshops/<int:workshop_id>/notes/<int:note_id>/vote/",
        views.note_vote,
        name="workshop-note-vote",
    ),
    path(
        "workshops/<int:workshop_id>/clusters/",
        views.cluster_create,
        name="workshop-cluster-create",
    ),
    path(
        "workshops/<int:workshop_id>/clusters/<int:cluster_id>/",
        views.cluster_edit,
        name="workshop-cluster-edit",
    ),
    path("workshops/<int:workshop_id>/control/", views.control, name="workshop-control"),
    path("workshops/<int:workshop_id>/plan/", views.plan_edit, name="workshop-plan"),
    path("workshops/<int:workshop_id>/settings/", views.settings_edit, name="workshop-settings"),
    path("workshops/<int:workshop_id>/groups/", views.group_create, name="workshop-group-create"),
    path(
        "workshops/<int:workshop_id>/participants/<int:participant_id>/",
        views.participant_edit,
        name="workshop-participant-edit",
    ),
    path(
        "workshops/<int:workshop_id>/outputs/",
        views.output_create,
        name="workshop-output-create",
    ),
    re_path(
        r"^workshops/(?P<workshop_id>[0-9]{1,18})/outputs\.(?P<fmt>csv|json)$",
        views.outputs_export,
        name="workshop-outputs-export",
    ),
]
