from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import F, Manager, QuerySet
from django.db.models.functions import Coalesce
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from blueprints import events, layout, library, services, snapshots
from blueprints.models import (
    TITLE_MAX,
    Actor,
    Blueprint,
    Channel,
    Lane,
    Link,
    Phase,
    Step,
)
from frontstage import errors
from frontstage.api import MAX_ID, IdField
from workspaces.models import Team
from workspaces.scoping import ScopedSerializer, ScopedViewSet, scope_related_fields

LANGUAGE_CODES = {code for code, _ in settings.LANGUAGES}
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
    fixed = ("workspace",)

    class Meta:
        model = Actor
        fields = ["id", "workspace", "name", "description"]


class ChannelSerializer(ScopedSerializer):
    fixed = ("workspace",)

    class Meta:
        model = Channel
        fields = ["id", "workspace", "name", "kind"]


class ContentSerializer(ScopedSerializer):
    """A blueprint's own objects: saving calls blueprints/services.py, which records the event."""

    @property
    def actor(self) -> Any:
        return self.context["request"].user


class VersionedSerializer(ContentSerializer):
    """`version` is read as the version the client last saw; a stale one answers 409."""

    version = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)


class BlueprintSerializer(VersionedSerializer):
    fixed = ("workspace", "kind")
    template = serializers.CharField(
        write_only=True,
        required=False,
        max_length=40,
        help_text="On create: start from this template's contents (an `id` of "
        "`GET /api/v1/blueprint-templates/`); the blueprint is a team blueprint.",
    )

    class Meta:
        model = Blueprint
        fields = [*snapshots.FIELDS[Blueprint], "template"]
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
        services.check_blueprint(attrs, self.instance)
        return attrs

    def create(self, validated_data: dict[str, Any]) -> Blueprint:
        validated_data.pop("version", None)
        workspace = validated_data.pop("workspace")
        key = validated_data.pop("template", None)
        if key:
            return self.from_template(workspace, key, validated_data)
        return services.blueprint_create(
            workspace=workspace, values=validated_data, actor=self.actor
        )

    def from_template(self, workspace: Any, key: str, values: dict[str, Any]) -> Blueprint:
        if values.get("kind", "team") != "team":
            raise errors.Invalid({"template": [library.TEAM_BLUEPRINTS_ONLY]})
        try:
            template = library.template_get(key, self.actor, layout.language_of(get_language()))
        except errors.NotFound as missing:  # a name in the body: bad input, not a missing URL
            raise errors.Invalid({"template": [missing.text]}) from missing
        if template.workspace not in (None, workspace.pk):
            raise errors.Invalid({"template": [library.NO_SUCH_TEMPLATE.format(key=key)]})
        return library.blueprint_from_template(
            workspace=workspace,
            team=values["team"],
            template=template,
            actor=self.actor,
            title=values.get("title") or None,
        )

    def update(self, instance: Blueprint, validated_data: dict[str, Any]) -> Blueprint:
        if "template" in validated_data:
            raise errors.Invalid({"template": [library.TEMPLATE_ON_CREATE]})
        version = validated_data.pop("version", None)
        return services.blueprint_update(
            blueprint=instance, changes=validated_data, version=version, actor=self.actor
        )


class OrderedSerializer(ContentSerializer):
    """Phases and lanes: created at a position (the end by default), moved by a new one."""

    def create(self, validated_data: dict[str, Any]) -> Phase | Lane:
        position = validated_data.pop("position", None)
        blueprint = validated_data.pop("blueprint")
        return self.created(blueprint=blueprint, values=validated_data, position=position)

    def update(self, instance: Phase | Lane, validated_data: dict[str, Any]) -> Phase | Lane:
        return self.updated(instance, validated_data)


class PhaseSerializer(OrderedSerializer):
    fixed = ("blueprint",)

    class Meta:
        model = Phase
        fields = list(snapshots.FIELDS[Phase])
        list_serializer_class = RowsListSerializer
        validators: list = []  # positions are allocated by services, never clash
        extra_kwargs = {"position": POSITION_FIELD}

    def created(self, **kwargs: Any) -> Phase:
        return services.phase_create(**kwargs, actor=self.actor)

    def updated(self, phase: Phase, changes: dict[str, Any]) -> Phase:
        return services.phase_update(phase=phase, changes=changes, actor=self.actor)


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
    fixed = ("blueprint",)
    name_translations = serializers.JSONField(
        required=False, validators=[validate_translations], help_text="language code → name"
    )

    class Meta:
        model = Lane
        fields = list(snapshots.FIELDS[Lane])
        list_serializer_class = RowsListSerializer
        validators: list = []  # positions are allocated by services, never clash
        extra_kwargs = {"position": POSITION_FIELD}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        services.check_in_blueprint(attrs.get("blueprint") or self.instance.blueprint, attrs)
        return attrs

    def created(self, **kwargs: Any) -> Lane:
        return services.lane_create(**kwargs, actor=self.actor)

    def updated(self, lane: Lane, changes: dict[str, Any]) -> Lane:
        return services.lane_update(lane=lane, changes=changes, actor=self.actor)


