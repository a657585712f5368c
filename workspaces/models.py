"""Workspaces, their members' roles and their teams: the ground every other app stands on.

The tables keep the names they had when these models lived in `workshops` (the move was a
state-only migration, see migrations/0001_initial.py).
"""

import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from frontstage import errors


class Role(models.TextChoices):
    FACILITATOR = "facilitator", _("Facilitator")
    PARTICIPANT = "participant", _("Participant")
    MANAGER = "manager", _("Manager")


def workspace_path(model: type[models.Model]) -> str | None:
    """The path from a model to its workspace ("" for Workspace itself; None: not in one).

    Read off the model's own foreign keys — its `workspace`, else its workshop's, else its
    blueprint's — unless the model names one as `workspace_path`."""
    if hasattr(model, "workspace_path"):
        return model.workspace_path
    if model._meta.label == "workspaces.Workspace":
        return ""
    names = {field.name for field in model._meta.concrete_fields}
    for owner, path in (
        ("workspace", "workspace"),
        ("workshop", "workshop__workspace"),
        ("blueprint", "blueprint__workspace"),
    ):
        if owner in names:
            return path
    return None


def visible(queryset: models.QuerySet, principal: Any) -> models.QuerySet:
    """The rows of `queryset` that `principal` may read: one rule for pages and the API.

    A member reads the rows of their workspaces. A workshop guest (a principal that answers
    `blueprint_grants()`, see workshops/guests.py) reads the blueprint its group works on and
    that blueprint's rows, plus the workspace's vocabulary a step picks from (models marked
    `guest_reads_workspace`: actors, channels); nothing else. Anyone else reads nothing.
    Models outside any workspace (users) are left as they are.
    """
    model = queryset.model
    path = workspace_path(model)
    if path is None:
        return queryset
    if getattr(principal, "is_workshop_guest", False):
        grants = principal.blueprint_grants()
        if hasattr(model, "access_blueprint"):
            return queryset.filter(pk__in=list(grants))
        if path == "blueprint__workspace":
            return queryset.filter(blueprint_id__in=list(grants))
        if getattr(model, "guest_reads_workspace", False):
            return queryset.filter(
                workspace_id__in={grant.workshop.workspace_id for grant in grants.values()}
            )
        return queryset.none()
    if principal is None or not principal.is_authenticated:
        return queryset.none()
    prefix = f"{path}__" if path else ""
    return queryset.filter(**{f"{prefix}memberships__user": principal})


class VisibleQuerySet(models.QuerySet):
    def visible_to(self, principal: Any) -> "VisibleQuerySet":
        """What `principal` (a user or a workshop guest) may read; see `visible`."""
        return visible(self, principal)

    def visible_one(self, principal: Any, pk: Any) -> Any:
        """The row `pk` if `principal` may read it; `errors.NotFound` otherwise — the same
        answer whether it does not exist or belongs to someone else."""
        found = visible(self, principal).filter(pk=pk).first() if pk is not None else None
        if found is None:
            raise errors.NotFound()
        return found


class WorkspaceQuerySet(VisibleQuerySet):
    def for_user(self, user: settings.AUTH_USER_MODEL) -> "WorkspaceQuerySet":
        return self.visible_to(user)

    def with_role(self, user: settings.AUTH_USER_MODEL) -> "WorkspaceQuerySet":
        """Annotate `user_role`, the user's role in each workspace, in the same query."""
        role = Membership.objects.filter(workspace=models.OuterRef("pk"), user=user)
        return self.annotate(user_role=models.Subquery(role.values("role")[:1]))


class Workspace(models.Model):
    """One engagement with one client; everything else belongs to exactly one workspace."""

    name = models.CharField(max_length=120)
    client = models.CharField(max_length=120, blank=True)
    description = models.TextField(max_length=5000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = WorkspaceQuerySet.as_manager()

    class Meta:
        db_table = "workshops_workspace"
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)

    class Meta:
        db_table = "workshops_membership"
        constraints = [
            models.UniqueConstraint(fields=["workspace", "user"], name="membership_once"),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.role} of {self.workspace}"


class Team(models.Model):
    """A department or group inside a workspace; owns team blueprints."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=120)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="teams")

    objects = VisibleQuerySet.as_manager()

    class Meta:
        db_table = "workshops_team"
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="team_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


def invitation_token() -> str:
    return secrets.token_urlsafe(24)


class InvitationQuerySet(models.QuerySet):
    def addressed_to(self, user: Any) -> "InvitationQuerySet":
        """The invitations naming this user, by username or by e-mail address."""
        if user is None or not user.is_authenticated:
            return self.none()
        named = models.Q(invitee__iexact=user.username)
        if user.email:
            named |= models.Q(invitee__iexact=user.email)
        return self.filter(named)


class Invitation(models.Model):
    """A facilitator's invitation into a workspace, waiting for the person it names.

    It names someone by username or e-mail address exactly as the facilitator typed it; no
    account is looked up when it is made (so making one tells nothing about who has an
    account). The person it names sees it once signed in and accepts or declines it; only
    then are they a member."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="invitations")
    invitee = models.CharField(max_length=254)
    role = models.CharField(max_length=20, choices=Role.choices)
    token = models.CharField(max_length=64, unique=True, default=invitation_token, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                "workspace", Lower("invitee"), name="invitation_once_per_person"
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="invitation_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invitee} — {self.role} of {self.workspace}"


class ContentStamp(models.Model):
    """A number bumped by every change of what a workspace's books show beyond a blueprint's
    own events (actor and channel names, personas, workshop outputs, innovation …):
    workspaces.stamps. With the blueprint's event `seq` it keys the cached book."""

    workspace = models.OneToOneField(
        Workspace, on_delete=models.CASCADE, primary_key=True, related_name="content_stamp"
    )
    seq = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.workspace_id}: {self.seq}"
