"""REST API of the personas app: the taxonomy, contact imports and contact counts.

Members read; facilitators write (`workspaces.access.can_write`).

- `/api/v1/contact-reasons/` CRUD, `POST /api/v1/contact-reasons/{id}/merge/` {"into": id};
- `/api/v1/contact-imports/`: `POST` a file (multipart `workspace`, `file`) → what was
  detected and a suggested mapping; `PATCH` the mapping (or the encoding or delimiter);
  `POST …/{id}/start/` runs it in the background; `GET` shows its progress and errors;
- `GET /api/v1/workspaces/{id}/contact-stats/` counts by category, subcategory, channel, month;
- `/api/v1/channel-review/`: channels with their aliases, unreviewed first; `PATCH` renames
  or keeps, `POST …/{id}/file-under/` maps a raw name onto a channel (or a new name),
  `POST /api/v1/channels/{id}/merge/` {"into": id} merges two.
"""

from typing import Any

from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.http import StreamingHttpResponse
from django.urls import re_path, reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import exceptions, mixins, serializers, status, views
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from blueprints.diagram_api import ErrorsAsJson
from blueprints.models import Channel
from frontstage import errors
from frontstage.api import ID_PATTERN, MAX_ID, IdField, query_id
from frontstage.schema import ErrorSerializer
from personas import evidence, runs, services, tabular
from personas.models import (
    K_MAX,
    K_MIN,
    NAME_MAX,
    TEXT_MAX,
    ContactImport,
    ContactReason,
    ImportStatus,
    Persona,
    ReasonSource,
    Segment,
    Segmentation,
    ServiceProtocol,
)
from workspaces import access
from workspaces.models import Workspace
from workspaces.scoping import ScopedGenericViewSet, ScopedSerializer, ScopedViewSet

ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
NOT_IN_WORKSPACE = services.NOT_IN_WORKSPACE
UNKNOWN_FIELD = _("Unknown field “{name}”; expected one of: {fields}.")
UNKNOWN_COLUMN = _("The file has no column “{column}”.")
COLUMN_TWICE = _("The column “{column}” is mapped twice.")
NOT_AN_OBJECT = _("Expected an object of field → column.")
SEGMENTATION_NOT_DONE = _("The segmentation is not done: no assignments yet.")
PICTURE_TOO_BIG = _("The picture is larger than 2 MB.")
NOT_A_PICTURE = _("The picture must be a PNG, JPEG, GIF or WebP image.")
PICTURE_MAX_BYTES = 2 * 1024 * 1024
PICTURE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a")
SCRIPT_MAX = 5000
MAX_ERRORS_SHOWN = 1000


# --- taxonomy ------------------------------------------------------------------------------


class ContactReasonSerializer(ScopedSerializer):
    fixed = ("workspace",)
    name = serializers.CharField(max_length=NAME_MAX)
    aliases = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Names of the nodes merged into this one; imports map them here.",
    )

    class Meta:
        model = ContactReason
        fields = ["id", "workspace", "parent", "name", "reviewed", "source", "aliases"]
        read_only_fields = ["source"]
        validators: list = []  # names among siblings: services.contact_reason_check

    def create(self, validated_data: dict[str, Any]) -> ContactReason:
        return services.contact_reason_create(**validated_data)

    def update(self, instance: ContactReason, validated_data: dict[str, Any]) -> ContactReason:
        return services.contact_reason_update(reason=instance, changes=validated_data)


class ContactReasonMergeSerializer(serializers.Serializer):
    into = IdField(queryset=ContactReason.objects.none(), help_text="The node that stays.")


