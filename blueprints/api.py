from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction
from django.db.models import F, Manager, QuerySet
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from blueprints import events, services
from blueprints.models import (
    Actor,
    Blueprint,
    BlueprintEvent,
    BlueprintKind,
    Channel,
    DismissedStep,
    Lane,
    Link,
    Phase,
    Step,
)
from frontstage.api import MAX_ID, IdField
from frontstage.rest import Conflict
from workspaces.scoping import ScopedSerializer, ScopedViewSet, scope_to_user

LANGUAGE_CODES = {code for code, _ in settings.LANGUAGES}
NOT_IN_BLUEPRINT = _("Must belong to the same blueprint.")
NOT_IN_WORKSPACE = _("Must belong to the blueprint's workspace.")
# Fields whose change moves a row among its siblings: its event carries the new order.
MOVE_FIELDS = ("position", "lane", "phase")
POSITION_FIELD = {"required": False, "min_value": 0, "max_value": 1_000_000}

# Field types whose representation of a value read from the database is the value itself.
AS_STORED = (
    serializers.IntegerField,
    serializers.CharField,
    serializers.ChoiceField,
    serializers.JSONField,
    serializers.PrimaryKeyRelatedField,
)


class RowsListSerializer(serializers.ListSerializer):
    """Lists of phases, lanes, steps, links: the child serializer's exact JSON, read fast.

    Every field of the child is a model column read as stored or a foreign key read as its
    id, so a row is built straight from `.values()` (a queryset or related manager, e.g. the
    steps of a blueprint) or from the instances' attributes (a page of a list). A
    many-to-many field of ids (a step's `sources`) comes from one query on its through table,
    in the related manager's order. No field call per value and no related manager per
    object: a 300-step blueprint reads in milliseconds. Any other field falls back to DRF.
    """

    def to_representation(self, data: Any) -> list[dict[str, Any]]:
        fields = list(self.child._readable_fields)
        model = self.child.Meta.model
        if not all(self.readable(model, field) for field in fields):
            return super().to_representation(data)
        many = {f.source for f in fields if isinstance(f, serializers.ManyRelatedField)}
        columns = [f.source for f in fields if f.source not in many]
        if isinstance(data, Manager | QuerySet):
            queryset = data.all().prefetch_related(None)
            rows = list(queryset.values("pk", *columns))
            keys: Any = queryset.values("pk")
        else:
            attnames = {name: model._meta.get_field(name).attname for name in columns}
            rows = [
                {"pk": obj.pk} | {name: getattr(obj, attname) for name, attname in attnames.items()}
                for obj in data
            ]
            keys = [row["pk"] for row in rows]
        ids = {name: self.many_ids(model, name, keys) for name in many}
        plan = [(f.field_name, f.source, f.source in many) for f in fields]
        return [
            {
                name: (ids[source].get(row["pk"]) or []) if is_many else row[source]
                for name, source, is_many in plan
            }
            for row in rows
        ]

    @staticmethod
    def readable(model: type[models.Model], field: serializers.Field) -> bool:
        try:
            model_field = model._meta.get_field(field.source)
        except FieldDoesNotExist:
            return False
        if isinstance(field, serializers.ManyRelatedField):
            if not isinstance(model_field, models.ManyToManyField):
                return False
            field = field.child_relation
        elif not model_field.concrete:
            return False
        if getattr(field, "pk_field", None) is not None or getattr(field, "binary", False):
            return False
        return isinstance(field, AS_STORED)

    @staticmethod
    def many_ids(model: type[models.Model], name: str, keys: Any) -> dict[Any, list[Any]]:
        field = model._meta.get_field(name)
        this, other = field.m2m_field_name(), field.m2m_reverse_field_name()
        # Ordering by the foreign key orders by the related model's ordering, as its manager.
        pairs = (
            field.remote_field.through.objects.filter(**{f"{this}__in": keys})
            .order_by(other)
            .values_list(this, other)
        )
        ids: dict[Any, list[Any]] = {}
        for pk, other_pk in pairs:
            ids.setdefault(pk, []).append(other_pk)
        return ids


