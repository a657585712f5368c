"""Who may see and change what: the one place that holds the access rules.

- anonymous users: nothing;
- outsiders (not a member of the workspace): nothing, and they cannot tell it exists (404);
- managers: read everything, write nothing;
- participants: read their workspace; write the blueprints of their own teams (and everything
  inside them); add actors, the roles they map;
- facilitators: everything in their workspace;
- guests (no account, a signed workshop cookie, see workshops/guests.py): the one blueprint
  their workshop group is bound to, read and write (read-only while the workshop is locked);
  nothing else of the workspace.
"""

from typing import Any, Literal

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.utils.translation import gettext_lazy as _

from workshops.models import Role

Action = Literal["create", "update", "delete"]
User = AbstractBaseUser | AnonymousUser

READ_ONLY = _("You may read this but not change it.")

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
    if hasattr(obj, "workspace_id"):
        return obj.workspace_id
    if hasattr(obj, "workshop_id"):  # the parts of a workshop
        return obj.workshop.workspace_id
    return obj.blueprint.workspace_id


def blueprint_of(obj: Any) -> Any:
    from blueprints.models import Blueprint

    if isinstance(obj, Blueprint):
        return obj
    if hasattr(obj, "blueprint_id"):
        return obj.blueprint
    return None


def can_read(user: User, obj: Any) -> bool:
    from workshops.models import Workspace

    if is_guest(user):
        blueprint = None if isinstance(obj, Workspace) else blueprint_of(obj)
        return blueprint is not None and blueprint.pk in guest_blueprints(user)
    workspace_id = obj.pk if isinstance(obj, Workspace) else workspace_id_of(obj)
    return role_in(user, workspace_id) is not None


def can_write(user: User, obj: Any, action: Action) -> bool:
    """May `user` create, update or delete `obj` (an unsaved instance for create)?"""
    from blueprints.models import Actor
    from workshops.models import Workspace

    if isinstance(obj, Workspace):
        if action == "create":
            return user.is_authenticated
        return role_in(user, obj.pk) == Role.FACILITATOR
    if is_guest(user):
        return _guest_may_write(user, obj, action)

    role = role_in(user, workspace_id_of(obj))
    if role == Role.FACILITATOR:
        return True
    if role != Role.PARTICIPANT:
        return False
    if hasattr(obj, "workshop_id"):
        return _member_may_write_in_workshop(user, obj, action)
    blueprint = blueprint_of(obj)
    if blueprint is not None:
        return blueprint.kind == "team" and blueprint.team_id in team_ids_of(user)
    if isinstance(obj, Actor):
        return action == "create"
    return False


def can_manage(user: User, workspace_id: int) -> bool:
    return role_in(user, workspace_id) == Role.FACILITATOR


def write_refusal(user: User, obj: Any) -> str:
    """Why `user` may not change `obj`: what the API answers with its 403."""
    from workshops.services import LOCKED

    blueprint = blueprint_of(obj)
    participant = guest_blueprints(user).get(blueprint.pk) if blueprint is not None else None
    if participant is not None and participant.workshop.locked:
        return str(LOCKED)
    return str(READ_ONLY)


# --- Guests on a blueprint ---------------------------------------------------------------------
# A guest whose workshop group is bound to a team blueprint edits that blueprint in the live
# editor like a team member: its phases, lanes, steps and links, nothing else of the workspace
# (not even its lists). The principal is `guests.Guest`, an anonymous user carrying the
# browser's workshop cookies; the participant rows are read again on every request, so a
# removed guest, or one moved to another group, loses the blueprint at once.

_GUEST_CACHE = "_frontstage_guest_blueprints"


def is_guest(user: Any) -> bool:
    from workshops.guests import Guest

    return isinstance(user, Guest)