class ContactReasonViewSet(ScopedViewSet):
    """The contact-reason taxonomy: categories (no parent) and their subcategories."""

    queryset = ContactReason.objects.all()
    serializer_class = ContactReasonSerializer
    filters = {"workspace": "workspace_id", "parent": "parent_id"}

    def perform_create(self, serializer: serializers.ModelSerializer) -> None:
        self.check_write(serializer.unsaved_instance(), "create")
        serializer.save(source=ReasonSource.MANUAL)

    def perform_destroy(self, instance: ContactReason) -> None:
        services.contact_reason_delete(reason=instance)

    @extend_schema(
        request=ContactReasonMergeSerializer,
        responses={200: ContactReasonSerializer},
        description="Move this node's contacts (and subcategories) to `into`, then delete it. "
        "Its name becomes an alias of `into`, so later imports land there.",
    )
    @action(detail=True, methods=["post"])
    def merge(self, request: Request, pk: str | None = None) -> Response:
        source = self.get_object()
        payload = ContactReasonMergeSerializer(data=request.data)
        payload.fields["into"].queryset = ContactReason.objects.filter(
            workspace_id=source.workspace_id
        )
        payload.is_valid(raise_exception=True)
        into = services.contact_reason_merge(source=source, into=payload.validated_data["into"])
        return Response(ContactReasonSerializer(into, context=self.get_serializer_context()).data)


# --- imports -------------------------------------------------------------------------------


class ImportErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField(
        allow_null=True, help_text="The line in the file (the header is line 1); null: the run."
    )
    message = serializers.CharField(help_text="Why, in the reader's language.")
    raw = serializers.CharField(allow_blank=True, help_text="The row as the file had it.")


class ContactImportSerializer(ScopedSerializer):
    columns = serializers.ListField(child=serializers.CharField(), read_only=True)
    preview = serializers.ListField(
        child=serializers.ListField(child=serializers.CharField(allow_blank=True)),
        read_only=True,
        help_text="The first rows after the header, one value per column.",
    )
    mapping = serializers.DictField(
        child=serializers.CharField(allow_blank=True, allow_null=True),
        required=False,
        help_text=f"Our field ({', '.join(tabular.FIELDS)}) → a column of the file; "
        f"{' and '.join(tabular.REQUIRED_FIELDS)} must be mapped before starting.",
    )
    delimiter = serializers.ChoiceField(
        choices=[",", ";", "\t"], required=False, help_text="Detected; set it to read again."
    )
    encoding = serializers.ChoiceField(
        choices=list(tabular.ENCODINGS), required=False, help_text="Detected; set it to read again."
    )
    errors = serializers.SerializerMethodField(
        help_text="Rows not imported: the first 1,000 (`errors_total` says how many; "
        "`errors.csv` lists them all)."
    )
    unrecognised = serializers.JSONField(
        read_only=True,
        help_text="gender, age, birth_date → {value as written: rows}: demographic values the "
        "app did not recognise, kept as written (the contacts are imported).",
    )

    class Meta:
        model = ContactImport
        fields = [
            "id", "workspace", "file_name", "format", "encoding", "delimiter", "columns",
            "preview", "mapping", "status", "progress", "rows_total", "rows_imported",
            "errors", "errors_total", "unrecognised", "created_at", "started_at", "finished_at",
        ]  # fmt: skip
        read_only_fields = [
            "workspace", "file_name", "format", "status", "progress", "rows_total",
            "rows_imported", "errors_total", "created_at", "started_at", "finished_at",
        ]  # fmt: skip

    @extend_schema_field(ImportErrorSerializer(many=True))
    def get_errors(self, contact_import: ContactImport) -> list[dict[str, Any]]:
        return services.import_errors(contact_import, limit=MAX_ERRORS_SHOWN)

    def validate_mapping(self, value: dict[str, Any]) -> dict[str, str]:
        columns = self.instance.columns if self.instance is not None else []
        mapping: dict[str, str] = {}
        problems = []
        for name, column in value.items():
            if name not in tabular.FIELDS:
                problems.append(UNKNOWN_FIELD.format(name=name, fields=", ".join(tabular.FIELDS)))
            elif column in (None, ""):
                continue
            elif column not in columns:
                problems.append(UNKNOWN_COLUMN.format(column=column))
            elif column in mapping.values():
                problems.append(COLUMN_TWICE.format(column=column))
            else:
                mapping[name] = column
        if problems:
            raise serializers.ValidationError(problems)
        return mapping

    def update(self, instance: ContactImport, validated_data: dict[str, Any]) -> ContactImport:
        services.contact_import_update(contact_import=instance, changes=validated_data)
        return instance


