"""Writes of the workspaces app (keyword-only, validated; errors are frontstage.errors)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from frontstage import errors
from workspaces.models import Membership, Role, Workspace

NAME_MISSING = _("Give the workspace a name.")
SIGN_IN_FIRST = _("Sign in to create a workspace.")


@transaction.atomic
def workspace_create(*, user: Any, name: str, client: str = "", description: str = "") -> Workspace:
    """A new engagement; whoever creates it facilitates it."""
    if not getattr(user, "is_authenticated", False):
        raise errors.Forbidden(SIGN_IN_FIRST)
    workspace = Workspace(
        name=" ".join(str(name).split()),
        client=" ".join(str(client).split()),
        description=str(description).strip(),
    )
    if not workspace.name:
        raise errors.Invalid({"name": [NAME_MISSING]})
    try:
        workspace.full_clean()
    except ValidationError as error:
        raise errors.from_django(error) from error
    workspace.save()
    Membership.objects.create(workspace=workspace, user=user, role=Role.FACILITATOR)
    return workspace
