"""Merging over HTTP: run the merge, read its last report, record the facilitator's decisions.

- `POST /api/v1/workspaces/{id}/merge/` merges (facilitators) and answers with the global
  blueprint exactly as `GET /api/v1/blueprints/{id}/` shows it, plus the report under `merge`;
- `GET /api/v1/workspaces/{id}/merge/` the last report (every member);
- `/api/v1/workspaces/{id}/merge-decisions/` accept or reject a suggested pair of team steps;
- `/api/v1/workspaces/{id}/phase-mappings/` merge a team phase into a global phase by name.
"""

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.urls import re_path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from blueprints import merge, merge_jobs, merging
from blueprints.api import BlueprintDetailSerializer
from blueprints.models import (
    NAME_MAX,
    Blueprint,
    BlueprintKind,
    MergeDecision,
    MergeJob,
    MergeJobStatus,
    MergeRun,
    Phase,
    PhaseMapping,
    Step,
)
from frontstage.api import ID_PATTERN, MAX_ID, IdField
from workspaces import access
from workspaces.models import Workspace

FACILITATORS_ONLY = _("Only facilitators merge and curate the global blueprint.")
NOT_MERGED_YET = _("This workspace has not been merged yet.")
TWO_STEPS = _("Name two different steps.")
NOT_TEAM_STEPS = _("Steps of this workspace's team blueprints only: unknown {ids}.")
NOT_TEAM_PHASE = _("A phase of one of this workspace's team blueprints.")

