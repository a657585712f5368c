"""Workshop workflows: each write is one transaction that ends with its live event.

Views (pages and API alike) resolve *who* is acting — a facilitator, a member or a guest, see
`Who` — check access through workshops/access.py, and call one function here.
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, Max, OuterRef, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from frontstage import errors
from workshops import access, agenda, split
from workshops.events import event_record
from workshops.models import (
    Activity,
    Cluster,
    Group,
    Note,
    NoteKind,
    Output,
    Participant,
    Vote,
    VoteKey,
    VotingRound,
    Workshop,
    new_join_code,
)
from workspaces.access import LOCKED, Action
from workspaces.models import Membership, Role, Team, Workspace

BUDGET_SPENT = _("You have used all your votes.")
VOTING_CLOSED = _("Voting is closed until the facilitator opens the next round.")
NOT_UP_FOR_VOTE = _("This note is not up for the vote in this round.")
ROUND_ALREADY_OPEN = _("Close the voting round that is open first.")
NO_ROUND_OPEN = _("No voting round is open.")
PAST_ROUND = _("This vote belongs to a closed round: its results are kept as they are.")
NO_VOTE_TO_TAKE_BACK = _("You have no vote on this note to take back.")

NOT_YOURS = _("Only its author or the facilitator may change this note.")
FACILITATORS_ONLY = _("Only facilitators run the workshop.")
NO_ACTIVITIES = _("The agenda has no activities yet.")
REORDER_MISMATCH = _("Send every activity of this workshop exactly once.")
GROUP_NAME_TAKEN = _("A group with this name exists.")
GROUP_NAME_MISSING = _("Name the group.")
NOT_A_TEAM_BLUEPRINT = _("Not a team blueprint of this workspace.")
NO_SUCH_GROUP = _("No such group in this workshop.")
NOT_IN_WORKSHOP = _("Not part of this workshop.")
NOT_IN_WORKSPACE = _("Not part of this workspace.")
ONLY_THE_VOTER = _("Only the voter takes a vote back.")
NOTE_EMPTY = _("Write something on the note first.")
OTHER_GROUP = _("This is another group's board: work on your own group's.")
PICK_FROM_LIST = _("Pick a kind from the list.")
JOIN_FIRST = _("Join the workshop first.")
CLUSTER_NAME_MISSING = _("Name the cluster.")
NAME_MISSING = _("Type your name to join.")
KEEP_WHAT = _("Give a title, a note or a cluster.")


@dataclass
class Who:
    """The person acting in a workshop: an account (maybe a facilitator) and/or a participant."""

    user: AbstractBaseUser | AnonymousUser | None
    participant: Participant | None
    facilitator: bool

    @property
    def name(self) -> str:
        if self.participant is not None:
            return self.participant.name
        if self.user is not None and self.user.is_authenticated:
            return self.user.get_full_name() or self.user.get_username()
        return ""


# --- Serialised forms, as events and pages carry them -------------------------------------------


def note_data(note: Note) -> dict[str, Any]:
    data = {
        "id": note.pk,
        "workshop": note.workshop_id,
        "group": note.group_id,
        "author": note.author_id,
        "author_name": note.author.name if note.author_id else "",
        "kind": note.kind,
        "text": note.text,
        "cluster": note.cluster_id,
        "category": note.category_id,
        "hidden": note.hidden,
        "votes": note.votes,
        "version": note.version,
    }
    if note.hidden:  # what everyone sees of a note written in private
        data["text"] = None
    return data


def participant_data(participant: Participant) -> dict[str, Any]:
    return {
        "id": participant.pk,
        "name": participant.name,
        "group": participant.group_id,
        "guest": participant.is_guest,
    }


def timer_data(workshop: Workshop, now: datetime.datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    running = workshop.timer_ends_at is not None
    if running:
        remaining = max(0, round((workshop.timer_ends_at - now).total_seconds()))
    else:
        remaining = workshop.timer_remaining
    return {
        "running": running,
        "ends_at": workshop.timer_ends_at.isoformat() if running else None,
        "remaining": remaining,
        "server_now": now.isoformat(),
    }


def state_data(workshop: Workshop) -> dict[str, Any]:
    activity = workshop.current_activity
    voting_round = workshop.voting_round if workshop.voting_round_id else None
    return {
        "current_activity": (
            {"id": activity.pk, "title": activity.title, "kind": activity.kind}
            if activity is not None
            else None
        ),
        "timer": timer_data(workshop),
        "locked": workshop.locked,
        "private_writing": workshop.private_writing,
        "join_open": workshop.join_open,
        "vote_budget": workshop.vote_budget,
        "round": (
            {
                "id": voting_round.pk,
                "number": voting_round.number,
                "title": voting_round.title,
                "budget": voting_round.budget,
            }
            if voting_round is not None
            else None
        ),
        "version": workshop.version,
    }


def _require_facilitator(who: Who) -> None:
    if not who.facilitator:
        raise errors.Forbidden(FACILITATORS_ONLY)


def _workshop_changed(workshop: Workshop, who: Who, kind: str, fields: list[str]) -> None:
    workshop.version = F("version") + 1
    workshop.save(update_fields=[*fields, "version"])
    workshop.refresh_from_db(fields=["version"])
    event_record(
        workshop_id=workshop.pk,
        kind=kind,
        obj_id=workshop.pk,
        data=state_data(workshop),
        actor=who.name,
    )


def _clean(obj: Any, **options: Any) -> None:
    """The model's own validation, said in the domain's language (a 400, never a 500)."""
    try:
        obj.full_clean(**options)
    except ValidationError as error:
        raise errors.from_django(error) from error


def _in_workspace(workshop: Workshop, field: str, obj: Any) -> None:
    """`obj` (a step, category, persona or blueprint) must belong to the workshop's workspace."""
    if obj is None:
        return
    workspace_id = getattr(obj, "workspace_id", None)
    if workspace_id is None and hasattr(obj, "blueprint"):
        workspace_id = obj.blueprint.workspace_id
    if workspace_id != workshop.workspace_id:
        raise errors.Invalid({field: [NOT_IN_WORKSPACE]})


def _in_workshop(workshop: Workshop, field: str, obj: Any) -> None:
    if obj is not None and obj.workshop_id != workshop.pk:
        raise errors.Invalid({field: [NOT_IN_WORKSHOP]})


# --- Plan --------------------------------------------------------------------------------------


