"""The innovation API: opportunities, service concepts, experiments (with their iteration
log), data needs, and the workspace's roadmap.

- `/api/v1/opportunities/` (+ `from-step/`, `from-output/`), `/api/v1/service-concepts/`,
  `/api/v1/experiments/` (+ `{id}/iterations/`), `/api/v1/data-needs/`: workspace-scoped
  CRUD; lists filter with `?workspace=` and the parents below; a stale `version` answers 409
  with `current`.
- `GET /api/v1/workspaces/{id}/roadmap/` → `{"now": [...], "next": [...], "later": [...]}`;
  `POST` the same URL with `{type, id, horizon, position}` moves one item (facilitators).

Who writes what: workspaces.access and the models' `participant_may` (participants add
opportunities and data needs and change their own); innovation.services refuses a
participant's scores, statuses and roadmap places with a 403.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, QuerySet
from django.urls import re_path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, permissions, serializers, status, views
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from blueprints.models import Step
from frontstage.api import ID_PATTERN, MAX_ID, IdField
from innovation import services
from innovation.models import (
    TEXT_MAX,
    TITLE_MAX,
    DataNeed,
    Experiment,
    Horizon,
    Iteration,
    Opportunity,
    RoadmapType,
    ServiceConcept,
)
from workshops.models import Output
from workspaces.models import Workspace
from workspaces.scoping import ScopedSerializer, ScopedViewSet, scope_related_fields

STORYBOARD_MAX = 50
MEASURE = {
    "max_digits": 16,
    "decimal_places": 4,
    "coerce_to_string": False,
    "allow_null": True,
    "required": False,
}


def version_field() -> serializers.IntegerField:
    return serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**31 - 1,
        help_text="The version the client last saw; a stale one answers 409 with `current`.",
    )


class InnovationSerializer(ScopedSerializer):
    """Saving calls innovation/services.py as the request's user; `owner` may only be a
    member of one of that user's workspaces (the service then asks for this one)."""

    version = version_field()
    created_by = serializers.IntegerField(source="created_by_id", read_only=True, allow_null=True)
    # Where the workspace comes from when the client does not name it (experiments: their
    # concept; data needs: their persona).
    workspace_from: str | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = self.fields.get("owner")
        if owner is not None and not owner.read_only:
            user = getattr(self.context.get("request"), "user", None)
            if user is not None and user.is_authenticated:
                owner.queryset = (
                    get_user_model()
                    .objects.filter(memberships__workspace__memberships__user=user)
                    .distinct()
                )
            else:
                owner.queryset = get_user_model().objects.none()

    @property
    def actor(self) -> Any:
        return self.context["request"].user

    def create(self, validated_data: dict[str, Any]) -> Any:
        validated_data.pop("version", None)
        if self.workspace_from is None:
            workspace = validated_data.pop("workspace")
        else:
            workspace = validated_data[self.workspace_from].workspace
        return services.item_create(
            model=self.Meta.model, workspace=workspace, values=validated_data, actor=self.actor
        )

    def update(self, instance: Any, validated_data: dict[str, Any]) -> Any:
        version = validated_data.pop("version", None)
        validated_data.pop("workspace", None)
        return services.item_update(
            obj=instance, changes=validated_data, version=version, actor=self.actor
        )


ROADMAP_FIELDS = ["horizon", "roadmap_position", "owner", "due_date"]
STAMPS = ["version", "created_by", "created_at", "updated_at"]


class OpportunitySerializer(InnovationSerializer):
    fixed = ("workspace",)
    value = serializers.FloatField(
        read_only=True,
        allow_null=True,
        help_text="The mean of customer and business value; null until both are scored.",
    )

    class Meta:
        model = Opportunity
        fields = [
            "id", "workspace", "title", "description", "customer_value", "business_value",
            "effort", "value", "status", "steps", "contact_reasons", "personas",
            "workshop_outputs", *ROADMAP_FIELDS, *STAMPS,
        ]  # fmt: skip
        read_only_fields = ["created_at", "updated_at"]


class StoryboardFrameSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=TITLE_MAX)
    description = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # A PATCH makes nested fields optional too, but a frame sent is a whole frame.
        if "title" not in attrs:
            raise serializers.ValidationError(
                {"title": [self.fields["title"].error_messages["required"]]}
            )
        return attrs


class ServiceConceptSerializer(InnovationSerializer):
    fixed = ("workspace",)
    storyboard = StoryboardFrameSerializer(
        many=True,
        required=False,
        max_length=STORYBOARD_MAX,
        help_text="The storyboard's frames in order; sending it replaces them all.",
    )

    class Meta:
        model = ServiceConcept
        fields = [
            "id", "workspace", "title", "description", "personas", "opportunities",
            "storyboard", "to_be_blueprint", *STAMPS,
        ]  # fmt: skip
        read_only_fields = ["created_at", "updated_at"]