def guest_blueprints(user: Any) -> dict[int, Any]:
    """Blueprint id → the participant through whom this guest works on it (cached)."""
    if not is_guest(user):
        return {}
    if _GUEST_CACHE not in user.__dict__:
        grants: dict[int, Any] = {}
        for participant in user.participants():
            group = participant.group
            if group is not None and group.blueprint_id is not None:
                # Two workshops on one blueprint: an unlocked one decides.
                held = grants.get(group.blueprint_id)
                if held is None or held.workshop.locked:
                    grants[group.blueprint_id] = participant
        user.__dict__[_GUEST_CACHE] = grants
    return user.__dict__[_GUEST_CACHE]


def forget(user: Any) -> None:
    """Drop what this principal's rights were cached from: a live connection asks afresh."""
    for key in (_ROLE_CACHE, _TEAM_CACHE, _GUEST_CACHE):
        user.__dict__.pop(key, None)
    if is_guest(user):
        user.forget()


def acting_participant(user: Any, blueprint_id: int) -> Any:
    """The participant a guest acts as on this blueprint, or None."""
    return guest_blueprints(user).get(blueprint_id)


def _guest_may_write(user: Any, obj: Any, action: Action) -> bool:
    from blueprints.models import Blueprint

    blueprint = blueprint_of(obj)
    if isinstance(obj, Blueprint) and action == "delete":
        return False  # the blueprint's contents, not the blueprint itself
    if blueprint is None or blueprint.kind != "team":
        return False
    participant = guest_blueprints(user).get(blueprint.pk)
    return participant is not None and not participant.workshop.locked


# --- Workshops -------------------------------------------------------------------------------
# In a workshop, facilitators of the workspace run everything (plan, groups, people, timer,
# outputs). Everyone who joined — a member's account or a guest with a name only — adds notes,
# edits and deletes their own, and casts their own votes, while the workshop is not locked.
# Guests have no account: they act through their Participant row, identified by a signed cookie
# (workshops/guests.py), and see nothing outside their workshop.


def can_run_workshop(user: User, workshop: Any) -> bool:
    return role_in(user, workshop.workspace_id) == Role.FACILITATOR


def can_contribute(participant: Any, obj: Any, action: Action) -> bool:
    """May this workshop participant (guest or member) create, update or delete `obj`?"""
    from workshops.models import Cluster, Note, Vote

    if participant is None or obj.workshop_id != participant.workshop_id:
        return False
    if participant.workshop.locked:
        return False
    if isinstance(obj, Note):
        return action == "create" or obj.author_id == participant.pk
    if isinstance(obj, Vote):
        return obj.participant_id == participant.pk
    if isinstance(obj, Cluster):
        return action == "create"
    return False


def can_see_workshop(user: User, participant: Any, workshop: Any) -> bool:
    """Members of the workspace see its workshops; a guest sees the workshop they joined."""
    if participant is not None and participant.workshop_id == workshop.pk:
        return True
    return role_in(user, workshop.workspace_id) is not None


def _member_may_write_in_workshop(user: User, obj: Any, action: Action) -> bool:
    from workshops.models import Cluster, Note, Vote

    if obj.workshop.locked:
        return False
    if isinstance(obj, Note):
        if action == "create":
            return True
        return obj.author is not None and obj.author.user_id == user.pk
    if isinstance(obj, Vote):
        return obj.participant.user_id == user.pk
    if isinstance(obj, Cluster):
        return action == "create"
    return False


def guest_scope(queryset: Any, user: Any) -> Any:
    """What a guest's request may name: its blueprint, its rows, the workspace's actors and
    channels (a step's details pick from them); nothing else."""
    from blueprints.models import Actor, Blueprint, Channel

    ids = list(guest_blueprints(user))
    model = queryset.model
    if model is Blueprint:
        return queryset.filter(pk__in=ids)
    if any(field.name == "blueprint" for field in model._meta.concrete_fields):
        return queryset.filter(blueprint_id__in=ids)
    if model in (Actor, Channel):
        workspaces = Blueprint.objects.filter(pk__in=ids).values("workspace_id")
        return queryset.filter(workspace_id__in=workspaces)
    return queryset.none()
