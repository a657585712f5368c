"""The library of blueprint templates over HTTP (blueprints/library.py).

- `GET /api/v1/blueprint-templates/` (`?workspace=`) — the built-in templates and the saved
  ones of your workspaces; `GET …/{id}/` one with its document;
- `POST /api/v1/blueprint-templates/` — a facilitator keeps a blueprint as a template of its
  workspace; `DELETE …/{id}/` takes a saved one away;
- `POST /api/v1/blueprints/from-template/` — a new team blueprint from a template.
"""

from typing import Any

from django.urls import re_path, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from blueprints import layout, library
from blueprints.api import BlueprintSerializer
from blueprints.interchange_api import ImportTargetSerializer
from blueprints.models import Blueprint, BlueprintTemplate
from frontstage import errors
from frontstage.api import IdField, query_id
from frontstage.schema import ErrorSerializer
from workspaces import access
from workspaces.scoping import scope_related_fields

BUILT_IN_STAYS = _("The templates that come with Frontstage cannot be deleted.")
MAY_NOT_CREATE = _("You may not add blueprints to this team.")
KEY = {"type": "string", "maxLength": 40, "pattern": "^[a-z0-9-]+$"}


class TemplateSerializer(serializers.Serializer):
    id = serializers.CharField(
        source="key", help_text="`blank`, `consumer-complaint`, `hotel-stay` or `saved-…`"
    )
    name = serializers.CharField()
    description = serializers.CharField()
    source = serializers.ChoiceField(
        choices=["builtin", "workspace"], help_text="Comes with Frontstage, or saved."
    )
    workspace = serializers.IntegerField(allow_null=True, help_text="Of a saved template.")
    reference = serializers.CharField(help_text="Where a published example was published.")
    phases = serializers.SerializerMethodField()
    lanes = serializers.SerializerMethodField()
    steps = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.INT)
    def get_phases(self, template: library.Template) -> int:
        return len(template.document.get("phases", []))

    @extend_schema_field(OpenApiTypes.INT)
    def get_lanes(self, template: library.Template) -> int:
        return len(template.document.get("lanes", []))

    @extend_schema_field(OpenApiTypes.INT)
    def get_steps(self, template: library.Template) -> int:
        return len(template.document.get("steps", []))


class TemplateDetailSerializer(TemplateSerializer):
    document = serializers.JSONField(help_text="A `frontstage.blueprint` document.")


class TemplateListSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = TemplateSerializer(many=True)


class FilterErrorsSerializer(serializers.Serializer):
    workspace = serializers.ListField(child=serializers.CharField(), required=False)


class SaveSerializer(serializers.Serializer):
    blueprint = IdField(queryset=Blueprint.objects.all(), help_text="The blueprint to keep.")
    name = serializers.CharField(max_length=BlueprintTemplate._meta.get_field("name").max_length)
    description = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=BlueprintTemplate._meta.get_field("description").max_length,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scope_related_fields(self)


class FromTemplateSerializer(ImportTargetSerializer):
    template = serializers.CharField(max_length=40, help_text="A template's `id`.")


def language(request: Request) -> str:
    return layout.language_of(get_language())


