"""Blueprint drawings over HTTP: the diagram and the role interdependencies.

- `GET /api/v1/blueprints/{id}/diagram.{svg,png,pdf,dot}` — the blueprint drawn by Graphviz;
- `GET /api/v1/blueprints/{id}/interdependencies.{json,csv,svg,png}` — the actor × actor
  matrix of links (JSON, CSV) and the same as a network (SVG, PNG).

Every member of the workspace may read them (outsiders get 404, anonymous callers 401).
`?lang=` picks the language of band, line and legend labels (default: the request's);
`?download=1` asks the browser to save the file. Answers carry an ETag (the content hash), so
a client that sends it back in `If-None-Match` gets 304 while the blueprint is unchanged.
"""

from typing import Any

from django.http import HttpResponse
from django.urls import re_path, reverse
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from blueprints import interdependencies, layout, render
from blueprints.models import Blueprint
from frontstage.api import ID_PATTERN, MAX_ID
from frontstage.schema import ErrorSerializer

CANNOT_DRAW = _("The drawing could not be made: {reason}")
LANGUAGES = ["en", "es", "it", "pt-br"]

BLUEPRINT_ID = OpenApiParameter(
    "id",
    {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    OpenApiParameter.PATH,
    description="The blueprint.",
)
LANG = OpenApiParameter(
    "lang",
    str,
    OpenApiParameter.QUERY,
    enum=LANGUAGES,
    description="Language of the band, line and legend labels; default: the request's "
    "language (`Accept-Language`). Lane names use their translation when there is one.",
)
DOWNLOAD = OpenApiParameter(
    "download",
    bool,
    OpenApiParameter.QUERY,
    description="Answer as an attachment, so that browsers save the file.",
)
NOT_MODIFIED = OpenApiResponse(description="Unchanged since the ETag sent in `If-None-Match`.")
UNAVAILABLE = OpenApiResponse(
    ErrorSerializer, description="Graphviz is missing, failed or took too long."
)


class RenderingUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = _("The drawing could not be made.")
    default_code = "rendering_unavailable"


class ErrorsAsJson(BaseContentNegotiation):
    """Drawings are answered as they are; errors always in JSON, whatever `Accept` says.

    DRF's own negotiation would answer 406 to `Accept: image/png`, which a client of these
    endpoints may well send.
    """

    def select_parser(self, request: Request, parsers: list) -> Any:
        return parsers[0] if parsers else None

    def select_renderer(
        self, request: Request, renderers: list[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        return renderers[0], renderers[0].media_type


def readable_blueprint(request: Request, raw_id: str) -> Blueprint:
    """The blueprint in the URL if the user may read it; 404 otherwise, like any object."""
    return Blueprint.objects.select_related("team").visible_one(request.user, int(raw_id))


def requested_language(request: Request) -> str:
    wanted = request.query_params.get("lang", "")
    return layout.language_of(wanted if wanted else get_language())


def wants_download(request: Request) -> bool:
    return request.query_params.get("download", "").lower() in {"1", "true", "yes", "on"}


def file_name(blueprint: Blueprint, suffix: str) -> str:
    return f"{slugify(blueprint.display_title)[:80] or 'blueprint'}-{blueprint.pk}{suffix}"


def file_response(
    request: Request, content: bytes, content_type: str, etag: str, filename: str
) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["ETag"] = f'"{etag}"'
    # Private (readers must be members) and revalidated each time: the blueprint may change.
    response["Cache-Control"] = "private, no-cache"
    response["Content-Disposition"] = content_disposition_header(wants_download(request), filename)
    if content_type.startswith("image/svg"):
        # Opened on its own, an SVG is a document: let it run nothing and load nothing.
        response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


def not_modified(request: Request, etag: str) -> HttpResponse | None:
    sent = request.headers.get("If-None-Match", "")
    if f'"{etag}"' in sent or sent.strip() == "*":
        response = HttpResponse(status=status.HTTP_304_NOT_MODIFIED)
        response["ETag"] = f'"{etag}"'
        return response
    return None


def drawing_response(request: Request, dot_source: str, fmt: str, filename: str) -> HttpResponse:
    """DOT source drawn as `fmt` (from the render cache when it was drawn before)."""
    try:
        etag = render.content_hash(dot_source, fmt)
        unchanged = not_modified(request, etag)
        if unchanged is not None:
            return unchanged
        content = render.render(dot_source, fmt)
    except render.RenderError as error:
        raise RenderingUnavailable(CANNOT_DRAW.format(reason=error)) from error
    return file_response(request, content, render.CONTENT_TYPES[fmt], etag, filename)


class DrawingView(APIView):
    renderer_classes = [JSONRenderer]
    content_negotiation_class = ErrorsAsJson


class DiagramView(DrawingView):
    @extend_schema(
        operation_id="v1_blueprints_diagram",
        summary="The blueprint drawn as a service-blueprint diagram",
        description="Bands top to bottom, phases as columns, the lines of interaction, "
        "visibility and internal interaction, steps as cards and links as arrows. `dot` is "
        "the Graphviz source of the drawing.",
        parameters=[
            BLUEPRINT_ID,
            OpenApiParameter("fmt", str, OpenApiParameter.PATH, enum=["svg", "png", "pdf", "dot"]),
            LANG,
            DOWNLOAD,
        ],
        responses={
            (200, "image/svg+xml"): OpenApiTypes.BINARY,
            (200, "image/png"): OpenApiTypes.BINARY,
            (200, "application/pdf"): OpenApiTypes.BINARY,
            (200, "text/vnd.graphviz"): OpenApiTypes.STR,
            304: NOT_MODIFIED,
            503: UNAVAILABLE,
        },
    )
    def get(self, request: Request, id: str, fmt: str) -> HttpResponse:
        blueprint = readable_blueprint(request, id)
        page = request.build_absolute_uri(reverse("blueprint", args=[blueprint.pk]))
        language = requested_language(request)
        data = render.blueprint_data(blueprint, url=page, language=layout.language_of(language))
        if fmt == "dot":
            source = layout.blueprint_dot(data, language)
            return drawing_response(request, source, fmt, file_name(blueprint, f".{fmt}"))
        # Keyed by the data: an unchanged drawing is answered without building its DOT.
        try:
            etag = render.drawing_key(data, language, fmt)
            unchanged = not_modified(request, etag)
            if unchanged is not None:
                return unchanged
            content = render.drawing(data, language, fmt, etag)
        except render.RenderError as error:
            raise RenderingUnavailable(CANNOT_DRAW.format(reason=error)) from error
        return file_response(
            request, content, render.CONTENT_TYPES[fmt], etag, file_name(blueprint, f".{fmt}")
        )


class InterdependencyMatrixSerializer(serializers.Serializer):
    actors = serializers.ListField(
        child=serializers.CharField(), help_text="Actors in blueprint order (rows and columns)."
    )
    kinds = serializers.ListField(child=serializers.CharField(), help_text="Link kinds.")
    counts = serializers.DictField(
        child=serializers.ListField(child=serializers.ListField(child=serializers.IntegerField())),
        help_text="Kind → matrix: `counts[kind][i][j]` links from a step of actor i to a step "
        "of actor j.",
    )
    total = serializers.ListField(
        child=serializers.ListField(child=serializers.IntegerField()),
        help_text="All kinds together.",
    )
    unassigned_links = serializers.IntegerField(
        help_text="Links with a step that has no actor (neither its own nor its lane's)."
    )


class InterdependenciesView(DrawingView):
    @extend_schema(
        operation_id="v1_blueprints_interdependencies",
        summary="Role interdependencies: links between the steps of each pair of actors",
        description="A step's actor is its own, or its lane's. JSON: the actor × actor "
        "matrix by link kind. CSV: one row per (source, target) pair with links. SVG and PNG: "
        "the actors as a network, one arrow per kind labelled with its count.",
        parameters=[
            BLUEPRINT_ID,
            OpenApiParameter("fmt", str, OpenApiParameter.PATH, enum=["json", "csv", "svg", "png"]),
            LANG,
            DOWNLOAD,
        ],
        responses={
            (200, "application/json"): InterdependencyMatrixSerializer,
            (200, "text/csv"): OpenApiTypes.STR,
            (200, "image/svg+xml"): OpenApiTypes.BINARY,
            (200, "image/png"): OpenApiTypes.BINARY,
            304: NOT_MODIFIED,
            503: UNAVAILABLE,
        },
    )
    def get(self, request: Request, id: str, fmt: str) -> HttpResponse:
        blueprint = readable_blueprint(request, id)
        result = interdependencies.interdependencies(render.blueprint_data(blueprint))
        filename = file_name(blueprint, f"-interdependencies.{fmt}")
        if fmt == "json":
            return Response(interdependencies.as_json(result))
        if fmt == "csv":
            # With a byte-order mark, spreadsheets read the accents of actor names right.
            content = interdependencies.as_csv(result).encode("utf-8-sig")
            etag = render.content_hash(content.decode("utf-8"), "csv")
            unchanged = not_modified(request, etag)
            if unchanged is not None:
                return unchanged
            return file_response(request, content, "text/csv; charset=utf-8", etag, filename)
        language = requested_language(request)
        title = blueprint.title_in(layout.language_of(language))
        source = interdependencies.network_dot(result, title, language)
        return drawing_response(request, source, fmt, filename)


_BLUEPRINT = rf"^blueprints/(?P<id>{ID_PATTERN})"

urlpatterns = [
    re_path(
        rf"{_BLUEPRINT}/diagram\.(?P<fmt>svg|png|pdf|dot)$",
        DiagramView.as_view(),
        name="blueprint-diagram",
    ),
    re_path(
        rf"{_BLUEPRINT}/interdependencies\.(?P<fmt>json|csv|svg|png)$",
        InterdependenciesView.as_view(),
        name="blueprint-interdependencies",
    ),
]