class IterationSerializer(serializers.ModelSerializer):
    author = serializers.IntegerField(source="author_id", read_only=True, allow_null=True)
    author_name = serializers.SerializerMethodField()
    date = serializers.DateField(required=False, help_text="Today when left out.")
    text = serializers.CharField(max_length=TEXT_MAX)

    class Meta:
        model = Iteration
        fields = ["id", "date", "text", "author", "author_name", "created_at"]
        read_only_fields = ["created_at"]

    def get_author_name(self, iteration: Iteration) -> str:
        author = iteration.author
        return (author.get_full_name() or author.get_username()) if author else ""


class ExperimentSerializer(InnovationSerializer):
    workspace_from = "concept"
    baseline = serializers.DecimalField(**MEASURE)
    target = serializers.DecimalField(**MEASURE)
    result = serializers.DecimalField(**MEASURE)
    met = serializers.BooleanField(
        read_only=True,
        allow_null=True,
        help_text="Whether the result reached the target, going from the baseline towards it; "
        "null until baseline, target and result are known.",
    )
    iterations = IterationSerializer(many=True, read_only=True)

    class Meta:
        model = Experiment
        fields = [
            "id", "workspace", "concept", "mvp_name", "mvp_description", "hypothesis",
            "metric", "baseline", "target", "result", "met", "start_date", "end_date",
            "status", "learnings", "iterations", *ROADMAP_FIELDS, *STAMPS,
        ]  # fmt: skip
        read_only_fields = ["workspace", "created_at", "updated_at"]


class DataNeedSerializer(InnovationSerializer):
    workspace_from = "persona"

    class Meta:
        model = DataNeed
        fields = [
            "id", "workspace", "persona", "step", "channel", "item", "why", "method",
            "consent", "quality", "status", *ROADMAP_FIELDS, *STAMPS,
        ]  # fmt: skip
        read_only_fields = ["workspace", "created_at", "updated_at"]
        extra_kwargs = {
            "method": {"help_text": "How it is obtained: at which step, by which channel."},
            "consent": {"help_text": "With what consent, and how it is asked for."},
            "quality": {"help_text": "How its quality is judged."},
        }


class InnovationViewSet(ScopedViewSet):
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet:
        # A filter through a many-to-many list may meet one row several times.
        return super().get_queryset().distinct()

    def perform_create(self, serializer: serializers.ModelSerializer) -> None:
        instance = serializer.unsaved_instance()
        parent = serializer.workspace_from
        if parent is not None:
            instance.workspace_id = serializer.validated_data[parent].workspace_id
        self.check_write(instance, "create")
        serializer.save()

    def perform_destroy(self, instance: Any) -> None:
        services.item_delete(obj=instance, actor=self.request.user)


class ScopedInput(serializers.Serializer):
    """A request body naming objects: only those the principal may read (see ScopedSerializer)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scope_related_fields(self)


class FromStepSerializer(ScopedInput):
    step = IdField(queryset=Step.objects.select_related("blueprint__workspace"))


class FromOutputSerializer(ScopedInput):
    output = IdField(queryset=Output.objects.select_related("workshop__workspace"))


class OpportunityViewSet(InnovationViewSet):
    """Opportunities, scored by customer and business value against effort."""

    queryset = Opportunity.objects.all()
    serializer_class = OpportunitySerializer
    filters = {
        "workspace": "workspace_id",
        "step": "steps",
        "persona": "personas",
        "contact_reason": "contact_reasons",
        "output": "workshop_outputs",
    }

    def base_queryset(self) -> QuerySet:
        return self.queryset.prefetch_related(
            Prefetch("steps", queryset=Step.objects.only("id")),
            "contact_reasons",
            "personas",
            Prefetch("workshop_outputs", queryset=Output.objects.only("id")),
        )

    def created(self, opportunity: Opportunity) -> Response:
        return Response(self.get_serializer(opportunity).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=FromStepSerializer, responses={201: OpportunitySerializer})
    @action(detail=False, methods=["post"], url_path="from-step")
    def from_step(self, request: Request) -> Response:
        """A new opportunity from a step (a pain point card): its title and description, the
        step and the step's personas linked."""
        incoming = FromStepSerializer(data=request.data, context=self.get_serializer_context())
        incoming.is_valid(raise_exception=True)
        step = incoming.validated_data["step"]
        self.check_write(Opportunity(workspace_id=step.blueprint.workspace_id), "create")
        return self.created(services.opportunity_from_step(step=step, actor=request.user))

    @extend_schema(request=FromOutputSerializer, responses={201: OpportunitySerializer})
    @action(detail=False, methods=["post"], url_path="from-output")
    def from_output(self, request: Request) -> Response:
        """A new opportunity from a workshop output: its title and detail, and the output's
        step, persona and contact-reason category linked."""
        incoming = FromOutputSerializer(data=request.data, context=self.get_serializer_context())
        incoming.is_valid(raise_exception=True)
        output = incoming.validated_data["output"]
        self.check_write(Opportunity(workspace_id=output.workshop.workspace_id), "create")
        return self.created(services.opportunity_from_output(output=output, actor=request.user))