@transaction.atomic
def workshop_create(
    *,
    workspace: Workspace,
    title: str = "",
    goal: str = "",
    date: datetime.date | None = None,
    template: str = "",
    settings: dict[str, Any] | None = None,
) -> Workshop:
    """A workshop, with the agenda of one of the ready templates when `template` is named.

    `settings` may set any of `WORKSHOP_SETTINGS` from the start (start time, votes, …).
    """
    spec = agenda.TEMPLATES.get(template)
    workshop = Workshop(
        workspace=workspace,
        title=title or (str(spec["title"]) if spec else ""),
        goal=goal or (str(spec["goal"]) if spec else ""),
        date=date,
    )
    for field, value in (settings or {}).items():
        if field in WORKSHOP_SETTINGS:
            setattr(workshop, field, value)
    _clean(workshop)
    workshop.save()
    if spec:
        Activity.objects.bulk_create(
            Activity(workshop=workshop, kind=kind, duration=minutes, title=str(name), position=i)
            for i, (kind, minutes, name) in enumerate(spec["activities"])
        )
    return workshop


WORKSHOP_SETTINGS = ("title", "goal", "date", "start_time", "vote_budget", "join_open")


@transaction.atomic
def workshop_update(*, who: Who, workshop: Workshop, changes: dict[str, Any]) -> Workshop:
    """Change the workshop's settings (title, goal, date, start time, votes per person, …)."""
    _require_facilitator(who)
    fields = [f for f in WORKSHOP_SETTINGS if f in changes]
    for field in fields:
        value = changes[field]
        setattr(workshop, field, value.strip() if isinstance(value, str) else value)
    _clean(workshop)
    _workshop_changed(workshop, who, "workshop.updated", fields)
    return workshop


def activity_next_position(workshop: Workshop) -> int:
    last = workshop.activities.aggregate(last=Max("position"))["last"]
    return 0 if last is None else last + 1


@transaction.atomic
def activities_reorder(*, workshop: Workshop, who: Who, ids: list[int]) -> list[int]:
    _require_facilitator(who)
    current = list(workshop.activities.select_for_update().values_list("id", flat=True))
    if sorted(current) != sorted(ids) or len(set(ids)) != len(ids):
        raise errors.Invalid({"order": [REORDER_MISMATCH]})
    activities = {a.pk: a for a in workshop.activities.all()}
    for position, pk in enumerate(ids):
        activities[pk].position = position
    Activity.objects.bulk_update(activities.values(), ["position"])
    event_record(
        workshop_id=workshop.pk,
        kind="activities.reordered",
        obj_id=None,
        data={"order": ids},
        actor=who.name,
    )
    return ids


def activity_data(activity: Activity) -> dict[str, Any]:
    return {
        "id": activity.pk,
        "workshop": activity.workshop_id,
        "title": activity.title,
        "kind": activity.kind,
        "duration": activity.duration,
        "instructions": activity.instructions,
        "position": activity.position,
    }


ACTIVITY_FIELDS = ("title", "kind", "duration", "instructions")


@transaction.atomic
def activity_add(
    *,
    workshop: Workshop,
    who: Who,
    title: str,
    kind: str,
    duration: int,
    instructions: str = "",
) -> Activity:
    """A new activity at the end of the agenda."""
    _require_facilitator(who)
    activity = Activity(
        workshop=workshop,
        title=title.strip(),
        kind=kind,
        duration=duration,
        instructions=instructions,
        position=activity_next_position(workshop),
    )
    _clean(activity)
    activity.save()
    event_record(
        workshop_id=workshop.pk,
        kind="activity.created",
        obj_id=activity.pk,
        data=activity_data(activity),
        actor=who.name,
    )
    return activity


@transaction.atomic
def activity_update(*, who: Who, activity: Activity, changes: dict[str, Any]) -> Activity:
    """Change an activity's title, kind, minutes or instructions."""
    _require_facilitator(who)
    fields = [f for f in ACTIVITY_FIELDS if f in changes]
    for field in fields:
        value = changes[field]
        setattr(activity, field, value.strip() if isinstance(value, str) else value)
    _clean(activity)
    activity.save(update_fields=fields)
    event_record(
        workshop_id=activity.workshop_id,
        kind="activity.updated",
        obj_id=activity.pk,
        data=activity_data(activity),
        actor=who.name,
    )
    return activity


@transaction.atomic
def activity_delete(*, who: Who, activity: Activity) -> None:
    """Take an activity off the agenda; the others close up."""
    _require_facilitator(who)
    workshop, pk = activity.workshop, activity.pk
    activity.delete()
    event_record(
        workshop_id=workshop.pk,
        kind="activity.deleted",
        obj_id=pk,
        data={"id": pk},
        actor=who.name,
    )
    ids = list(workshop.activities.values_list("id", flat=True))
    activities_reorder(who=who, workshop=workshop, ids=ids)


def activity_move(*, workshop: Workshop, who: Who, activity: Activity, step: int) -> None:
    """Move an activity one place up (step -1) or down (+1) in the agenda."""
    ids = list(workshop.activities.values_list("id", flat=True))
    index = ids.index(activity.pk)
    target = index + step
    if 0 <= target < len(ids):
        ids[index], ids[target] = ids[target], ids[index]
        activities_reorder(workshop=workshop, who=who, ids=ids)


def agenda_rows(workshop: Workshop) -> list[dict[str, Any]]:
    activities = list(workshop.activities.all())
    starts = agenda.schedule(workshop.start_time, [a.duration for a in activities])
    return [
        {"activity": a, "starts_at": start, "current": a.pk == workshop.current_activity_id}
        for a, start in zip(activities, starts, strict=True)
    ]


# --- Groups ------------------------------------------------------------------------------------


def group_data(group: Group) -> dict[str, Any]:
    return {
        "id": group.pk,
        "workshop": group.workshop_id,
        "name": group.name,
        "blueprint": group.blueprint_id,
        "position": group.position,
    }


def _check_group(group: Group) -> None:
    if not group.name.strip():
        raise errors.Invalid({"name": [GROUP_NAME_MISSING]})
    blueprint = group.blueprint
    if blueprint is not None and (
        blueprint.workspace_id != group.workshop.workspace_id or blueprint.kind != "team"
    ):
        raise errors.Invalid({"blueprint": [NOT_A_TEAM_BLUEPRINT]})
    clash = Group.objects.filter(workshop_id=group.workshop_id, name=group.name)
    if group.pk is not None:
        clash = clash.exclude(pk=group.pk)
    if clash.exists():
        raise errors.Invalid({"name": [GROUP_NAME_TAKEN]})
    _clean(group, exclude=["workshop", "blueprint"], validate_constraints=False)


@transaction.atomic
def group_create(*, workshop: Workshop, who: Who, name: str, blueprint: Any = None) -> Group:
    """A breakout group, working on a team blueprint of the workspace or on a notes board."""
    _require_facilitator(who)
    group = Group(
        workshop=workshop,
        name=name.strip()[:120],
        blueprint=blueprint,
        position=workshop.groups.count(),
    )
    _check_group(group)
    group.save()
    event_record(
        workshop_id=workshop.pk,
        kind="group.created",
        obj_id=group.pk,
        data=group_data(group),
        actor=who.name,
    )
    return group


