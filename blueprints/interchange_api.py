"""Blueprints in and out of Frontstage over HTTP.

- `GET /api/v1/blueprints/{id}/export.json` — the lossless blueprint document
  (`blueprints.interchange`);
- `POST /api/v1/blueprints/import/` — a new team blueprint from such a document;
- `GET /api/v1/blueprints/{id}/diagram.bpmn` — BPMN 2.0 for process tools (`blueprints.bpmn`);
- `GET /api/v1/blueprints/{id}/journey.mmd` — the customer journey as Mermaid
  (`blueprints.mermaid`);
- `GET /api/v1/blueprints/{id}/steps.csv` — the steps as a spreadsheet, and `POST` a CSV or
  XLSX file there to add its steps (`blueprints.steps_csv`).

Reads follow the drawings' rules (`blueprints.diagram_api`): members and the blueprint's
guests read, outsiders get 404; `?download=1` saves the file; an ETag answers 304 while the
blueprint is unchanged.
"""

import json
from typing import Any

from django.http import HttpResponse
from django.urls import re_path, reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, parsers, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from blueprints import bpmn, interchange, layout, mermaid, render, steps_csv
from blueprints.api import BlueprintSerializer, ScopedInput
from blueprints.diagram_api import (
    BLUEPRINT_ID,
    DOWNLOAD,
    LANG,
    NOT_MODIFIED,
    DrawingView,
    file_name,
    file_response,
    not_modified,
    readable_blueprint,
    requested_language,
)
from blueprints.models import Blueprint, Step
from frontstage import tabular
from frontstage.api import ID_PATTERN, IdField
from workspaces import access
from workspaces.models import Team, Workspace

NOT_IN_WORKSPACE = _("Must belong to the workspace.")
NOT_A_MAPPING = _("Expected an object of field → column name.")
DELIMITERS = {"comma": ",", "semicolon": ";", "tab": "\t"}
MAY_NOT_IMPORT = _("You may not add blueprints to this team.")


def text_file_response(
    request: Request, content: bytes, content_type: str, filename: str
) -> HttpResponse:
    """A text export with an ETag of its content: 304 when the client has it already."""
    etag = render.content_hash(content.decode(), content_type)
    unchanged = not_modified(request, etag)
    if unchanged is not None:
        return unchanged
    return file_response(request, content, content_type, etag, filename)


class ExportView(DrawingView):
    @extend_schema(
        operation_id="v1_blueprints_export",
        summary="The blueprint as a lossless JSON document, to import elsewhere",
        description="Format `frontstage.blueprint`, version 1: `title`, `description`; "
        "`phases` left to right and `lanes` top to bottom, each with a `key`; `steps` with "
        "every field, naming their `lane` and `phase` by key, their `channel` and `actor` by "
        "name, listed in their order within each cell; `links` between step keys; the "
        "`actors` and `channels` used, with their description and kind. A global "
        "blueprint's steps also list their `sources` (the team steps they came from). "
        "`source` says which blueprint and which event (`seq`) the export reflects.",
        parameters=[BLUEPRINT_ID, LANG, DOWNLOAD],
        responses={(200, "application/json"): OpenApiTypes.OBJECT, 304: NOT_MODIFIED},
    )
    def get(self, request: Request, id: str) -> HttpResponse:
        blueprint = readable_blueprint(request, id)
        document = interchange.blueprint_document(blueprint, requested_language(request))
        content = interchange.document_json(document)
        return text_file_response(
            request, content, "application/json", file_name(blueprint, ".blueprint.json")
        )


def page_url(request: Request, blueprint: Blueprint) -> str:
    return request.build_absolute_uri(reverse("blueprint", args=[blueprint.pk]))


class BpmnView(DrawingView):
    @extend_schema(
        operation_id="v1_blueprints_bpmn",
        summary="The blueprint as BPMN 2.0, for process modelling tools",
        description="The customer is one pool, the organisation another with a lane per band "
        "(frontstage, backstage, support) holding the blueprint's lanes; each step is a task "
        "named by its title; links are sequence flows within a pool and message flows across "
        "them; physical evidence steps are data objects tied to their tasks. The diagram "
        "section (BPMNDI) lays it out like the blueprint. Band and pool names are in `lang`.",
        parameters=[BLUEPRINT_ID, LANG, DOWNLOAD],
        responses={(200, "application/xml"): OpenApiTypes.STR, 304: NOT_MODIFIED},
    )
    def get(self, request: Request, id: str) -> HttpResponse:
        blueprint = readable_blueprint(request, id)
        language = requested_language(request)
        data = render.blueprint_data(blueprint, language=layout.language_of(language))
        content = bpmn.blueprint_bpmn(data, language, identifier=page_url(request, blueprint))
        return text_file_response(
            request, content, bpmn.CONTENT_TYPE, file_name(blueprint, ".bpmn")
        )