class StepSerializer(VersionedSerializer):
    fixed = ("blueprint",)
    sources = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Step
        fields = list(snapshots.FIELDS[Step])
        list_serializer_class = RowsListSerializer
        extra_kwargs = {"position": POSITION_FIELD}
        validators: list = []  # positions are allocated by services, never clash

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        services.check_in_blueprint(attrs.get("blueprint") or self.instance.blueprint, attrs)
        return attrs

    def create(self, validated_data: dict[str, Any]) -> Step:
        validated_data.pop("version", None)
        position = validated_data.pop("position", None)
        blueprint = validated_data.pop("blueprint")
        return services.step_create(
            blueprint=blueprint, values=validated_data, position=position, actor=self.actor
        )

    def update(self, instance: Step, validated_data: dict[str, Any]) -> Step:
        version = validated_data.pop("version", None)
        return services.step_update(
            step=instance, changes=validated_data, version=version, actor=self.actor
        )


class LinkSerializer(ContentSerializer):
    fixed = ("blueprint",)

    class Meta:
        model = Link
        fields = list(snapshots.FIELDS[Link])
        list_serializer_class = RowsListSerializer
        validators: list = []  # uniqueness is checked below with a clearer message

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        blueprint = attrs.get("blueprint") or self.instance.blueprint
        services.check_in_blueprint(blueprint, attrs)
        link = Link(
            pk=getattr(self.instance, "pk", None),
            **{name: attrs.get(name, getattr(self.instance, name, None)) for name in LINK_ENDS},
        )
        link.kind = link.kind or "handoff"
        services.check_link(link)
        return attrs

    def create(self, validated_data: dict[str, Any]) -> Link:
        blueprint = validated_data.pop("blueprint")
        return services.link_create(blueprint=blueprint, values=validated_data, actor=self.actor)

    def update(self, instance: Link, validated_data: dict[str, Any]) -> Link:
        return services.link_update(link=instance, changes=validated_data, actor=self.actor)


LINK_ENDS = ("source", "target", "kind")


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


class BlueprintViewSet(ScopedViewSet):
    """Blueprints and (below) their content: every change goes through blueprints/services.py
    (serializers create and update through it, `perform_destroy` deletes through it)."""

    queryset = Blueprint.objects.all()
    serializer_class = BlueprintSerializer
    serves_guests = True
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

    def perform_destroy(self, instance: Blueprint) -> None:
        services.blueprint_delete(blueprint=instance, actor=self.request.user)

    @extend_schema(request=None, responses={201: BlueprintSerializer})
    @action(detail=True, methods=["post"])
    def duplicate(self, request: Request, pk: str | None = None) -> Response:
        """A copy of this blueprint (phases, lanes, steps, links; new ids) for a team: the
        original's unless `team` says another; optional `title` ("Copy of …" by default)."""
        original = self.get_object()
        incoming = DuplicateSerializer(data=request.data, context=self.get_serializer_context())
        incoming.is_valid(raise_exception=True)
        team = incoming.validated_data.get("team") or original.team
        self.check_write(Blueprint(workspace=original.workspace, kind="team", team=team), "create")
        copy = services.blueprint_duplicate(
            blueprint=original, actor=request.user, **incoming.validated_data
        )
        return Response(BlueprintSerializer(copy, context=self.get_serializer_context()).data, 201)