@transaction.atomic
def group_update(*, who: Who, group: Group, changes: dict[str, Any]) -> Group:
    """Rename a group or bind it to another team blueprint (None: a notes board)."""
    _require_facilitator(who)
    fields = [f for f in ("name", "blueprint", "position") if f in changes]
    for field in fields:
        value = changes[field]
        setattr(group, field, value.strip()[:120] if isinstance(value, str) else value)
    _check_group(group)
    group.save(update_fields=fields)
    event_record(
        workshop_id=group.workshop_id,
        kind="group.updated",
        obj_id=group.pk,
        data=group_data(group),
        actor=who.name,
    )
    return group


@transaction.atomic
def group_delete(*, who: Who, group: Group) -> None:
    """Remove a group; its people and notes stay in the workshop, without a group."""
    _require_facilitator(who)
    pk, workshop_id = group.pk, group.workshop_id
    group.delete()
    event_record(
        workshop_id=workshop_id, kind="group.deleted", obj_id=pk, data={"id": pk}, actor=who.name
    )


GROUPS_MAX = 50
SPLIT_COUNT = _("Split into 1 to 50 groups.")


@transaction.atomic
def groups_split(*, who: Who, workshop: Workshop, count: int) -> dict[int, int]:
    """Put everyone who joined (the workspace's facilitators aside: they run the room) into
    `count` groups, balanced and mixing teams (workshops/split.py). The workshop's groups are
    used first, in their order; missing ones are added ("Group 3"). One event tells every
    page where each person went. Answers participant id → group id."""
    _require_facilitator(who)
    if not 1 <= count <= GROUPS_MAX:
        raise errors.Invalid({"groups": [SPLIT_COUNT]})
    groups = list(workshop.groups.order_by("position", "id")[:count])
    taken = set(workshop.groups.values_list("name", flat=True))
    number = len(groups)
    while len(groups) < count:
        number += 1
        name = _("Group %(number)s") % {"number": number}
        if str(name) in taken:
            continue
        groups.append(group_create(who=who, workshop=workshop, name=str(name)))
    running = Membership.objects.filter(
        workspace_id=workshop.workspace_id, role=Role.FACILITATOR
    ).values("user")
    people = list(workshop.participants.exclude(user__in=running).order_by("id"))
    team_of: dict[int, str] = {}
    users = [p.user_id for p in people if p.user_id is not None]
    for team in (
        Team.objects.filter(workspace_id=workshop.workspace_id, members__in=users)
        .values("name", "members")
        .order_by("name")
    ):
        team_of.setdefault(team["members"], team["name"])
    dealt = split.split_mixing_teams([(p.pk, team_of.get(p.user_id)) for p in people], count)
    for person in people:
        person.group = groups[dealt[person.pk]]
    Participant.objects.bulk_update(people, ["group"])
    moves = {person.pk: person.group_id for person in people}
    event_record(
        workshop_id=workshop.pk,
        kind="participants.split",
        obj_id=None,
        data={"groups": {str(pk): group_id for pk, group_id in moves.items()}},
        actor=who.name,
    )
    return moves


def group_of(workshop: Workshop, group_id: int | None) -> Group | None:
    """The workshop's group by id (None for none); an id of no group here is a 400."""
    if group_id is None:
        return None
    group = workshop.groups.filter(pk=group_id).first()
    if group is None:
        raise errors.Invalid({"group": [NO_SUCH_GROUP]})
    return group


# --- People ------------------------------------------------------------------------------------


@transaction.atomic
def participant_join(
    *, workshop: Workshop, name: str, user: AbstractBaseUser | None = None
) -> Participant:
    """Add someone to the workshop; an account that joined before gets its participant back."""
    if user is not None and user.is_authenticated:
        existing = workshop.participants.filter(user=user).first()
        if existing is not None:
            return existing
    else:
        user = None
    participant = Participant(workshop=workshop, name=name.strip()[:80], user=user)
    _clean(participant)
    participant.save()
    event_record(
        workshop_id=workshop.pk,
        kind="participant.joined",
        obj_id=participant.pk,
        data=participant_data(participant),
        actor=participant.name,
    )
    return participant


@transaction.atomic
def participant_add(
    *, who: Who, workshop: Workshop, name: str, group: Group | None = None
) -> Participant:
    """The facilitator adds someone by name (a guest without the link), maybe into a group."""
    _require_facilitator(who)
    _in_workshop(workshop, "group", group)
    if not name.strip():
        raise errors.Invalid({"name": [NAME_MISSING]})
    participant = participant_join(workshop=workshop, name=name)
    if group is not None:
        participant_update(who=who, participant=participant, group=group)
    return participant


def participant_for_user(workshop: Workshop, user: AbstractBaseUser) -> Participant:
    """The member's participant row in this workshop, made on first use."""
    existing = workshop.participants.filter(user=user).first()
    if existing is not None:
        return existing
    name = user.get_full_name() or user.get_username()
    return participant_join(workshop=workshop, name=name, user=user)


@transaction.atomic
def participant_update(
    *, who: Who, participant: Participant, name: str | None = None, group: Any = ...
) -> Participant:
    """Rename someone, or move them to a group (None: no group). Facilitators only."""
    _require_facilitator(who)
    fields = []
    if name is not None and name.strip():
        participant.name = name.strip()[:80]
        fields.append("name")
    if group is not ...:
        if group is not None and group.workshop_id != participant.workshop_id:
            raise errors.Invalid({"group": [_("No such group in this workshop.")]})
        participant.group = group
        fields.append("group")
    if fields:
        participant.full_clean()
        participant.save(update_fields=fields)
        event_record(
            workshop_id=participant.workshop_id,
            kind="participant.updated",
            obj_id=participant.pk,
            data=participant_data(participant),
            actor=who.name,
        )
    return participant


@transaction.atomic
def participant_remove(*, who: Who, participant: Participant) -> None:
    """Remove someone; their notes stay on the board (the workshop owns what was said)."""
    _require_facilitator(who)
    pk, workshop_id = participant.pk, participant.workshop_id
    # Their dots go with them: give the votes back to the notes' counts first (the counts
    # are of the current round; a closed round's results are kept as they were).
    dots = current_dots(participant.workshop).filter(participant=participant)
    for note_id in dots.values_list("note_id", flat=True):
        Note.objects.filter(pk=note_id).update(votes=F("votes") - 1)
    participant.delete()
    event_record(
        workshop_id=workshop_id,
        kind="participant.removed",
        obj_id=pk,
        data={"id": pk},
        actor=who.name,
    )