WORKSPACE_ID = OpenApiParameter(
    "id",
    {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    OpenApiParameter.PATH,
    description="The workspace.",
)


JOB_ID = OpenApiParameter(
    "job",
    {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    OpenApiParameter.PATH,
    description="The merge job.",
)
BACKGROUND = OpenApiParameter(
    "background",
    {"type": "string", "enum": ["0", "1"]},
    OpenApiParameter.QUERY,
    required=False,
    description="1: merge in the background whatever the size (202 with the job).",
)


def workspace_of(request: Request, raw_id: str) -> Workspace:
    """The workspace in the URL if the user is a member; 404 otherwise, like any object."""
    workspace = Workspace.objects.for_user(request.user).filter(pk=int(raw_id)).first()
    if workspace is None:
        raise exceptions.NotFound()
    return workspace


def require_facilitator(request: Request, workspace: Workspace) -> None:
    if not access.can_manage(request.user, workspace.pk):
        raise exceptions.PermissionDenied(FACILITATORS_ONLY)


# --- the report ----------------------------------------------------------------------------


class MergeValueChangeSerializer(serializers.Serializer):
    before = serializers.JSONField(allow_null=True)
    after = serializers.JSONField(allow_null=True)


class MergeChangeSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The row of the global blueprint.")
    name = serializers.CharField(help_text="Its name (title for a step).")
    fields = serializers.DictField(
        child=MergeValueChangeSerializer(),
        required=False,
        help_text="For an update: field → values before and after. Lane, phase, source and "
        "target are ids of the global blueprint; `sources` are team step (or link) ids.",
    )


class MergeChangeSetSerializer(serializers.Serializer):
    added = MergeChangeSerializer(many=True)
    removed = MergeChangeSerializer(many=True)
    updated = MergeChangeSerializer(many=True)
    kept = MergeChangeSerializer(
        many=True, help_text="No longer in any team blueprint, kept: something is still in it."
    )


class MergeChangesSerializer(serializers.Serializer):
    phases = MergeChangeSetSerializer()
    lanes = MergeChangeSetSerializer()
    steps = MergeChangeSetSerializer()
    links = MergeChangeSetSerializer()


class MergePreservedEditSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["phase", "lane", "step", "link"])
    id = serializers.IntegerField()
    fields = serializers.ListField(child=serializers.CharField())


class MergeCountsSerializer(serializers.Serializer):
    phases = serializers.IntegerField()
    lanes = serializers.IntegerField()
    steps = serializers.IntegerField()
    links = serializers.IntegerField()
    sources = serializers.IntegerField(help_text="Team steps merged.")


class MergeSuggestionSerializer(serializers.Serializer):
    steps = serializers.ListField(
        child=serializers.IntegerField(),
        min_length=2,
        max_length=2,
        help_text="The team steps to accept or reject as one.",
    )
    titles = serializers.ListField(child=serializers.CharField(allow_blank=True))
    score = serializers.FloatField(help_text="How alike, 0–1.")
    global_steps = serializers.ListField(child=serializers.IntegerField())


class MergeConflictValueSerializer(serializers.Serializer):
    source = serializers.IntegerField(help_text="A team step.")
    team = serializers.IntegerField()
    value = serializers.JSONField(allow_null=True)


class MergeConflictSerializer(serializers.Serializer):
    step = serializers.IntegerField(help_text="The global step.")
    title = serializers.CharField(allow_blank=True)
    field = serializers.ChoiceField(choices=list(merge.CONFLICT_FIELDS))
    chosen = serializers.JSONField(
        allow_null=True, help_text="The global step's value now (the merge's pick until edited)."
    )
    values = MergeConflictValueSerializer(many=True)


class MergeReportSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The merge run.")
    blueprint = serializers.IntegerField(help_text="The global blueprint.")
    created_at = serializers.DateTimeField()
    created_by = serializers.IntegerField(allow_null=True)
    team_blueprints = serializers.IntegerField()
    counts = MergeCountsSerializer()
    changes = MergeChangesSerializer(help_text="What changed since the last merge.")
    preserved = MergePreservedEditSerializer(
        many=True, help_text="Edits made on the global blueprint that the merge left alone."
    )
    suggestions = MergeSuggestionSerializer(many=True)
    conflicts = MergeConflictSerializer(
        many=True,
        help_text="Merged steps whose teams disagree on a field, still open: editing that field "
        "on the global step settles its conflict.",
    )
    unapplied = serializers.ListField(
        child=serializers.ListField(child=serializers.IntegerField()),
        help_text="Accepted pairs whose steps are no longer in the same lane and phase.",
    )
    dismissed = serializers.ListField(
        child=serializers.CharField(),
        default=list,
        help_text="Titles of merged steps deleted from the global blueprint, which merges "
        "leave out (undoing the delete brings a step back).",
    )


class MergeJobSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The job.")
    workspace = serializers.IntegerField()
    status = serializers.ChoiceField(choices=MergeJobStatus.choices)
    stage = serializers.ChoiceField(
        choices=["", *merge_jobs.STAGES], help_text="Where a running job is."
    )
    stage_label = serializers.CharField(allow_blank=True, help_text="The stage, readable.")
    stage_number = serializers.IntegerField(allow_null=True, help_text="1-based.")
    stages = serializers.IntegerField(help_text="How many stages a merge goes through.")
    team_steps = serializers.IntegerField(help_text="Team steps being merged.")
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    seconds = serializers.FloatField(allow_null=True, help_text="Running (or ran) for.")
    error = serializers.CharField(allow_blank=True, help_text="Why a failed job failed.")
    merge_run = serializers.IntegerField(
        allow_null=True,
        help_text="Once done: the merge's report, `GET /api/v1/workspaces/{id}/merge/`.",
    )


class MergedBlueprintSerializer(BlueprintDetailSerializer):
    merge = MergeReportSerializer(read_only=True)

    class Meta(BlueprintDetailSerializer.Meta):
        fields = [*BlueprintDetailSerializer.Meta.fields, "merge"]


@extend_schema(parameters=[WORKSPACE_ID])
class MergeViewSet(viewsets.GenericViewSet):
    serializer_class = MergeReportSerializer
    queryset = MergeRun.objects.none()

    @extend_schema(responses=MergeReportSerializer)
    def retrieve(self, request: Request, id: str) -> Response:
        """The report of the last merge of the workspace (404 before the first one)."""
        workspace = workspace_of(request, id)
        run = MergeRun.objects.filter(workspace=workspace).order_by("-id").first()
        if run is None:
            raise exceptions.NotFound(NOT_MERGED_YET)
        return Response(MergeReportSerializer(merging.report_as_now(run)).data)

    @extend_schema(
        request=None,
        parameters=[BACKGROUND],
        responses={200: MergedBlueprintSerializer, 202: MergeJobSerializer},
    )
    def create(self, request: Request, id: str) -> Response:
        """Merge the team blueprints into the global blueprint (facilitators).

        Answers with the global blueprint as `GET /api/v1/blueprints/{id}/` shows it, and the
        report under `merge`: what changed, suggestions to accept or reject, conflicts.

        A big merge (many team steps), or one asked for with `?background=1`, runs in the
        background: the answer is then 202 with the job, its address in `Location`; poll it
        until `status` is `done` (then read the report here with GET) or `failed`. While a
        job is under way, another POST answers that job.
        """
        workspace = workspace_of(request, id)
        require_facilitator(request, workspace)
        big, steps = merge_jobs.in_background(workspace)
        if big or request.query_params.get("background") in ("1", "true"):
            job = merge_jobs.merge_job_start(workspace=workspace, user=request.user, steps=steps)
            return _job_answer(job, status.HTTP_202_ACCEPTED)
        result = merging.blueprint_merge(workspace=workspace, user=request.user)
        blueprint = Blueprint.objects.get(pk=result.blueprint.pk)
        blueprint.merge = result.report
        serializer = MergedBlueprintSerializer(blueprint, context=self.get_serializer_context())
        return Response(serializer.data)


def _job_answer(job: MergeJob, code: int) -> Response:
    response = Response(MergeJobSerializer(merge_jobs.job_view(job)).data, status=code)
    response["Location"] = f"/api/v1/workspaces/{job.workspace_id}/merge-jobs/{job.pk}/"
    if job.status in merge_jobs.UNDER_WAY:
        response["Retry-After"] = "1"
    return response


@extend_schema(parameters=[WORKSPACE_ID, JOB_ID])
class MergeJobViewSet(viewsets.GenericViewSet):
    serializer_class = MergeJobSerializer
    queryset = MergeJob.objects.none()

    @extend_schema(responses=MergeJobSerializer)
    def retrieve(self, request: Request, id: str, job: str) -> Response:
        """A merge running in the background: its status and stage (every member)."""
        workspace = workspace_of(request, id)
        merge_jobs.merge_jobs_reap(workspace_id=workspace.pk)
        found = MergeJob.objects.filter(workspace=workspace, pk=int(job)).first()
        if found is None:
            raise exceptions.NotFound()
        return _job_answer(found, status.HTTP_200_OK)


# --- decisions -----------------------------------------------------------------------------


class WorkspaceScoped(viewsets.GenericViewSet):
    """Rows of the workspace in the URL: members read them, facilitators change them."""

    lookup_value_regex = ID_PATTERN

    def workspace(self) -> Workspace:
        """The workspace of the URL; asking for it checks access (writes: facilitators)."""
        if not hasattr(self, "_workspace"):
            self._workspace = workspace_of(self.request, self.kwargs["id"])
            if self.request.method not in ("GET", "HEAD", "OPTIONS"):
                require_facilitator(self.request, self._workspace)
        return self._workspace

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return self.queryset.none()
        return self.queryset.filter(workspace=self.workspace())

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["workspace"] = self.workspace()
        return context

    def upsert_response(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        created = serializer.save_decision(self.workspace(), request.user)
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(serializer.data, status=code)


class StepPairField(serializers.ListField):
    """Two team step ids; read off the decision's ordered pair."""

    def get_attribute(self, instance: MergeDecision) -> list[int]:
        return [instance.first_step_id, instance.second_step_id]


class MergeDecisionSerializer(serializers.ModelSerializer):
    steps = StepPairField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        min_length=2,
        max_length=2,
        help_text="Two team steps, as in a suggestion; their order does not matter.",
    )

    class Meta:
        model = MergeDecision
        fields = ["id", "steps", "verdict", "decided_by", "decided_at"]
        read_only_fields = ["decided_by", "decided_at"]

    def validate_steps(self, value: list[int]) -> list[int]:
        if len(set(value)) != 2:
            raise serializers.ValidationError(TWO_STEPS)
        workspace = self.context["workspace"]
        known = set(
            Step.objects.filter(
                pk__in=value,
                blueprint__workspace=workspace,
                blueprint__kind=BlueprintKind.TEAM,
            ).values_list("pk", flat=True)
        )
        unknown = sorted(set(value) - known)
        if unknown:
            raise serializers.ValidationError(NOT_TEAM_STEPS.format(ids=unknown))
        return sorted(value)

    @transaction.atomic
    def save_decision(self, workspace: Workspace, user: Any) -> bool:
        first, second = self.validated_data["steps"]
        self.instance, created = MergeDecision.objects.update_or_create(
            first_step_id=first,
            second_step_id=second,
            defaults={
                "workspace": workspace,
                "verdict": self.validated_data["verdict"],
                "decided_by": user,
            },
        )
        return created


@extend_schema(parameters=[WORKSPACE_ID])
@extend_schema_view(
    list=extend_schema(description="The facilitator's verdicts on suggested pairs."),
    create=extend_schema(
        description="Accept (merge) or reject (never suggest again) a pair of team steps; "
        "a new verdict on the same pair replaces the old one (200).",
        responses={201: MergeDecisionSerializer, 200: MergeDecisionSerializer},
    ),
    destroy=extend_schema(description="Forget a verdict: the pair is suggested again."),
)
class MergeDecisionViewSet(
    WorkspaceScoped,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
):
    queryset = MergeDecision.objects.order_by("id")
    serializer_class = MergeDecisionSerializer
    lookup_url_kwarg = "decision"

    def create(self, request: Request, id: str) -> Response:
        return self.upsert_response(request)


class PhaseMappingSerializer(serializers.ModelSerializer):
    phase = IdField(queryset=Phase.objects.all(), help_text="A phase of a team blueprint.")
    name = serializers.CharField(
        max_length=NAME_MAX, help_text="The global phase it joins, by name."
    )

    class Meta:
        model = PhaseMapping
        fields = ["id", "phase", "name", "decided_by", "decided_at"]
        read_only_fields = ["decided_by", "decided_at"]

    def validate_phase(self, phase: Phase) -> Phase:
        blueprint = phase.blueprint
        workspace = self.context["workspace"]
        if blueprint.workspace_id != workspace.pk or blueprint.kind != BlueprintKind.TEAM:
            raise serializers.ValidationError(NOT_TEAM_PHASE)
        return phase

    def validate_name(self, value: str) -> str:
        if "\x00" in value or not merge.normalise(value):
            raise serializers.ValidationError(_("Give the global phase a name."))
        return value

    @transaction.atomic
    def save_decision(self, workspace: Workspace, user: Any) -> bool:
        self.instance, created = PhaseMapping.objects.update_or_create(
            phase=self.validated_data["phase"],
            defaults={
                "workspace": workspace,
                "name": self.validated_data["name"],
                "decided_by": user,
            },
        )
        return created


@extend_schema(parameters=[WORKSPACE_ID])
@extend_schema_view(
    list=extend_schema(description="Team phases merged into a global phase of another name."),
    create=extend_schema(
        description="Merge a team phase into the global phase called `name`; a new mapping "
        "of the same phase replaces the old one (200).",
        responses={201: PhaseMappingSerializer, 200: PhaseMappingSerializer},
    ),
    destroy=extend_schema(description="The team phase merges by its own name again."),
)
class PhaseMappingViewSet(
    WorkspaceScoped,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
):
    queryset = PhaseMapping.objects.order_by("id")
    serializer_class = PhaseMappingSerializer
    lookup_url_kwarg = "mapping"

    def create(self, request: Request, id: str) -> Response:
        return self.upsert_response(request)


_WORKSPACE = rf"^workspaces/(?P<id>{ID_PATTERN})"

urlpatterns = [
    re_path(
        rf"{_WORKSPACE}/merge/$",
        MergeViewSet.as_view({"get": "retrieve", "post": "create"}),
        name="workspace-merge",
    ),
    re_path(
        rf"{_WORKSPACE}/merge-jobs/(?P<job>{ID_PATTERN})/$",
        MergeJobViewSet.as_view({"get": "retrieve"}),
        name="merge-job-detail",
    ),
    re_path(
        rf"{_WORKSPACE}/merge-decisions/$",
        MergeDecisionViewSet.as_view({"get": "list", "post": "create"}),
        name="merge-decision-list",
    ),
    re_path(
        rf"{_WORKSPACE}/merge-decisions/(?P<decision>{ID_PATTERN})/$",
        MergeDecisionViewSet.as_view({"get": "retrieve", "delete": "destroy"}),
        name="merge-decision-detail",
    ),
    re_path(
        rf"{_WORKSPACE}/phase-mappings/$",
        PhaseMappingViewSet.as_view({"get": "list", "post": "create"}),
        name="phase-mapping-list",
    ),
    re_path(
        rf"{_WORKSPACE}/phase-mappings/(?P<mapping>{ID_PATTERN})/$",
        PhaseMappingViewSet.as_view({"get": "retrieve", "delete": "destroy"}),
        name="phase-mapping-detail",
    ),
]