class ContactImportUploadSerializer(ScopedSerializer):
    file = serializers.FileField(
        allow_empty_file=False, help_text="A CSV (comma, semicolon or tab) or XLSX file."
    )

    class Meta:
        model = ContactImport
        fields = ["workspace", "file"]


class ContactImportViewSet(ScopedViewSet):
    """CRM files mapped onto contacts, and their runs."""

    queryset = ContactImport.objects.all()
    serializer_class = ContactImportSerializer
    filters = {"workspace": "workspace_id"}
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def base_queryset(self) -> Any:
        runs.imports_reap()  # a dead worker's import shows failed, never running
        return self.queryset.all()

    @extend_schema(
        request={"multipart/form-data": ContactImportUploadSerializer},
        responses={201: ContactImportSerializer},
        description="Upload a CRM export: answers with the detected format, encoding, "
        "delimiter, columns, the first rows and a suggested mapping. Nothing is imported yet.",
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        upload = ContactImportUploadSerializer(data=request.data, context={"request": request})
        upload.is_valid(raise_exception=True)
        workspace: Workspace = upload.validated_data["workspace"]
        self.check_write(ContactImport(workspace=workspace), "create")
        file = upload.validated_data["file"]
        detected = tabular.detect(file)
        contact_import = services.contact_import_create(
            workspace=workspace, user=request.user, upload=file, detected=detected
        )
        data = self.get_serializer(contact_import).data
        return Response(data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: ContactImport) -> None:
        services.contact_import_delete(contact_import=instance)

    @extend_schema(
        request=None,
        responses={202: ContactImportSerializer},
        description="Run the import in the background; `GET` the import to follow `status`, "
        "`progress`, `rows_imported` and `errors`.",
    )
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk: str | None = None) -> Response:
        contact_import = self.get_object()
        runs.contact_import_start(contact_import=contact_import)
        contact_import.refresh_from_db()
        return Response(self.get_serializer(contact_import).data, status=status.HTTP_202_ACCEPTED)


# --- exploration ---------------------------------------------------------------------------


class CountSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField(allow_blank=True)
    count = serializers.IntegerField()


class SubcategoryCountSerializer(CountSerializer):
    category = serializers.IntegerField(allow_null=True)


class MonthCountSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM")
    count = serializers.IntegerField()


class ContactStatsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    by_category = CountSerializer(many=True, help_text="id null: no category.")
    by_subcategory = SubcategoryCountSerializer(many=True)
    by_channel = CountSerializer(
        many=True, help_text="id null: the raw channel text matched no channel."
    )
    by_month = MonthCountSerializer(many=True)


class ContactStatsView(views.APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("id", ID_SCHEMA, OpenApiParameter.PATH, description="The workspace."),
            OpenApiParameter("import", ID_SCHEMA, description="Only this import's contacts."),
        ],
        responses={
            200: ContactStatsSerializer,
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="Bad input: messages by field."),
        },
        description="Counts of the workspace's contacts (of finished imports).",
    )
    def get(self, request: Request, pk: str) -> Response:
        workspace = Workspace.objects.for_user(request.user).filter(pk=int(pk)).first()
        if workspace is None:
            raise exceptions.NotFound()
        contact_import = None
        import_id = query_id(request, "import")
        if import_id is not None:
            contact_import = workspace.contact_imports.filter(pk=import_id).first()
            if contact_import is None:
                raise exceptions.ValidationError(
                    {"import": [_("No such import in this workspace.")]}
                )
        stats = services.contact_stats(workspace=workspace, contact_import=contact_import)
        return Response(ContactStatsSerializer(stats).data)


urlpatterns = [
    re_path(
        rf"^workspaces/(?P<pk>{ID_PATTERN})/contact-stats/$",
        ContactStatsView.as_view(),
        name="contact-stats",
    ),
]


# --- channel review ------------------------------------------------------------------------


