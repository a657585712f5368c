from django.urls import path

from personas import views

urlpatterns = [
    path("personas/<int:persona_id>/", views.persona_page, name="persona"),
    path("personas/<int:persona_id>/picture/", views.persona_picture, name="persona-picture"),
    path("personas/<int:persona_id>/protocols/", views.protocol_add, name="protocol-add"),
    path("protocols/<int:protocol_id>/", views.protocol_edit, name="protocol-edit"),
    path("workspaces/<int:workspace_id>/personas/", views.personas_index, name="personas"),
    path("workspaces/<int:workspace_id>/taxonomy/", views.taxonomy_page, name="taxonomy"),
    path("workspaces/<int:workspace_id>/contacts/", views.explore_page, name="contacts-explore"),
    path(
        "workspaces/<int:workspace_id>/contacts/import/",
        views.import_upload,
        name="contacts-import",
    ),
    path("contact-imports/<int:import_id>/", views.import_page, name="contact-import"),
    path(
        "contact-imports/<int:import_id>/errors.csv",
        views.import_errors,
        name="contact-import-errors-csv",
    ),
    path("workspaces/<int:workspace_id>/channels/", views.channels_page, name="channels-review"),
    path("workspaces/<int:workspace_id>/protocols/", views.protocols_page, name="protocols-grid"),
]
