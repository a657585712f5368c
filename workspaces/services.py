"""Writes of the workspaces app (keyword-only, validated; errors are frontstage.errors)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from frontstage import errors
from workspaces import access
from workspaces.models import Invitation, Membership, Role, Workspace

NAME_MISSING = _("Give the workspace a name.")
SIGN_IN_FIRST = _("Sign in to create a workspace.")
NOT_A_CREATOR = _("Ask a facilitator to invite you: you may not create workspaces.")
ONLY_FACILITATORS_INVITE = _("Only facilitators invite people.")
INVITEE_MISSING = _("Give a username or an e-mail address.")
INVITEE_TOO_LONG = _("A username or an e-mail address has at most 254 characters.")
ROLE_UNKNOWN = _("Choose a role: facilitator, participant or manager.")


@transaction.atomic
def workspace_create(*, user: Any, name: str, client: str = "", description: str = "") -> Workspace:
    """A new engagement; whoever creates it facilitates it."""
    if not getattr(user, "is_authenticated", False):
        raise errors.Forbidden(SIGN_IN_FIRST)
    if not access.may_create_workspace(user):
        raise errors.Forbidden(NOT_A_CREATOR)
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


@transaction.atomic
def invitation_create(*, workspace: Workspace, by: Any, invitee: str, role: str) -> Invitation:
    """Invite someone, named by username or e-mail address, into `workspace` with `role`.

    No account is looked up: the answer is the same whether anyone has that name or not. A
    second invitation of the same person replaces the first's role."""
    if not access.can_manage(by, workspace.pk):
        raise errors.Forbidden(ONLY_FACILITATORS_INVITE)
    invitee = " ".join(str(invitee or "").split())
    problems: dict[str, list[Any]] = {}
    if not invitee:
        problems["invitee"] = [INVITEE_MISSING]
    elif len(invitee) > 254:
        problems["invitee"] = [INVITEE_TOO_LONG]
    if role not in Role.values:
        problems["role"] = [ROLE_UNKNOWN]
    if problems:
        raise errors.Invalid(problems)
    invitation = (
        Invitation.objects.select_for_update()
        .filter(workspace=workspace, invitee__iexact=invitee)
        .first()
    )
    if invitation is None:
        return Invitation.objects.create(
            workspace=workspace, invitee=invitee, role=role, invited_by=by
        )
    invitation.role, invitation.invited_by = role, by
    invitation.save(update_fields=["role", "invited_by"])
    return invitation


def invitation_for(*, user: Any, token: str) -> Invitation:
    """The invitation behind a link, if it names `user`; NotFound otherwise (the same answer
    for a wrong link and for someone else's)."""
    found = (
        Invitation.objects.addressed_to(user)
        .select_related("workspace", "invited_by")
        .filter(token=str(token))
        .first()
    )
    if found is None:
        raise errors.NotFound()
    return found


@transaction.atomic
def invitation_accept(*, user: Any, token: str) -> Membership:
    """The person named accepts: a member with the invited role from now on."""
    invitation = invitation_for(user=user, token=token)
    membership, _created = Membership.objects.update_or_create(
        workspace=invitation.workspace, user=user, defaults={"role": invitation.role}
    )
    invitation.delete()
    access.forget(user)
    return membership


@transaction.atomic
def invitation_decline(*, user: Any, token: str) -> None:
    invitation_for(user=user, token=token).delete()


@transaction.atomic
def invitation_revoke(*, workspace: Workspace, by: Any, invitation_id: int) -> None:
    if not access.can_manage(by, workspace.pk):
        raise errors.Forbidden(ONLY_FACILITATORS_INVITE)
    deleted, _rows = Invitation.objects.filter(workspace=workspace, pk=invitation_id).delete()
    if not deleted:
        raise errors.NotFound()