class ScopedInput(serializers.Serializer):
    """An action's input: ids of other workspaces look exactly like ids that do not exist."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scope_related_fields(self)


class DuplicateSerializer(ScopedInput):
    title = serializers.CharField(required=False, allow_blank=True, max_length=TITLE_MAX)
    team = IdField(queryset=Team.objects.all(), required=False, allow_null=True)


class ReorderSerializer(ScopedInput):
    blueprint = IdField(queryset=Blueprint.objects.all())
    order = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), max_length=5000
    )


class StepReorderSerializer(ScopedInput):
    lane = IdField(queryset=Lane.objects.all())
    phase = IdField(queryset=Phase.objects.all())
    order = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), max_length=5000
    )


class OrderedViewSet(ScopedViewSet):
    """Phases and lanes: created at a position, reordered in one request."""

    filters = {"blueprint": "blueprint_id"}
    serves_guests = True

    def base_queryset(self) -> QuerySet:
        return self.queryset.select_related("blueprint")

    def reorder_response(self, request: Request) -> Response:
        incoming = ReorderSerializer(data=request.data, context=self.get_serializer_context())
        incoming.is_valid(raise_exception=True)
        blueprint = incoming.validated_data["blueprint"]
        self.check_write(blueprint, "update")
        rows = services.rows_reorder(
            blueprint=blueprint,
            model=self.queryset.model,
            order=incoming.validated_data["order"],
            actor=request.user,
        )
        return Response(self.get_serializer(rows, many=True).data)


class PhaseViewSet(OrderedViewSet):
    queryset = Phase.objects.all()
    serializer_class = PhaseSerializer

    def perform_destroy(self, instance: Phase) -> None:
        services.phase_delete(phase=instance, actor=self.request.user)

    @extend_schema(request=ReorderSerializer, responses=PhaseSerializer(many=True))
    @action(detail=False, methods=["post"], pagination_class=None)
    def reorder(self, request: Request) -> Response:
        """Give the phases of a blueprint a new order: `order` lists every phase id."""
        return self.reorder_response(request)


class LaneViewSet(OrderedViewSet):
    queryset = Lane.objects.all()
    serializer_class = LaneSerializer

    def perform_destroy(self, instance: Lane) -> None:
        services.lane_delete(lane=instance, actor=self.request.user)

    @extend_schema(request=ReorderSerializer, responses=LaneSerializer(many=True))
    @action(detail=False, methods=["post"], pagination_class=None)
    def reorder(self, request: Request) -> Response:
        """Give the lanes of a blueprint a new order: `order` lists every lane id."""
        return self.reorder_response(request)


class StepViewSet(ScopedViewSet):
    queryset = Step.objects.all()
    serializer_class = StepSerializer
    filters = {"blueprint": "blueprint_id", "lane": "lane_id", "phase": "phase_id"}
    serves_guests = True

    def base_queryset(self) -> QuerySet:
        # A list reads `sources` in one query of its own (RowsListSerializer) and never needs
        # the blueprint object: joining it would only build 300 of them for a big blueprint.
        if self.action == "list":
            return Step.objects.all()
        return Step.objects.select_related("blueprint")

    def perform_destroy(self, instance: Step) -> None:
        services.step_delete(step=instance, actor=self.request.user)

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
        self.check_write(lane.blueprint, "update")
        steps = services.steps_reorder(
            lane=lane, phase=phase, order=incoming.validated_data["order"], actor=request.user
        )
        return Response(self.get_serializer(steps, many=True).data)


class ActorMergeSerializer(serializers.Serializer):
    into = IdField(queryset=Actor.objects.none(), help_text="The actor that stays.")


class ActorViewSet(ScopedViewSet):
    """The workspace's roles. Participants add them; facilitators rename, merge and delete
    them (a delete is refused while a lane or step uses the actor)."""

    queryset = Actor.objects.all()
    serializer_class = ActorSerializer
    filters = {"workspace": "workspace_id"}

    def perform_update(self, serializer: ActorSerializer) -> None:
        changes = {
            k: v for k, v in serializer.validated_data.items() if k in ("name", "description")
        }
        serializer.instance = services.actor_update(
            role=serializer.instance, changes=changes, actor=self.request.user
        )

    def perform_destroy(self, instance: Actor) -> None:
        services.actor_delete(role=instance, actor=self.request.user)

    @extend_schema(
        request=ActorMergeSerializer,
        responses={200: ActorSerializer},
        description="Move every lane and step of this actor to `into` (each an event of its "
        "blueprint), then delete it; in one transaction.",
    )
    @action(detail=True, methods=["post"])
    def merge(self, request: Request, pk: str | None = None) -> Response:
        source = self.get_object()
        self.check_write(source, "delete")
        payload = ActorMergeSerializer(data=request.data)
        payload.fields["into"].queryset = Actor.objects.filter(workspace_id=source.workspace_id)
        payload.is_valid(raise_exception=True)
        into = payload.validated_data["into"]
        self.check_write(into, "update")
        into = services.actor_merge(source=source, into=into, actor=request.user)
        return Response(self.get_serializer(into).data)


class ChannelViewSet(ScopedViewSet):
    """The workspace's channels; a delete is refused while anything uses the channel."""

    queryset = Channel.objects.all()
    serializer_class = ChannelSerializer
    filters = {"workspace": "workspace_id"}

    def perform_destroy(self, instance: Channel) -> None:
        services.channel_delete(channel=instance, actor=self.request.user)


class LinkViewSet(ScopedViewSet):
    queryset = Link.objects.all()
    serializer_class = LinkSerializer
    filters = {"blueprint": "blueprint_id"}
    serves_guests = True

    def base_queryset(self) -> QuerySet:
        if self.action == "list":
            return Link.objects.all()  # as StepViewSet: a list never reads the blueprint
        return Link.objects.select_related("blueprint")

    def perform_destroy(self, instance: Link) -> None:
        services.link_delete(link=instance, actor=self.request.user)