class ActorSerializer(ScopedSerializer):
    scoped = {"workspace": "memberships"}
    fixed = ("workspace",)

    class Meta:
        model = Actor
        fields = ["id", "workspace", "name", "description"]


class ChannelSerializer(ScopedSerializer):
    scoped = {"workspace": "memberships"}
    fixed = ("workspace",)

    class Meta:
        model = Channel
        fields = ["id", "workspace", "name", "kind"]


class VersionedSerializer(ScopedSerializer):
    """`version` is read as the version the client last saw; a stale one answers 409."""

    version = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)

    def update(self, instance: Any, validated_data: dict[str, Any]) -> Any:
        expected = validated_data.pop("version", None)
        try:
            services.versioned_update(instance, validated_data, expected)
        except services.StaleVersion as stale:
            current = type(self)(stale.current, context=self.context).data
            raise Conflict(current=current) from stale
        return instance

    def create(self, validated_data: dict[str, Any]) -> Any:
        validated_data.pop("version", None)
        return super().create(validated_data)


class BlueprintSerializer(VersionedSerializer):
    scoped = {"workspace": "memberships", "team": "workspace__memberships"}
    fixed = ("workspace", "kind")

    class Meta:
        model = Blueprint
        fields = [
            "id", "workspace", "title", "description", "kind", "team", "version",
            "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {
            "title": {
                "allow_blank": False,
                "help_text": "The name; a global blueprint nobody named reads as "
                '"Global blueprint" in the request\'s language.',
            }
        }

    def to_representation(self, instance: Blueprint) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["title"] = instance.display_title
        return data

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        get = lambda name: attrs.get(name, getattr(self.instance, name, None))  # noqa: E731
        workspace, kind, team = get("workspace"), get("kind") or "team", get("team")
        if kind == "team" and team is None:
            raise serializers.ValidationError({"team": [_("A team blueprint needs a team.")]})
        if kind == "global" and team is not None:
            raise serializers.ValidationError({"team": [_("A global blueprint has no team.")]})
        if team is not None and team.workspace_id != workspace.pk:
            raise serializers.ValidationError({"team": [NOT_IN_WORKSPACE]})
        if kind == "global" and self.instance is None:
            if Blueprint.objects.filter(workspace=workspace, kind="global").exists():
                raise serializers.ValidationError(
                    {"kind": [_("This workspace already has its global blueprint.")]}
                )
        return attrs


class OrderedSerializer(ScopedSerializer):
    """Phases and lanes: created at a position (the end by default), moved by a new one."""

    def create(self, validated_data: dict[str, Any]) -> Phase | Lane:
        position = validated_data.pop("position", None)
        obj = self.Meta.model(**validated_data)
        services.insert(obj, position)
        return obj

    @transaction.atomic
    def update(self, instance: Phase | Lane, validated_data: dict[str, Any]) -> Phase | Lane:
        position = validated_data.pop("position", None)
        instance = super().update(instance, validated_data)
        if position is not None:
            services.move(instance, position)
        return instance


class PhaseSerializer(OrderedSerializer):
    scoped = {"blueprint": "workspace__memberships"}
    fixed = ("blueprint",)

    class Meta:
        model = Phase
        fields = ["id", "blueprint", "name", "position"]
        list_serializer_class = RowsListSerializer
        validators: list = []  # positions are allocated by services, never clash
        extra_kwargs = {"position": POSITION_FIELD}


