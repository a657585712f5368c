"""Who may see and change what: the one place that holds the access rules.

The rules speak of a *principal*: a signed-in user, or a workshop guest (an anonymous user
carrying the grants its workshop gives, see `workshops.guests.Guest`).

- anonymous users: nothing;
- outsiders (not a member of the workspace): nothing, and they cannot tell it exists (404);
- managers: read everything, write nothing;
- participants: read their workspace; write the blueprints of their own teams (and everything
  inside them); what a model's own `participant_may(user, action)` allows (actors they map,
  their notes and votes in a workshop);
- facilitators: everything in their workspace;
- guests: the one blueprint their workshop group is bound to, read and write (read-only while
  the workshop is locked); nothing else of the workspace.

This floor knows no model above it. An object tells which workspace it belongs to
(`workspace_id`, or its `workshop` or `blueprint`), and a blueprint says it is one with
`access_blueprint` (itself); everything else is duck-typed.
"""

from typing import Any, Literal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.utils.translation import gettext_lazy as _

from workspaces.models import Role, Workspace

Action = Literal["create", "update", "delete"]
User = AbstractBaseUser | AnonymousUser

READ_ONLY = _("You may read this but not change it.")
LOCKED = _("The facilitator has locked editing for now.")

_ROLE_CACHE = "_frontstage_roles"
_TEAM_CACHE = "_frontstage_teams"


def role_in(user: User, workspace_id: int) -> str | None:
    """The user's role in a workspace, or None; cached on the user object for one request."""
    if not user.is_authenticated:
        return None
    cache: dict[int, str | None] = user.__dict__.setdefault(_ROLE_CACHE, {})
    if workspace_id not in cache:
        membership = user.memberships.filter(workspace_id=workspace_id).only("role").first()
        cache[workspace_id] = membership.role if membership else None
    return cache[workspace_id]


def team_ids_of(user: User) -> set[int]:
    if not user.is_authenticated:
        return set()
    if _TEAM_CACHE not in user.__dict__:
        user.__dict__[_TEAM_CACHE] = set(user.teams.values_list("id", flat=True))
    return user.__dict__[_TEAM_CACHE]


def workspace_id_of(obj: Any) -> int:
    if isinstance(obj, Workspace):
        return obj.pk
    if hasattr(obj, "workspace_id"):
        return obj.workspace_id
    if hasattr(obj, "workshop_id"):  # the parts of a workshop
        return obj.workshop.workspace_id
    return obj.blueprint.workspace_id


def blueprint_of(obj: Any) -> Any:
    """The blueprint an object is part of (a blueprint is its own), or None."""
    if hasattr(obj, "access_blueprint"):
        return obj.access_blueprint
    if hasattr(obj, "blueprint_id"):
        return obj.blueprint
    return None


def can_read(user: User, obj: Any) -> bool:
    if is_guest(user):
        blueprint = None if isinstance(obj, Workspace) else blueprint_of(obj)
        return blueprint is not None and blueprint.pk in guest_blueprints(user)
    return role_in(user, workspace_id_of(obj)) is not None


def can_write(user: User, obj: Any, action: Action) -> bool:
    """May `user` create, update or delete `obj` (an unsaved instance for create)?"""
    if isinstance(obj, Workspace):
        if action == "create":
            return may_create_workspace(user)
        return role_in(user, obj.pk) == Role.FACILITATOR
    if is_guest(user):
        return _guest_may_write(user, obj, action)

    role = role_in(user, workspace_id_of(obj))
    if role == Role.FACILITATOR:
        return True
    if role != Role.PARTICIPANT:
        return False
    own_rule = getattr(obj, "participant_may", None)
    if own_rule is not None:
        return own_rule(user, action)
    if hasattr(obj, "workshop_id"):
        return False  # running a workshop is the facilitators'
    blueprint = blueprint_of(obj)
    if blueprint is not None:
        return blueprint.kind == "team" and blueprint.team_id in team_ids_of(user)
    return False


def may_create_workspace(user: User) -> bool:
    """Per the WORKSPACE_CREATORS setting: staff, facilitators of some workspace, or anyone
    signed in."""
    if not user.is_authenticated or is_guest(user):
        return False
    creators = set(settings.WORKSPACE_CREATORS)
    return (
        "anyone" in creators
        or ("staff" in creators and user.is_staff)
        or ("facilitators" in creators and user.memberships.filter(role=Role.FACILITATOR).exists())
    )


def can_manage(user: User, workspace_id: int) -> bool:
    return role_in(user, workspace_id) == Role.FACILITATOR


def write_refusal(user: User, obj: Any) -> str:
    """Why `user` may not change `obj`: what the API answers with its 403."""
    blueprint = blueprint_of(obj)
    grant = guest_blueprints(user).get(blueprint.pk) if blueprint is not None else None
    if grant is not None and grant.workshop.locked:
        return str(LOCKED)
    return str(READ_ONLY)


# --- Guests on a blueprint ---------------------------------------------------------------------
# A guest whose workshop group is bound to a team blueprint edits that blueprint in the live
# editor like a team member: its phases, lanes, steps and links, nothing else of the workspace
# (not even its lists). The guest principal answers `blueprint_grants()`: blueprint id → the
# participant through whom it works there (with its `workshop`, whose `locked` decides).
# They are read again on every request, so a removed guest, or one moved to another group,
# loses the blueprint at once.


def is_guest(user: Any) -> bool:
    return getattr(user, "is_workshop_guest", False)


def guest_blueprints(user: Any) -> dict[int, Any]:
    """Blueprint id → the participant through whom this guest works on it."""
    return user.blueprint_grants() if is_guest(user) else {}


def forget(user: Any) -> None:
    """Drop what this principal's rights were cached from: a live connection asks afresh."""
    for key in (_ROLE_CACHE, _TEAM_CACHE):
        user.__dict__.pop(key, None)
    if is_guest(user):
        user.forget()


def acting_participant(user: Any, blueprint_id: int) -> Any:
    """The participant a guest acts as on this blueprint, or None."""
    return guest_blueprints(user).get(blueprint_id)


def _guest_may_write(user: Any, obj: Any, action: Action) -> bool:
    blueprint = blueprint_of(obj)
    if blueprint is obj and action == "delete":
        return False  # the blueprint's contents, not the blueprint itself
    if blueprint is None or blueprint.kind != "team":
        return False
    grant = guest_blueprints(user).get(blueprint.pk)
    return grant is not None and not grant.workshop.locked
