"""Reordering phases, lanes and steps over the API: one request, positions 0..n-1, no clash.

After every operation the database is asked directly whether two rows share a position.
"""

from typing import Any

import pytest
from django.db.models import Count, Model
from rest_framework.test import APIClient

from blueprints.models import Blueprint, Lane, Phase, Step
from tests import factories
from tests.conftest import World

UNKNOWN_BLUEPRINT = 'Invalid pk "{}" - object does not exist.'


def assert_no_duplicate_positions() -> None:
    for model, group in ((Phase, ["blueprint"]), (Lane, ["blueprint"]), (Step, ["lane", "phase"])):
        clashes = (
            model.objects.values(*group, "position").annotate(rows=Count("id")).filter(rows__gt=1)
        )
        assert list(clashes) == [], f"{model.__name__} positions clash"


def ids_by_position(model: type[Model], **where: Any) -> list[int]:
    return list(model.objects.filter(**where).order_by("position").values_list("pk", flat=True))


def positions(model: type[Model], **where: Any) -> list[int]:
    return list(
        model.objects.filter(**where).order_by("position").values_list("position", flat=True)
    )


def state(blueprint: Blueprint) -> dict[str, list[tuple[int, int, int, int]]]:
    """Every position in a blueprint, to check that a refused request changed nothing."""
    return {
        "phases": list(blueprint.phases.order_by("pk").values_list("pk", "position", "pk", "pk")),
        "lanes": list(blueprint.lanes.order_by("pk").values_list("pk", "position", "pk", "pk")),
        "steps": list(
            blueprint.steps.order_by("pk").values_list("pk", "lane_id", "phase_id", "position")
        ),
    }


@pytest.fixture
def a(world: World) -> Blueprint:
    """Team A's blueprint with four phases and four lanes."""
    blueprint = world.a.blueprint
    factories.make_phase(blueprint, "Follow-up")
    factories.make_phase(blueprint, "Closure")
    factories.make_lane(blueprint, "frontstage", name="Agent")
    factories.make_lane(blueprint, "support", name="CRM")
    return blueprint


@pytest.fixture
def cell(world: World) -> list[Step]:
    """Three steps in team A's first cell (consumer × contact)."""
    first = world.a.step
    return [
        first,
        factories.make_step(world.a.lane, world.a.phase, "Writes an e-mail"),
        factories.make_step(world.a.lane, world.a.phase, "Posts on social media"),
    ]


# --- Phases and lanes ---------------------------------------------------------------------


