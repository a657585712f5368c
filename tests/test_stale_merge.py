"""Stale saves merge field by field: a field nobody else changed since the client's `version`
is applied; only fields both changed answer 409 with `conflicts` (DESIGN.md)."""

from rest_framework.test import APIClient

from blueprints.models import Blueprint, Step
from tests.conftest import World

STEPS = "/api/v1/steps/"


def step_url(world: World) -> str:
    return f"{STEPS}{world.a.step.pk}/"


def test_a_stale_save_of_another_field_is_applied_and_keeps_the_rename(
    api: APIClient, world: World
) -> None:
    url = step_url(world)
    assert api.patch(url, {"title": "Calls twice", "version": 1}, format="json").status_code == 200
    response = api.patch(url, {"description": "Twice a week", "version": 1}, format="json")
    assert response.status_code == 200
    assert (response.json()["title"], response.json()["version"]) == ("Calls twice", 3)
    step = Step.objects.get(pk=world.a.step.pk)
    assert (step.title, step.description, step.version) == ("Calls twice", "Twice a week", 3)


def test_a_stale_save_of_a_field_both_changed_names_only_that_field(
    api: APIClient, world: World
) -> None:
    url = step_url(world)
    api.patch(url, {"title": "Calls twice", "version": 1}, format="json")
    response = api.patch(
        url, {"title": "Mine", "description": "Mine too", "version": 1}, format="json"
    )
    assert response.status_code == 409
    body = response.json()
    assert body["conflicts"] == ["title"]
    assert (body["current"]["title"], body["current"]["version"]) == ("Calls twice", 2)
    step = Step.objects.get(pk=world.a.step.pk)
    assert (step.title, step.description, step.version) == ("Calls twice", "", 2)


def test_changes_over_several_versions_are_all_known(api: APIClient, world: World) -> None:
    url = step_url(world)
    api.patch(url, {"emotion": -2, "version": 1}, format="json")
    api.patch(url, {"title": "Calls twice", "version": 2}, format="json")
    api.patch(url, {"description": "Angry", "version": 3}, format="json")
    response = api.patch(
        url, {"emotion": 1, "title": "Calls", "kind": "pain_point", "version": 1}, format="json"
    )
    assert response.status_code == 409
    assert sorted(response.json()["conflicts"]) == ["emotion", "title"]
    response = api.patch(url, {"kind": "pain_point", "version": 2}, format="json")
    assert response.status_code == 200
    step = Step.objects.get(pk=world.a.step.pk)
    assert (step.kind, step.emotion, step.title, step.description) == (
        "pain_point",
        -2,
        "Calls twice",
        "Angry",
    )


def test_the_same_value_from_both_is_no_conflict(api: APIClient, world: World) -> None:
    url = step_url(world)
    api.patch(url, {"title": "Calls twice", "version": 1}, format="json")
    response = api.patch(url, {"title": "Calls twice", "emotion": 2, "version": 1}, format="json")
    assert response.status_code == 200
    assert Step.objects.get(pk=world.a.step.pk).emotion == 2


def test_a_stale_move_nobody_else_made_is_applied(api: APIClient, world: World) -> None:
    url = step_url(world)
    api.patch(url, {"title": "Calls twice", "version": 1}, format="json")
    other_phase = world.a.blueprint.phases.exclude(pk=world.a.phase.pk).get()
    response = api.patch(url, {"phase": other_phase.pk, "version": 1}, format="json")
    assert response.status_code == 200
    step = Step.objects.get(pk=world.a.step.pk)
    assert (step.phase_id, step.title) == (other_phase.pk, "Calls twice")


def test_a_version_not_accounted_for_conflicts_on_every_changed_field(
    api: APIClient, world: World
) -> None:
    # A merge (or any write without a step event) bumped the version: nobody can tell which
    # fields it touched, so every field sent that differs from the saved one is a conflict.
    Step.objects.filter(pk=world.a.step.pk).update(title="Merged", version=2)
    response = api.patch(step_url(world), {"title": "Mine", "emotion": 1, "version": 1})
    assert response.status_code == 409
    assert sorted(response.json()["conflicts"]) == ["emotion", "title"]


def test_a_version_from_the_future_is_refused(api: APIClient, world: World) -> None:
    response = api.patch(step_url(world), {"title": "Mine", "version": 9}, format="json")
    assert (response.status_code, response.json()["conflicts"]) == (409, ["title"])


def test_a_stale_merge_records_the_event_from_the_current_state(
    api: APIClient, world: World
) -> None:
    url = step_url(world)
    api.patch(url, {"title": "Calls twice", "version": 1}, format="json")
    api.patch(url, {"emotion": 2, "version": 1}, format="json")
    event = world.a.blueprint.events.order_by("-seq").first()
    assert (event.before["title"], event.before["version"], event.before["emotion"]) == (
        "Calls twice",
        2,
        0,
    )
    assert (event.after["title"], event.after["emotion"], event.after["version"]) == (
        "Calls twice",
        2,
        3,
    )


def test_a_stale_blueprint_save_merges_by_field(api: APIClient, world: World) -> None:
    url = f"/api/v1/blueprints/{world.a.blueprint.pk}/"
    assert api.patch(url, {"title": "Complaints", "version": 1}, format="json").status_code == 200
    kept = api.patch(url, {"description": "Every complaint", "version": 1}, format="json")
    assert kept.status_code == 200
    clash = api.patch(url, {"title": "Returns", "version": 1}, format="json")
    assert (clash.status_code, clash.json()["conflicts"]) == (409, ["title"])
    blueprint = Blueprint.objects.get(pk=world.a.blueprint.pk)
    assert (blueprint.title, blueprint.description) == ("Complaints", "Every complaint")
