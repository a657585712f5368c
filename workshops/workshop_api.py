"""REST API of workshops: `workshops` (with `join_code`), `activities`, `groups`,
`participants`, `notes`, `clusters`, `votes`, `outputs` under /api/v1/.

Every write goes through workshops/services.py (one transaction, one live event); reads and
writes are limited to the request user's workspaces like the rest of the API.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from frontstage.api import MAX_ID
from workshops import access, agenda, services
from workshops.models import (
    Activity,
    Cluster,
    Group,
    Note,
    Output,
    Participant,
    Vote,
    Workshop,
)
from workshops.services import Who
from workspaces.scoping import ScopedSerializer, ScopedViewSet


def scope_to_boards(serializer: serializers.Serializer, **paths: str) -> None:
    """Groups stay apart: a note or cluster of another group's board, named in the input,
    looks like one that does not exist (`paths`: field name → its path to the board group)."""
    request = serializer.context.get("request")
    if request is None:
        return
    for name, group in paths.items():
        field = serializer.fields[name]
        field.queryset = access.readable_boards(field.queryset, request.user, group)


def idempotency_key(request: Request) -> str:
    """The client's key for this write (`Idempotency-Key`; the pages send `X-Idempotency-Key`):
    the same key again is the same write retried, and is not done twice."""
    return request.headers.get("Idempotency-Key") or request.headers.get("X-Idempotency-Key", "")


def who_of(request: Request, workshop: Workshop) -> Who:
    user = request.user
    participant = workshop.participants.filter(user=user).first()
    return Who(user, participant, access.can_run_workshop(user, workshop))


@extend_schema_field(
    {
        "type": "string",
        "pattern": r"^[0-2][0-9]:[0-5][0-9](:[0-5][0-9](\.[0-9]+)?)?$",
        "example": "09:00",
    }
)
class LocalTimeField(serializers.TimeField):
    """A wall-clock time of the workshop's day, without a zone (OpenAPI's `time` needs one)."""


class WorkshopSerializer(ScopedSerializer):
    fixed = ("workspace",)
    template = serializers.ChoiceField(
        choices=[("", "—")] + [(key, str(spec["title"])) for key, spec in agenda.TEMPLATES.items()],
        write_only=True,
        required=False,
        allow_blank=True,
        help_text="Create with the agenda of a ready template: blueprint or information.",
    )
    start_time = LocalTimeField(required=False)
    timer = serializers.SerializerMethodField()
    end_time = serializers.SerializerMethodField()

    class Meta:
        model = Workshop
        fields = [
            "id",
            "workspace",
            "title",
            "goal",
            "date",
            "start_time",
            "end_time",
            "join_code",
            "join_open",
            "vote_budget",
            "current_activity",
            "timer",
            "locked",
            "private_writing",
            "version",
            "template",
            "created_at",
        ]
        read_only_fields = [
            "join_code",
            "current_activity",
            "locked",
            "private_writing",
            "version",
            "created_at",
        ]
        extra_kwargs = {"title": {"required": False}}

    def get_timer(self, workshop: Workshop) -> dict[str, Any]:
        return services.timer_data(workshop)

    def get_end_time(self, workshop: Workshop) -> str:
        durations = [a.duration for a in workshop.activities.all()]
        return agenda.end_time(workshop.start_time, durations).isoformat(timespec="minutes")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if self.instance is None and not attrs.get("title") and not attrs.get("template"):
            raise serializers.ValidationError({"title": [_("Give a title or a template.")]})
        return attrs


class OrderSerializer(serializers.Serializer):
    order = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), max_length=500
    )


class SecondsSerializer(serializers.Serializer):
    seconds = serializers.IntegerField(min_value=1, max_value=8 * 3600, required=False)


class AdjustSerializer(serializers.Serializer):
    seconds = serializers.IntegerField(min_value=-3600, max_value=3600)


class LockSerializer(serializers.Serializer):
    locked = serializers.BooleanField()


class SummonSerializer(serializers.Serializer):
    group = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False, allow_null=True)


STATE = inline_serializer(
    "WorkshopState",
    {
        "current_activity": serializers.JSONField(allow_null=True),
        "timer": serializers.JSONField(),
        "locked": serializers.BooleanField(),
        "private_writing": serializers.BooleanField(),
        "join_open": serializers.BooleanField(),
        "vote_budget": serializers.IntegerField(),
        "version": serializers.IntegerField(),
    },
)


class SplitSerializer(serializers.Serializer):
    groups = serializers.IntegerField(min_value=1, max_value=services.GROUPS_MAX)


class RoundSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    budget = serializers.IntegerField(min_value=1, max_value=100, required=False)
    notes = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        max_length=500,
        required=False,
    )
    clusters = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        max_length=500,
        required=False,
    )


class VotingRoundSerializer(serializers.Serializer):
    """A voting round with its results (the open round's so far; a closed round's as kept)."""

    id = serializers.IntegerField()
    workshop = serializers.IntegerField()
    number = serializers.IntegerField()
    title = serializers.CharField()
    budget = serializers.IntegerField()
    notes = serializers.ListField(child=serializers.IntegerField())
    clusters = serializers.ListField(child=serializers.IntegerField())
    open = serializers.BooleanField()
    opened_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    results = serializers.JSONField()


def round_for(request: Request, workshop: Workshop, voting_round: Any) -> dict[str, Any]:
    """A round as `request.user` may see it: results of the boards they read only."""
    data = services.round_data(voting_round)
    boards = access.readable_group_ids(request.user, workshop)
    if boards is not None:
        results = data["results"]
        data["results"] = {
            key: [row for row in results.get(key, []) if row["group"] in boards]
            for key in ("notes", "clusters")
        }
    return data


class WorkshopViewSet(ScopedViewSet):
    queryset = Workshop.objects.all()
    serializer_class = WorkshopSerializer
    filters = {"workspace": "workspace_id"}

    def base_queryset(self):  # type: ignore[no-untyped-def]
        return Workshop.objects.select_related("current_activity").prefetch_related("activities")

    def perform_create(self, serializer: WorkshopSerializer) -> None:
        self.check_write(serializer.unsaved_instance(), "create")
        data = serializer.validated_data
        workshop = services.workshop_create(
            workspace=data["workspace"],
            title=data.get("title", ""),
            goal=data.get("goal", ""),
            date=data.get("date"),
            template=data.get("template", ""),
            settings=data,
        )
        serializer.instance = workshop

    def perform_update(self, serializer: WorkshopSerializer) -> None:
        workshop = serializer.instance
        serializer.instance = services.workshop_update(
            who=who_of(self.request, workshop), workshop=workshop, changes=serializer.validated_data
        )

    def control(self, request: Request, run: Any) -> Response:
        workshop = self.get_object()
        run(workshop, who_of(request, workshop))
        workshop.refresh_from_db()
        return Response(services.state_data(workshop))

    @extend_schema(request=SecondsSerializer, responses=STATE)
    @action(detail=True, methods=["post"], url_path="start-timer")
    def start_timer(self, request: Request, pk: str) -> Response:
        """Start or resume the shared timer (default: what is left, or the activity's duration)."""
        incoming = SecondsSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        seconds = incoming.validated_data.get("seconds")
        return self.control(
            request, lambda w, who: services.timer_start(who=who, workshop=w, seconds=seconds)
        )

    @extend_schema(request=None, responses=STATE)
    @action(detail=True, methods=["post"], url_path="pause-timer")
    def pause_timer(self, request: Request, pk: str) -> Response:
        return self.control(request, lambda w, who: services.timer_pause(who=who, workshop=w))

    @extend_schema(request=AdjustSerializer, responses=STATE)
    @action(detail=True, methods=["post"], url_path="adjust-timer")
    def adjust_timer(self, request: Request, pk: str) -> Response:
        """More time (`seconds`: 60 is "+1 min") or less (-60), whether running or paused."""
        incoming = AdjustSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        seconds = incoming.validated_data["seconds"]
        return self.control(
            request, lambda w, who: services.timer_adjust(who=who, workshop=w, seconds=seconds)
        )

    @extend_schema(request=None, responses=STATE)
    @action(detail=True, methods=["post"], url_path="reset-timer")
    def reset_timer(self, request: Request, pk: str) -> Response:
        """Stop the timer and set it back to the current activity's minutes."""
        return self.control(request, lambda w, who: services.timer_reset(who=who, workshop=w))

    @extend_schema(request=None, responses=STATE)
    @action(detail=True, methods=["post"], url_path="next-activity")
    def next_activity(self, request: Request, pk: str) -> Response:
        return self.control(request, lambda w, who: services.activity_next(who=who, workshop=w))

    @extend_schema(request=LockSerializer, responses=STATE)
    @action(detail=True, methods=["post"])
    def lock(self, request: Request, pk: str) -> Response:
        incoming = LockSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        locked = incoming.validated_data["locked"]
        return self.control(
            request, lambda w, who: services.workshop_lock(who=who, workshop=w, locked=locked)
        )

    @extend_schema(request=None, responses=STATE)
    @action(detail=True, methods=["post"], url_path="private-writing")
    def private_writing(self, request: Request, pk: str) -> Response:
        """Notes added from now on stay hidden from others until `reveal`."""
        return self.control(
            request, lambda w, who: services.private_writing_start(who=who, workshop=w)
        )

    @extend_schema(request=None, responses=STATE)
    @action(detail=True, methods=["post"])
    def reveal(self, request: Request, pk: str) -> Response:
        return self.control(request, lambda w, who: services.notes_reveal(who=who, workshop=w))

    @extend_schema(request=SummonSerializer, responses=STATE)
    @action(detail=True, methods=["post"])
    def summon(self, request: Request, pk: str) -> Response:
        """'Bring everyone here': every participant's page opens the facilitator's view."""
        incoming = SummonSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        group_id = incoming.validated_data.get("group")

        def run(workshop: Workshop, who: Who) -> None:
            group = services.group_of(workshop, group_id)
            services.summon(who=who, workshop=workshop, group=group)

        return self.control(request, run)

    @extend_schema(request=None, responses=WorkshopSerializer)
    @action(detail=True, methods=["post"], url_path="renew-code")
    def renew_code(self, request: Request, pk: str) -> Response:
        """Revoke the join code (and link) and issue a new one."""
        self.control(request, lambda w, who: services.join_code_renew(who=who, workshop=w))
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(request=OrderSerializer, responses=OrderSerializer)
    @action(detail=True, methods=["post"], url_path="reorder-activities")
    def reorder_activities(self, request: Request, pk: str) -> Response:
        incoming = OrderSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        ids = incoming.validated_data["order"]
        self.control(
            request, lambda w, who: services.activities_reorder(who=who, workshop=w, ids=ids)
        )
        return Response({"order": ids})

    @extend_schema(
        request=SplitSerializer,
        responses=inline_serializer(
            "WorkshopSplit", {"groups": serializers.DictField(child=serializers.IntegerField())}
        ),
    )
    @action(detail=True, methods=["post"])
    def split(self, request: Request, pk: str) -> Response:
        """Put everyone who joined into `groups` groups, balanced, mixing teams (the
        workshop's groups first, missing ones added); facilitators of the workspace stay out."""
        workshop = self.get_object()
        incoming = SplitSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        moves = services.groups_split(
            who=who_of(request, workshop),
            workshop=workshop,
            count=incoming.validated_data["groups"],
        )
        return Response({"groups": {str(k): v for k, v in moves.items()}})

    @extend_schema(request=RoundSerializer, responses={201: VotingRoundSerializer})
    @action(detail=True, methods=["post"], url_path="open-round")
    def open_round(self, request: Request, pk: str) -> Response:
        """Open the next voting round: everyone's budget starts again (`budget`, else the
        workshop's votes per person); `notes` and `clusters` put only those up for the vote."""
        workshop = self.get_object()
        incoming = RoundSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        notes = services.parts_of(workshop.notes, data.get("notes", []), "notes")
        clusters = services.parts_of(workshop.clusters, data.get("clusters", []), "clusters")
        voting_round = services.round_open(
            who=who_of(request, workshop),
            workshop=workshop,
            budget=data.get("budget"),
            title=data.get("title", ""),
            notes=notes,
            clusters=clusters,
        )
        return Response(round_for(request, workshop, voting_round), status=201)

    @extend_schema(request=None, responses=VotingRoundSerializer)
    @action(detail=True, methods=["post"], url_path="close-round")
    def close_round(self, request: Request, pk: str) -> Response:
        """Close the open round; its results are kept as they are."""
        workshop = self.get_object()
        voting_round = services.round_close(who=who_of(request, workshop), workshop=workshop)
        return Response(round_for(request, workshop, voting_round))

    @extend_schema(request=None, responses=VotingRoundSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def rounds(self, request: Request, pk: str) -> Response:
        """Every voting round of the workshop with its results, the first first."""
        workshop = self.get_object()
        rounds = workshop.rounds.prefetch_related("notes", "clusters")
        return Response([round_for(request, workshop, r) for r in rounds])

    @extend_schema(
        request=None,
        responses=inline_serializer(
            "WorkshopResults",
            {
                "notes": serializers.ListField(child=serializers.JSONField()),
                "clusters": serializers.ListField(child=serializers.JSONField()),
            },
        ),
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def results(self, request: Request, pk: str) -> Response:
        """Notes and clusters ranked by votes, most first: every board for facilitators,
        everyone's board and one's own group's for the others."""
        workshop = self.get_object()
        readable = set(
            access.readable_boards(workshop.notes.all(), request.user).values_list("pk", flat=True)
        )
        notes = [
            services.note_data(note)
            for note in services.ranked_notes(workshop)
            if note.pk in readable
        ]
        boards = access.readable_boards(workshop.clusters.all(), request.user)
        readable_clusters = set(boards.values_list("pk", flat=True))
        clusters = [
            {"id": c.pk, "name": c.name, "group": c.group_id, "votes": c.total}
            for c in services.ranked_clusters(workshop)
            if c.pk in readable_clusters
        ]
        return Response({"notes": notes, "clusters": clusters})


class WorkshopPartViewSet(ScopedViewSet):
    """A workshop's parts: every write calls its service (workshops/services.py)."""

    filters = {"workshop": "workshop_id"}

    def who(self, workshop: Workshop) -> Who:
        return who_of(self.request, workshop)


class ActivitySerializer(ScopedSerializer):
    fixed = ("workshop",)

    class Meta:
        model = Activity
        fields = ["id", "workshop", "title", "kind", "duration", "instructions", "position"]
        read_only_fields = ["position"]


class ActivityViewSet(WorkshopPartViewSet):
    """Activities of the agenda; new ones go last; see `reorder-activities` on the workshop."""

    queryset = Activity.objects.all()
    serializer_class = ActivitySerializer

    def perform_create(self, serializer: ActivitySerializer) -> None:
        self.check_write(serializer.unsaved_instance(), "create")
        data = serializer.validated_data
        serializer.instance = services.activity_add(
            who=self.who(data["workshop"]),
            workshop=data["workshop"],
            title=data["title"],
            kind=data["kind"],
            duration=data["duration"],
            instructions=data.get("instructions", ""),
        )

    def perform_update(self, serializer: ActivitySerializer) -> None:
        activity = serializer.instance
        serializer.instance = services.activity_update(
            who=self.who(activity.workshop), activity=activity, changes=serializer.validated_data
        )

    def perform_destroy(self, instance: Activity) -> None:
        services.activity_delete(who=self.who(instance.workshop), activity=instance)


class GroupSerializer(ScopedSerializer):
    fixed = ("workshop",)

    class Meta:
        model = Group
        fields = ["id", "workshop", "name", "blueprint", "position"]


class GroupViewSet(WorkshopPartViewSet):
    """Breakout groups, each bound to a team blueprint (`blueprint`) or to a notes board."""

    queryset = Group.objects.all()
    serializer_class = GroupSerializer

    def perform_create(self, serializer: GroupSerializer) -> None:
        self.check_write(serializer.unsaved_instance(), "create")
        data = serializer.validated_data
        serializer.instance = services.group_create(
            who=self.who(data["workshop"]),
            workshop=data["workshop"],
            name=data["name"],
            blueprint=data.get("blueprint"),
        )

    def perform_update(self, serializer: GroupSerializer) -> None:
        group = serializer.instance
        serializer.instance = services.group_update(
            who=self.who(group.workshop), group=group, changes=serializer.validated_data
        )

    def perform_destroy(self, instance: Group) -> None:
        services.group_delete(who=self.who(instance.workshop), group=instance)


class ParticipantSerializer(ScopedSerializer):
    fixed = ("workshop",)
    guest = serializers.BooleanField(source="is_guest", read_only=True)

    class Meta:
        model = Participant
        fields = ["id", "workshop", "name", "group", "user", "guest", "votes_used", "joined_at"]
        read_only_fields = ["user", "votes_used", "joined_at"]


class ParticipantViewSet(ScopedViewSet):
    """Who joined. Facilitators add guests by name, rename them, move them, remove them."""

    queryset = Participant.objects.all()
    serializer_class = ParticipantSerializer
    filters = {"workshop": "workshop_id"}

    def perform_create(self, serializer: ParticipantSerializer) -> None:
        self.check_write(serializer.unsaved_instance(), "create")
        data = serializer.validated_data
        serializer.instance = services.participant_add(
            who=who_of(self.request, data["workshop"]),
            workshop=data["workshop"],
            name=data["name"],
            group=data.get("group"),
        )

    def perform_update(self, serializer: ParticipantSerializer) -> None:
        participant = serializer.instance
        data = serializer.validated_data
        who = who_of(self.request, participant.workshop)
        services.participant_update(
            who=who, participant=participant, name=data.get("name"), group=data.get("group", ...)
        )

    def perform_destroy(self, instance: Participant) -> None:
        services.participant_remove(
            who=who_of(self.request, instance.workshop), participant=instance
        )


class NoteSerializer(ScopedSerializer):
    fixed = ("workshop",)
    # A method, not `source="author.name"` with a default: DRF skips defaults on a PATCH,
    # and the field would vanish from the answer for a note without an author.
    author_name = serializers.SerializerMethodField()

    class Meta:
        model = Note
        fields = [
            "id",
            "workshop",
            "group",
            "author",
            "author_name",
            "kind",
            "text",
            "cluster",
            "category",
            "hidden",
            "votes",
            "version",
            "created_at",
        ]
        read_only_fields = ["author", "hidden", "votes", "created_at"]
        extra_kwargs = {"version": {"required": False}}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scope_to_boards(self, cluster="group")

    def get_author_name(self, note: Note) -> str:
        return note.author.name if note.author_id else ""

    def to_representation(self, note: Note) -> dict[str, Any]:
        data = super().to_representation(note)
        user = self.context["request"].user
        if note.hidden and not (note.author_id and note.author.user_id == user.pk):
            data["text"] = None  # written in private: not revealed yet
        return data


class NoteViewSet(ScopedViewSet):
    """Sticky notes. Members add notes and change their own; a stale `version` answers 409."""

    queryset = Note.objects.all()
    serializer_class = NoteSerializer
    filters = {"workshop": "workshop_id", "group": "group_id", "cluster": "cluster_id"}

    def base_queryset(self):  # type: ignore[no-untyped-def]
        notes = Note.objects.select_related("author", "workshop")
        return access.readable_boards(notes, self.request.user)

    def perform_create(self, serializer: NoteSerializer) -> None:
        self.check_write(serializer.unsaved_instance(), "create")
        data = serializer.validated_data
        workshop = data["workshop"]
        note = services.note_add(
            who=who_of(self.request, workshop),
            workshop=workshop,
            text=data["text"],
            kind=data.get("kind", "idea"),
            group=data.get("group"),
            cluster=data.get("cluster"),
            client_key=idempotency_key(self.request),
        )
        serializer.instance = note

    def perform_update(self, serializer: NoteSerializer) -> None:
        note = serializer.instance
        data = dict(serializer.validated_data)
        version = data.pop("version", None)
        serializer.instance = services.note_update(
            who=who_of(self.request, note.workshop), note=note, changes=data, version=version
        )

    def perform_destroy(self, instance: Note) -> None:
        services.note_delete(who=who_of(self.request, instance.workshop), note=instance)


class ClusterSerializer(ScopedSerializer):
    fixed = ("workshop",)

    class Meta:
        model = Cluster
        fields = ["id", "workshop", "group", "name", "position"]
        read_only_fields = ["position"]


class ClusterViewSet(WorkshopPartViewSet):
    """Named affinity clusters; put a note in one by setting the note's `cluster`."""

    queryset = Cluster.objects.all()
    serializer_class = ClusterSerializer

    def base_queryset(self):  # type: ignore[no-untyped-def]
        return access.readable_boards(Cluster.objects.all(), self.request.user)

    def perform_update(self, serializer: ClusterSerializer) -> None:
        cluster = serializer.instance
        name = serializer.validated_data.get("name", cluster.name)
        serializer.instance = services.cluster_update(
            who=self.who(cluster.workshop), cluster=cluster, name=name
        )

    def perform_destroy(self, instance: Cluster) -> None:
        services.cluster_delete(who=self.who(instance.workshop), cluster=instance)

    def perform_create(self, serializer: ClusterSerializer) -> None:
        self.check_write(serializer.unsaved_instance(), "create")
        data = serializer.validated_data
        workshop = data["workshop"]
        serializer.instance = services.cluster_add(
            who=who_of(self.request, workshop),
            workshop=workshop,
            name=data["name"],
            group=data.get("group"),
        )


class VoteSerializer(ScopedSerializer):
    class Meta:
        model = Vote
        fields = ["id", "workshop", "note", "participant", "round", "created_at"]
        read_only_fields = ["workshop", "participant", "round", "created_at"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scope_to_boards(self, note="group")


class VoteViewSet(ScopedViewSet):
    """Dots. `POST {"note": id}` spends one of your dots (409 when your budget is spent);
    `DELETE` takes one back."""

    queryset = Vote.objects.all()
    serializer_class = VoteSerializer
    filters = {"workshop": "workshop_id", "note": "note_id"}
    http_method_names = ["get", "post", "delete", "head", "options"]

    def base_queryset(self):  # type: ignore[no-untyped-def]
        return access.readable_boards(Vote.objects.all(), self.request.user, "note__group")

    def perform_create(self, serializer: VoteSerializer) -> None:
        note = serializer.validated_data["note"]
        # Voting is contributing to the board: managers read, they do not vote.
        self.check_write(Note(workshop=note.workshop), "create")
        serializer.instance = services.vote_cast(
            who=who_of(self.request, note.workshop),
            note=note,
            client_key=idempotency_key(self.request),
        )

    def perform_destroy(self, instance: Vote) -> None:
        services.vote_delete(who=who_of(self.request, instance.workshop), vote=instance)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.perform_destroy(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    def check_object_permissions(self, request: Request, obj: Any) -> None:
        pass  # voting rules (own dots, budget, lock) live in services.vote_* via access


class OutputSerializer(ScopedSerializer):
    fixed = ("workshop",)
    persona_name = serializers.SerializerMethodField()

    class Meta:
        model = Output
        fields = [
            "id",
            "workshop",
            "title",
            "detail",
            "note",
            "cluster",
            "step",
            "category",
            "persona",
            "persona_name",
            "votes",
            "created_at",
        ]
        read_only_fields = ["votes", "created_at"]
        extra_kwargs = {"title": {"required": False}}

    def get_persona_name(self, output: Output) -> str:
        return output.persona.name if output.persona_id else ""


class OutputViewSet(WorkshopPartViewSet):
    """Outputs: notes or clusters promoted by the facilitator, attached to a step, a persona or
    a contact-reason category."""

    queryset = Output.objects.all()
    serializer_class = OutputSerializer

    def base_queryset(self):  # type: ignore[no-untyped-def]
        return Output.objects.select_related("persona")

    def perform_create(self, serializer: OutputSerializer) -> None:
        self.check_write(serializer.unsaved_instance(), "create")
        data = serializer.validated_data
        workshop = data["workshop"]
        serializer.instance = services.output_promote(
            who=who_of(self.request, workshop),
            workshop=workshop,
            note=data.get("note"),
            cluster=data.get("cluster"),
            step=data.get("step"),
            category=data.get("category"),
            persona=data.get("persona"),
            title=data.get("title", ""),
        )

    def perform_update(self, serializer: OutputSerializer) -> None:
        output = serializer.instance
        serializer.instance = services.output_update(
            who=self.who(output.workshop), output=output, changes=serializer.validated_data
        )

    def perform_destroy(self, instance: Output) -> None:
        services.output_delete(who=self.who(instance.workshop), output=instance)