@pytest.mark.parametrize(("resource", "model"), [("phases", Phase), ("lanes", Lane)])
def test_it_reorders_every_phase_or_lane_of_a_blueprint_in_one_request(
    api: APIClient, a: Blueprint, resource: str, model: type[Model]
) -> None:
    current = ids_by_position(model, blueprint=a)
    wanted = [current[2], current[0], current[3], current[1]]
    response = api.post(
        f"/api/v1/{resource}/reorder/", {"blueprint": a.pk, "order": wanted}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert [row["id"] for row in response.json()] == wanted
    assert [row["position"] for row in response.json()] == [0, 1, 2, 3]
    assert ids_by_position(model, blueprint=a) == wanted
    assert positions(model, blueprint=a) == [0, 1, 2, 3]
    assert_no_duplicate_positions()


@pytest.mark.parametrize(("resource", "model"), [("phases", Phase), ("lanes", Lane)])
def test_reversing_twice_restores_the_order(
    api: APIClient, a: Blueprint, resource: str, model: type[Model]
) -> None:
    original = ids_by_position(model, blueprint=a)
    for order in (original[::-1], original):
        payload = {"blueprint": a.pk, "order": order}
        assert api.post(f"/api/v1/{resource}/reorder/", payload, format="json").status_code == 200
        assert ids_by_position(model, blueprint=a) == order
        assert_no_duplicate_positions()


@pytest.mark.parametrize(("resource", "model"), [("phases", Phase), ("lanes", Lane)])
def test_reordering_one_blueprint_leaves_the_others_alone(
    api: APIClient, world: World, a: Blueprint, resource: str, model: type[Model]
) -> None:
    others = {bp.pk: state(bp) for bp in Blueprint.objects.exclude(pk=a.pk)}
    order = ids_by_position(model, blueprint=a)[::-1]
    api.post(f"/api/v1/{resource}/reorder/", {"blueprint": a.pk, "order": order}, format="json")
    assert {bp.pk: state(bp) for bp in Blueprint.objects.exclude(pk=a.pk)} == others


def wrong_orders(world: World, model: type[Model], ids: list[int]) -> dict[str, list[Any]]:
    foreign = ids_by_position(model, blueprint=world.b.blueprint)[0]
    return {
        "missing": ids[:-1],
        "duplicated": ids + [ids[0]],
        "duplicated instead of one": ids[:-1] + [ids[0]],
        "foreign": ids[:-1] + [foreign],
        "foreign added": ids + [foreign],
        "unknown": ids[:-1] + [999999],
        "empty": [],
        "not ids": ["first", "second"],
        "zero": [0, *ids[1:]],
        "huge": ids[:-1] + [99999999999999999999],
    }


@pytest.mark.parametrize(
    "case",
    [
        "missing",
        "duplicated",
        "duplicated instead of one",
        "foreign",
        "foreign added",
        "unknown",
        "empty",
        "not ids",
        "zero",
        "huge",
    ],
)
@pytest.mark.parametrize(("resource", "model"), [("phases", Phase), ("lanes", Lane)])
def test_it_refuses_an_order_that_is_not_every_id_once_and_changes_nothing(
    api: APIClient, world: World, a: Blueprint, resource: str, model: type[Model], case: str
) -> None:
    ids = ids_by_position(model, blueprint=a)
    order = wrong_orders(world, model, ids[::-1])[case]
    before = {bp.pk: state(bp) for bp in Blueprint.objects.all()}
    response = api.post(
        f"/api/v1/{resource}/reorder/", {"blueprint": a.pk, "order": order}, format="json"
    )
    assert response.status_code == 400
    assert "order" in response.json()
    assert {bp.pk: state(bp) for bp in Blueprint.objects.all()} == before
    assert_no_duplicate_positions()


@pytest.mark.parametrize("resource", ["phases", "lanes"])
@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"order": []},
        {"blueprint": "abc", "order": []},
        {"blueprint": None, "order": []},
        {"blueprint": 999999, "order": []},
        {"blueprint": 99999999999999999999, "order": []},
        {"blueprint": 1, "order": "1,2"},
        {"blueprint": 1, "order": list(range(1, 5002))},
    ],
)
def test_it_refuses_a_reorder_request_it_cannot_read(
    api: APIClient, a: Blueprint, resource: str, payload: dict[str, Any]
) -> None:
    before = state(a)
    response = api.post(f"/api/v1/{resource}/reorder/", payload, format="json")
    assert response.status_code == 400
    assert state(a) == before


def test_inserting_a_phase_at_position_zero_shifts_the_others(api: APIClient, a: Blueprint) -> None:
    before = ids_by_position(Phase, blueprint=a)
    response = api.post(
        "/api/v1/phases/", {"blueprint": a.pk, "name": "Awareness", "position": 0}, format="json"
    )
    assert response.status_code == 201
    new = response.json()
    assert new["position"] == 0
    assert ids_by_position(Phase, blueprint=a) == [new["id"], *before]
    assert positions(Phase, blueprint=a) == [0, 1, 2, 3, 4]
    assert_no_duplicate_positions()


@pytest.mark.parametrize(("position", "index"), [(2, 2), (4, 4), (1_000_000, 4), (None, 4)])
def test_inserting_a_lane_in_the_middle_or_at_the_end(
    api: APIClient, a: Blueprint, position: int | None, index: int
) -> None:
    before = ids_by_position(Lane, blueprint=a)
    payload: dict[str, Any] = {"blueprint": a.pk, "name": "Lab", "band": "support"}
    if position is not None:
        payload["position"] = position
    response = api.post("/api/v1/lanes/", payload, format="json")
    assert response.status_code == 201
    before.insert(index, response.json()["id"])
    assert ids_by_position(Lane, blueprint=a) == before
    assert positions(Lane, blueprint=a) == [0, 1, 2, 3, 4]
    assert_no_duplicate_positions()


