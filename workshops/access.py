"""Who may do what in a workshop, on top of the workspace's rules (workspaces/access.py).

Facilitators of the workspace run everything (plan, groups, people, timer, outputs). Everyone
who joined — a member's account or a guest with a name only — adds notes, edits and deletes
their own, and casts their own votes, while the workshop is not locked. Guests have no account:
they act through their Participant row, identified by a signed cookie (workshops/guests.py),
and see nothing outside their workshop.
"""

from typing import Any

from django.db.models import Q, QuerySet

from workshops.models import Cluster, Note, Participant, Vote
from workspaces.access import Action, User, role_in
from workspaces.models import Membership, Role


def can_run_workshop(user: User, workshop: Any) -> bool:
    return role_in(user, workshop.workspace_id) == Role.FACILITATOR


def can_contribute(participant: Any, obj: Any, action: Action) -> bool:
    """May this workshop participant (guest or member) create, update or delete `obj`?"""
    if participant is None or obj.workshop_id != participant.workshop_id:
        return False
    if participant.workshop.locked:
        return False
    if not on_their_board(participant, obj):
        return False
    if isinstance(obj, Note):
        return action == "create" or obj.author_id == participant.pk
    if isinstance(obj, Vote):
        return obj.participant_id == participant.pk
    if isinstance(obj, Cluster):
        return True  # named, renamed, merged by everyone on the board, like stickies on a wall
    return False


def board_group_id(obj: Any) -> int | None:
    """The group whose board `obj` (a note, cluster or vote) is on; None: everyone's board."""
    if isinstance(obj, Vote):
        obj = obj.note
    return obj.group_id


def on_their_board(participant: Any, obj: Any) -> bool:
    """Groups stay apart: someone in a group works on their group's board and on everyone's
    (the plenary one), never on another group's; someone in no group, on everyone's only."""
    group_id = board_group_id(obj)
    return group_id is None or group_id == participant.group_id


def sees_every_group(participant: Any, facilitator: bool) -> bool:
    """Facilitators and readers of the workspace (no participant row) see every group."""
    return facilitator or participant is None


def readable_boards(queryset: QuerySet, user: User, group: str = "group") -> QuerySet:
    """The rows of `queryset` (notes, clusters, votes, already limited to the user's
    workspaces) on a board `user` may read; `group` is the path to the row's board group.

    The API's form of the pages' rule (`on_their_board`, `sees_every_group`): facilitators
    read every group's board; someone in a workshop reads everyone's board and their own
    group's, never another group's; a participant of the workspace who has not joined yet is
    in no group; a manager who has not joined reads every board, as a reader.
    """
    if not user.is_authenticated:
        return queryset.none()
    roles = Membership.objects.filter(user=user)
    joined = Participant.objects.filter(user=user)
    workshop = "workshop"  # notes, clusters and votes each name their workshop
    return queryset.filter(
        Q(**{f"{workshop}__workspace__in": roles.filter(role=Role.FACILITATOR).values("workspace")})
        | Q(**{f"{group}__isnull": True})
        | Q(**{f"{group}__in": joined.filter(group__isnull=False).values("group")})
        | (
            ~Q(**{f"{workshop}__in": joined.values("workshop")})
            & ~Q(
                **{
                    f"{workshop}__workspace__in": roles.filter(role=Role.PARTICIPANT).values(
                        "workspace"
                    )
                }
            )
        )
    )


def readable_group_ids(user: User, workshop: Any) -> set[int | None] | None:
    """The boards of `workshop` (group ids, None: everyone's) that `user` reads, as
    `readable_boards` says; None when they read every board."""
    groups = workshop.groups.all()
    readable = set(readable_boards(groups, user, "id").values_list("pk", flat=True))
    if readable == set(groups.values_list("pk", flat=True)):
        return None
    return readable | {None}


def may_take_part(user: User, workshop: Any) -> bool:
    """A facilitator or participant of the workspace takes part under their own name."""
    if user is None or not user.is_authenticated:
        return False
    return role_in(user, workshop.workspace_id) in (Role.FACILITATOR, Role.PARTICIPANT)


def can_see_workshop(user: User, participant: Any, workshop: Any) -> bool:
    """Members of the workspace see its workshops; a guest sees the workshop they joined."""
    if participant is not None and participant.workshop_id == workshop.pk:
        return True
    return role_in(user, workshop.workspace_id) is not None
