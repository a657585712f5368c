"""Who may see and change what: the one place that holds the access rules.

- anonymous users: nothing;
- outsiders (not a member of the workspace): nothing, and they cannot tell it exists (404);
- managers: read everything, write nothing;
- participants: read their workspace; write the blueprints of their own teams (and everything
  inside them); add actors, the roles they map;
- facilitators: everything in their workspace.
"""

from typing import Any, Literal

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from workshops.models import Role

Action = Literal["create", "update", "delete"]
User = AbstractBaseUser | AnonymousUser

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