@transaction.atomic
def join_code_renew(*, who: Who, workshop: Workshop) -> str:
    """Revoke the current join code (and link) and issue a new one."""
    _require_facilitator(who)
    workshop.join_code = new_join_code()
    workshop.join_open = True
    _workshop_changed(workshop, who, "join.renewed", ["join_code", "join_open"])
    return workshop.join_code


def join_set_open(*, who: Who, workshop: Workshop, is_open: bool) -> None:
    _require_facilitator(who)
    workshop.join_open = is_open
    with transaction.atomic():
        _workshop_changed(workshop, who, "join.opened" if is_open else "join.closed", ["join_open"])


# --- Running the room --------------------------------------------------------------------------


def _activity_seconds(workshop: Workshop) -> int:
    activity = workshop.current_activity
    return activity.duration * 60 if activity is not None else 5 * 60


@transaction.atomic
def timer_start(*, who: Who, workshop: Workshop, seconds: int | None = None) -> None:
    """Start (or resume) the shared countdown; the clients count down from the server's end time.

    A running timer keeps running ("Start" twice does not restart it); give `seconds` to set
    it anew.
    """
    _require_facilitator(who)
    if seconds is None and workshop.timer_ends_at is not None:
        return
    if seconds is None:
        seconds = workshop.timer_remaining
    if not seconds:
        seconds = _activity_seconds(workshop)
    workshop.timer_ends_at = timezone.now() + datetime.timedelta(seconds=seconds)
    workshop.timer_remaining = None
    _workshop_changed(workshop, who, "timer.started", ["timer_ends_at", "timer_remaining"])


TIMER_STEP_MAX = 60 * 60


@transaction.atomic
def timer_adjust(*, who: Who, workshop: Workshop, seconds: int) -> None:
    """Give the room more time (+60: "+1 min") or less (−60), running or paused."""
    _require_facilitator(who)
    if not -TIMER_STEP_MAX <= seconds <= TIMER_STEP_MAX:
        raise errors.Invalid({"seconds": [_("Change the timer by an hour at most.")]})
    now = timezone.now()
    if workshop.timer_ends_at is not None:
        workshop.timer_ends_at = max(
            now, workshop.timer_ends_at + datetime.timedelta(seconds=seconds)
        )
    else:
        left = workshop.timer_remaining
        left = _activity_seconds(workshop) if left is None else left
        workshop.timer_remaining = max(0, left + seconds)
    _workshop_changed(workshop, who, "timer.adjusted", ["timer_ends_at", "timer_remaining"])


@transaction.atomic
def timer_reset(*, who: Who, workshop: Workshop) -> None:
    """Stop the timer and set it back to the current activity's minutes."""
    _require_facilitator(who)
    workshop.timer_ends_at = None
    workshop.timer_remaining = _activity_seconds(workshop)
    _workshop_changed(workshop, who, "timer.reset", ["timer_ends_at", "timer_remaining"])


@transaction.atomic
def timer_pause(*, who: Who, workshop: Workshop) -> None:
    _require_facilitator(who)
    if workshop.timer_ends_at is None:
        return
    left = (workshop.timer_ends_at - timezone.now()).total_seconds()
    workshop.timer_remaining = max(0, round(left))
    workshop.timer_ends_at = None
    _workshop_changed(workshop, who, "timer.paused", ["timer_ends_at", "timer_remaining"])


@transaction.atomic
def activity_next(*, who: Who, workshop: Workshop) -> Activity:
    """Advance to the next activity of the agenda (the first when none runs yet)."""
    _require_facilitator(who)
    activities = list(workshop.activities.all())
    if not activities:
        raise errors.Invalid({"activity": [NO_ACTIVITIES]})
    ids = [a.pk for a in activities]
    if workshop.current_activity_id in ids:
        index = min(ids.index(workshop.current_activity_id) + 1, len(ids) - 1)
    else:
        index = 0
    return activity_start(who=who, workshop=workshop, activity=activities[index])


@transaction.atomic
def activity_start(*, who: Who, workshop: Workshop, activity: Activity) -> Activity:
    """Make `activity` the current one; its timer is set to its duration and starts running."""
    _require_facilitator(who)
    workshop.current_activity = activity
    workshop.timer_ends_at = timezone.now() + datetime.timedelta(minutes=activity.duration)
    workshop.timer_remaining = None
    fields = ["current_activity", "timer_ends_at", "timer_remaining"]
    _workshop_changed(workshop, who, "activity.started", fields)
    return activity


@transaction.atomic
def workshop_lock(*, who: Who, workshop: Workshop, locked: bool) -> None:
    _require_facilitator(who)
    workshop.locked = locked
    _workshop_changed(
        workshop, who, "workshop.locked" if locked else "workshop.unlocked", ["locked"]
    )


@transaction.atomic
def private_writing_start(*, who: Who, workshop: Workshop) -> None:
    _require_facilitator(who)
    workshop.private_writing = True
    _workshop_changed(workshop, who, "private.started", ["private_writing"])


@transaction.atomic
def notes_reveal(*, who: Who, workshop: Workshop) -> int:
    """End private writing: every hidden note becomes visible to everyone."""
    _require_facilitator(who)
    revealed = list(workshop.notes.filter(hidden=True).values_list("id", flat=True))
    workshop.notes.filter(pk__in=revealed).update(hidden=False, version=F("version") + 1)
    workshop.private_writing = False
    workshop.save(update_fields=["private_writing"])
    event_record(
        workshop_id=workshop.pk,
        kind="notes.revealed",
        obj_id=None,
        data={"notes": revealed, "state": state_data(workshop)},
        actor=who.name,
    )
    return len(revealed)


@transaction.atomic
def summon(*, who: Who, workshop: Workshop, group: Group | None) -> str:
    """'Bring everyone here': every participant's page goes to the facilitator's view."""
    _require_facilitator(who)
    url = f"/workshops/{workshop.pk}/" + (f"?group={group.pk}" if group is not None else "")
    event_record(
        workshop_id=workshop.pk,
        kind="workshop.summoned",
        obj_id=group.pk if group is not None else None,
        data={"url": url},
        actor=who.name,
    )
    return url


# --- Notes board -------------------------------------------------------------------------------


def _require_contribute(who: Who, obj: Any, action: Action) -> None:
    if who.facilitator:
        return
    if obj.workshop.locked:
        raise errors.Forbidden(LOCKED)
    if who.participant is not None and not access.on_their_board(who.participant, obj):
        raise errors.Forbidden(OTHER_GROUP)
    if not access.can_contribute(who.participant, obj, action):
        raise errors.Forbidden(NOT_YOURS)