class ServiceConceptViewSet(InnovationViewSet):
    """Service concepts: a new service or protocol for personas, answering opportunities."""

    queryset = ServiceConcept.objects.all()
    serializer_class = ServiceConceptSerializer
    filters = {"workspace": "workspace_id", "persona": "personas", "opportunity": "opportunities"}

    def base_queryset(self) -> QuerySet:
        return self.queryset.prefetch_related("personas", "opportunities", "storyboard")


class ExperimentViewSet(InnovationViewSet):
    """Experiments (the MVPs): a hypothesis, a metric from baseline to target, a result."""

    queryset = Experiment.objects.all()
    serializer_class = ExperimentSerializer
    filters = {"workspace": "workspace_id", "concept": "concept_id"}

    def base_queryset(self) -> QuerySet:
        iterations = Iteration.objects.select_related("author")
        return self.queryset.prefetch_related(Prefetch("iterations", queryset=iterations))

    @extend_schema(request=IterationSerializer, responses={201: IterationSerializer})
    @action(detail=True, methods=["post"])
    def iterations(self, request: Request, pk: str | None = None) -> Response:
        """Add a line to the experiment's iteration log (who may change the experiment)."""
        experiment = self.get_object()
        incoming = IterationSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        iteration = services.iteration_add(
            experiment=experiment,
            text=incoming.validated_data["text"],
            date=incoming.validated_data.get("date"),
            actor=request.user,
        )
        return Response(IterationSerializer(iteration).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    @action(
        detail=True,
        methods=["delete"],
        url_path=rf"iterations/(?P<iteration>{ID_PATTERN})",
        url_name="iteration-detail",
    )
    def iteration(self, request: Request, pk: str | None = None, iteration: str = "") -> Response:
        """Remove a line of the iteration log."""
        experiment = self.get_object()
        found = experiment.iterations.filter(pk=int(iteration)).first()
        if found is None:
            raise exceptions.NotFound()
        services.iteration_delete(iteration=found, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DataNeedViewSet(InnovationViewSet):
    """Data needs: what to learn next about a persona, and how to obtain and judge it."""

    queryset = DataNeed.objects.all()
    serializer_class = DataNeedSerializer
    filters = {
        "workspace": "workspace_id",
        "persona": "persona_id",
        "step": "step_id",
        "channel": "channel_id",
    }


# --- The roadmap -------------------------------------------------------------------------------


class RoadmapEntrySerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=RoadmapType.choices)
    id = serializers.IntegerField()
    title = serializers.CharField()
    context = serializers.CharField(
        allow_blank=True, help_text="An experiment's concept, a data need's persona."
    )
    status = serializers.CharField()
    status_label = serializers.CharField(help_text="The status in the request's language.")
    owner = serializers.IntegerField(allow_null=True)
    owner_name = serializers.CharField(allow_blank=True)
    due_date = serializers.DateField(allow_null=True)
    position = serializers.IntegerField()
    version = serializers.IntegerField()


class RoadmapSerializer(serializers.Serializer):
    now = RoadmapEntrySerializer(many=True)
    next = RoadmapEntrySerializer(many=True)
    later = RoadmapEntrySerializer(many=True)


class RoadmapPlaceSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=RoadmapType.choices)
    id = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    horizon = serializers.ChoiceField(choices=Horizon.choices)
    position = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=2**31 - 1,
        help_text="0 is the top of the column; left out or past the end: the bottom.",
    )
    version = version_field()


WORKSPACE_ID = OpenApiParameter(
    "id",
    {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    OpenApiParameter.PATH,
    description="The workspace.",
)


class RoadmapView(views.APIView):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = RoadmapSerializer

    def workspace(self, request: Request, raw_id: str) -> Workspace:
        return Workspace.objects.visible_one(request.user, int(raw_id))

    @extend_schema(parameters=[WORKSPACE_ID], responses=RoadmapSerializer)
    def get(self, request: Request, id: str) -> Response:
        """The roadmap: opportunities, experiments and data needs placed now, next or later,
        each column in the facilitator's order."""
        workspace = self.workspace(request, id)
        return Response(RoadmapSerializer(services.roadmap_of(workspace_id=workspace.pk)).data)

    @extend_schema(
        parameters=[WORKSPACE_ID], request=RoadmapPlaceSerializer, responses=RoadmapSerializer
    )
    def post(self, request: Request, id: str) -> Response:
        """Move one item to a column and a place in it, or off the roadmap (`none`);
        facilitators. Answers with the whole roadmap."""
        workspace = self.workspace(request, id)
        incoming = RoadmapPlaceSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        roadmap = services.roadmap_place(
            workspace=workspace,
            type_name=data["type"],
            pk=data["id"],
            horizon=data["horizon"],
            position=data.get("position"),
            version=data.get("version"),
            actor=request.user,
        )
        return Response(RoadmapSerializer(roadmap).data)


urlpatterns = [
    re_path(
        rf"^workspaces/(?P<id>{ID_PATTERN})/roadmap/$",
        RoadmapView.as_view(),
        name="workspace-roadmap",
    ),
]
