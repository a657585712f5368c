"""A blueprint's events over HTTP: catch up, read the history, undo your own last change.

- `GET /api/v1/blueprints/{id}/events/?after=SEQ` the events after SEQ, in order, or
  `reload: true` when the client is too far behind to replay them (members);
- `GET /api/v1/blueprints/{id}/history/` recent changes, newest first, paginated (members);
- `POST /api/v1/blueprints/{id}/history/{seq}/revert/` take back the change numbered seq,
  whoever made it (people who may edit; 409 when later changes build on it);
- `POST /api/v1/blueprints/{id}/undo/` undo the requesting user's last change not yet undone
  (people who may edit the blueprint); the undo is an event of its own.
"""

from typing import Any

from django.urls import re_path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from blueprints import events, history
from blueprints.models import (
    Blueprint,
    BlueprintEvent,
)
from frontstage.api import ID_PATTERN, MAX_ID
from workspaces import access
from workspaces.scoping import SignedInOrGuest

BAD_AFTER = _("Expected the number of the last event you have (0 or more).")

BLUEPRINT_ID = OpenApiParameter(
    "id",
    {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    OpenApiParameter.PATH,
    description="The blueprint.",
)
SEQ = OpenApiParameter(
    "seq",
    {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    OpenApiParameter.PATH,
    description="The number of the change to revert.",
)
AFTER = OpenApiParameter(
    "after",
    {"type": "integer", "minimum": 0, "maximum": MAX_ID},
    OpenApiParameter.QUERY,
    required=True,
    description="The number (`seq`) of the last event the client has.",
)


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True, help_text="The account; null for a guest.")
    guest = serializers.IntegerField(
        required=False, allow_null=True, help_text="A workshop guest's participant id."
    )
    name = serializers.CharField()


class EventSerializer(serializers.Serializer):
    """An event exactly as the live connection sends it."""

    type = serializers.CharField(help_text='Always "event".')
    blueprint = serializers.IntegerField()
    seq = serializers.IntegerField(help_text="Its number: 1, 2, 3… per blueprint, no gaps.")
    kind = serializers.CharField(
        help_text='What changed: "step.created", "step.updated", "step.deleted" (also phase, '
        'lane, link), "blueprint.updated", "blueprint.merged", "phases.reordered", '
        '"lanes.reordered", "steps.reordered".'
    )
    id = serializers.IntegerField(allow_null=True, help_text="The changed object.")
    before = serializers.JSONField(
        allow_null=True,
        help_text="The object before the change, as the API shows it (null for a create). "
        "A deleted step lists under `links` the links that went with it.",
    )
    after = serializers.JSONField(allow_null=True, help_text="After it (null for a delete).")
    order = serializers.JSONField(
        allow_null=True,
        help_text="When the order changed: `ids` of the siblings in their new order (and "
        "`lane`, `phase` of the cell for steps).",
    )
    actor = PersonSerializer(allow_null=True)
    at = serializers.DateTimeField()
    undo_of = serializers.IntegerField(allow_null=True, help_text="The event this one undid.")

    def to_representation(self, instance: Any) -> dict[str, Any]:
        if isinstance(instance, BlueprintEvent):
            return events.event_payload(instance)
        return instance


class CatchUpSerializer(serializers.Serializer):
    seq = serializers.IntegerField(help_text="The blueprint's current event number.")
    reload = serializers.BooleanField(
        help_text="Too far behind to replay: load the blueprint again (`GET …/blueprints/{id}/`)."
    )
    events = EventSerializer(many=True)


def after_param(request: Request) -> int:
    raw = request.query_params.get("after", "")
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 19) or int(raw) > MAX_ID:
        raise exceptions.ValidationError({"after": [BAD_AFTER]})
    return int(raw)


@extend_schema(parameters=[BLUEPRINT_ID])
class BlueprintEventViewSet(viewsets.GenericViewSet):
    queryset = BlueprintEvent.objects.none()
    serializer_class = EventSerializer
    permission_classes = [SignedInOrGuest]
    serves_guests = True  # guests of the blueprint's workshop group read and undo too

    def blueprint(self, request: Request, id: str) -> Blueprint:
        """The blueprint of the URL for its members (404 for others); writes ask for more."""
        user = request.user
        blueprint = Blueprint.objects.visible_to(user).filter(pk=int(id)).first()
        if blueprint is None:
            raise exceptions.NotFound()
        if request.method == "POST" and not access.can_write(user, blueprint, "update"):
            raise exceptions.PermissionDenied(access.write_refusal(user, blueprint))
        return blueprint

    @extend_schema(
        parameters=[AFTER],
        responses={
            200: CatchUpSerializer,
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="Bad `after`."),
        },
    )
    def catch_up(self, request: Request, id: str) -> Response:
        """The events after `after`, in order; or `reload: true` when more than 500."""
        after = after_param(request)
        blueprint = self.blueprint(request, id)
        result = events.events_after(blueprint.pk, after)
        return Response({"seq": result.seq, "reload": result.reload, "events": result.events})

    @extend_schema(responses=EventSerializer(many=True))
    def history(self, request: Request, id: str) -> Response:
        """Recent changes, newest first: who, when, what, before and after."""
        blueprint = self.blueprint(request, id)
        rows = (
            BlueprintEvent.objects.filter(blueprint=blueprint)
            .select_related("actor", "undo_of")
            .order_by("-seq")
        )
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(EventSerializer(page, many=True).data)

    @extend_schema(request=None, responses={200: EventSerializer})
    def undo(self, request: Request, id: str) -> Response:
        """Undo your own last change of this blueprint (again: the one before it).

        Answers with the undo's event. 409 when there is nothing left to undo, when the change
        cannot be undone (a merge), or when the object changed since.
        """
        blueprint = self.blueprint(request, id)
        event = history.change_undo(blueprint=blueprint, actor=request.user)
        actor = request.user if request.user.is_authenticated else None
        return Response(events.event_payload(event, actor))

    @extend_schema(
        request=None,
        parameters=[SEQ],
        responses={
            200: EventSerializer,
            409: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="Already reverted, not revertible, or later changes build on it "
                "(`conflicts` names the fields changed again, `current` the object now).",
            ),
        },
    )
    def revert(self, request: Request, id: str, seq: str) -> Response:
        """Take back the change numbered `seq`, whoever made it, as a new event."""
        blueprint = self.blueprint(request, id)
        event = BlueprintEvent.objects.filter(blueprint=blueprint, seq=int(seq)).first()
        if event is None:
            raise exceptions.NotFound()
        undo = history.change_revert(event=event, actor=request.user)
        actor = request.user if request.user.is_authenticated else None
        return Response(events.event_payload(undo, actor))


_BLUEPRINT = rf"^blueprints/(?P<id>{ID_PATTERN})"
urlpatterns = [
    re_path(
        rf"{_BLUEPRINT}/events/$",
        BlueprintEventViewSet.as_view({"get": "catch_up"}),
        name="blueprint-events",
    ),
    re_path(
        rf"{_BLUEPRINT}/history/$",
        BlueprintEventViewSet.as_view({"get": "history"}),
        name="blueprint-history",
    ),
    re_path(
        rf"{_BLUEPRINT}/history/(?P<seq>{ID_PATTERN})/revert/$",
        BlueprintEventViewSet.as_view({"post": "revert"}),
        name="blueprint-revert",
    ),
    re_path(
        rf"{_BLUEPRINT}/undo/$",
        BlueprintEventViewSet.as_view({"post": "undo"}),
        name="blueprint-undo",
    ),
]