def _same_writer(who: Who, note: Note) -> bool:
    """A key answers only for its own writer: someone else's key makes a note of its own."""
    if who.participant is not None:
        return note.author_id == who.participant.pk
    return note.author is not None and note.author.user_id == getattr(who.user, "pk", None)


def _require_on_board(who: Who, note: Note, cluster: Cluster | None) -> None:
    """Moving a note between clusters or categories is everyone's on its board, like moving a
    sticky on a wall (while editing is open)."""
    if who.facilitator:
        return
    if who.participant is None or note.workshop.locked:
        raise errors.Forbidden(LOCKED)
    for obj in (note, cluster):
        if obj is not None and not access.on_their_board(who.participant, obj):
            raise errors.Forbidden(OTHER_GROUP)


@transaction.atomic
def note_add(
    *,
    who: Who,
    workshop: Workshop,
    text: str,
    kind: str = "idea",
    group: Group | None = None,
    cluster: Cluster | None = None,
    client_key: str = "",
) -> Note:
    """A note on the board. `client_key` (the page's key for this write) makes a retry after a
    lost answer find the note it already made instead of adding it twice."""
    client_key = client_key.strip()[:64]
    if client_key:
        done = workshop.notes.select_related("author").filter(client_key=client_key).first()
        if done is not None and _same_writer(who, done):
            return done
    if not text.strip():
        raise errors.Invalid({"text": [NOTE_EMPTY]})
    if kind not in NoteKind.values:
        raise errors.Invalid({"kind": [PICK_FROM_LIST]})
    _in_workshop(workshop, "group", group)
    _in_workshop(workshop, "cluster", cluster)
    author = who.participant
    if author is None and access.may_take_part(who.user, workshop):
        author = participant_for_user(workshop, who.user)
        who = Who(who.user, author, who.facilitator)
    if author is None:
        raise errors.Forbidden(JOIN_FIRST)
    if group is None and author is not None:
        group = author.group
    last = workshop.notes.aggregate(last=Max("position"))["last"]
    note = Note(
        workshop=workshop,
        author=author,
        group=group,
        kind=kind,
        text=text.strip(),
        cluster=cluster,
        hidden=workshop.private_writing,
        position=0 if last is None else last + 1,
        client_key=client_key,
    )
    _require_contribute(who, note, "create")
    # The related objects come checked from the caller; the database guards the constraints.
    note.full_clean(
        exclude=["workshop", "author", "group", "cluster", "category"], validate_constraints=False
    )
    if client_key:
        try:
            with transaction.atomic():
                note.save()
        except IntegrityError:  # the same write, retried while the first was still running
            done = workshop.notes.select_related("author").filter(client_key=client_key).first()
            if done is None or not _same_writer(who, done):
                raise errors.Conflict() from None
            return done
    else:
        note.save()
    event_record(
        workshop_id=workshop.pk,
        kind="note.created",
        obj_id=note.pk,
        data=note_data(note),
        actor=who.name,
    )
    return note


NOTE_FIELDS = ("text", "kind", "group", "cluster", "category")


@transaction.atomic
def note_update(*, who: Who, note: Note, changes: dict[str, Any], version: int | None) -> Note:
    """Change a note's text, kind, cluster, group or category; a stale `version` is a 409."""
    note = (
        Note.objects.select_for_update(of=("self",), no_key=True)
        .select_related("workshop", "author")
        .get(pk=note.pk)
    )
    if set(changes) <= {"cluster", "category"}:
        _require_on_board(who, note, changes.get("cluster"))
    else:
        _require_contribute(who, note, "update")
    if version is not None and version != note.version:
        raise errors.StaleVersion(current=note_data(note))
    for field, value in changes.items():
        if field not in NOTE_FIELDS:
            continue
        if hasattr(value, "workshop_id"):
            _in_workshop(note.workshop, field, value)
        if field == "category":
            _in_workspace(note.workshop, field, value)
        setattr(note, field, value.strip() if isinstance(value, str) else value)
    if not who.facilitator and not access.on_their_board(who.participant, note):
        raise errors.Forbidden(OTHER_GROUP)  # moved onto another group's board
    note.version += 1
    _clean(note)
    note.save()
    event_record(
        workshop_id=note.workshop_id,
        kind="note.updated",
        obj_id=note.pk,
        data=note_data(note),
        actor=who.name,
    )
    return note


@transaction.atomic
def note_delete(*, who: Who, note: Note) -> None:
    _require_contribute(who, note, "delete")
    pk, workshop_id, group_id = note.pk, note.workshop_id, note.group_id
    # Dots on a deleted note go back to the people who spent them (in the current round).
    dots = current_dots(note.workshop).filter(note=note)
    for participant_id in dots.values_list("participant_id", flat=True):
        Participant.objects.filter(pk=participant_id).update(votes_used=F("votes_used") - 1)
    note.delete()
    event_record(
        workshop_id=workshop_id,
        kind="note.deleted",
        obj_id=pk,
        data={"id": pk, "group": group_id},
        actor=who.name,
    )


def _voter_locked(who: Who, workshop: Workshop, *, join: bool) -> Participant | None:
    """The voter's participant row, locked until the transaction ends.

    Every cast and retract of one person queues on this lock, so the dots they hold and their
    `votes_used` change together, never interleaved (12 retracts at once used to take the same
    dot 12 times over).
    """
    participant = who.participant
    if participant is None and who.user is not None and who.user.is_authenticated:
        participant = (
            participant_for_user(workshop, who.user)
            if join
            else workshop.participants.filter(user=who.user).order_by().first()
        )
    if participant is None:
        return None
    # Only the voter's row (`of`), not the workshop's; and `no_key`: the row's key is not
    # changed, so PostgreSQL's foreign-key checks (FOR KEY SHARE, run at commit: Django's
    # foreign keys are deferred) of the voter's own notes written meanwhile are not blocked —
    # a FOR UPDATE here deadlocked them against the event counter (a room of 12 writing at
    # once: 500s; tests/test_workshop_votes.py).
    return (
        Participant.objects.select_for_update(of=("self",), no_key=True)
        .select_related("workshop")
        .annotate(rounds_held=Exists(VotingRound.objects.filter(workshop=OuterRef("workshop"))))
        .filter(pk=participant.pk)
        .order_by()
        .first()
    )


def current_dots(workshop: Workshop, rounds_held: bool | None = None) -> Any:
    """The dots that count now: those of the open round; before any round, those cast
    without one; between rounds, none. (`rounds_held`: whether it had rounds, if known.)"""
    if workshop.voting_round_id is not None:
        return Vote.objects.filter(round_id=workshop.voting_round_id)
    if rounds_held is None:
        rounds_held = workshop.rounds.exists()
    if rounds_held:
        return Vote.objects.none()
    return Vote.objects.filter(workshop=workshop, round__isnull=True)