class TemplatesView(APIView):
    @extend_schema(
        operation_id="v1_blueprint_templates_list",
        summary="The templates a new blueprint can start from",
        description="First the ones that come with Frontstage (a blank service blueprint, the "
        "demo's consumer-complaint flow, the overnight hotel stay of Bitner, Ostrom & Morgan "
        "2008), then the ones facilitators saved in your workspaces. Names and descriptions of "
        "the built-in ones are in the request's language. All on one page.",
        parameters=[
            OpenApiParameter(
                "workspace", int, OpenApiParameter.QUERY, description="Saved ones of this only."
            )
        ],
        responses={
            200: TemplateListSerializer,
            400: OpenApiResponse(FilterErrorsSerializer, description="`workspace` is no id."),
        },
    )
    def get(self, request: Request) -> Response:
        found = library.templates_for(
            request.user, language(request), query_id(request, "workspace")
        )
        results = TemplateSerializer(found, many=True).data
        return Response({"count": len(results), "next": None, "previous": None, "results": results})

    @extend_schema(
        operation_id="v1_blueprint_templates_create",
        summary="Keep a blueprint as a template of its workspace",
        description="Facilitators only. The template holds the blueprint as it is now.",
        request=SaveSerializer,
        responses={201: TemplateDetailSerializer},
    )
    def post(self, request: Request) -> Response:
        incoming = SaveSerializer(data=request.data, context={"request": request})
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        template = library.template_save(
            blueprint=data["blueprint"],
            name=data["name"],
            description=data.get("description", ""),
            actor=request.user,
        )
        answer = TemplateDetailSerializer(library.saved(template)).data
        return Response(answer, status=status.HTTP_201_CREATED)


class TemplateView(APIView):
    @extend_schema(
        operation_id="v1_blueprint_templates_retrieve",
        summary="A template, with its document",
        parameters=[OpenApiParameter("key", KEY, OpenApiParameter.PATH)],
        responses=TemplateDetailSerializer,
    )
    def get(self, request: Request, key: str) -> Response:
        template = library.template_get(key, request.user, language(request))
        return Response(TemplateDetailSerializer(template).data)

    @extend_schema(
        operation_id="v1_blueprint_templates_destroy",
        summary="Take a saved template out of the library",
        parameters=[OpenApiParameter("key", KEY, OpenApiParameter.PATH)],
        responses={204: None},
    )
    def delete(self, request: Request, key: str) -> Response:
        template = library.template_get(key, request.user, language(request))
        if template.source == "builtin":
            raise errors.Forbidden(BUILT_IN_STAYS)
        row = BlueprintTemplate.objects.get(pk=int(key.removeprefix(library.SAVED_PREFIX)))
        library.template_delete(template=row, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class FromTemplateView(APIView):
    @extend_schema(
        operation_id="v1_blueprints_from_template",
        summary="Make a new team blueprint from a template",
        description="Participants make them for their own teams, facilitators for any. "
        "Actors and channels of the template are matched by name in the workspace or created.",
        request=FromTemplateSerializer,
        responses={
            201: BlueprintSerializer,
            404: OpenApiResponse(ErrorSerializer, description="No such template for you."),
        },
    )
    def post(self, request: Request) -> Response:
        incoming = FromTemplateSerializer(data=request.data, context={"request": request})
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        unsaved = Blueprint(workspace=data["workspace"], team=data["team"], kind="team")
        if not access.can_write(request.user, unsaved, "create"):
            raise exceptions.PermissionDenied(MAY_NOT_CREATE)
        template = library.template_get(data["template"], request.user, language(request))
        if template.workspace not in (None, data["workspace"].pk):
            raise errors.NotFound(library.NO_SUCH_TEMPLATE.format(key=data["template"]))
        blueprint = library.blueprint_from_template(
            workspace=data["workspace"],
            team=data["team"],
            template=template,
            actor=request.user,
            title=data.get("title"),
        )
        answer = BlueprintSerializer(blueprint, context={"request": request}).data
        location = request.build_absolute_uri(reverse("blueprint-detail", args=[blueprint.pk]))
        return Response(answer, status=status.HTTP_201_CREATED, headers={"Location": location})


urlpatterns = [
    re_path(r"^blueprint-templates/$", TemplatesView.as_view(), name="blueprint-templates"),
    re_path(
        r"^blueprint-templates/(?P<key>[a-z0-9-]{1,40})/$",
        TemplateView.as_view(),
        name="blueprint-template",
    ),
    re_path(
        r"^blueprints/from-template/$", FromTemplateView.as_view(), name="blueprint-from-template"
    ),
]