@pytest.mark.parametrize("position", [-1, "first", 1_000_001])
def test_it_refuses_a_position_that_is_not_a_position(
    api: APIClient, a: Blueprint, position: Any
) -> None:
    before = state(a)
    payload = {"blueprint": a.pk, "name": "Awareness", "position": position}
    response = api.post("/api/v1/phases/", payload, format="json")
    assert response.status_code == 400
    assert "position" in response.json()
    assert state(a) == before


def test_patching_a_phase_position_moves_it(api: APIClient, a: Blueprint) -> None:
    ids = ids_by_position(Phase, blueprint=a)
    response = api.patch(f"/api/v1/phases/{ids[3]}/", {"position": 1}, format="json")
    assert response.status_code == 200
    assert response.json()["position"] == 1
    assert ids_by_position(Phase, blueprint=a) == [ids[0], ids[3], ids[1], ids[2]]
    assert positions(Phase, blueprint=a) == [0, 1, 2, 3]
    assert_no_duplicate_positions()


def test_deleting_a_phase_then_inserting_keeps_positions_unique(
    api: APIClient, a: Blueprint
) -> None:
    ids = ids_by_position(Phase, blueprint=a)
    assert api.delete(f"/api/v1/phases/{ids[1]}/").status_code == 204
    response = api.post("/api/v1/phases/", {"blueprint": a.pk, "name": "New"}, format="json")
    assert response.status_code == 201
    assert ids_by_position(Phase, blueprint=a) == [ids[0], ids[2], ids[3], response.json()["id"]]
    assert_no_duplicate_positions()
    order = ids_by_position(Phase, blueprint=a)[::-1]
    payload = {"blueprint": a.pk, "order": order}
    assert api.post("/api/v1/phases/reorder/", payload, format="json").status_code == 200
    assert positions(Phase, blueprint=a) == [0, 1, 2, 3]


# --- Steps --------------------------------------------------------------------------------


def test_it_reorders_the_steps_of_a_cell(api: APIClient, world: World, cell: list[Step]) -> None:
    wanted = [cell[2].pk, cell[0].pk, cell[1].pk]
    payload = {"lane": world.a.lane.pk, "phase": world.a.phase.pk, "order": wanted}
    response = api.post("/api/v1/steps/reorder/", payload, format="json")
    assert response.status_code == 200, response.json()
    assert [row["id"] for row in response.json()] == wanted
    assert ids_by_position(Step, lane=world.a.lane, phase=world.a.phase) == wanted
    assert positions(Step, lane=world.a.lane, phase=world.a.phase) == [0, 1, 2]
    assert_no_duplicate_positions()


def test_it_moves_a_step_of_another_cell_into_the_cell(
    api: APIClient, world: World, cell: list[Step]
) -> None:
    # The backstage cell holds two steps; its first one moves to the consumer cell.
    backstage = world.a.other_step
    left_behind = factories.make_step(backstage.lane, backstage.phase, "Calls the lab")
    wanted = [cell[0].pk, backstage.pk, cell[1].pk, cell[2].pk]
    payload = {"lane": world.a.lane.pk, "phase": world.a.phase.pk, "order": wanted}
    response = api.post("/api/v1/steps/reorder/", payload, format="json")
    assert response.status_code == 200, response.json()
    assert ids_by_position(Step, lane=world.a.lane, phase=world.a.phase) == wanted
    assert positions(Step, lane=world.a.lane, phase=world.a.phase) == [0, 1, 2, 3]
    moved = Step.objects.get(pk=backstage.pk)
    assert (moved.lane_id, moved.phase_id, moved.position) == (world.a.lane.pk, world.a.phase.pk, 1)
    # The source cell keeps its other step, at position 0, with no duplicate.
    assert ids_by_position(Step, lane=backstage.lane, phase=backstage.phase) == [left_behind.pk]
    assert positions(Step, lane=backstage.lane, phase=backstage.phase) == [0]
    assert_no_duplicate_positions()