def _require_votable(voter: Participant, note: Note) -> None:
    """Voting happens before any round, or in the open round on the notes it puts up
    (`voter`: as `_voter_locked` read it)."""
    voting_round = voter.workshop.voting_round if voter.workshop.voting_round_id else None
    if voting_round is None:
        if voter.rounds_held:
            raise errors.Conflict(VOTING_CLOSED)
        return
    notes = set(voting_round.notes.values_list("id", flat=True))
    clusters = set(voting_round.clusters.values_list("id", flat=True))
    if (notes or clusters) and note.pk not in notes and note.cluster_id not in clusters:
        raise errors.Invalid({"note": [NOT_UP_FOR_VOTE]})


def _done_before(participant: Participant, client_key: str) -> VoteKey | None:
    """The vote this key was already sent with (the participant's row is locked: a retry
    running at the same time waits for the first and finds its key here)."""
    if not client_key:
        return None
    return VoteKey.objects.filter(participant=participant, key=client_key).first()


@transaction.atomic
def vote_cast(*, who: Who, note: Note, client_key: str = "") -> Vote:
    """Put one of the person's dots on `note`; the budget holds even under concurrent votes.

    The voter's row is locked first (`_voter_locked`); the spend is then one conditional
    UPDATE (`votes_used < budget`), so the database, not a read-then-write in Python, says no.
    `client_key` (the page's or the API client's key for this write) makes a retry after a lost
    answer spend nothing more: it answers the dot the first one cast.
    """
    participant = _voter_locked(who, note.workshop, join=True)
    client_key = client_key.strip()[:64]
    done = _done_before(participant, client_key) if participant is not None else None
    if done is not None:
        note.refresh_from_db(fields=["votes"])
        return Vote(pk=done.dot, workshop_id=note.workshop_id, note=note, participant=participant)
    vote = Vote(workshop_id=note.workshop_id, note=note, participant=participant)
    if participant is not None and not access.on_their_board(participant, vote):
        raise errors.Forbidden(OTHER_GROUP)
    if participant is None or not access.can_contribute(participant, vote, "create"):
        raise errors.Forbidden(LOCKED if note.workshop.locked else _("Join the workshop to vote."))
    workshop = participant.workshop  # read under the lock: the round and budget of now
    _require_votable(participant, note)
    budget = workshop.vote_budget
    spent = Participant.objects.filter(pk=participant.pk, votes_used__lt=budget).update(
        votes_used=F("votes_used") + 1
    )
    if not spent:
        raise errors.Conflict(BUDGET_SPENT, current={"votes_used": budget, "vote_budget": budget})
    vote.round_id = workshop.voting_round_id
    vote.save()
    if client_key:
        VoteKey.objects.create(participant=participant, key=client_key, dot=vote.pk)
    Note.objects.filter(pk=note.pk).update(votes=F("votes") + 1)
    note.refresh_from_db(fields=["votes"])
    event_record(
        workshop_id=note.workshop_id,
        kind="vote.cast",
        obj_id=note.pk,
        data={
            "note": note.pk,
            "votes": note.votes,
            "participant": participant.pk,
            "group": note.group_id,
        },
        actor=participant.name,
    )
    return vote


@transaction.atomic
def vote_retract(*, who: Who, note: Note, client_key: str = "") -> None:
    """Take back one of the person's dots on `note`; the counts move only if a dot went, and
    a retry with the same `client_key` takes back nothing more."""
    participant = _voter_locked(who, note.workshop, join=False)
    client_key = client_key.strip()[:64]
    if participant is not None and _done_before(participant, client_key) is not None:
        note.refresh_from_db(fields=["votes"])
        return
    if participant is None:
        raise errors.Invalid({"note": [NO_VOTE_TO_TAKE_BACK]})
    workshop = participant.workshop
    if workshop.voting_round_id is None and participant.rounds_held:
        raise errors.Conflict(VOTING_CLOSED)
    dots = current_dots(workshop, participant.rounds_held)
    vote = dots.filter(note=note, participant=participant).order_by("-id").first()
    if vote is None:
        raise errors.Invalid({"note": [NO_VOTE_TO_TAKE_BACK]})
    if not access.can_contribute(participant, vote, "delete"):
        raise errors.Forbidden(LOCKED)
    removed, _ignored = Vote.objects.filter(pk=vote.pk).delete()
    if not removed:  # taken back by a request that held the lock before: nothing to count
        raise errors.Invalid({"note": [NO_VOTE_TO_TAKE_BACK]})
    if client_key:
        VoteKey.objects.create(participant=participant, key=client_key)
    Participant.objects.filter(pk=participant.pk, votes_used__gt=0).update(
        votes_used=F("votes_used") - 1
    )
    Note.objects.filter(pk=note.pk, votes__gt=0).update(votes=F("votes") - 1)
    note.refresh_from_db(fields=["votes"])
    event_record(
        workshop_id=note.workshop_id,
        kind="vote.retracted",
        obj_id=note.pk,
        data={
            "note": note.pk,
            "votes": note.votes,
            "participant": participant.pk,
            "group": note.group_id,
        },
        actor=participant.name,
    )


@transaction.atomic
def vote_delete(*, who: Who, vote: Vote) -> None:
    """Take back this very dot (the API's DELETE of a vote): the voter's own only, and only
    in the round it was cast in."""
    if who.participant is None or vote.participant_id != who.participant.pk:
        raise errors.Forbidden(ONLY_THE_VOTER)
    if not current_dots(vote.workshop).filter(pk=vote.pk).exists():
        raise errors.Conflict(PAST_ROUND)
    vote_retract(who=who, note=vote.note)


# --- Voting rounds -----------------------------------------------------------------------------