def validate_translations(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise serializers.ValidationError(_("Expected an object of language code → name."))
    for code, name in value.items():
        if code not in LANGUAGE_CODES:
            raise serializers.ValidationError(_("Unknown language {code}.").format(code=repr(code)))
        if not isinstance(name, str) or not 0 < len(name) <= 120 or "\x00" in name:
            raise serializers.ValidationError(
                _("The {code} name must be 1–120 characters.").format(code=code)
            )
    return value


class LaneSerializer(OrderedSerializer):
    scoped = {"blueprint": "workspace__memberships", "actor": "workspace__memberships"}
    fixed = ("blueprint",)
    name_translations = serializers.JSONField(
        required=False, validators=[validate_translations], help_text="language code → name"
    )

    class Meta:
        model = Lane
        fields = ["id", "blueprint", "name", "name_translations", "band", "actor", "position"]
        list_serializer_class = RowsListSerializer
        validators: list = []  # positions are allocated by services, never clash
        extra_kwargs = {"position": POSITION_FIELD}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        blueprint = attrs.get("blueprint") or self.instance.blueprint
        actor = attrs.get("actor")
        if actor is not None and actor.workspace_id != blueprint.workspace_id:
            raise serializers.ValidationError({"actor": [NOT_IN_WORKSPACE]})
        return attrs


class StepSerializer(VersionedSerializer):
    scoped = {
        "blueprint": "workspace__memberships",
        "lane": "blueprint__workspace__memberships",
        "phase": "blueprint__workspace__memberships",
        "channel": "workspace__memberships",
        "actor": "workspace__memberships",
    }
    fixed = ("blueprint",)
    sources = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Step
        fields = [
            "id", "blueprint", "lane", "phase", "title", "description", "kind", "channel",
            "actor", "emotion", "evidence", "data_captured", "data_recorded_in", "data_stage",
            "position", "version", "sources",
        ]  # fmt: skip
        list_serializer_class = RowsListSerializer
        extra_kwargs = {"position": POSITION_FIELD}
        validators: list = []  # positions are allocated by services, never clash

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        blueprint = attrs.get("blueprint") or self.instance.blueprint
        for name in ("lane", "phase"):
            if name in attrs and attrs[name].blueprint_id != blueprint.pk:
                raise serializers.ValidationError({name: [NOT_IN_BLUEPRINT]})
        for name in ("channel", "actor"):
            if attrs.get(name) is not None and attrs[name].workspace_id != blueprint.workspace_id:
                raise serializers.ValidationError({name: [NOT_IN_WORKSPACE]})
        return attrs

    def create(self, validated_data: dict[str, Any]) -> Step:
        validated_data.pop("version", None)
        position = validated_data.pop("position", None)
        step = Step(**validated_data)
        services.insert(step, position)
        return step

    @transaction.atomic
    def update(self, instance: Step, validated_data: dict[str, Any]) -> Step:
        cell = {k: validated_data.pop(k) for k in ("lane", "phase") if k in validated_data}
        position = validated_data.pop("position", None)
        moved = {k: v for k, v in cell.items() if getattr(instance, f"{k}_id") != v.pk}
        super().update(instance, validated_data)
        if moved or position is not None:
            services.move(instance, position, **moved)
        return instance


class LinkSerializer(ScopedSerializer):
    scoped = {
        "blueprint": "workspace__memberships",
        "source": "blueprint__workspace__memberships",
        "target": "blueprint__workspace__memberships",
    }
    fixed = ("blueprint",)

    class Meta:
        model = Link
        fields = ["id", "blueprint", "source", "target", "kind", "label"]
        list_serializer_class = RowsListSerializer
        validators: list = []  # uniqueness is checked below with a clearer message

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        get = lambda name: attrs.get(name, getattr(self.instance, name, None))  # noqa: E731
        blueprint, source, target, kind = (
            get("blueprint"),
            get("source"),
            get("target"),
            get("kind"),
        )
        for name, step in (("source", source), ("target", target)):
            if step.blueprint_id != blueprint.pk:
                raise serializers.ValidationError({name: [NOT_IN_BLUEPRINT]})
        if source.pk == target.pk:
            raise serializers.ValidationError({"target": [_("A step cannot link to itself.")]})
        clash = Link.objects.filter(source=source, target=target, kind=kind or "handoff")
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise serializers.ValidationError({"target": [_("This link already exists.")]})
        return attrs


class BlueprintDetailSerializer(BlueprintSerializer):
    seq = serializers.SerializerMethodField(
        help_text="The number of the last event this snapshot includes: a live client replays "
        "the events after it (`/events/?after=`)."
    )
    phases = PhaseSerializer(many=True, read_only=True)
    lanes = LaneSerializer(many=True, read_only=True)
    steps = StepSerializer(many=True, read_only=True)
    links = LinkSerializer(many=True, read_only=True)

    class Meta(BlueprintSerializer.Meta):
        fields = BlueprintSerializer.Meta.fields + ["seq", "phases", "lanes", "steps", "links"]

    @extend_schema_field(OpenApiTypes.INT)
    def get_seq(self, blueprint: Blueprint) -> int:
        # Read with the blueprint row (see BlueprintViewSet), before its contents: a write that
        # commits in between shows in the contents and is replayed again, harmlessly; never
        # the other way round, which would lose it.
        seq = getattr(blueprint, "event_seq", None)
        return events.seq_current(blueprint.pk) if seq is None else seq


# --- recording changes as events -----------------------------------------------------------


def snapshot(obj: models.Model, context: dict[str, Any]) -> dict[str, Any]:
    """The object as the API shows it: an event's `before` and `after`."""
    return dict(SERIALIZERS[type(obj)](obj, context=context).data)


def deleted_snapshot(obj: models.Model, context: dict[str, Any]) -> dict[str, Any]:
    """A step's links go with it; keep them, so that an undo can bring them back."""
    before = snapshot(obj, context)
    if isinstance(obj, Step):
        links = Link.objects.filter(models.Q(source=obj) | models.Q(target=obj))
        before["links"] = [snapshot(link, context) for link in links]
    return before


def moved(before: dict[str, Any] | None, after: dict[str, Any]) -> bool:
    return before is None or any(before.get(k) != after.get(k) for k in MOVE_FIELDS)


def order_of(obj: Phase | Lane | Step) -> dict[str, Any]:
    order: dict[str, Any] = {"ids": services.ordered_ids(services.siblings_of(obj))}
    if isinstance(obj, Step):
        order = {"lane": obj.lane_id, "phase": obj.phase_id} | order
    return order


def change_record(
    obj: models.Model,
    verb: str,
    before: dict[str, Any] | None,
    *,
    user: Any,
    context: dict[str, Any],
    undo_of: BlueprintEvent | None = None,
    after: dict[str, Any] | None = None,
) -> BlueprintEvent:
    """Record a create, update or delete of `obj` (after the write; before it for a delete)."""
    if verb != "deleted" and after is None:
        after = snapshot(obj, context)
    order = None
    if isinstance(obj, Phase | Lane | Step) and after is not None and moved(before, after):
        order = order_of(obj)
    return events.event_record(
        blueprint_id=obj.pk if isinstance(obj, Blueprint) else obj.blueprint_id,
        kind=f"{obj._meta.model_name}.{verb}",
        obj_id=obj.pk,
        before=before,
        after=after,
        order=order,
        user=user,
        undo_of=undo_of,
    )


class RecordedViewSet(ScopedViewSet):
    """Every create, update and delete is recorded as the blueprint's next event."""

    def record(self, obj: models.Model, verb: str, before: dict[str, Any] | None) -> None:
        context = self.get_serializer_context()
        change_record(obj, verb, before, user=self.request.user, context=context)

    @transaction.atomic
    def perform_create(self, serializer: serializers.ModelSerializer) -> None:
        super().perform_create(serializer)
        self.record(serializer.instance, "created", None)

    @transaction.atomic
    def perform_update(self, serializer: serializers.ModelSerializer) -> None:
        before = snapshot(serializer.instance, self.get_serializer_context())
        super().perform_update(serializer)
        self.record(serializer.instance, "updated", before)

    @transaction.atomic
    def perform_destroy(self, instance: models.Model) -> None:
        # Recorded first: a deleted blueprint takes its events with it, yet is announced.
        self.record(instance, "deleted", deleted_snapshot(instance, self.get_serializer_context()))
        instance.delete()


class BlueprintViewSet(RecordedViewSet):
    queryset = Blueprint.objects.all()
    serializer_class = BlueprintSerializer
    guest_lookup = "pk"
    filters = {"workspace": "workspace_id", "team": "team_id"}

    def base_queryset(self) -> QuerySet:
        if self.action == "retrieve":
            # The current event number joins the blueprint's own query: no query of its own.
            return Blueprint.objects.annotate(event_seq=Coalesce(F("sequence__seq"), 0))
        return Blueprint.objects.all()

    def get_serializer_class(self) -> type[serializers.Serializer]:
        if self.action == "retrieve":
            return BlueprintDetailSerializer
        return BlueprintSerializer


class ScopedInput(serializers.Serializer):
    """An action's input: ids of other workspaces look exactly like ids that do not exist."""

    scoped: dict[str, str] = {}  # field → path from its model to the workspace memberships

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = getattr(self.context.get("request"), "user", None)
        for name, path in self.scoped.items():
            field = self.fields[name]
            field.queryset = scope_to_user(field.queryset, user, path)


class ReorderSerializer(ScopedInput):
    scoped = {"blueprint": "workspace__memberships"}
    blueprint = IdField(queryset=Blueprint.objects.all())
    order = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), max_length=5000
    )