def test_it_moves_a_step_into_an_empty_cell(api: APIClient, world: World, cell: list[Step]) -> None:
    resolution = world.a.blueprint.phases.get(name="Resolution")
    payload = {"lane": world.a.lane.pk, "phase": resolution.pk, "order": [cell[1].pk]}
    response = api.post("/api/v1/steps/reorder/", payload, format="json")
    assert response.status_code == 200
    assert ids_by_position(Step, lane=world.a.lane, phase=resolution) == [cell[1].pk]
    assert ids_by_position(Step, lane=world.a.lane, phase=world.a.phase) == [cell[0].pk, cell[2].pk]
    assert positions(Step, lane=world.a.lane, phase=world.a.phase) == [0, 1]
    assert_no_duplicate_positions()


@pytest.mark.parametrize(
    "case", ["missing", "duplicated", "foreign", "unknown", "not ids", "empty", "huge"]
)
def test_it_refuses_a_step_order_that_is_not_every_step_of_the_cell_once(
    api: APIClient, world: World, cell: list[Step], case: str
) -> None:
    ids = [step.pk for step in cell]
    order = {
        "missing": ids[:-1],
        "duplicated": ids + [ids[0]],
        "foreign": ids + [world.b.step.pk],
        "unknown": ids + [999999],
        "not ids": ["first"],
        "empty": [],
        "huge": ids + [99999999999999999999],
    }[case]
    before = {bp.pk: state(bp) for bp in Blueprint.objects.all()}
    payload = {"lane": world.a.lane.pk, "phase": world.a.phase.pk, "order": order}
    response = api.post("/api/v1/steps/reorder/", payload, format="json")
    assert response.status_code == 400
    assert "order" in response.json()
    assert {bp.pk: state(bp) for bp in Blueprint.objects.all()} == before


def test_it_refuses_a_cell_whose_phase_is_of_another_blueprint(
    api: APIClient, world: World, cell: list[Step]
) -> None:
    payload = {"lane": world.a.lane.pk, "phase": world.b.phase.pk, "order": [s.pk for s in cell]}
    before = state(world.a.blueprint)
    response = api.post("/api/v1/steps/reorder/", payload, format="json")
    assert response.status_code == 400
    assert "phase" in response.json()
    assert state(world.a.blueprint) == before


def test_patching_a_step_position_moves_it_within_the_cell(
    api: APIClient, world: World, cell: list[Step]
) -> None:
    response = api.patch(f"/api/v1/steps/{cell[2].pk}/", {"position": 0}, format="json")
    assert response.status_code == 200
    assert response.json()["position"] == 0
    assert ids_by_position(Step, lane=world.a.lane, phase=world.a.phase) == [
        cell[2].pk,
        cell[0].pk,
        cell[1].pk,
    ]
    assert_no_duplicate_positions()


def test_patching_a_step_phase_and_position_moves_it_to_another_cell(
    api: APIClient, world: World, cell: list[Step]
) -> None:
    resolution = world.a.blueprint.phases.get(name="Resolution")
    there = factories.make_step(world.a.lane, resolution, "Gets a refund")
    url = f"/api/v1/steps/{cell[0].pk}/"
    response = api.patch(url, {"phase": resolution.pk, "position": 0}, format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["phase"], response.json()["position"]) == (resolution.pk, 0)
    assert ids_by_position(Step, lane=world.a.lane, phase=resolution) == [cell[0].pk, there.pk]
    assert ids_by_position(Step, lane=world.a.lane, phase=world.a.phase) == [cell[1].pk, cell[2].pk]
    assert positions(Step, lane=world.a.lane, phase=world.a.phase) == [0, 1]
    assert_no_duplicate_positions()


def test_patching_a_step_phase_alone_puts_it_at_the_end_of_the_new_cell(
    api: APIClient, world: World, cell: list[Step]
) -> None:
    resolution = world.a.blueprint.phases.get(name="Resolution")
    there = factories.make_step(world.a.lane, resolution, "Gets a refund")
    response = api.patch(f"/api/v1/steps/{cell[1].pk}/", {"phase": resolution.pk}, format="json")
    assert response.status_code == 200
    assert ids_by_position(Step, lane=world.a.lane, phase=resolution) == [there.pk, cell[1].pk]
    assert positions(Step, lane=world.a.lane, phase=world.a.phase) == [0, 1]
    assert_no_duplicate_positions()


