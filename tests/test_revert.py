"""POST /api/v1/blueprints/{id}/history/{seq}/revert/: take back a given change, anyone's."""

from typing import Any

from blueprints.history import ALREADY_REVERTED, LATER_CHANGES
from blueprints.models import BlueprintEvent, Link, Step
from tests.conftest import World


def revert(world: World, who: str, seq: int) -> Any:
    return world.client(who).post(
        f"/api/v1/blueprints/{world.a.blueprint.pk}/history/{seq}/revert/"
    )


def last_seq(world: World) -> int:
    return BlueprintEvent.objects.filter(blueprint=world.a.blueprint).order_by("-seq")[0].seq


def test_a_colleagues_rename_is_reverted_and_later_changes_of_other_fields_stay(
    world: World,
) -> None:
    step = world.a.step
    world.client("facilitator").patch(f"/api/v1/steps/{step.pk}/", {"title": "Renamed"})
    renamed = last_seq(world)
    world.client("alice").patch(f"/api/v1/steps/{step.pk}/", {"description": "Later, elsewhere"})
    response = revert(world, "alice", renamed)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["kind"], body["undo_of"], body["actor"]["id"]) == (
        "step.updated",
        renamed,
        world.people["alice"].pk,
    )
    step.refresh_from_db()
    assert (step.title, step.description) == ("Calls about a flat bottle", "Later, elsewhere")


def test_a_change_a_later_one_changed_again_is_refused_with_the_fields(world: World) -> None:
    step = world.a.step
    world.client("facilitator").patch(f"/api/v1/steps/{step.pk}/", {"title": "First"})
    first = last_seq(world)
    world.client("alice").patch(f"/api/v1/steps/{step.pk}/", {"title": "Second"})
    response = revert(world, "alice", first)
    assert response.status_code == 409
    body = response.json()
    assert (body["detail"], body["conflicts"], body["current"]["title"]) == (
        LATER_CHANGES,
        ["title"],
        "Second",
    )
    assert Step.objects.get(pk=step.pk).title == "Second"
    assert last_seq(world) == first + 1  # nothing recorded


def test_a_change_is_reverted_once(world: World) -> None:
    world.client("alice").patch(f"/api/v1/steps/{world.a.step.pk}/", {"emotion": 2})
    seq = last_seq(world)
    assert revert(world, "alice", seq).status_code == 200
    again = revert(world, "facilitator", seq)
    assert (again.status_code, again.json()["detail"]) == (409, ALREADY_REVERTED)
    assert revert(world, "facilitator", seq + 1).status_code == 409  # a revert is not reverted


def test_a_deleted_step_comes_back_with_its_links(world: World) -> None:
    step, link = world.a.step, world.a.link
    world.client("facilitator").delete(f"/api/v1/steps/{step.pk}/")
    response = revert(world, "alice", last_seq(world))
    assert response.status_code == 200
    assert Step.objects.filter(pk=step.pk).exists() and Link.objects.filter(pk=link.pk).exists()


def test_a_created_step_changed_since_is_not_taken_away(world: World) -> None:
    a = world.a
    made = world.client("facilitator").post(
        "/api/v1/steps/",
        {"blueprint": a.blueprint.pk, "lane": a.lane.pk, "phase": a.phase.pk, "title": "New"},
    )
    created = last_seq(world)
    world.client("alice").patch(f"/api/v1/steps/{made.json()['id']}/", {"title": "Built on"})
    assert revert(world, "alice", created).status_code == 409
    assert Step.objects.filter(pk=made.json()["id"]).exists()


def test_revert_is_for_people_who_may_edit(world: World) -> None:
    world.client("alice").patch(f"/api/v1/steps/{world.a.step.pk}/", {"emotion": 2})
    seq = last_seq(world)
    assert revert(world, "manager", seq).status_code == 403
    assert revert(world, "bob", seq).status_code == 403
    assert revert(world, "outsider", seq).status_code == 404
    assert revert(world, "alice", 999).status_code == 404
    assert Step.objects.get(pk=world.a.step.pk).emotion == 2