class StepReorderSerializer(ScopedInput):
    scoped = {
        "lane": "blueprint__workspace__memberships",
        "phase": "blueprint__workspace__memberships",
    }
    lane = IdField(queryset=Lane.objects.all())
    phase = IdField(queryset=Phase.objects.all())
    order = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), max_length=5000
    )


class OrderedViewSet(RecordedViewSet):
    """Phases and lanes: created at a position, reordered in one request."""

    memberships = "blueprint__workspace__memberships"
    filters = {"blueprint": "blueprint_id"}
    guest_lookup = "blueprint_id"

    def base_queryset(self) -> QuerySet:
        return self.queryset.select_related("blueprint")

    def reorder_response(self, request: Request) -> Response:
        incoming = ReorderSerializer(data=request.data, context=self.get_serializer_context())
        incoming.is_valid(raise_exception=True)
        blueprint = incoming.validated_data["blueprint"]
        self.check_write(blueprint, "update")
        siblings = self.queryset.model.objects.filter(blueprint=blueprint)
        wanted = incoming.validated_data["order"]
        if sorted(wanted) != sorted(siblings.values_list("pk", flat=True)):
            raise exceptions.ValidationError(
                {"order": [_("List every id of this blueprint exactly once.")]}
            )
        with transaction.atomic():
            before = services.ordered_ids(siblings.select_for_update())
            services.reorder(siblings, wanted)
            events.event_record(
                blueprint_id=blueprint.pk,
                kind=f"{self.queryset.model._meta.model_name}s.reordered",
                obj_id=None,
                before={"ids": before},
                after={"ids": list(wanted)},
                order={"ids": list(wanted)},
                user=request.user,
            )
        serializer = self.get_serializer(siblings.order_by("position"), many=True)
        return Response(serializer.data)


