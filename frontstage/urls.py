from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from blueprints import api as blueprint_api
from blueprints import (
    assessment_api,
    diagram_api,
    history_api,
    interchange_api,
    library_api,
    merge_api,
)
from book import api as book_api
from innovation import api as innovation_api
from personas import api as persona_api
from workshops import urls as workshop_urls
from workshops import workshop_api as workshop_live_api
from workspaces import api as workspace_api
from workspaces import views as workspace_views

router = DefaultRouter()
router.register("workspaces", workspace_api.WorkspaceViewSet, basename="workspace")
router.register("teams", workspace_api.TeamViewSet, basename="team")
router.register("invitations", workspace_api.InvitationViewSet, basename="invitation-api")
router.register("actors", blueprint_api.ActorViewSet, basename="actor")
router.register("channels", blueprint_api.ChannelViewSet, basename="channel")
router.register("blueprints", blueprint_api.BlueprintViewSet, basename="blueprint")
router.register("phases", blueprint_api.PhaseViewSet, basename="phase")
router.register("lanes", blueprint_api.LaneViewSet, basename="lane")
router.register("steps", blueprint_api.StepViewSet, basename="step")
router.register("links", blueprint_api.LinkViewSet, basename="link")
router.register("contact-reasons", persona_api.ContactReasonViewSet, basename="contact-reason")
router.register("contact-imports", persona_api.ContactImportViewSet, basename="contact-import")
router.register("segmentations", persona_api.SegmentationViewSet, basename="segmentation")
router.register("personas", persona_api.PersonaViewSet, basename="persona")
router.register("protocols", persona_api.ProtocolViewSet, basename="protocol")
router.register("channel-review", persona_api.ChannelReviewViewSet, basename="channel-review")
router.register("workshops", workshop_live_api.WorkshopViewSet, basename="workshop")
router.register("activities", workshop_live_api.ActivityViewSet, basename="activity")
router.register("groups", workshop_live_api.GroupViewSet, basename="group")
router.register("participants", workshop_live_api.ParticipantViewSet, basename="participant")
router.register("notes", workshop_live_api.NoteViewSet, basename="note")
router.register("clusters", workshop_live_api.ClusterViewSet, basename="cluster")
router.register("votes", workshop_live_api.VoteViewSet, basename="vote")
router.register("outputs", workshop_live_api.OutputViewSet, basename="output")
router.register("opportunities", innovation_api.OpportunityViewSet, basename="opportunity")
router.register(
    "service-concepts", innovation_api.ServiceConceptViewSet, basename="service-concept"
)
router.register("experiments", innovation_api.ExperimentViewSet, basename="experiment")
router.register("data-needs", innovation_api.DataNeedViewSet, basename="data-need")

urlpatterns = [
    path("api/v1/auth/token/", obtain_auth_token, name="api-token"),
    path("api/v1/", include(diagram_api.urlpatterns)),
    path("api/v1/", include(assessment_api.urlpatterns)),
    path("api/v1/", include(interchange_api.urlpatterns)),
    path("api/v1/", include(library_api.urlpatterns)),
    path("api/v1/", include(book_api.urlpatterns)),
    path("api/v1/", include(history_api.urlpatterns)),
    path("api/v1/", include(router.urls)),
    path("api/v1/", include(merge_api.urlpatterns)),
    path("api/v1/", include(persona_api.urlpatterns)),
    path("api/v1/", include(innovation_api.urlpatterns)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its set-up script as a file: no inline script (the CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include(workshop_urls.urlpatterns)),
    path("", include("blueprints.urls")),
    path("", include("personas.urls")),
    path("", include("innovation.urls")),
    path("workspaces/new/", workspace_views.workspace_new, name="workspace-new"),
    path(
        "workspaces/<int:workspace_id>/members/",
        workspace_views.workspace_members,
        name="workspace-members",
    ),
    path("invitations/<slug:token>/", workspace_views.invitation_page, name="invitation"),
]
