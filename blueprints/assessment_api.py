"""The review of a blueprint over HTTP: its consumer-data practices and its design audit.

- `GET /api/v1/blueprints/{id}/data-practices.json` — the channel × stage matrix, the gaps
  where the data's flow stops, the systems data is recorded in (and, on a global blueprint,
  which team covers what);
- `GET /api/v1/blueprints/{id}/audit.json` — the findings of the audit rules, dismissed ones
  marked with their reason;
- `POST /api/v1/blueprints/{id}/audit/dismissals/` — dismiss a finding with a reason;
- `DELETE /api/v1/blueprints/{id}/audit/dismissals/{dismissal}/` — take a dismissal back.

Every member of the workspace may read (outsiders get 404, anonymous callers 401); those who
may change the blueprint may dismiss. `?lang=` picks the language of the messages.
"""

import copy

from django.urls import re_path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from blueprints import assessment, audit, audit_services, review_selectors
from blueprints.diagram_api import BLUEPRINT_ID, readable_blueprint, requested_language
from blueprints.models import MERGE_KEY_MAX, REASON_MAX, Blueprint, FindingDismissal
from blueprints.review import STAGES
from frontstage.api import ID_PATTERN, MAX_ID
from workspaces import access

LANG = OpenApiParameter(
    "lang",
    str,
    OpenApiParameter.QUERY,
    enum=["en", "es", "it", "pt-br"],
    description="Language of the labels and messages; default: the request's language "
    "(`Accept-Language`).",
)


def _stage_map(name: str, child: serializers.Field, text: str) -> serializers.Serializer:
    """A serializer with one list per stage, so the schema names the five stages."""
    fields = {stage: serializers.ListField(child=copy.deepcopy(child)) for stage in STAGES}
    return type(name, (serializers.Serializer,), fields)(help_text=text)


class StageSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=STAGES)
    label = serializers.CharField()


class ChannelRowSerializer(serializers.Serializer):
    channel = serializers.IntegerField(
        allow_null=True, help_text="The channel's id; null for steps serving no channel."
    )
    name = serializers.CharField()
    stages = _stage_map(
        "StageSteps", serializers.IntegerField(), "Stage → ids of the steps at that stage."
    )
    covered = serializers.IntegerField(help_text="How many of the five stages have a step.")
    teams = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="On a global blueprint: stage → the teams whose steps cover it; else empty.",
    )


class GapSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=assessment.GAP_KINDS)
    title = serializers.CharField()
    channel = serializers.IntegerField(allow_null=True)
    channel_name = serializers.CharField()
    steps = serializers.ListField(child=serializers.IntegerField())
    message = serializers.CharField()
    advice = serializers.CharField(help_text="What to do about it.")
    item = serializers.CharField(allow_blank=True, help_text="`fragmented`: the data item.")
    systems = serializers.ListField(
        child=serializers.CharField(), help_text="`fragmented`: where it is recorded."
    )


class SystemSerializer(serializers.Serializer):
    name = serializers.CharField()
    steps = serializers.ListField(child=serializers.IntegerField())
    channels = serializers.ListField(child=serializers.IntegerField(allow_null=True))
    items = serializers.ListField(child=serializers.CharField())


class TeamCoverageSerializer(serializers.Serializer):
    team = serializers.CharField()
    covered = serializers.IntegerField(help_text="Channel × stage cells this team covers.")
    stages = _stage_map(
        "StageChannels",
        serializers.IntegerField(allow_null=True),
        "Stage → the channels this team covers.",
    )


class DataPracticesSerializer(serializers.Serializer):
    blueprint = serializers.IntegerField()
    kind = serializers.CharField()
    language = serializers.CharField()
    stages = StageSerializer(many=True)
    channels = ChannelRowSerializer(many=True)
    gaps = GapSerializer(many=True)
    systems = SystemSerializer(many=True)
    teams = TeamCoverageSerializer(many=True, help_text="Global blueprint only; else empty.")


class DismissalSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    rule = serializers.ChoiceField(choices=list(audit.RULES))
    key = serializers.CharField(max_length=MERGE_KEY_MAX, help_text="The finding's `key`.")
    reason = serializers.CharField(max_length=REASON_MAX)
    by = serializers.CharField(read_only=True)
    at = serializers.DateTimeField(read_only=True)
    at_text = serializers.CharField(read_only=True)


class FindingSerializer(serializers.Serializer):
    rule = serializers.ChoiceField(choices=list(audit.RULES))
    severity = serializers.ChoiceField(choices=audit.SEVERITIES)
    title = serializers.CharField()
    key = serializers.CharField(help_text="Names the finding while the problem stays.")
    steps = serializers.ListField(child=serializers.IntegerField())
    phases = serializers.ListField(child=serializers.IntegerField())
    lanes = serializers.ListField(child=serializers.IntegerField())
    message = serializers.CharField()
    dismissed = DismissalSerializer(allow_null=True)