class JourneyView(DrawingView):
    @extend_schema(
        operation_id="v1_blueprints_journey",
        summary="The customer journey as a Mermaid `journey` diagram",
        description="Sections are the phases; tasks are the customer band's steps, scored 1 "
        "(emotion −2) to 5 (emotion +2); a task's actors are its lane, in `lang`, and the "
        "step's own actor. `:`, `#`, `;` and line breaks in names become look-alike "
        "characters, so every name reads as text.",
        parameters=[BLUEPRINT_ID, LANG, DOWNLOAD],
        responses={(200, "text/vnd.mermaid"): OpenApiTypes.STR, 304: NOT_MODIFIED},
    )
    def get(self, request: Request, id: str) -> HttpResponse:
        blueprint = readable_blueprint(request, id)
        language = requested_language(request)
        data = render.blueprint_data(blueprint, language=layout.language_of(language))
        content = mermaid.journey(data, language).encode()
        return text_file_response(
            request, content, mermaid.CONTENT_TYPE, file_name(blueprint, "-journey.mmd")
        )


class StepsFileSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="A CSV (any of UTF-8, Windows-1252, Latin-1; comma, "
        "semicolon or tab) or an XLSX file, its first line naming the columns."
    )
    mapping = serializers.JSONField(
        required=False,
        help_text='Field → column name, e.g. `{"title": "Paso"}`; default: guessed from the '
        "column names (in English, Spanish, Italian or Portuguese). Fields: "
        + ", ".join(f"`{name}`" for name in steps_csv.FIELDS)
        + ". `phase`, `lane` and `title` are needed; `band` for a lane new to the blueprint.",
    )
    encoding = serializers.ChoiceField(
        choices=tabular.ENCODINGS, required=False, help_text="Default: detected."
    )
    delimiter = serializers.ChoiceField(
        choices=list(DELIMITERS), required=False, help_text="Default: detected."
    )
    dry_run = serializers.BooleanField(
        default=False, help_text="Check the file and say what it would add, writing nothing."
    )

    def validate_mapping(self, value: Any) -> dict[str, str]:
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            raise serializers.ValidationError(NOT_A_MAPPING)
        return value


class DetectedSerializer(serializers.Serializer):
    format = serializers.CharField(help_text="`csv` or `xlsx`.")
    encoding = serializers.CharField()
    delimiter = serializers.CharField()
    columns = serializers.ListField(child=serializers.CharField())
    preview = serializers.ListField(child=serializers.ListField(child=serializers.CharField()))


class StepsImportedSerializer(serializers.Serializer):
    detected = DetectedSerializer()
    mapping = serializers.DictField(child=serializers.CharField())
    dry_run = serializers.BooleanField()
    steps = serializers.IntegerField(help_text="Steps added (or that would be).")
    new_phases = serializers.ListField(child=serializers.CharField())
    new_lanes = serializers.ListField(child=serializers.CharField())
    new_actors = serializers.ListField(child=serializers.CharField())
    new_channels = serializers.ListField(child=serializers.CharField())


class StepsCsvView(DrawingView):
    parser_classes = [parsers.MultiPartParser]  # the first is the one ErrorsAsJson picks

    @extend_schema(
        operation_id="v1_blueprints_steps_csv",
        summary="The steps as a spreadsheet: one row per step",
        description="Columns: phase, band, lane, then every field of the step, headed and "
        "valued (kinds, bands, evidence, stages) in `lang`; rows in journey order. UTF-8 with "
        "a byte-order mark; commas in English, semicolons in the other languages (as Excel "
        "expects there) unless `delimiter` says otherwise. Cells that a spreadsheet would run "
        "as a formula start with `'`.",
        parameters=[
            BLUEPRINT_ID,
            LANG,
            DOWNLOAD,
            OpenApiParameter("delimiter", str, OpenApiParameter.QUERY, enum=list(DELIMITERS)),
        ],
        responses={(200, "text/csv"): OpenApiTypes.STR, 304: NOT_MODIFIED},
    )
    def get(self, request: Request, id: str) -> HttpResponse:
        blueprint = readable_blueprint(request, id)
        language = requested_language(request)
        delimiter = DELIMITERS.get(request.query_params.get("delimiter", ""))
        content = steps_csv.steps_csv(blueprint, language, delimiter)
        return text_file_response(
            request, content, "text/csv; charset=utf-8", file_name(blueprint, "-steps.csv")
        )

    @extend_schema(
        operation_id="v1_blueprints_steps_csv_import",
        summary="Add the steps of a CSV or XLSX file to the blueprint",
        description="The file is read like a contact import: format, encoding and delimiter "
        "detected, columns mapped by their names unless `mapping` says. Phases and lanes are "
        "matched by name (lanes also by their translated names) or created at the end; "
        "actors and channels matched by name or created. Every row is checked first: any "
        "problem answers 400 with `rows` (each `line` of the file and its `message`) or "
        "`file`, and nothing is written. A written file is one event, `steps.imported`.",
        request={"multipart/form-data": StepsFileSerializer},
        responses={201: StepsImportedSerializer, 200: StepsImportedSerializer},
    )
    def post(self, request: Request, id: str) -> Response:
        blueprint = readable_blueprint(request, id)
        if not access.can_write(request.user, Step(blueprint=blueprint), "create"):
            raise exceptions.PermissionDenied(access.write_refusal(request.user, blueprint))
        incoming = StepsFileSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        outcome = steps_csv.steps_import(
            blueprint=blueprint,
            stream=data["file"],
            actor=request.user,
            mapping=data.get("mapping"),
            encoding=data.get("encoding"),
            delimiter=DELIMITERS.get(data.get("delimiter", "")),
            dry_run=data["dry_run"],
        )
        answer = {
            "detected": vars(outcome.detected),
            "mapping": outcome.mapping,
            "dry_run": data["dry_run"],
            "steps": outcome.steps,
            "new_phases": outcome.new_phases,
            "new_lanes": outcome.new_lanes,
            "new_actors": outcome.new_actors,
            "new_channels": outcome.new_channels,
        }
        code = status.HTTP_200_OK if data["dry_run"] else status.HTTP_201_CREATED
        return Response(StepsImportedSerializer(answer).data, status=code)


