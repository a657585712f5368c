"""REST API of the personas app: the taxonomy, contact imports and contact counts.

Members read; facilitators write (`workshops.access.can_write`).

- `/api/v1/contact-reasons/` CRUD, `POST /api/v1/contact-reasons/{id}/merge/` {"into": id};
- `/api/v1/contact-imports/`: `POST` a file (multipart `workspace`, `file`) → what was
  detected and a suggested mapping; `PATCH` the mapping (or the encoding or delimiter);
  `POST …/{id}/start/` runs it in the background; `GET` shows its progress and errors;
- `GET /api/v1/workspaces/{id}/contact-stats/` counts by category, subcategory, channel, month.
"""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import re_path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status, views
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from frontstage.api import ID_PATTERN, MAX_ID, IdField, ScopedSerializer, ScopedViewSet, query_id
from frontstage.rest import Conflict
from personas import services, tabular
from personas.models import NAME_MAX, ContactImport, ContactReason, ReasonSource
from workshops.models import Workspace

ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
NOT_IN_WORKSPACE = "Must belong to the same workspace."
NOT_A_CATEGORY = "A subcategory's parent must be a category (a node without a parent)."
HAS_CHILDREN = "This category has subcategories; it cannot become a subcategory."
OWN_PARENT = "A node cannot be its own parent."
NAME_TAKEN = "There is already a node with this name here."
UNKNOWN_FIELD = "Unknown field “{name}”; expected one of: {fields}."
UNKNOWN_COLUMN = "The file has no column “{column}”."
COLUMN_TWICE = "The column “{column}” is mapped twice."
NOT_AN_OBJECT = "Expected an object of field → column."


def as_drf(error: DjangoValidationError) -> exceptions.ValidationError:
    if hasattr(error, "message_dict"):
        return exceptions.ValidationError(error.message_dict)
    return exceptions.ValidationError({"non_field_errors": error.messages})


# --- taxonomy ------------------------------------------------------------------------------


class ContactReasonSerializer(ScopedSerializer):
    scoped = {"workspace": "memberships", "parent": "workspace__memberships"}
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
        validators: list = []  # uniqueness by name among siblings is checked in validate()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        get = lambda name: attrs.get(name, getattr(self.instance, name, None))  # noqa: E731
        workspace, parent, name = get("workspace"), get("parent"), get("name")
        if parent is not None:
            if parent.workspace_id != workspace.pk:
                raise serializers.ValidationError({"parent": [NOT_IN_WORKSPACE]})
            if self.instance is not None and parent.pk == self.instance.pk:
                raise serializers.ValidationError({"parent": [OWN_PARENT]})
            if parent.parent_id is not None:
                raise serializers.ValidationError({"parent": [NOT_A_CATEGORY]})
            if self.instance is not None and self.instance.children.exists():
                raise serializers.ValidationError({"parent": [HAS_CHILDREN]})
        siblings = ContactReason.objects.filter(workspace=workspace, parent=parent)
        if self.instance is not None:
            siblings = siblings.exclude(pk=self.instance.pk)
        key = services.key_of(name)
        if any(services.key_of(other) == key for other in siblings.values_list("name", flat=True)):
            raise serializers.ValidationError({"name": [NAME_TAKEN]})
        return attrs

    def validate_name(self, value: str) -> str:
        return " ".join(value.split())


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
        try:
            services.contact_reason_delete(reason=instance)
        except services.StateConflict as conflict:
            raise Conflict(detail=str(conflict)) from conflict

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
        try:
            into = services.contact_reason_merge(source=source, into=payload.validated_data["into"])
        except DjangoValidationError as error:
            raise as_drf(error) from error
        return Response(ContactReasonSerializer(into, context=self.get_serializer_context()).data)


# --- imports -------------------------------------------------------------------------------


class ImportErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField(
        allow_null=True, help_text="The line in the file (the header is line 1); null: the run."
    )
    message = serializers.CharField()


class ContactImportSerializer(ScopedSerializer):
    scoped = {"workspace": "memberships"}
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
    errors = ImportErrorSerializer(
        many=True, read_only=True, help_text="Rows not imported (the first 1,000)."
    )

    class Meta:
        model = ContactImport
        fields = [
            "id", "workspace", "file_name", "format", "encoding", "delimiter", "columns",
            "preview", "mapping", "status", "progress", "rows_total", "rows_imported",
            "errors", "errors_total", "created_at", "started_at", "finished_at",
        ]  # fmt: skip
        read_only_fields = [
            "workspace", "file_name", "format", "status", "progress", "rows_total",
            "rows_imported", "errors_total", "created_at", "started_at", "finished_at",
        ]  # fmt: skip

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
        try:
            services.contact_import_update(contact_import=instance, changes=validated_data)
        except services.StateConflict as conflict:
            raise Conflict(detail=str(conflict)) from conflict
        except tabular.Unreadable as error:
            raise exceptions.ValidationError({"encoding": [str(error)]}) from error
        return instance


class ContactImportUploadSerializer(ScopedSerializer):
    scoped = {"workspace": "memberships"}
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
        try:
            detected = tabular.detect(file)
        except tabular.Unreadable as error:
            raise exceptions.ValidationError({"file": [str(error)]}) from error
        contact_import = services.contact_import_create(
            workspace=workspace, user=request.user, upload=file, detected=detected
        )
        data = self.get_serializer(contact_import).data
        return Response(data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: ContactImport) -> None:
        try:
            services.contact_import_delete(contact_import=instance)
        except services.StateConflict as conflict:
            raise Conflict(detail=str(conflict)) from conflict

    @extend_schema(
        request=None,
        responses={202: ContactImportSerializer},
        description="Run the import in the background; `GET` the import to follow `status`, "
        "`progress`, `rows_imported` and `errors`.",
    )
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk: str | None = None) -> Response:
        contact_import = self.get_object()
        try:
            services.contact_import_start(contact_import=contact_import)
        except services.StateConflict as conflict:
            raise Conflict(detail=str(conflict)) from conflict
        except DjangoValidationError as error:
            raise as_drf(error) from error
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
                raise exceptions.ValidationError({"import": ["No such import in this workspace."]})
        stats = services.contact_stats(workspace=workspace, contact_import=contact_import)
        return Response(ContactStatsSerializer(stats).data)


urlpatterns = [
    re_path(
        rf"^workspaces/(?P<pk>{ID_PATTERN})/contact-stats/$",
        ContactStatsView.as_view(),
        name="contact-stats",
    ),
]
