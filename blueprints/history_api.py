"""A blueprint's events over HTTP: catch up, read the history, undo your own last change.

- `GET /api/v1/blueprints/{id}/events/?after=SEQ` the events after SEQ, in order, or
  `reload: true` when the client is too far behind to replay them (members);
- `GET /api/v1/blueprints/{id}/history/` recent changes, newest first, paginated (members);
- `POST /api/v1/blueprints/{id}/undo/` undo the requesting user's last change not yet undone
  (people who may edit the blueprint); the undo is an event of its own.
"""

from typing import Any

from django.db import models, transaction
from django.urls import re_path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from blueprints import events, services
from blueprints.api import SERIALIZERS, change_record, snapshot
from blueprints.models import (
    Blueprint,
    BlueprintEvent,
    DismissedStep,
    Lane,
    Link,
    Phase,
    Step,
)
from frontstage.api import ID_PATTERN, MAX_ID
from frontstage.rest import Conflict
from workspaces import access
from workspaces.scoping import SignedInOrGuest

NOTHING_TO_UNDO = _("You have no change on this blueprint left to undo.")
CANNOT_UNDO = _("This change cannot be undone: {kind}.")
CHANGED_SINCE = _("This was changed since your change; nothing was undone.")
BAD_AFTER = _("Expected the number of the last event you have (0 or more).")

# Restoring an object leaves these alone: they are the object's identity or its bookkeeping.
NOT_RESTORED = {"id", "version", "sources", "links", "created_at", "updated_at"}
UNDOABLE = {
    "blueprint": {"updated"},
    "phase": {"created", "updated", "deleted"},
    "lane": {"created", "updated", "deleted"},
    "step": {"created", "updated", "deleted"},
    "link": {"created", "updated", "deleted"},
}
MODELS = {model._meta.model_name: model for model in SERIALIZERS}