class DocumentField(serializers.JSONField):
    """A blueprint document: the JSON object itself, or a JSON file in a multipart form."""

    default_error_messages = {
        "not_json": _("The file is not JSON in UTF-8: {reason}"),
        "too_large": _("The file is larger than {limit} MB."),
    }
    LIMIT_MB = 20

    def get_value(self, dictionary: Any) -> Any:
        uploaded = dictionary.get(self.field_name) if hasattr(dictionary, "getlist") else None
        return uploaded if hasattr(uploaded, "read") else super().get_value(dictionary)

    def to_internal_value(self, data: Any) -> Any:
        if hasattr(data, "read"):
            if getattr(data, "size", 0) > self.LIMIT_MB * 1024 * 1024:
                self.fail("too_large", limit=self.LIMIT_MB)
            try:
                return json.loads(data.read().decode("utf-8-sig"))
            except (UnicodeDecodeError, ValueError, RecursionError) as error:
                self.fail("not_json", reason=str(error)[:200])
        return super().to_internal_value(data)


class ImportTargetSerializer(ScopedInput):
    """Where a new blueprint goes: ids of other workspaces look like ids that do not exist."""

    workspace = IdField(queryset=Workspace.objects.all(), help_text="The workspace to import into.")
    team = IdField(queryset=Team.objects.all(), help_text="The team that will own the blueprint.")
    title = serializers.CharField(
        required=False,
        max_length=Blueprint._meta.get_field("title").max_length,
        help_text="A title for the new blueprint instead of the document's.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["team"].workspace_id != attrs["workspace"].pk:
            raise serializers.ValidationError({"team": [NOT_IN_WORKSPACE]})
        return attrs


class ImportSerializer(ImportTargetSerializer):
    document = DocumentField(
        help_text="A `frontstage.blueprint` document, as `export.json` gives it (or the file, "
        "in a multipart form)."
    )


class ImportView(APIView):
    @extend_schema(
        operation_id="v1_blueprints_import",
        summary="Make a new team blueprint from a blueprint document",
        description="Actors and channels are matched by name in the workspace (regardless "
        "of case) or created. A document with problems answers 400 listing each with its "
        'JSON path (e.g. `$.steps[3].lane: No lane has the key "l9".`), and nothing is '
        "written. Participants import into their own teams, facilitators into any.",
        request={
            "application/json": ImportSerializer,
            "multipart/form-data": ImportSerializer,
        },
        responses={201: BlueprintSerializer},
    )
    def post(self, request: Request) -> Response:
        incoming = ImportSerializer(data=request.data, context={"request": request})
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        unsaved = Blueprint(workspace=data["workspace"], team=data["team"], kind="team")
        if not access.can_write(request.user, unsaved, "create"):
            raise exceptions.PermissionDenied(MAY_NOT_IMPORT)
        blueprint = interchange.blueprint_import(
            workspace=data["workspace"],
            team=data["team"],
            document=data["document"],
            actor=request.user,
            title=data.get("title"),
        )
        answer = BlueprintSerializer(blueprint, context={"request": request}).data
        location = request.build_absolute_uri(reverse("blueprint-detail", args=[blueprint.pk]))
        return Response(answer, status=status.HTTP_201_CREATED, headers={"Location": location})


_BLUEPRINT = rf"^blueprints/(?P<id>{ID_PATTERN})"

urlpatterns = [
    re_path(rf"{_BLUEPRINT}/export\.json$", ExportView.as_view(), name="blueprint-export"),
    re_path(r"^blueprints/import/$", ImportView.as_view(), name="blueprint-import"),
    re_path(rf"{_BLUEPRINT}/diagram\.bpmn$", BpmnView.as_view(), name="blueprint-bpmn"),
    re_path(rf"{_BLUEPRINT}/journey\.mmd$", JourneyView.as_view(), name="blueprint-journey"),
    re_path(rf"{_BLUEPRINT}/steps\.csv$", StepsCsvView.as_view(), name="blueprint-steps-csv"),
]