def entry_of(channel: Channel) -> Any:
    """The channel's review entry, or None for one named by hand before imports kept any."""
    try:
        return channel.entry
    except Channel.entry.RelatedObjectDoesNotExist:
        return None


class ChannelReviewSerializer(ScopedSerializer):
    name = serializers.CharField(
        max_length=NAME_MAX,
        required=False,
        help_text="A new name; the old one becomes an alias, so files that say it file here.",
    )
    reviewed = serializers.BooleanField(
        required=False, help_text="false: an import made it from a raw name nobody reviewed."
    )
    aliases = serializers.SerializerMethodField(
        help_text="Other names that file here: names merged into it, old names."
    )
    source = serializers.SerializerMethodField(help_text="manual or import.")
    contacts = serializers.SerializerMethodField(
        help_text="Contacts of finished imports on this channel."
    )

    class Meta:
        model = Channel
        fields = ["id", "workspace", "name", "kind", "aliases", "reviewed", "source", "contacts"]
        read_only_fields = ["workspace", "kind"]

    def to_representation(self, instance: Channel) -> dict[str, Any]:
        entry = entry_of(instance)
        data = super().to_representation(instance)
        data["reviewed"] = entry.reviewed if entry else True
        return data

    def get_aliases(self, channel: Channel) -> list[str]:
        entry = entry_of(channel)
        return list(entry.aliases) if entry else []

    def get_source(self, channel: Channel) -> str:
        entry = entry_of(channel)
        return entry.source if entry else ReasonSource.MANUAL

    def get_contacts(self, channel: Channel) -> int:
        counts = self.context.get("counts")
        if counts is None:
            counts = services.channel_contact_counts([channel.pk])
        return counts.get(channel.pk, 0)

    def update(self, instance: Channel, validated_data: dict[str, Any]) -> Channel:
        if "name" in validated_data:
            instance = services.channel_rename(
                channel=instance, name=validated_data["name"], actor=self.context["request"].user
            )
        if "reviewed" in validated_data:
            services.channel_review(channel=instance, reviewed=validated_data["reviewed"])
        return Channel.objects.select_related("entry").get(pk=instance.pk)


class ChannelMergeSerializer(serializers.Serializer):
    into = IdField(queryset=Channel.objects.none(), help_text="The channel that stays.")


