from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from workspaces import access, services
from workspaces.models import Membership, Role, Team, Workspace
from workspaces.scoping import ScopedSerializer, ScopedViewSet

User = get_user_model()


class WorkspaceSerializer(ScopedSerializer):
    role = serializers.SerializerMethodField()

    class Meta:
        model = Workspace
        fields = ["id", "name", "client", "description", "role", "created_at"]
        read_only_fields = ["created_at"]

    def get_role(self, workspace: Workspace) -> str | None:
        if hasattr(workspace, "user_role"):  # annotated by WorkspaceViewSet: no query per row
            return workspace.user_role
        return access.role_in(self.context["request"].user, workspace.pk)


class MemberSerializer(serializers.Serializer):
    user = serializers.IntegerField(read_only=True)
    username = serializers.CharField(max_length=150)
    name = serializers.CharField(read_only=True)
    role = serializers.ChoiceField(choices=Role.choices)


class WorkspaceViewSet(ScopedViewSet):
    queryset = Workspace.objects.all()
    serializer_class = WorkspaceSerializer

    def base_queryset(self) -> models.QuerySet:
        user = self.request.user
        if not user.is_authenticated:
            return Workspace.objects.all()
        return Workspace.objects.with_role(user)

    def perform_create(self, serializer: WorkspaceSerializer) -> None:
        serializer.instance = services.workspace_create(
            user=self.request.user, **serializer.validated_data
        )

    def check_object_permissions(self, request: Request, obj: Any) -> None:
        if request.method not in ("GET", "HEAD", "OPTIONS") and not access.can_manage(
            request.user, obj.pk
        ):
            raise exceptions.PermissionDenied(_("Only facilitators change a workspace."))

    @extend_schema(methods=["GET"], responses=MemberSerializer(many=True))
    @extend_schema(
        methods=["POST"], request=MemberSerializer, responses={201: MemberSerializer(many=True)}
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def members(self, request: Request, pk: str) -> Response:
        """List the members; facilitators add someone (by username) or change their role."""
        workspace = self.get_object()
        if request.method == "POST":
            if not access.can_manage(request.user, workspace.pk):
                raise exceptions.PermissionDenied(_("Only facilitators manage members."))
            incoming = MemberSerializer(data=request.data)
            incoming.is_valid(raise_exception=True)
            user = User.objects.filter(username=incoming.validated_data["username"]).first()
            if user is None:
                raise exceptions.ValidationError({"username": [_("No user with this username.")]})
            Membership.objects.update_or_create(
                workspace=workspace, user=user, defaults={"role": incoming.validated_data["role"]}
            )
        rows = workspace.memberships.select_related("user").order_by("user__username")
        data = [
            {
                "user": m.user_id,
                "username": m.user.username,
                "name": m.user.get_full_name() or m.user.username,
                "role": m.role,
            }
            for m in rows
        ]
        code = status.HTTP_201_CREATED if request.method == "POST" else status.HTTP_200_OK
        return Response(data, status=code)


class TeamSerializer(ScopedSerializer):
    fixed = ("workspace",)

    class Meta:
        model = Team
        fields = ["id", "workspace", "name", "members"]
        extra_kwargs = {"members": {"required": False}}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        workspace = attrs.get("workspace") or self.instance.workspace
        members = attrs.get("members", [])
        outsiders = [u.pk for u in members if not workspace.memberships.filter(user=u).exists()]
        if outsiders:
            raise serializers.ValidationError(
                {"members": [f"Not members of this workspace: {outsiders}."]}
            )
        name = attrs.get("name")
        if name is not None:
            clash = Team.objects.filter(workspace=workspace, name=name)
            if self.instance is not None:
                clash = clash.exclude(pk=self.instance.pk)
            if clash.exists():
                raise serializers.ValidationError({"name": [_("A team with this name exists.")]})
        return attrs


class TeamViewSet(ScopedViewSet):
    queryset = Team.objects.all()
    serializer_class = TeamSerializer
    filters = {"workspace": "workspace_id"}

    def base_queryset(self):  # type: ignore[no-untyped-def]
        return Team.objects.prefetch_related("members")
