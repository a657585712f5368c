"""Objects for tests, made through the ORM with sensible defaults."""

from dataclasses import dataclass
from itertools import count
from typing import Any

from django.contrib.auth.models import User

from blueprints import ordering
from blueprints.models import Actor, Blueprint, Channel, Lane, Link, Phase, Step
from workspaces.models import Membership, Team, Workspace

_serial = count(1)


def make_user(username: str | None = None) -> User:
    username = username or f"user{next(_serial)}"
    return User.objects.create_user(username=username, password="secret-pass-123")


def make_workspace(name: str = "Aurora", **members: list[User]) -> Workspace:
    workspace = Workspace.objects.create(name=name)
    for role, users in members.items():
        for user in users:
            Membership.objects.create(workspace=workspace, user=user, role=role)
    return workspace


def make_team(workspace: Workspace, name: str, members: list[User] = ()) -> Team:
    team = Team.objects.create(workspace=workspace, name=name)
    team.members.set(members)
    return team


def make_blueprint(workspace: Workspace, team: Team | None = None, **fields: Any) -> Blueprint:
    kind = "team" if team else "global"
    fields.setdefault("title", f"Blueprint {next(_serial)}")
    return Blueprint.objects.create(workspace=workspace, team=team, kind=kind, **fields)


def make_phase(blueprint: Blueprint, name: str = "Contact") -> Phase:
    phase = Phase(blueprint=blueprint, name=name)
    ordering.insert(phase, None)
    return phase


def make_lane(blueprint: Blueprint, band: str = "customer", **fields: Any) -> Lane:
    fields.setdefault("name", band.title())
    lane = Lane(blueprint=blueprint, band=band, **fields)
    ordering.insert(lane, None)
    return lane


def make_step(lane: Lane, phase: Phase, title: str = "Calls the hotline", **fields: Any) -> Step:
    step = Step(blueprint=lane.blueprint, lane=lane, phase=phase, title=title, **fields)
    ordering.insert(step, None)
    return step


def make_link(source: Step, target: Step, kind: str = "handoff", label: str = "") -> Link:
    return Link.objects.create(
        blueprint=source.blueprint, source=source, target=target, kind=kind, label=label
    )


@dataclass
class BlueprintParts:
    blueprint: Blueprint
    phase: Phase
    lane: Lane
    step: Step
    other_step: Step
    link: Link


def fill_blueprint(blueprint: Blueprint, actor: Actor | None = None) -> BlueprintParts:
    phase = make_phase(blueprint, "Contact")
    make_phase(blueprint, "Resolution")
    lane = make_lane(blueprint, "customer", name="Consumer")
    backstage = make_lane(blueprint, "backstage", name="Quality analyst", actor=actor)
    step = make_step(lane, phase, "Calls about a flat bottle")
    other = make_step(backstage, phase, "Checks the batch code")
    link = make_link(step, other)
    return BlueprintParts(blueprint, phase, lane, step, other, link)


def make_blueprint_of_size(workspace: Workspace, team: Team, steps: int) -> Blueprint:
    """A realistic blueprint: 6 phases, one lane per band plus two backstage roles."""
    blueprint = make_blueprint(workspace, team, title=f"{steps}-step blueprint")
    phases = [make_phase(blueprint, f"Phase {i}") for i in range(6)]
    bands = ["evidence", "customer", "frontstage", "backstage", "backstage", "support"]
    lanes = [make_lane(blueprint, band, name=f"{band} {i}") for i, band in enumerate(bands)]
    channel = Channel.objects.create(
        workspace=workspace, name=f"Phone {next(_serial)}", kind="phone"
    )
    made: list[Step] = []
    for i in range(steps):
        lane, phase = lanes[i % len(lanes)], phases[(i // len(lanes)) % len(phases)]
        position = sum(1 for s in made if s.lane_id == lane.pk and s.phase_id == phase.pk)
        made.append(
            Step(
                blueprint=blueprint,
                lane=lane,
                phase=phase,
                title=f"Step {i}",
                position=position,
                channel=channel,
                emotion=(i % 5) - 2,
                data_captured="Order number",
            )
        )
    Step.objects.bulk_create(made)
    made = list(blueprint.steps.order_by("id"))
    Link.objects.bulk_create(
        Link(blueprint=blueprint, source=a, target=b, kind="handoff")
        for a, b in zip(made[::2], made[1::2], strict=False)
    )
    return blueprint