class ChannelFileUnderSerializer(serializers.Serializer):
    into = IdField(
        queryset=Channel.objects.none(), required=False, help_text="An existing channel."
    )
    name = serializers.CharField(
        max_length=NAME_MAX,
        required=False,
        help_text="A channel's name or alias (merges there) or a new name (renames).",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("into" in attrs) == ("name" in attrs):
            raise serializers.ValidationError(
                {"into": [_("Give either an existing channel (into) or a name.")]}
            )
        return attrs


class ChannelFiledSerializer(serializers.Serializer):
    channel = ChannelReviewSerializer(help_text="The channel that holds the raw name now.")
    merged = serializers.BooleanField(help_text="true: merged into an existing channel.")


def reviewed_param(request: Request) -> bool | None:
    raw = request.query_params.get("reviewed")
    if raw in (None, ""):
        return None
    if raw not in ("true", "false"):
        raise exceptions.ValidationError({"reviewed": [_("Expected true or false.")]})
    return raw == "true"


@extend_schema(
    parameters=[
        OpenApiParameter("workspace", ID_SCHEMA, description="Only this workspace's channels."),
        OpenApiParameter(
            "reviewed", OpenApiTypes.BOOL, description="false: only those still to review."
        ),
    ]
)
class ChannelReviewViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    ScopedGenericViewSet,
):
    """The channels as the contact data knows them: raw names imports brought (unreviewed,
    listed first) and the aliases each channel files. Facilitators rename, keep, file a raw
    name under a channel or merge two; the mapping holds for the next imports."""

    queryset = Channel.objects.select_related("entry")
    serializer_class = ChannelReviewSerializer
    filters = {"workspace": "workspace_id"}
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet:
        queryset = super().get_queryset()
        if self.action == "list":
            reviewed = reviewed_param(self.request)
            if reviewed is not None:
                unreviewed = Q(entry__reviewed=False)
                queryset = queryset.exclude(unreviewed) if reviewed else queryset.filter(unreviewed)
            queryset = queryset.order_by(Coalesce("entry__reviewed", Value(True)), "name", "id")
        return queryset

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        counts = services.channel_contact_counts([channel.pk for channel in page])
        context = {**self.get_serializer_context(), "counts": counts}
        serializer = ChannelReviewSerializer(page, many=True, context=context)
        return self.get_paginated_response(serializer.data)

    def scoped(self, payload: serializers.Serializer, channel: Channel) -> serializers.Serializer:
        payload.fields["into"].queryset = Channel.objects.filter(workspace_id=channel.workspace_id)
        payload.is_valid(raise_exception=True)
        return payload

    @extend_schema(
        request=ChannelMergeSerializer,
        responses={200: ChannelReviewSerializer},
        description="Move this channel's contacts, protocols, personas' preferred channels "
        "and blueprint steps to `into`, then delete it. Its name and aliases become aliases "
        "of `into`, so later imports file them there. Also at "
        "`POST /api/v1/channels/{id}/merge/`.",
    )
    @action(detail=True, methods=["post"])
    def merge(self, request: Request, pk: str | None = None) -> Response:
        source = self.get_object()
        self.check_write(source, "delete")
        into = self.scoped(ChannelMergeSerializer(data=request.data), source).validated_data["into"]
        self.check_write(into, "update")
        into = services.channel_merge(source=source, into=into, actor=request.user)
        return Response(self.get_serializer(Channel.objects.get(pk=into.pk)).data)

    @extend_schema(
        request=ChannelFileUnderSerializer,
        responses={200: ChannelFiledSerializer},
        description="File this channel (a raw name an import brought) under an existing "
        "channel (`into`, or `name` when it is a channel's name or alias: merges) or under a "
        "new name (`name`: renames it). Remembered for the next imports.",
    )
    @action(detail=True, methods=["post"], url_path="file-under")
    def file_under(self, request: Request, pk: str | None = None) -> Response:
        channel = self.get_object()
        data = self.scoped(ChannelFileUnderSerializer(data=request.data), channel).validated_data
        if data.get("into") is not None:
            self.check_write(data["into"], "update")
        holder, merged = services.channel_file_under(
            channel=channel, into=data.get("into"), name=data.get("name", ""), actor=request.user
        )
        holder = Channel.objects.select_related("entry").get(pk=holder.pk)
        return Response({"channel": self.get_serializer(holder).data, "merged": merged})


# --- segmentation --------------------------------------------------------------------------


class SegmentSerializer(serializers.ModelSerializer):
    personas = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    over_indexing = serializers.JSONField(
        read_only=True,
        help_text="category, subcategory, channel → values whose share of the segment's "
        "contacts is ≥ 120 % of their share of all contacts: label, share, population_share, "
        "index.",
    )
    breakdown = serializers.JSONField(
        read_only=True,
        help_text="category, subcategory, channel (contacts) and gender, age_band, residence, "
        'birthplace (customers) → label, share, population_share; label "" is the rest.',
    )
    bias = serializers.JSONField(
        read_only=True,
        help_text="Per demographic: total variation distance from the population; flagged "
        "when ≥ 0.2.",
    )

    class Meta:
        model = Segment
        fields = [
            "id", "number", "customers", "share", "small", "contacts", "contacts_per_customer",
            "over_indexing", "breakdown", "bias", "personas",
        ]  # fmt: skip
        read_only_fields = fields