class RuleSerializer(serializers.Serializer):
    rule = serializers.ChoiceField(choices=list(audit.RULES))
    severity = serializers.ChoiceField(choices=audit.SEVERITIES)
    severity_label = serializers.CharField()
    title = serializers.CharField()
    open = serializers.IntegerField()
    dismissed = serializers.IntegerField()


class AuditSerializer(serializers.Serializer):
    blueprint = serializers.IntegerField()
    language = serializers.CharField()
    rules = RuleSerializer(many=True)
    open = serializers.IntegerField()
    dismissed = serializers.IntegerField()
    findings = FindingSerializer(many=True)


def writable_blueprint(request: Request, raw_id: str) -> Blueprint:
    blueprint = readable_blueprint(request, raw_id)
    if not access.can_write(request.user, blueprint, "update"):
        raise exceptions.PermissionDenied(access.write_refusal(request.user, blueprint))
    return blueprint


class DataPracticesView(APIView):
    @extend_schema(
        operation_id="v1_blueprints_data_practices",
        summary="How the blueprint plans, collects, records, synthesises and communicates "
        "consumer data",
        description="A step without a channel serves the channels of the steps that lead to "
        "it through links (or, for a plan nothing leads to, of those it leads to); steps none "
        "reaches are counted under `channel: null`. Gaps: `not_planned`, "
        "`collected_not_recorded`, `recorded_not_synthesised`, "
        "`synthesised_not_communicated`, `captured_without_system`, `fragmented`.",
        parameters=[BLUEPRINT_ID, LANG],
        responses={200: DataPracticesSerializer},
    )
    def get(self, request: Request, id: str) -> Response:
        blueprint = readable_blueprint(request, id)
        language = requested_language(request)
        return Response(review_selectors.data_practices(blueprint, language))


class AuditView(APIView):
    @extend_schema(
        operation_id="v1_blueprints_audit",
        summary="The design audit: findings of each rule, in the reader's language",
        description="Rules: " + ", ".join(f"`{rule}`" for rule in audit.RULES) + ". "
        "`owner_change` is informational: it counts the handoffs between roles.",
        parameters=[BLUEPRINT_ID, LANG],
        responses={200: AuditSerializer},
    )
    def get(self, request: Request, id: str) -> Response:
        blueprint = readable_blueprint(request, id)
        language = requested_language(request)
        return Response(review_selectors.audit_report(blueprint, language))


class DismissalsView(APIView):
    @extend_schema(
        operation_id="v1_blueprints_audit_dismiss",
        summary="Dismiss a finding of the audit, saying why",
        description="The finding is named by its `rule` and `key`; dismissing it again "
        "replaces the reason (200). Needs the right to change the blueprint.",
        parameters=[BLUEPRINT_ID],
        request=DismissalSerializer,
        responses={201: DismissalSerializer, 200: DismissalSerializer},
    )
    def post(self, request: Request, id: str) -> Response:
        blueprint = writable_blueprint(request, id)
        body = DismissalSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        dismissal, created = audit_services.audit_finding_dismiss(
            blueprint=blueprint, actor=request.user, **body.validated_data
        )
        answer = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(review_selectors.dismissal_json(dismissal), status=answer)


class DismissalView(APIView):
    @extend_schema(
        operation_id="v1_blueprints_audit_restore",
        summary="Take a dismissal back: the finding is open again",
        parameters=[
            BLUEPRINT_ID,
            OpenApiParameter(
                "dismissal",
                {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                OpenApiParameter.PATH,
            ),
        ],
        responses={204: None},
    )
    def delete(self, request: Request, id: str, dismissal: str) -> Response:
        blueprint = writable_blueprint(request, id)
        found = FindingDismissal.objects.filter(blueprint=blueprint, pk=int(dismissal)).first()
        if found is None:
            raise exceptions.NotFound()
        audit_services.audit_finding_restore(dismissal=found, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


_BLUEPRINT = rf"^blueprints/(?P<id>{ID_PATTERN})"

urlpatterns = [
    re_path(
        rf"{_BLUEPRINT}/data-practices\.json$",
        DataPracticesView.as_view(),
        name="blueprint-data-practices",
    ),
    re_path(rf"{_BLUEPRINT}/audit\.json$", AuditView.as_view(), name="blueprint-audit"),
    re_path(
        rf"{_BLUEPRINT}/audit/dismissals/$",
        DismissalsView.as_view(),
        name="blueprint-audit-dismissals",
    ),
    re_path(
        rf"{_BLUEPRINT}/audit/dismissals/(?P<dismissal>{ID_PATTERN})/$",
        DismissalView.as_view(),
        name="blueprint-audit-dismissal",
    ),
]
