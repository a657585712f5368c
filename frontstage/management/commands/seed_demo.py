"""Load the demo workspace of the story (DESIGN.md): users, teams, channels, actors, blueprints.

Idempotent: everything is looked up by its natural key (workspace name, username, team,
actor and channel name, blueprint title), so running it again creates nothing twice and keeps
the ids of what exists. A demo blueprint that already has content is left as it is, so edits
made in the demo survive `make run`; `--reset` rebuilds those blueprints from the demo data.
"""

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, identify_hasher, is_password_usable
from django.contrib.auth.models import AbstractBaseUser
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from blueprints import demo_data
from blueprints.models import (
    BAND_ORDER,
    Actor,
    Blueprint,
    BlueprintKind,
    Channel,
    Lane,
    Link,
    Phase,
    PhaseMapping,
    Step,
)
from innovation.demo_data import seed_demo_innovation
from personas.runs import demo_seed as seed_personas
from workshops.demo_data import seed_demo_workshop
from workspaces.models import Membership, Team, Workspace


class Command(BaseCommand):
    help = "Load the demo workspace (idempotent) and print the demo logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Rebuild the demo blueprints from the demo data, discarding edits made to them.",
        )

    def handle(self, *args: Any, reset: bool = False, **options: Any) -> None:
        with transaction.atomic():
            workspace = seed_workspace(demo_data.WORKSPACE, reset)
            users = seed_users(workspace, demo_data.USERS, demo_data.PASSWORD, reset)
            teams = seed_teams(workspace, demo_data.TEAMS, demo_data.USERS, users)
            actors = seed_actors(workspace, demo_data.ACTORS, reset)
            channels = seed_channels(workspace, demo_data.CHANNELS, reset)
            built = 0
            for spec in demo_data.BLUEPRINTS:
                built += seed_blueprint(workspace, spec, teams, actors, channels, reset)
            seed_phase_mappings(workspace, demo_data.GLOBAL_PHASES)
            seed_demo_workshop(workspace)
        kept = len(demo_data.BLUEPRINTS) - built
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo workspace “{workspace.name}” ready: {len(teams)} teams, "
                f"{len(actors)} actors, {len(channels)} channels, "
                f"{len(demo_data.BLUEPRINTS)} team blueprints ({built} built, {kept} kept)."
            )
        )
        self.stdout.write(logins_table(demo_data.USERS, demo_data.PASSWORD))
        self.stdout.write(seed_personas(workspace=workspace))
        with transaction.atomic():  # after the personas, which its data needs are for
            self.stdout.write(seed_demo_innovation(workspace=workspace))


def seed_workspace(spec: dict[str, Any], reset: bool) -> Workspace:
    workspace = Workspace.objects.filter(name=spec["name"]).order_by("id").first()
    if workspace is None:
        return Workspace.objects.create(**spec)
    if reset:
        for field, value in spec.items():
            setattr(workspace, field, value)
        workspace.save()
    return workspace


def seed_users(
    workspace: Workspace, specs: list[dict[str, Any]], password: str, reset: bool
) -> dict[str, AbstractBaseUser]:
    """Create or refresh the demo users, their memberships and their (shared) password."""
    user_model = get_user_model()
    users: dict[str, AbstractBaseUser] = {}
    for spec in specs:
        names = {key: spec[key] for key in ("first_name", "last_name", "email")}
        user, created = user_model.objects.get_or_create(username=spec["username"], defaults=names)
        if reset and not created:
            for field, value in names.items():
                setattr(user, field, value)
        user.is_active = True
        users[spec["username"]] = user
        Membership.objects.update_or_create(
            workspace=workspace, user=user, defaults={"role": spec["role"]}
        )
    encoded = reusable_hash(users.values(), password)
    if encoded is None:
        # Hashing is deliberately slow; hash once and give every demo user that password.
        first = next(iter(users.values()))
        first.set_password(password)
        encoded = first.password
    for user in users.values():
        user.password = encoded
        user.save()
    return users


def reusable_hash(users: Iterable[AbstractBaseUser], password: str) -> str | None:
    """The demo users' current hash if they all share one that still matches `password`."""
    hashes = {user.password for user in users}
    if len(hashes) != 1:
        return None
    (encoded,) = hashes
    if not is_password_usable(encoded) or not check_password(password, encoded):
        return None
    if identify_hasher(encoded).must_update(encoded):
        return None
    return encoded


def seed_teams(
    workspace: Workspace,
    names: list[str],
    user_specs: list[dict[str, Any]],
    users: dict[str, AbstractBaseUser],
) -> dict[str, Team]:
    teams = {name: Team.objects.get_or_create(workspace=workspace, name=name)[0] for name in names}
    for spec in user_specs:
        for team_name in spec["teams"]:
            lookup(teams, team_name, "team", spec["username"]).members.add(users[spec["username"]])
    return teams


def seed_actors(workspace: Workspace, specs: list[dict[str, Any]], reset: bool) -> dict[str, Actor]:
    actors = {}
    for spec in specs:
        defaults = {"description": spec.get("description", "")}
        if reset:
            actor, _ = Actor.objects.update_or_create(
                workspace=workspace, name=spec["name"], defaults=defaults
            )
        else:
            actor, _ = Actor.objects.get_or_create(
                workspace=workspace, name=spec["name"], defaults=defaults
            )
        actors[actor.name] = actor
    return actors