def test_creating_a_step_at_position_zero_shifts_the_cell(
    api: APIClient, world: World, cell: list[Step]
) -> None:
    payload = {
        "blueprint": world.a.blueprint.pk,
        "lane": world.a.lane.pk,
        "phase": world.a.phase.pk,
        "title": "Sees an advert",
        "position": 0,
    }
    response = api.post("/api/v1/steps/", payload, format="json")
    assert response.status_code == 201
    assert ids_by_position(Step, lane=world.a.lane, phase=world.a.phase) == [
        response.json()["id"],
        *[step.pk for step in cell],
    ]
    assert_no_duplicate_positions()


# --- Who may reorder ----------------------------------------------------------------------


def reorder_requests(world: World) -> list[tuple[str, dict[str, Any]]]:
    a = world.a.blueprint
    return [
        ("phases", {"blueprint": a.pk, "order": ids_by_position(Phase, blueprint=a)[::-1]}),
        ("lanes", {"blueprint": a.pk, "order": ids_by_position(Lane, blueprint=a)[::-1]}),
        (
            "steps",
            {"lane": world.a.lane.pk, "phase": world.a.phase.pk, "order": [world.a.step.pk]},
        ),
    ]


@pytest.mark.parametrize("who", ["bob", "manager"])
def test_members_who_may_not_edit_the_blueprint_get_403_on_reorder(
    world: World, a: Blueprint, who: str
) -> None:
    before = state(a)
    for resource, payload in reorder_requests(world):
        response = world.client(who).post(f"/api/v1/{resource}/reorder/", payload, format="json")
        assert response.status_code == 403, resource
        assert state(a) == before


@pytest.mark.parametrize("who", ["facilitator", "alice"])
def test_editors_of_the_blueprint_may_reorder(world: World, a: Blueprint, who: str) -> None:
    for resource, payload in reorder_requests(world):
        response = world.client(who).post(f"/api/v1/{resource}/reorder/", payload, format="json")
        assert response.status_code == 200, resource
    assert_no_duplicate_positions()


def test_participants_may_not_reorder_the_global_blueprint(world: World) -> None:
    glob = world.glob.blueprint
    payload = {"blueprint": glob.pk, "order": ids_by_position(Phase, blueprint=glob)[::-1]}
    response = world.client("alice").post("/api/v1/phases/reorder/", payload, format="json")
    assert response.status_code == 403


def test_anonymous_users_get_401_on_reorder(world: World, a: Blueprint) -> None:
    for resource, payload in reorder_requests(world):
        response = world.client("anonymous").post(
            f"/api/v1/{resource}/reorder/", payload, format="json"
        )
        assert response.status_code == 401


def test_outsiders_cannot_tell_a_blueprint_exists_from_a_reorder(
    world: World, a: Blueprint
) -> None:
    outsider = world.client("outsider")
    before = state(a)
    real = outsider.post(
        "/api/v1/phases/reorder/",
        {"blueprint": a.pk, "order": ids_by_position(Phase, blueprint=a)},
        format="json",
    )
    missing = outsider.post(
        "/api/v1/phases/reorder/", {"blueprint": 999999, "order": [1]}, format="json"
    )
    assert real.status_code == missing.status_code == 400
    assert real.json()["blueprint"] == [UNKNOWN_BLUEPRINT.format(a.pk)]
    assert missing.json()["blueprint"] == [UNKNOWN_BLUEPRINT.format(999999)]
    assert state(a) == before


def test_outsiders_cannot_tell_a_lane_exists_from_a_step_reorder(world: World) -> None:
    outsider = world.client("outsider")
    real = outsider.post(
        "/api/v1/steps/reorder/",
        {"lane": world.a.lane.pk, "phase": world.a.phase.pk, "order": [world.a.step.pk]},
        format="json",
    )
    assert real.status_code == 400
    assert real.json()["lane"] == [f'Invalid pk "{world.a.lane.pk}" - object does not exist.']
