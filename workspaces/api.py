from typing import Any

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from frontstage import errors
from frontstage.schema import ErrorSerializer
from workspaces import access, services
from workspaces.models import Invitation, Membership, Role, Team, Workspace
from workspaces.scoping import ScopedSerializer, ScopedViewSet


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
    workspace = serializers.IntegerField(read_only=True)
    user = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    role = serializers.ChoiceField(choices=Role.choices, read_only=True)


class InvitationSerializer(serializers.ModelSerializer):
    """An invitation as the facilitators see it; `link` is the page the invitee accepts on."""

    invitee = serializers.CharField(
        max_length=254, help_text="The username or e-mail address of the person invited."
    )
    role = serializers.ChoiceField(choices=Role.choices)
    link = serializers.SerializerMethodField()

    class Meta:
        model = Invitation
        fields = ["id", "invitee", "role", "link", "created_at"]
        read_only_fields = ["id", "created_at"]

    def get_link(self, invitation: Invitation) -> str:
        return invitation_link(self.context["request"], invitation)


class ReceivedInvitationSerializer(serializers.ModelSerializer):
    """An invitation as the person it names sees it."""

    workspace_name = serializers.CharField(source="workspace.name", read_only=True)
    invited_by = serializers.SerializerMethodField()
    link = serializers.SerializerMethodField()

    class Meta:
        model = Invitation
        fields = ["token", "workspace", "workspace_name", "role", "invited_by", "link"]
        read_only_fields = fields

    def get_invited_by(self, invitation: Invitation) -> str:
        by = invitation.invited_by
        return (by.get_full_name() or by.username) if by is not None else ""

    def get_link(self, invitation: Invitation) -> str:
        return invitation_link(self.context["request"], invitation)


def invitation_link(request: Request, invitation: Invitation) -> str:
    return request.build_absolute_uri(reverse("invitation", args=[invitation.token]))


def members_of(workspace: Workspace) -> list[dict[str, Any]]:
    rows = workspace.memberships.select_related("user").order_by("user__username")
    return [member_data(m) for m in rows]


def member_data(membership: Membership) -> dict[str, Any]:
    user = membership.user
    return {
        "user": user.pk,
        "username": user.username,
        "name": user.get_full_name() or user.username,
        "role": membership.role,
        "workspace": membership.workspace_id,
    }


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
        methods=["POST"], request=InvitationSerializer, responses={201: InvitationSerializer}
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def members(self, request: Request, pk: str) -> Response:
        """List the members. Facilitators invite someone by username or e-mail address: the
        answer is the invitation, the same whether anyone has that name or not; the person
        becomes a member when they accept it."""
        workspace = self.get_object()
        if request.method == "GET":
            return Response(members_of(workspace))
        incoming = InvitationSerializer(data=request.data, context={"request": request})
        incoming.is_valid(raise_exception=True)
        invitation = services.invitation_create(
            workspace=workspace, by=request.user, **incoming.validated_data
        )
        answer = InvitationSerializer(invitation, context={"request": request})
        return Response(answer.data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: InvitationSerializer(many=True), 403: ErrorSerializer})
    @action(detail=True, methods=["get"], pagination_class=None)
    def invitations(self, request: Request, pk: str) -> Response:
        """The invitations waiting for an answer (facilitators; `POST …/members/` makes one)."""
        workspace = self.get_object()
        if not access.can_manage(request.user, workspace.pk):
            raise errors.Forbidden(services.ONLY_FACILITATORS_INVITE)
        waiting = workspace.invitations.all()
        return Response(InvitationSerializer(waiting, many=True, context={"request": request}).data)

    @extend_schema(request=None, responses={204: None})
    @action(
        detail=True,
        methods=["delete"],
        url_path=r"invitations/(?P<invitation_id>[0-9]{1,18})",
        pagination_class=None,
    )
    def invitation(self, request: Request, pk: str, invitation_id: str) -> Response:
        """Withdraw an invitation (facilitators)."""
        services.invitation_revoke(
            workspace=self.get_object(), by=request.user, invitation_id=int(invitation_id)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationViewSet(viewsets.GenericViewSet):
    """The invitations naming the signed-in person (by username or e-mail address)."""

    serializer_class = ReceivedInvitationSerializer
    lookup_field = "token"
    lookup_value_regex = r"[A-Za-z0-9_-]{1,64}"
    pagination_class = None

    def get_queryset(self) -> models.QuerySet:
        return Invitation.objects.addressed_to(self.request.user).select_related(
            "workspace", "invited_by"
        )

    def list(self, request: Request) -> Response:
        return Response(self.get_serializer(self.get_queryset(), many=True).data)

    @extend_schema(request=None, responses={200: MemberSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, token: str) -> Response:
        """Accept: a member of the workspace, with the invited role, from now on."""
        membership = services.invitation_accept(user=request.user, token=token)
        return Response(member_data(membership))

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, token: str) -> Response:
        services.invitation_decline(user=request.user, token=token)
        return Response(status=status.HTTP_204_NO_CONTENT)


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