class SegmentationSerializer(ScopedSerializer):
    k = serializers.IntegerField(
        source="requested_k",
        required=False,
        allow_null=True,
        min_value=K_MIN,
        max_value=K_MAX,
        help_text="A fixed number of segments; empty: chosen in 3–12 by stability and silhouette.",
    )
    seed = serializers.IntegerField(
        required=False, min_value=0, max_value=2**31 - 1, help_text="Random seed (stored)."
    )
    use_demographics = serializers.BooleanField(
        required=False,
        help_text="Let gender and age form the segments too (by default they only describe).",
    )
    imports = serializers.PrimaryKeyRelatedField(
        many=True,
        required=False,
        write_only=True,
        queryset=ContactImport.objects.all(),
        help_text="Only these (finished) imports' contacts; empty: every import.",
    )
    date_from = serializers.DateField(required=False, write_only=True)
    date_to = serializers.DateField(required=False, write_only=True)
    channels = serializers.PrimaryKeyRelatedField(
        many=True,
        required=False,
        write_only=True,
        queryset=Channel.objects.all(),
        help_text="Only contacts on these channels.",
    )
    exclude_demo = serializers.BooleanField(
        required=False, write_only=True, help_text="Leave out contacts no import brought."
    )
    scope = serializers.JSONField(
        read_only=True,
        help_text="What the run covers: imports, date_from, date_to, channels, "
        "exclude_demo (absent: all).",
    )
    stale = serializers.BooleanField(
        read_only=True, help_text="An import it covered was deleted since."
    )
    chosen_k = serializers.IntegerField(source="k", read_only=True, allow_null=True)
    params = serializers.JSONField(read_only=True)
    metrics = serializers.JSONField(read_only=True)
    candidates = serializers.JSONField(
        read_only=True, help_text="Per k tried: stability (mean ARI) and silhouette."
    )
    population = serializers.JSONField(read_only=True)
    segments = SegmentSerializer(many=True, read_only=True)

    class Meta:
        model = Segmentation
        fields = [
            "id", "workspace", "contact_import", "k", "seed", "use_demographics", "imports",
            "date_from", "date_to", "channels", "exclude_demo", "scope", "stale", "status",
            "progress", "error", "chosen_k", "params", "metrics", "candidates", "population",
            "segments", "created_at", "started_at", "finished_at",
        ]  # fmt: skip
        read_only_fields = [
            "status", "progress", "error", "created_at", "started_at", "finished_at",
        ]  # fmt: skip

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        contact_import = attrs.get("contact_import")
        if contact_import is not None and contact_import.workspace_id != attrs["workspace"].pk:
            raise serializers.ValidationError({"contact_import": [NOT_IN_WORKSPACE]})
        return attrs


