"""Putting people into groups automatically: balanced, teams mixed, over the page and the
API; the pure split on its own."""

from collections import Counter

import pytest
from django.test import Client

from tests.conftest import World
from workshops import services
from workshops.models import Group, Participant
from workshops.services import Who
from workshops.split import split_mixing_teams

JSON = {"Accept": "application/json"}


@pytest.mark.parametrize(
    "sizes,groups", [((5, 3, 2), 2), ((7,), 3), ((1, 1, 1, 1), 4), ((4, 4), 3)]
)
def test_the_split_is_balanced_and_spreads_every_team(sizes: tuple[int, ...], groups: int) -> None:
    people, pk = [], 0
    for index, size in enumerate(sizes):
        for _ in range(size):
            pk += 1
            people.append((pk, f"team {index}" if index else None))
    split = split_mixing_teams(people, groups)
    assert set(split) == {p for p, _team in people}
    counts = Counter(split.values())
    assert max(counts.values()) - min(counts.values()) <= 1
    assert len(counts) == min(groups, len(people))
    for team in {team for _p, team in people}:
        members = [split[p] for p, t in people if t == team]
        per_group = Counter(members)
        assert max(per_group.values()) - min(per_group.get(g, 0) for g in range(groups)) <= 1
    assert split == split_mixing_teams(list(reversed(people)), groups)  # the same, always


def test_the_facilitator_splits_the_room_into_groups(world: World) -> None:
    workshop = services.workshop_create(workspace=world.workspace, template="blueprint")
    facilitator = Client()
    facilitator.force_login(world.people["facilitator"])
    existing = services.group_create(
        workshop=workshop, who=Who(world.people["facilitator"], None, True), name="Quality"
    )
    for name in ("Ana", "Bruno", "Carla", "Dario", "Eva"):
        Client().post(f"/join/{workshop.join_code}/", {"name": name})
    alice = services.participant_for_user(workshop, world.people["alice"])  # Service centre
    bob = services.participant_for_user(workshop, world.people["bob"])  # Quality
    control = f"/workshops/{workshop.pk}/control/"
    for bad in ("0", "x", "", "999"):
        answer = facilitator.post(control, {"action": "split", "groups": bad}, headers=JSON)
        assert answer.status_code == 400, bad
    split = facilitator.post(control, {"action": "split", "groups": "3"}, headers=JSON)
    assert split.status_code == 200, split.content
    groups = list(workshop.groups.order_by("position"))
    assert [g.name for g in groups] == ["Quality", "Group 2", "Group 3"]
    assert groups[0].pk == existing.pk  # the groups there are used first
    sizes = Counter(workshop.participants.values_list("group_id", flat=True))
    assert sorted(sizes.values()) == [2, 2, 3] and None not in sizes
    assert alice.pk != bob.pk
    # One event tells every page, with where each person went.
    event = workshop.events.filter(kind="participants.split").get()
    moved = {int(k): v for k, v in event.data["groups"].items()}
    assert moved == dict(workshop.participants.values_list("id", "group_id"))
    assert (
        world.client("alice")
        .post(f"/api/v1/workshops/{workshop.pk}/split/", {"groups": 2})
        .status_code
        == 403
    )
    again = world.client("facilitator").post(
        f"/api/v1/workshops/{workshop.pk}/split/", {"groups": 2}
    )
    assert again.status_code == 200, again.data
    assert Counter(
        Participant.objects.filter(workshop=workshop).values_list("group", flat=True)
    ) == {
        groups[0].pk: 4,
        groups[1].pk: 3,
    }
    assert Group.objects.filter(workshop=workshop).count() == 3  # the third stays, empty


def test_facilitators_running_the_room_are_not_split(world: World) -> None:
    workshop = services.workshop_create(workspace=world.workspace, template="blueprint")
    run = Who(world.people["facilitator"], None, True)
    services.participant_for_user(workshop, world.people["facilitator"])
    for name in ("Ana", "Bruno"):
        services.participant_join(workshop=workshop, name=name)
    services.groups_split(who=run, workshop=workshop, count=2)
    grouped = dict(workshop.participants.values_list("name", "group__name"))
    assert grouped["facilitator"] is None
    assert sorted([grouped["Ana"], grouped["Bruno"]]) == ["Group 1", "Group 2"]
