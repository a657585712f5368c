"""Workspaces, their members' roles and their teams: the ground every other app stands on.

The tables keep the names they had when these models lived in `workshops` (the move was a
state-only migration, see migrations/0001_initial.py).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    FACILITATOR = "facilitator", _("Facilitator")
    PARTICIPANT = "participant", _("Participant")
    MANAGER = "manager", _("Manager")


class WorkspaceQuerySet(models.QuerySet["Workspace"]):
    def for_user(self, user: settings.AUTH_USER_MODEL) -> "WorkspaceQuerySet":
        if not user.is_authenticated:
            return self.none()
        return self.filter(memberships__user=user)

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

    class Meta:
        db_table = "workshops_team"
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="team_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name