class SegmentationViewSet(ScopedViewSet):
    """Segmentation runs: customers grouped by their mix of contact reasons and channels."""

    queryset = Segmentation.objects.all()
    serializer_class = SegmentationSerializer
    filters = {"workspace": "workspace_id"}
    http_method_names = ["get", "post", "delete", "head", "options"]

    def base_queryset(self) -> Any:
        runs.segmentations_reap()  # a dead worker's run shows failed, never running
        return self.queryset.defer("assignments").prefetch_related("segments__personas")

    @extend_schema(
        responses={202: SegmentationSerializer},
        description="Start a segmentation in the background; `GET` it to follow `status` and "
        "`progress`. Personas are drafted from its segments (or matched to existing ones).",
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        self.check_write(Segmentation(workspace=data["workspace"]), "create")
        scope = services.segmentation_scope(
            workspace=data["workspace"],
            imports=data.get("imports", []),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            channels=data.get("channels", []),
            exclude_demo=data.get("exclude_demo", False),
            contact_import=data.get("contact_import"),
        )
        run = runs.segmentation_start(
            workspace=data["workspace"],
            user=request.user,
            contact_import=data.get("contact_import"),
            k=data.get("requested_k"),
            use_demographics=data.get("use_demographics", False),
            seed=data.get("seed"),
            scope=scope,
        )
        run = self.base_queryset().get(pk=run.pk)
        return Response(self.get_serializer(run).data, status=status.HTTP_202_ACCEPTED)

    def perform_destroy(self, instance: Segmentation) -> None:
        services.segmentation_delete(run=instance)


class AssignmentsView(views.APIView):
    renderer_classes = [JSONRenderer]
    content_negotiation_class = ErrorsAsJson

    @extend_schema(
        operation_id="v1_segmentations_assignments",
        summary="Each customer's segment, as CSV",
        description="`customer_id,segment`; the segment is empty for customers without any "
        "contact reason or channel. Answers 409 until the segmentation is done.",
        parameters=[
            OpenApiParameter("id", ID_SCHEMA, OpenApiParameter.PATH, description="The run.")
        ],
        responses={
            (200, "text/csv"): OpenApiTypes.STR,
            404: OpenApiResponse(ErrorSerializer, description="No such segmentation."),
            409: OpenApiResponse(ErrorSerializer, description="Not done yet."),
        },
    )
    def get(self, request: Request, pk: str) -> StreamingHttpResponse:
        run = Segmentation.objects.filter(pk=int(pk)).first()
        if run is None or not access.can_read(request.user, run):
            raise exceptions.NotFound()
        if run.status != ImportStatus.DONE:
            raise errors.Conflict(SEGMENTATION_NOT_DONE)
        response = StreamingHttpResponse(
            services.assignments_csv_chunks(run), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="segmentation-{run.pk}-assignments.csv"'
        )
        return response


# --- personas ------------------------------------------------------------------------------


class PictureField(serializers.FileField):
    def to_internal_value(self, data: Any) -> Any:
        file = super().to_internal_value(data)
        if file.size > PICTURE_MAX_BYTES:
            raise serializers.ValidationError(PICTURE_TOO_BIG)
        head = file.read(16)
        file.seek(0)
        if not any(head.startswith(magic) for magic in PICTURE_MAGIC) and not (
            head[:4] == b"RIFF" and head[8:12] == b"WEBP"
        ):
            raise serializers.ValidationError(NOT_A_PICTURE)
        return file

    def to_representation(self, value: Any) -> str | None:
        if not value:
            return None
        url = reverse("persona-picture", args=[value.instance.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url


class PersonaSerializer(ScopedSerializer):
    fixed = ("workspace",)
    version = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    picture = PictureField(
        required=False,
        allow_null=True,
        help_text="PNG, JPEG, GIF or WebP up to 2 MB (multipart); answered as its URL.",
    )
    initials = serializers.CharField(read_only=True, help_text="For the avatar.")
    needs = serializers.ListField(
        child=serializers.CharField(max_length=300), max_length=20, required=False
    )
    habits = serializers.ListField(
        child=serializers.CharField(max_length=300), max_length=20, required=False
    )
    desires = serializers.ListField(
        child=serializers.CharField(max_length=300), max_length=20, required=False
    )
    frustrations = serializers.ListField(
        child=serializers.CharField(max_length=300), max_length=20, required=False
    )
    evidence = serializers.JSONField(
        read_only=True, help_text="The segment's evidence when the persona was last matched."
    )
    evidence_by_attribute = serializers.SerializerMethodField(
        help_text="Profile attribute → `summary` and the `rows` of evidence behind it."
    )
    edited_fields = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Drafted fields a person changed: a re-run keeps them.",
    )
    protocols = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Persona
        fields = [
            "id", "workspace", "segment", "matched", "archived", "name", "initials", "picture",
            "quote", "gender", "age", "residence", "birthplace", "needs", "habits", "desires",
            "frustrations", "preferred_channels", "blueprints", "steps", "evidence",
            "evidence_by_attribute", "edited_fields", "protocols", "version", "created_at",
            "updated_at",
        ]  # fmt: skip
        read_only_fields = ["segment", "matched", "created_at", "updated_at"]

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_evidence_by_attribute(self, persona: Persona) -> dict[str, Any]:
        return evidence.by_attribute(persona.evidence)

    def create(self, validated_data: dict[str, Any]) -> Persona:
        validated_data.pop("version", None)
        workspace = validated_data.pop("workspace")
        return services.persona_create(workspace=workspace, changes=validated_data)

    def update(self, instance: Persona, validated_data: dict[str, Any]) -> Persona:
        expected = validated_data.pop("version", None)
        picture = validated_data.pop("picture", ...)
        persona = services.persona_update(
            persona=instance, changes=validated_data, version=expected
        )
        if picture is not ...:
            services.persona_set_picture(persona=persona, picture=picture)
        return persona


class PersonaViewSet(ScopedViewSet):
    """Personas: drafted from segments with their evidence, refined by the facilitator."""

    queryset = Persona.objects.all()
    serializer_class = PersonaSerializer
    filters = {"workspace": "workspace_id", "blueprint": "blueprints", "step": "steps"}
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def base_queryset(self) -> Any:
        return self.queryset.prefetch_related(
            "preferred_channels", "blueprints", "steps", "protocols"
        )

    def get_queryset(self) -> Any:
        return super().get_queryset().distinct()

    def perform_destroy(self, instance: Persona) -> None:
        services.persona_delete(persona=instance)


class ProtocolSerializer(ScopedSerializer):
    fixed = ("persona",)
    version = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    tone = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True)
    script = serializers.CharField(max_length=SCRIPT_MAX, required=False, allow_blank=True)
    target_response_minutes = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=60 * 24 * 365
    )

    class Meta:
        model = ServiceProtocol
        fields = [
            "id", "workspace", "persona", "contact_reason", "channel", "tone",
            "preferred_channel", "target_response_minutes", "script", "version",
        ]  # fmt: skip
        read_only_fields = ["workspace"]
        validators: list = []  # services.protocol_check, with messages people understand

    def create(self, validated_data: dict[str, Any]) -> ServiceProtocol:
        persona = validated_data.pop("persona")
        return services.protocol_create(persona=persona, changes=validated_data)

    def update(self, instance: ServiceProtocol, validated_data: dict[str, Any]) -> Any:
        expected = validated_data.pop("version", None)
        return services.protocol_update(protocol=instance, changes=validated_data, version=expected)