class PhaseViewSet(OrderedViewSet):
    queryset = Phase.objects.all()
    serializer_class = PhaseSerializer

    @extend_schema(request=ReorderSerializer, responses=PhaseSerializer(many=True))
    @action(detail=False, methods=["post"], pagination_class=None)
    def reorder(self, request: Request) -> Response:
        """Give the phases of a blueprint a new order: `order` lists every phase id."""
        return self.reorder_response(request)


class LaneViewSet(OrderedViewSet):
    queryset = Lane.objects.all()
    serializer_class = LaneSerializer

    @extend_schema(request=ReorderSerializer, responses=LaneSerializer(many=True))
    @action(detail=False, methods=["post"], pagination_class=None)
    def reorder(self, request: Request) -> Response:
        """Give the lanes of a blueprint a new order: `order` lists every lane id."""
        return self.reorder_response(request)


class StepViewSet(RecordedViewSet):
    queryset = Step.objects.all()
    serializer_class = StepSerializer
    memberships = "blueprint__workspace__memberships"
    filters = {"blueprint": "blueprint_id", "lane": "lane_id", "phase": "phase_id"}
    guest_lookup = "blueprint_id"

    def base_queryset(self) -> QuerySet:
        # A list reads `sources` in one query of its own (RowsListSerializer) and never needs
        # the blueprint object: joining it would only build 300 of them for a big blueprint.
        if self.action == "list":
            return Step.objects.all()
        return Step.objects.select_related("blueprint")

    def perform_destroy(self, instance: Step) -> None:
        with transaction.atomic():
            if instance.merge_key and instance.blueprint.kind == BlueprintKind.GLOBAL:
                # The facilitator removed what a merge made: the next merges leave it out.
                DismissedStep.objects.update_or_create(
                    blueprint=instance.blueprint,
                    merge_key=instance.merge_key,
                    defaults={
                        "step_id": instance.pk,
                        "title": instance.title,
                        "dismissed_by": self.request.user,
                    },
                )
            super().perform_destroy(instance)

    @extend_schema(request=StepReorderSerializer, responses=StepSerializer(many=True))
    @action(detail=False, methods=["post"], pagination_class=None)
    def reorder(self, request: Request) -> Response:
        """Set the order of the steps in one lane × phase cell.

        `order` lists every step of the cell; steps of other cells of the same blueprint
        named in it move into this cell.
        """
        incoming = StepReorderSerializer(data=request.data, context=self.get_serializer_context())
        incoming.is_valid(raise_exception=True)
        lane, phase = incoming.validated_data["lane"], incoming.validated_data["phase"]
        if phase.blueprint_id != lane.blueprint_id:
            raise exceptions.ValidationError({"phase": [NOT_IN_BLUEPRINT]})
        self.check_write(lane.blueprint, "update")
        cell = Step.objects.filter(lane=lane, phase=phase)
        wanted = incoming.validated_data["order"]
        known = set(Step.objects.filter(blueprint=lane.blueprint_id).values_list("pk", flat=True))
        if len(set(wanted)) != len(wanted) or not set(wanted) <= known:
            raise exceptions.ValidationError(
                {"order": [_("List steps of this blueprint, each once.")]}
            )
        if not set(cell.values_list("pk", flat=True)) <= set(wanted):
            raise exceptions.ValidationError({"order": [_("List every step of this cell.")]})
        with transaction.atomic():
            before = services.ordered_ids(cell.select_for_update())
            origins = cells_of(step_id for step_id in wanted if step_id not in set(before))
            services.reorder(cell, wanted, lane=lane, phase=phase)
            after = {"lane": lane.pk, "phase": phase.pk, "ids": list(wanted)}
            recorded = {"lane": lane.pk, "phase": phase.pk, "ids": before}
            if origins:
                recorded["from"] = origins  # where the steps moved in came from: for an undo
            events.event_record(
                blueprint_id=lane.blueprint_id,
                kind="steps.reordered",
                obj_id=None,
                before=recorded,
                after=after,
                order=after,
                user=request.user,
            )
        steps = Step.objects.filter(pk__in=wanted).order_by("position")
        return Response(self.get_serializer(steps, many=True).data)