def parts_of(queryset: Any, ids: list[int], field: str) -> list[Any]:
    """The workshop's notes or clusters by id; an id of none of them is a 400 on `field`."""
    found = list(queryset.filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise errors.Invalid({field: [NOT_IN_WORKSHOP]})
    return found


def round_data(voting_round: VotingRound, results: bool = True) -> dict[str, Any]:
    data = {
        "id": voting_round.pk,
        "workshop": voting_round.workshop_id,
        "number": voting_round.number,
        "title": voting_round.title,
        "budget": voting_round.budget,
        "notes": [n.pk for n in voting_round.notes.all()],
        "clusters": [c.pk for c in voting_round.clusters.all()],
        "open": voting_round.closed_at is None,
        "opened_at": voting_round.opened_at.isoformat(),
        "closed_at": voting_round.closed_at.isoformat() if voting_round.closed_at else None,
    }
    if results:
        data["results"] = (
            voting_round.results if voting_round.closed_at else round_results(voting_round)
        )
    return data


def round_results(voting_round: VotingRound) -> dict[str, list[dict[str, Any]]]:
    """The round's dots per note and per cluster, most first (ties: the earlier first)."""
    counts: dict[int, int] = {}
    for note_id in voting_round.dots.values_list("note_id", flat=True):
        counts[note_id] = counts.get(note_id, 0) + 1
    notes = Note.objects.filter(pk__in=counts).select_related("cluster")
    rows = sorted(
        (
            {
                "note": note.pk,
                "text": note.text,
                "group": note.group_id,
                "cluster": note.cluster_id,
                "votes": counts[note.pk],
                "position": note.position,
            }
            for note in notes
        ),
        key=lambda row: (-row["votes"], row["position"], row["note"]),
    )
    clusters: dict[int, dict[str, Any]] = {}
    names = {note.cluster_id: note.cluster.name for note in notes if note.cluster_id}
    for row in rows:
        del row["position"]
        if row["cluster"] is not None:
            total = clusters.setdefault(
                row["cluster"],
                {"cluster": row["cluster"], "name": names[row["cluster"]], "group": row["group"]},
            )
            total["votes"] = total.get("votes", 0) + row["votes"]
    ranked = sorted(clusters.values(), key=lambda c: (-c["votes"], c["cluster"]))
    return {"notes": rows, "clusters": ranked}


@transaction.atomic
def round_open(
    *,
    who: Who,
    workshop: Workshop,
    budget: int | None = None,
    title: str = "",
    notes: list[Note] | tuple = (),
    clusters: list[Cluster] | tuple = (),
) -> VotingRound:
    """Open the next voting round: everyone's budget starts again at `budget` dots (the
    workshop's votes per person if not given) and the notes' counts at zero. `notes` and
    `clusters` put only those up for the vote (the notes of the clusters); none: every note."""
    _require_facilitator(who)
    workshop = Workshop.objects.select_for_update(no_key=True).get(pk=workshop.pk)
    if workshop.voting_round_id is not None:
        raise errors.Conflict(ROUND_ALREADY_OPEN)
    for field, objs in (("notes", notes), ("clusters", clusters)):
        for obj in objs:
            _in_workshop(workshop, field, obj)
    last = workshop.rounds.aggregate(last=Max("number"))["last"] or 0
    voting_round = VotingRound(
        workshop=workshop,
        number=last + 1,
        title=title.strip()[:200],
        budget=budget if budget is not None else workshop.vote_budget,
    )
    _clean(voting_round, exclude=["workshop"], validate_constraints=False)
    voting_round.save()
    voting_round.notes.set(notes)
    voting_round.clusters.set(clusters)
    workshop.participants.update(votes_used=0)
    workshop.notes.update(votes=0)
    workshop.voting_round = voting_round
    workshop.vote_budget = voting_round.budget
    _workshop_changed(workshop, who, "round.opened", ["voting_round", "vote_budget"])
    return voting_round


@transaction.atomic
def round_close(*, who: Who, workshop: Workshop) -> VotingRound:
    """Close the open round; its results are written down and kept as they are."""
    _require_facilitator(who)
    workshop = Workshop.objects.select_for_update(no_key=True).get(pk=workshop.pk)
    voting_round = workshop.voting_round
    if voting_round is None:
        raise errors.Conflict(NO_ROUND_OPEN)
    voting_round.closed_at = timezone.now()
    voting_round.results = round_results(voting_round)
    voting_round.save(update_fields=["closed_at", "results"])
    workshop.voting_round = None
    _workshop_changed(workshop, who, "round.closed", ["voting_round"])
    return voting_round


@transaction.atomic
def cluster_add(*, who: Who, workshop: Workshop, name: str, group: Group | None = None) -> Cluster:
    """Clusters are named by anyone on the board while editing is open."""
    if not name.strip():
        raise errors.Invalid({"name": [CLUSTER_NAME_MISSING]})
    if who.participant is None and not who.facilitator:
        raise errors.Forbidden(JOIN_FIRST)
    if workshop.locked and not who.facilitator:
        raise errors.Forbidden(LOCKED)
    _in_workshop(workshop, "group", group)
    if not who.facilitator:
        group = group if group is not None else who.participant.group
        if group is not None and group.pk != who.participant.group_id:
            raise errors.Forbidden(OTHER_GROUP)
    last = workshop.clusters.aggregate(last=Max("position"))["last"]
    cluster = Cluster(
        workshop=workshop,
        group=group,
        name=name.strip()[:120],
        position=0 if last is None else last + 1,
    )
    _clean(cluster, exclude=["workshop", "group"])
    cluster.save()
    event_record(
        workshop_id=workshop.pk,
        kind="cluster.created",
        obj_id=cluster.pk,
        data=cluster_data(cluster),
        actor=who.name,
    )
    return cluster


def cluster_data(cluster: Cluster) -> dict[str, Any]:
    return {"id": cluster.pk, "name": cluster.name, "group": cluster.group_id}


@transaction.atomic
def cluster_update(*, who: Who, cluster: Cluster, name: str) -> Cluster:
    """Rename a cluster: everyone on its board while editing is open, like moving a sticky."""
    _require_contribute(who, cluster, "update")
    if not name.strip():
        raise errors.Invalid({"name": [CLUSTER_NAME_MISSING]})
    cluster.name = name.strip()[:120]
    cluster.save(update_fields=["name"])
    event_record(
        workshop_id=cluster.workshop_id,
        kind="cluster.updated",
        obj_id=cluster.pk,
        data=cluster_data(cluster),
        actor=who.name,
    )
    return cluster


@transaction.atomic
def cluster_delete(*, who: Who, cluster: Cluster) -> None:
    """Dissolve a cluster; its notes stay on the board, loose."""
    _require_contribute(who, cluster, "delete")
    pk, workshop_id = cluster.pk, cluster.workshop_id
    notes = list(cluster.notes.values_list("id", flat=True))
    cluster.notes.update(cluster=None, version=F("version") + 1)
    cluster.delete()
    event_record(
        workshop_id=workshop_id,
        kind="cluster.deleted",
        obj_id=pk,
        data={"id": pk, "notes": notes, "group": cluster.group_id},
        actor=who.name,
    )


@transaction.atomic
def cluster_merge(*, who: Who, cluster: Cluster, into: Cluster) -> Cluster:
    """Move every note of `cluster` into `into` and dissolve `cluster`."""
    _require_contribute(who, cluster, "delete")
    _require_contribute(who, into, "update")
    if into.pk == cluster.pk or into.workshop_id != cluster.workshop_id:
        raise errors.Invalid({"into": [_("Pick another cluster of this board.")]})
    if into.group_id != cluster.group_id:
        raise errors.Invalid({"into": [_("Clusters of different groups stay apart.")]})
    notes = list(cluster.notes.values_list("id", flat=True))
    cluster.notes.update(cluster=into, version=F("version") + 1)
    pk = cluster.pk
    cluster.delete()
    event_record(
        workshop_id=into.workshop_id,
        kind="cluster.merged",
        obj_id=pk,
        data={"id": pk, "into": into.pk, "notes": notes, "group": into.group_id},
        actor=who.name,
    )
    return into


def ranked_notes(workshop: Workshop) -> list[Note]:
    """Visible notes by votes, most first (ties: the earlier note first)."""
    return list(
        workshop.notes.filter(hidden=False)
        .select_related("author", "cluster")
        .order_by("-votes", "position", "id")
    )


def ranked_clusters(workshop: Workshop) -> list[Cluster]:
    return list(
        workshop.clusters.annotate(
            total=Coalesce(Sum("notes__votes"), 0),
        ).order_by("-total", "position", "id")
    )


# --- Outputs -----------------------------------------------------------------------------------


@transaction.atomic
def output_promote(
    *,
    who: Who,
    workshop: Workshop,
    note: Note | None = None,
    cluster: Cluster | None = None,
    step: Any = None,
    category: Any = None,
    persona: Any = None,
    title: str = "",
) -> Output:
    """Keep a note or a cluster as a workshop output, optionally attached to where it belongs."""
    _require_facilitator(who)
    _in_workshop(workshop, "note", note)
    _in_workshop(workshop, "cluster", cluster)
    for field, value in (("step", step), ("category", category), ("persona", persona)):
        _in_workspace(workshop, field, value)
    if not (title.strip() or note is not None or cluster is not None):
        raise errors.Invalid({"title": [KEEP_WHAT]})
    if note is not None:
        source_title = note.text
        votes = note.votes
        detail = ""
    elif cluster is not None:
        texts = list(cluster.notes.filter(hidden=False).values_list("text", flat=True))
        source_title = cluster.name
        votes = sum(cluster.notes.values_list("votes", flat=True))
        detail = "\n".join(f"- {text}" for text in texts)
    else:
        source_title, votes, detail = title, 0, ""
    output = Output(
        workshop=workshop,
        title=(title or source_title)[:200],
        detail=detail[:5000],
        note=note,
        cluster=cluster,
        step=step,
        category=category,
        persona=persona,
        votes=votes,
    )
    _clean(output, exclude=["workshop", "note", "cluster", "step", "category", "persona"])
    output.save()
    event_record(
        workshop_id=workshop.pk,
        kind="output.created",
        obj_id=output.pk,
        data=output_data(output),
        actor=who.name,
    )
    return output


def output_data(output: Output) -> dict[str, Any]:
    return {
        "id": output.pk,
        "workshop": output.workshop_id,
        "title": output.title,
        "detail": output.detail,
        "note": output.note_id,
        "cluster": output.cluster_id,
        "step": output.step_id,
        "category": output.category_id,
        "persona": output.persona_id,
        "persona_name": output.persona.name if output.persona_id else "",
        "votes": output.votes,
    }


OUTPUT_FIELDS = ("title", "detail", "step", "category", "persona")


@transaction.atomic
def output_update(*, who: Who, output: Output, changes: dict[str, Any]) -> Output:
    """Retitle an output or attach it elsewhere (a step, a category, a persona)."""
    _require_facilitator(who)
    fields = [f for f in OUTPUT_FIELDS if f in changes]
    for field in fields:
        value = changes[field]
        if field in ("step", "category", "persona"):
            _in_workspace(output.workshop, field, value)
        setattr(output, field, value.strip() if isinstance(value, str) else value)
    _clean(output, exclude=["workshop", "note", "cluster", "step", "category", "persona"])
    output.save(update_fields=fields)
    event_record(
        workshop_id=output.workshop_id,
        kind="output.updated",
        obj_id=output.pk,
        data=output_data(output),
        actor=who.name,
    )
    return output


@transaction.atomic
def output_delete(*, who: Who, output: Output) -> None:
    _require_facilitator(who)
    pk, workshop_id = output.pk, output.workshop_id
    output.delete()
    event_record(
        workshop_id=workshop_id, kind="output.deleted", obj_id=pk, data={"id": pk}, actor=who.name
    )


def output_rows(workshop: Workshop) -> list[dict[str, Any]]:
    """Outputs as flat rows for the CSV and JSON exports."""
    rows = []
    outputs = workshop.outputs.select_related(
        "step", "step__blueprint", "category", "cluster", "persona"
    )
    for output in outputs:
        rows.append(
            {
                "id": output.pk,
                "workshop": workshop.title,
                "title": output.title,
                "detail": output.detail,
                "votes": output.votes,
                "source": "cluster" if output.cluster_id else "note" if output.note_id else "",
                "blueprint": output.step.blueprint.title if output.step_id else "",
                "step": output.step.title if output.step_id else "",
                "step_id": output.step_id,
                "category": output.category.name if output.category_id else "",
                "category_id": output.category_id,
                "persona": output.persona.name if output.persona_id else "",
                "persona_id": output.persona_id,
            }
        )
    return rows


def workshop_outputs_for_blueprint(blueprint: Any) -> list[dict[str, Any]]:
    """The workshop outputs attached to the steps of `blueprint`, for the PDF book.

    Each: `{"workshop", "date", "title", "detail", "votes", "step_id", "step", "persona"}`
    (the name of the persona it is attached to, or ""), ordered by
    workshop date, then most voted first. A global blueprint also lists the outputs attached to
    the team steps its steps came from.
    """
    from blueprints.models import Step

    step_titles = dict(blueprint.steps.values_list("id", "title"))
    # A team step merged into this (global) blueprint: its outputs show on the global step.
    sources = dict(
        Step.sources.through.objects.filter(from_step__blueprint=blueprint).values_list(
            "to_step_id", "from_step_id"
        )
    )
    # Joined in SQL rather than a list of every step id: a 2,000-step blueprint's IN list took
    # longer to compile than to run.
    merged_from = Step.sources.through.objects.filter(from_step__blueprint=blueprint)
    outputs = (
        Output.objects.filter(
            Q(step__blueprint=blueprint) | Q(step_id__in=merged_from.values("to_step_id"))
        )
        .select_related("workshop", "persona")
        .order_by("workshop__date", "workshop_id", "-votes", "id")
    )
    return [
        {
            "workshop": output.workshop.title,
            "date": output.workshop.date.isoformat() if output.workshop.date else None,
            "title": output.title,
            "detail": output.detail,
            "votes": output.votes,
            "step_id": sources.get(output.step_id, output.step_id),
            "step": step_titles.get(sources.get(output.step_id, output.step_id), ""),
            "persona": output.persona.name if output.persona_id else "",
        }
        for output in outputs
    ]