class ProtocolViewSet(ScopedViewSet):
    """Service protocols: how to serve a persona for a contact reason or on a channel."""

    queryset = ServiceProtocol.objects.all()
    serializer_class = ProtocolSerializer
    filters = {"workspace": "workspace_id", "persona": "persona_id"}
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def perform_create(self, serializer: serializers.ModelSerializer) -> None:
        persona = serializer.validated_data["persona"]
        self.check_write(ServiceProtocol(workspace_id=persona.workspace_id), "create")
        serializer.save()

    def perform_destroy(self, instance: ServiceProtocol) -> None:
        services.protocol_delete(protocol=instance)


class ImportErrorsView(views.APIView):
    renderer_classes = [JSONRenderer]
    content_negotiation_class = ErrorsAsJson

    @extend_schema(
        operation_id="v1_contact_imports_errors",
        summary="Every row an import rejected, as CSV",
        description="`line,problem,row`: each rejected row with its line in the file, why (in "
        "the reader's language) and its content.",
        parameters=[
            OpenApiParameter("id", ID_SCHEMA, OpenApiParameter.PATH, description="The import.")
        ],
        responses={
            (200, "text/csv"): OpenApiTypes.STR,
            404: OpenApiResponse(ErrorSerializer, description="No such import."),
        },
    )
    def get(self, request: Request, pk: str) -> StreamingHttpResponse:
        contact_import = ContactImport.objects.filter(pk=int(pk)).first()
        if contact_import is None or not access.can_read(request.user, contact_import):
            raise errors.NotFound()
        return import_errors_response(contact_import)


def import_errors_response(contact_import: ContactImport) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        (piece.encode("utf-8") for piece in services.import_errors_csv(contact_import)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="import-{contact_import.pk}-errors.csv"'
    )
    return response


urlpatterns += [
    re_path(
        rf"^channels/(?P<pk>{ID_PATTERN})/merge/$",
        ChannelReviewViewSet.as_view({"post": "merge"}),
        name="channel-merge",
    ),
    re_path(
        rf"^contact-imports/(?P<pk>{ID_PATTERN})/errors\.csv$",
        ImportErrorsView.as_view(),
        name="contact-import-errors",
    ),
    re_path(
        rf"^segmentations/(?P<pk>{ID_PATTERN})/assignments\.csv$",
        AssignmentsView.as_view(),
        name="segmentation-assignments",
    ),
]