BLUEPRINT_ID = OpenApiParameter(
    "id",
    {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    OpenApiParameter.PATH,
    description="The blueprint.",
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


def restorable(values: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in values.items() if name not in NOT_RESTORED}


def unchanged(current: dict[str, Any], after: dict[str, Any]) -> bool:
    """Is the object as the change left it? Positions shift when siblings come and go."""
    ignore = {"position"}
    return {k: v for k, v in current.items() if k not in ignore} == {
        k: v for k, v in after.items() if k not in ignore
    }


def saved(serializer: serializers.ModelSerializer, **extra: Any) -> models.Model:
    """Validate and save a restoring serializer; what no longer fits is a conflict, not a 400."""
    if not serializer.is_valid():
        raise Conflict(detail=f"{CHANGED_SINCE} {serializer.errors}")
    return serializer.save(**extra)


@transaction.atomic
def change_undo(*, blueprint: Blueprint, user: Any, context: dict[str, Any]) -> BlueprintEvent:
    """Undo `user`'s last change of `blueprint` that is not undone yet, as a new event.

    Undoing again walks further back. A change someone else has built on since (the object
    changed or went away) answers 409 and leaves everything as it is.
    """
    guest = access.acting_participant(user, blueprint.pk)
    mine = {"actor_participant": guest} if guest is not None else {"actor": user}
    event = (
        BlueprintEvent.objects.filter(blueprint=blueprint, undo_of__isnull=True, **mine)
        .exclude(undone_by__isnull=False)
        .order_by("-seq")
        .first()
    )
    if event is None:
        raise Conflict(detail=NOTHING_TO_UNDO)
    name, _dot, verb = event.kind.partition(".")
    if verb == "reordered":
        return reorder_undo(event, blueprint=blueprint, user=user)
    if verb not in UNDOABLE.get(name, set()):
        raise Conflict(detail=CANNOT_UNDO.format(kind=event.kind))
    model = MODELS[name]
    serializer_class = SERIALIZERS[model]
    current = model.objects.select_for_update().filter(pk=event.object_id).first()
    now = snapshot(current, context) if current is not None else None
    if verb in ("created", "updated") and (now is None or not unchanged(now, event.after)):
        raise Conflict(current=now, detail=CHANGED_SINCE)
    if verb == "created":
        undo = change_record(current, "deleted", now, user=user, context=context, undo_of=event)
        current.delete()
        return undo
    if verb == "updated":
        data = restorable(event.before)
        if "version" in now:
            data["version"] = now["version"]
        saved(serializer_class(current, data=data, partial=True, context=context))
        return change_record(current, "updated", now, user=user, context=context, undo_of=event)
    if current is not None:
        raise Conflict(current=now, detail=CHANGED_SINCE)
    restored = saved(
        serializer_class(data=restorable(event.before), context=context), id=event.object_id
    )
    after = snapshot(restored, context)
    if isinstance(restored, Step):
        # A merged step brought back is merged again (matched by its cell and title).
        DismissedStep.objects.filter(blueprint=blueprint, step_id=restored.pk).delete()
        after["links"] = restore_links(restored, event.before.get("links", []), context)
        if event.before.get("sources"):
            restored.sources.set(Step.objects.filter(pk__in=event.before["sources"]))
            after = snapshot(restored, context) | {"links": after["links"]}
    return change_record(
        restored, "created", None, user=user, context=context, undo_of=event, after=after
    )


def reorder_undo(event: BlueprintEvent, *, blueprint: Blueprint, user: Any) -> BlueprintEvent:
    """Put phases, lanes or a cell's steps back in the order they had, if nobody moved them since.

    Steps that were moved into the cell go back to the cells they came from, at their places.
    """
    if event.kind in ("phases.reordered", "lanes.reordered"):
        model = Phase if event.kind == "phases.reordered" else Lane
        siblings = model.objects.filter(blueprint=blueprint)
        if services.ordered_ids(siblings.select_for_update()) != event.after["ids"]:
            raise Conflict(detail=CHANGED_SINCE)
        services.reorder(siblings, event.before["ids"])
        return _reorder_recorded(event, {"ids": event.before["ids"]}, user=user)
    target = Step.objects.filter(lane_id=event.after["lane"], phase_id=event.after["phase"])
    if services.ordered_ids(target.select_for_update()) != event.after["ids"]:
        raise Conflict(detail=CHANGED_SINCE)
    origins = event.before.get("from", [])
    movers = set(event.after["ids"]) - set(event.before["ids"])
    for origin in origins:
        cell = Step.objects.filter(lane_id=origin["lane"], phase_id=origin["phase"])
        expected = [pk for pk in origin["ids"] if pk not in movers]
        if services.ordered_ids(cell.select_for_update()) != expected:
            raise Conflict(detail=CHANGED_SINCE)
    for origin in origins:
        lane = Lane.objects.filter(pk=origin["lane"], blueprint=blueprint).first()
        phase = Phase.objects.filter(pk=origin["phase"], blueprint=blueprint).first()
        if lane is None or phase is None:
            raise Conflict(detail=CHANGED_SINCE)
        cell = Step.objects.filter(lane=lane, phase=phase)
        services.reorder(cell, origin["ids"], lane=lane, phase=phase)
    lane, phase = (
        Lane.objects.get(pk=event.after["lane"]),
        Phase.objects.get(pk=event.after["phase"]),
    )
    services.reorder(target, event.before["ids"], lane=lane, phase=phase)
    order = {"lane": lane.pk, "phase": phase.pk, "ids": event.before["ids"]}
    return _reorder_recorded(event, order, user=user)


def _reorder_recorded(event: BlueprintEvent, order: dict[str, Any], *, user: Any) -> BlueprintEvent:
    return events.event_record(
        blueprint_id=event.blueprint_id,
        kind=event.kind,
        obj_id=None,
        before=event.after,
        after=order,
        order=order,
        user=user,
        undo_of=event,
    )


def restore_links(
    step: Step, links: list[dict[str, Any]], context: dict[str, Any]
) -> list[dict[str, Any]]:
    """Bring back the links that went with a deleted step, where both ends still exist."""
    back = []
    for values in links:
        ends = Step.objects.filter(pk__in=[values["source"], values["target"]])
        if ends.count() != 2 or Link.objects.filter(pk=values["id"]).exists():
            continue
        serializer = SERIALIZERS[Link](data=restorable(values), context=context)
        if serializer.is_valid():
            back.append(snapshot(serializer.save(id=values["id"]), context))
    return back


@extend_schema(parameters=[BLUEPRINT_ID])
class BlueprintEventViewSet(viewsets.GenericViewSet):
    queryset = BlueprintEvent.objects.none()
    serializer_class = EventSerializer
    permission_classes = [SignedInOrGuest]
    guest_lookup = "blueprint_id"  # guests of the blueprint's workshop group read and undo too

    def blueprint(self, request: Request, id: str) -> Blueprint:
        """The blueprint of the URL for its members (404 for others); writes ask for more."""
        user = request.user
        if access.is_guest(user):
            found = Blueprint.objects.filter(pk=int(id), pk__in=access.guest_blueprints(user))
        else:
            found = Blueprint.objects.filter(pk=int(id), workspace__memberships__user=user)
        blueprint = found.first()
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
        event = change_undo(
            blueprint=blueprint, user=request.user, context=self.get_serializer_context()
        )
        actor = request.user if request.user.is_authenticated else None
        return Response(events.event_payload(event, actor))


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
        rf"{_BLUEPRINT}/undo/$",
        BlueprintEventViewSet.as_view({"post": "undo"}),
        name="blueprint-undo",
    ),
]
