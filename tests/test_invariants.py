"""The database itself refuses rows that break the blueprint's invariants.

These go straight through the ORM, around every serializer and service: whatever code forgets
a check, the constraints and triggers (`blueprints/invariants.py`) still hold. They also catch a
migration that drops the triggers (SQLite loses them when Django rebuilds a table).
"""

from collections.abc import Callable
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from blueprints.models import Blueprint, Lane, Link, Phase, Step
from tests import factories
from tests.conftest import World


def refused(write: Callable[[], Any]) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        write()


def new_step(world: World, **fields: Any) -> Step:
    values = {
        "blueprint": world.a.blueprint,
        "lane": world.a.lane,
        "phase": world.a.phase,
        "title": "Checks the label",
        "position": 99,
    }
    values.update(fields)
    return Step.objects.create(**values)


# --- Everything of a blueprint stays in it ------------------------------------------------


def test_a_valid_step_is_accepted(world: World) -> None:
    step = new_step(world)
    assert Step.objects.filter(pk=step.pk).exists()


def test_it_refuses_a_step_in_a_lane_of_another_blueprint(world: World) -> None:
    refused(lambda: new_step(world, lane=world.b.lane))
    assert not Step.objects.filter(title="Checks the label").exists()


def test_it_refuses_a_step_in_a_phase_of_another_blueprint(world: World) -> None:
    refused(lambda: new_step(world, phase=world.b.phase))


def test_it_refuses_moving_a_step_into_a_lane_of_another_blueprint(world: World) -> None:
    refused(lambda: Step.objects.filter(pk=world.a.step.pk).update(lane=world.b.lane))
    world.a.step.refresh_from_db()
    assert world.a.step.lane_id == world.a.lane.pk


def test_it_refuses_moving_a_step_into_a_phase_of_another_blueprint(world: World) -> None:
    refused(lambda: Step.objects.filter(pk=world.a.step.pk).update(phase=world.b.phase))


def test_it_refuses_a_step_that_names_another_blueprint_than_its_lane(world: World) -> None:
    refused(lambda: new_step(world, blueprint=world.b.blueprint))


@pytest.mark.parametrize("end", ["source", "target"])
def test_it_refuses_a_link_with_an_end_in_another_blueprint(world: World, end: str) -> None:
    ends = {"source": world.a.step, "target": world.a.other_step, end: world.b.step}
    refused(lambda: Link.objects.create(blueprint=world.a.blueprint, kind="trigger", **ends))
    assert Link.objects.count() == 3


@pytest.mark.parametrize("end", ["source", "target"])
def test_it_refuses_repointing_a_link_at_another_blueprint(world: World, end: str) -> None:
    refused(lambda: Link.objects.filter(pk=world.a.link.pk).update(**{end: world.b.step}))
    world.a.link.refresh_from_db()
    assert (world.a.link.source_id, world.a.link.target_id) == (
        world.a.step.pk,
        world.a.other_step.pk,
    )


@pytest.mark.parametrize(
    ("model", "part"),
    [(Lane, "lane"), (Phase, "phase"), (Step, "step"), (Link, "link")],
)
def test_it_refuses_moving_a_row_to_another_blueprint(world: World, model: type, part: str) -> None:
    row = getattr(world.a, part)
    changes: dict[str, Any] = {"blueprint": world.b.blueprint}
    if model is not Link:
        changes["position"] = 99  # no position clash: only the move itself is wrong
    refused(lambda: model.objects.filter(pk=row.pk).update(**changes))
    assert model.objects.get(pk=row.pk).blueprint_id == world.a.blueprint.pk


def test_it_refuses_moving_a_lane_with_save(world: World) -> None:
    lane = Lane.objects.get(pk=world.a.lane.pk)
    lane.blueprint = world.b.blueprint
    lane.position = 99
    refused(lane.save)


# --- Values in range ----------------------------------------------------------------------


@pytest.mark.parametrize("emotion", [3, -3, 32767])
def test_it_refuses_an_emotion_outside_minus_two_to_two(world: World, emotion: int) -> None:
    refused(lambda: new_step(world, emotion=emotion))
    refused(lambda: Step.objects.filter(pk=world.a.step.pk).update(emotion=emotion))


@pytest.mark.parametrize("emotion", [-2, 2])
def test_it_accepts_the_extreme_emotions(world: World, emotion: int) -> None:
    assert new_step(world, emotion=emotion).emotion == emotion