def seed_channels(
    workspace: Workspace, specs: list[dict[str, Any]], reset: bool
) -> dict[str, Channel]:
    channels = {}
    for spec in specs:
        defaults = {"kind": spec["kind"]}
        if reset:
            channel, _ = Channel.objects.update_or_create(
                workspace=workspace, name=spec["name"], defaults=defaults
            )
        else:
            channel, _ = Channel.objects.get_or_create(
                workspace=workspace, name=spec["name"], defaults=defaults
            )
        channels[channel.name] = channel
    return channels


def seed_blueprint(
    workspace: Workspace,
    spec: dict[str, Any],
    teams: dict[str, Team],
    actors: dict[str, Actor],
    channels: dict[str, Channel],
    reset: bool,
) -> bool:
    """Make sure the team blueprint exists; fill it when empty (or on reset). True if built."""
    team = lookup(teams, spec["team"], "team", spec["title"])
    blueprint, created = Blueprint.objects.get_or_create(
        workspace=workspace,
        title=spec["title"],
        kind=BlueprintKind.TEAM,
        defaults={"team": team, "description": spec.get("description", "")},
    )
    has_content = not created and (blueprint.phases.exists() or blueprint.lanes.exists())
    if has_content and not reset:
        return False
    if reset and not created:
        blueprint.team = team
        blueprint.description = spec.get("description", "")
        blueprint.save()
        # Steps and links go with their lanes and phases.
        blueprint.lanes.all().delete()
        blueprint.phases.all().delete()
    build_contents(blueprint, spec, actors, channels)
    return True


def build_contents(
    blueprint: Blueprint,
    spec: dict[str, Any],
    actors: dict[str, Actor],
    channels: dict[str, Channel],
) -> None:
    """Phases, lanes, steps and links of an empty blueprint, positions 0..n-1 in data order."""
    title = spec["title"]
    phases = Phase.objects.bulk_create(
        Phase(blueprint=blueprint, name=name, position=index)
        for index, name in enumerate(spec["phases"])
    )
    phase_by_name = {phase.name: phase for phase in phases}

    lane_specs = sorted(spec["lanes"], key=lambda lane: BAND_ORDER[lane["band"]])
    lanes = Lane.objects.bulk_create(
        Lane(
            blueprint=blueprint,
            name=lane["name"],
            name_translations=dict(lane.get("name_translations") or {}),
            band=lane["band"],
            actor=lookup(actors, lane["actor"], "actor", title) if lane["actor"] else None,
            position=index,
        )
        for index, lane in enumerate(lane_specs)
    )
    lane_by_key = {item["key"]: lane for item, lane in zip(lane_specs, lanes, strict=True)}

    cell_size: dict[tuple[str, str], int] = defaultdict(int)
    steps = []
    for step in spec["steps"]:
        lane = lookup(lane_by_key, step["lane"], "lane", title)
        phase = lookup(phase_by_name, step["phase"], "phase", title)
        cell = (step["lane"], step["phase"])
        actor = lookup(actors, step["actor"], "actor", title) if "actor" in step else lane.actor
        channel = lookup(channels, step["channel"], "channel", title) if "channel" in step else None
        steps.append(
            Step(
                blueprint=blueprint,
                lane=lane,
                phase=phase,
                title=step["title"],
                description=step.get("description", ""),
                kind=step.get("kind", "action"),
                channel=channel,
                actor=actor,
                emotion=step.get("emotion", 0),
                evidence=step.get("evidence", "observed"),
                data_captured=step.get("data_captured", ""),
                data_recorded_in=step.get("data_recorded_in", ""),
                data_stage=step.get("data_stage", ""),
                position=cell_size[cell],
            )
        )
        cell_size[cell] += 1
    keys = [step["key"] for step in spec["steps"]]
    if len(set(keys)) != len(keys):
        raise CommandError(f"Demo blueprint “{title}” repeats a step key.")
    step_by_key = dict(zip(keys, Step.objects.bulk_create(steps), strict=True))

    Link.objects.bulk_create(
        Link(
            blueprint=blueprint,
            source=lookup(step_by_key, link["source"], "step", title),
            target=lookup(step_by_key, link["target"], "step", title),
            kind=link["kind"],
            label=link.get("label", ""),
        )
        for link in spec["links"]
    )


def lookup[T](mapping: dict[str, T], key: str, what: str, where: str) -> T:
    try:
        return mapping[key]
    except KeyError:
        raise CommandError(f"Demo data: unknown {what} “{key}” in “{where}”.") from None


def seed_phase_mappings(workspace: Workspace, names: dict[str, str]) -> None:
    """Map the team phases onto the shared journey, unless the facilitator already did."""
    phases = Phase.objects.filter(blueprint__workspace=workspace, blueprint__kind="team")
    for phase in phases.filter(mapping__isnull=True, name__in=names):
        PhaseMapping.objects.create(workspace=workspace, phase=phase, name=names[phase.name])


def logins_table(user_specs: list[dict[str, Any]], password: str) -> str:
    rows = [("Username", "Password", "Role", "Team")]
    rows += [
        (spec["username"], password, spec["role"], ", ".join(spec["teams"]) or "—")
        for spec in user_specs
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = ["", "Demo logins:"]
    for index, row in enumerate(rows):
        lines.append(
            "  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        )
        if index == 0:
            lines.append("  " + "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)