def cells_of(step_ids: Iterable[int]) -> list[dict[str, Any]]:
    """The cells the steps are in, each with its steps' ids in order."""
    pairs = Step.objects.filter(pk__in=list(step_ids)).values_list("lane_id", "phase_id")
    return [
        {
            "lane": lane_id,
            "phase": phase_id,
            "ids": services.ordered_ids(Step.objects.filter(lane_id=lane_id, phase_id=phase_id)),
        }
        for lane_id, phase_id in sorted(set(pairs))
    ]


class ActorViewSet(ScopedViewSet):
    queryset = Actor.objects.all()
    serializer_class = ActorSerializer
    filters = {"workspace": "workspace_id"}


class ChannelViewSet(ScopedViewSet):
    queryset = Channel.objects.all()
    serializer_class = ChannelSerializer
    filters = {"workspace": "workspace_id"}


class LinkViewSet(RecordedViewSet):
    queryset = Link.objects.all()
    serializer_class = LinkSerializer
    memberships = "blueprint__workspace__memberships"
    filters = {"blueprint": "blueprint_id"}
    guest_lookup = "blueprint_id"

    def base_queryset(self) -> QuerySet:
        if self.action == "list":
            return Link.objects.all()  # as StepViewSet: a list never reads the blueprint
        return Link.objects.select_related("blueprint")


SERIALIZERS: dict[type[models.Model], type[ScopedSerializer]] = {
    Blueprint: BlueprintSerializer,
    Phase: PhaseSerializer,
    Lane: LaneSerializer,
    Step: StepSerializer,
    Link: LinkSerializer,
}