@pytest.mark.parametrize(
    ("model", "field", "value"),
    [
        (Step, "kind", "villain"),
        (Step, "evidence", "rumour"),
        (Step, "data_stage", "leaked"),
        (Step, "version", 0),
        (Lane, "band", "basement"),
        (Link, "kind", "telepathy"),
        (Blueprint, "version", 0),
    ],
)
def test_it_refuses_values_outside_their_choices(
    world: World, model: type, field: str, value: Any
) -> None:
    row = world.a.blueprint if model is Blueprint else getattr(world.a, model.__name__.lower())
    refused(lambda: model.objects.filter(pk=row.pk).update(**{field: value}))


# --- Positions are unique -----------------------------------------------------------------


@pytest.mark.parametrize("model", [Phase, Lane])
def test_it_refuses_two_phases_or_lanes_at_one_position(world: World, model: type) -> None:
    taken = model.objects.filter(blueprint=world.a.blueprint).order_by("position").first()
    extra = {"band": "support"} if model is Lane else {}
    refused(
        lambda: model.objects.create(
            blueprint=world.a.blueprint, name="Clash", position=taken.position, **extra
        )
    )


@pytest.mark.parametrize("model", [Phase, Lane])
def test_the_same_position_in_another_blueprint_is_fine(world: World, model: type) -> None:
    extra = {"band": "support"} if model is Lane else {}
    row = model.objects.create(blueprint=world.b.blueprint, name="Fine", position=77, **extra)
    model.objects.create(blueprint=world.a.blueprint, name="Fine", position=77, **extra)
    assert row.pk


def test_it_refuses_two_steps_at_one_position_of_one_cell(world: World) -> None:
    refused(lambda: new_step(world, position=world.a.step.position))


def test_it_refuses_moving_a_step_onto_a_taken_position(world: World) -> None:
    second = factories.make_step(world.a.lane, world.a.phase, "Second")
    refused(lambda: Step.objects.filter(pk=second.pk).update(position=world.a.step.position))


def test_steps_of_different_cells_may_share_a_position(world: World) -> None:
    assert world.a.step.position == world.a.other_step.position == 0


# --- Blueprints ---------------------------------------------------------------------------


def test_it_refuses_a_team_blueprint_without_a_team(world: World) -> None:
    refused(lambda: Blueprint.objects.create(workspace=world.workspace, kind="team", title="X"))


def test_it_refuses_a_global_blueprint_with_a_team(world: World) -> None:
    refused(
        lambda: Blueprint.objects.create(
            workspace=world.workspace, kind="global", team=world.team_a, title="X"
        )
    )


def test_it_refuses_taking_the_team_away_from_a_team_blueprint(world: World) -> None:
    refused(lambda: Blueprint.objects.filter(pk=world.a.blueprint.pk).update(team=None))


def test_it_refuses_a_second_global_blueprint_in_a_workspace(world: World) -> None:
    refused(lambda: Blueprint.objects.create(workspace=world.workspace, kind="global", title="X"))
    assert Blueprint.objects.filter(workspace=world.workspace, kind="global").count() == 1


def test_it_refuses_turning_a_team_blueprint_into_a_second_global_one(world: World) -> None:
    refused(
        lambda: Blueprint.objects.filter(pk=world.a.blueprint.pk).update(kind="global", team=None)
    )


def test_another_workspace_may_have_its_own_global_blueprint(world: World) -> None:
    other = factories.make_workspace("Borealis")
    assert Blueprint.objects.create(workspace=other, kind="global", title="Global").pk


# --- Links --------------------------------------------------------------------------------


def test_it_refuses_a_link_from_a_step_to_itself(world: World) -> None:
    refused(
        lambda: Link.objects.create(
            blueprint=world.a.blueprint, source=world.a.step, target=world.a.step
        )
    )


def test_it_refuses_turning_a_link_into_a_loop(world: World) -> None:
    refused(lambda: Link.objects.filter(pk=world.a.link.pk).update(target=world.a.step))


def test_it_refuses_the_same_link_twice(world: World) -> None:
    refused(lambda: factories.make_link(world.a.step, world.a.other_step))


def test_the_same_steps_may_be_linked_in_another_kind(world: World) -> None:
    assert factories.make_link(world.a.step, world.a.other_step, kind="information").pk
