"""Whatever a client sends, the API answers 4xx with a reason, never 500, and writes nothing.

Every test sends one kind of bad input over HTTP and then looks at the database.
"""

from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from blueprints.models import Actor, Blueprint, Channel, Lane, Link, Phase, Step
from tests import factories
from tests.conftest import World

STEPS = "/api/v1/steps/"
SCRIPT = "<script>alert(1)</script>"
DOT_BREAKER = '"]; node [label="pwned'
HUGE_ID = 99999999999999999999  # more than any database integer holds


def step_payload(world: World, **changes: Any) -> dict[str, Any]:
    payload = {
        "blueprint": world.a.blueprint.pk,
        "lane": world.a.lane.pk,
        "phase": world.a.phase.pk,
        "title": "Sends a photo of the label",
    }
    payload.update(changes)
    return payload


def snapshot() -> dict[str, list[tuple]]:
    """Everything a bad request might have written."""
    return {
        "steps": list(Step.objects.order_by("pk").values_list()),
        "links": list(Link.objects.order_by("pk").values_list()),
        "blueprints": list(Blueprint.objects.order_by("pk").values_list()),
        "lanes": list(Lane.objects.order_by("pk").values_list()),
        "phases": list(Phase.objects.order_by("pk").values_list()),
    }


@pytest.fixture
def other_workspace(world: World) -> factories.BlueprintParts:
    """A second engagement of the same facilitator, with its own actor, channel, blueprint."""
    workspace = factories.make_workspace(
        "Borealis Foods", facilitator=[world.people["facilitator"]]
    )
    team = factories.make_team(workspace, "Service desk")
    actor = Actor.objects.create(workspace=workspace, name="Borealis agent")
    Channel.objects.create(workspace=workspace, name="Borealis phone", kind="phone")
    return factories.fill_blueprint(factories.make_blueprint(workspace, team, title="C"), actor)


# --- Bodies that cannot be read -----------------------------------------------------------


@pytest.mark.parametrize(
    "body", ['{"title": ', "{'title': 'single quotes'}", "not json at all", "[1, 2", "\x00"]
)
def test_it_rejects_malformed_json_and_writes_nothing(
    api: APIClient, world: World, body: str
) -> None:
    before = snapshot()
    response = api.post(STEPS, body, content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()
    assert snapshot() == before


@pytest.mark.parametrize("body", ["[" * 100_000, '{"title": ' * 50_000 + "1" + "}" * 50_000])
def test_it_rejects_json_nested_too_deeply_to_read_with_400(
    api: APIClient, world: World, body: str
) -> None:
    before = snapshot()
    response = api.post(STEPS, body, content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()
    assert snapshot() == before


def test_it_rejects_malformed_json_on_an_update_and_changes_nothing(
    api: APIClient, world: World
) -> None:
    response = api.patch(
        f"{STEPS}{world.a.step.pk}/", '{"title": "Half', content_type="application/json"
    )
    assert response.status_code == 400
    world.a.step.refresh_from_db()
    assert world.a.step.title == "Calls about a flat bottle"
    assert world.a.step.version == 1


def test_it_rejects_a_body_that_is_not_an_object(api: APIClient, world: World) -> None:
    before = snapshot()
    response = api.post(STEPS, [step_payload(world)], format="json")
    assert response.status_code == 400
    assert snapshot() == before


# --- Wrong types --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("lane", "abc"),
        ("phase", "1.5"),
        ("lane", True),
        ("phase", False),
        ("lane", [1]),
        ("phase", {"id": 1}),
        ("lane", 1.5),
        ("title", ["Calls", "the hotline"]),
        ("title", {"en": "Calls"}),
        ("emotion", "abc"),
        ("emotion", [1]),
        ("emotion", 1.5),
        ("kind", "villain"),
        ("evidence", 3),
        ("channel", "WhatsApp"),
        ("position", "first"),
        ("version", "latest"),
    ],
)
def test_it_rejects_a_value_of_the_wrong_type_naming_the_field(
    api: APIClient, world: World, field: str, value: Any
) -> None:
    before = snapshot()
    response = api.post(STEPS, step_payload(world, **{field: value}), format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert snapshot() == before


@pytest.mark.parametrize(
    ("field", "value"), [("lane", "abc"), ("title", ["x"]), ("emotion", "abc")]
)
def test_it_rejects_a_wrong_type_on_an_update_and_changes_nothing(
    api: APIClient, world: World, field: str, value: Any
) -> None:
    before = snapshot()
    response = api.patch(f"{STEPS}{world.a.step.pk}/", {field: value}, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert snapshot() == before


def test_it_rejects_true_as_a_blueprint_id(api: APIClient, world: World) -> None:
    payload = {"blueprint": True, "name": "Follow-up"}
    response = api.post("/api/v1/phases/", payload, format="json")
    assert response.status_code == 400
    assert "blueprint" in response.json()


# --- Ids that do not exist ----------------------------------------------------------------


@pytest.mark.parametrize("unknown", [999999, HUGE_ID, str(HUGE_ID), -1, 0, "9" * 5000])
@pytest.mark.parametrize("field", ["lane", "phase", "channel", "actor", "blueprint"])
def test_it_answers_400_for_an_id_that_does_not_exist(
    api: APIClient, world: World, field: str, unknown: int | str
) -> None:
    before = snapshot()
    response = api.post(STEPS, step_payload(world, **{field: unknown}), format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert snapshot() == before


@pytest.mark.parametrize("unknown", [999999, HUGE_ID])
def test_it_answers_400_for_a_link_to_a_step_that_does_not_exist(
    api: APIClient, world: World, unknown: int
) -> None:
    payload = {"blueprint": world.a.blueprint.pk, "source": world.a.step.pk, "target": unknown}
    response = api.post("/api/v1/links/", payload, format="json")
    assert response.status_code == 400
    assert "target" in response.json()


@pytest.mark.parametrize("unknown", [999999, HUGE_ID])
def test_it_answers_400_for_an_unknown_workspace_of_a_new_blueprint(
    api: APIClient, unknown: int
) -> None:
    response = api.post("/api/v1/blueprints/", {"workspace": unknown, "title": "X"}, format="json")
    assert response.status_code == 400
    assert "workspace" in response.json()


# --- Ids of another blueprint or workspace ------------------------------------------------


def test_it_rejects_a_step_in_a_lane_of_another_blueprint(api: APIClient, world: World) -> None:
    before = snapshot()
    response = api.post(STEPS, step_payload(world, lane=world.b.lane.pk), format="json")
    assert response.status_code == 400
    assert response.json()["lane"] == ["Must belong to the same blueprint."]
    assert snapshot() == before


def test_it_rejects_a_step_in_a_phase_of_another_blueprint(api: APIClient, world: World) -> None:
    response = api.post(STEPS, step_payload(world, phase=world.b.phase.pk), format="json")
    assert response.status_code == 400
    assert response.json()["phase"] == ["Must belong to the same blueprint."]


def test_it_rejects_moving_a_step_into_a_lane_of_another_blueprint(
    api: APIClient, world: World
) -> None:
    response = api.patch(f"{STEPS}{world.a.step.pk}/", {"lane": world.b.lane.pk}, format="json")
    assert response.status_code == 400
    assert "lane" in response.json()
    world.a.step.refresh_from_db()
    assert world.a.step.lane_id == world.a.lane.pk


def test_it_rejects_a_link_to_a_step_of_another_blueprint(api: APIClient, world: World) -> None:
    payload = {
        "blueprint": world.a.blueprint.pk,
        "source": world.a.step.pk,
        "target": world.b.step.pk,
    }
    before = snapshot()
    response = api.post("/api/v1/links/", payload, format="json")
    assert response.status_code == 400
    assert response.json()["target"] == ["Must belong to the same blueprint."]
    assert snapshot() == before


def test_it_rejects_repointing_a_link_at_a_step_of_another_blueprint(
    api: APIClient, world: World
) -> None:
    url = f"/api/v1/links/{world.a.link.pk}/"
    response = api.patch(url, {"source": world.b.step.pk}, format="json")
    assert response.status_code == 400
    assert "source" in response.json()
    world.a.link.refresh_from_db()
    assert world.a.link.source_id == world.a.step.pk


def test_it_rejects_a_lane_whose_actor_is_of_another_workspace_of_the_user(
    api: APIClient, world: World, other_workspace: factories.BlueprintParts
) -> None:
    foreign_actor = Actor.objects.get(name="Borealis agent")
    payload = {
        "blueprint": world.a.blueprint.pk,
        "name": "Agent",
        "band": "frontstage",
        "actor": foreign_actor.pk,
    }
    before = snapshot()
    response = api.post("/api/v1/lanes/", payload, format="json")
    assert response.status_code == 400
    assert response.json()["actor"] == ["Must belong to the blueprint's workspace."]
    assert snapshot() == before


def test_it_rejects_a_lane_whose_actor_is_of_a_workspace_the_user_is_not_in(
    world: World,
) -> None:
    stranger_actor = Actor.objects.create(
        workspace=factories.make_workspace("Stranger"), name="Stranger"
    )
    payload = {
        "blueprint": world.a.blueprint.pk,
        "name": "Agent",
        "band": "frontstage",
        "actor": stranger_actor.pk,
    }
    response = world.client("alice").post("/api/v1/lanes/", payload, format="json")
    assert response.status_code == 400
    assert "actor" in response.json()


def test_it_rejects_a_step_whose_channel_is_of_another_workspace(
    api: APIClient, world: World, other_workspace: factories.BlueprintParts
) -> None:
    foreign_channel = Channel.objects.get(name="Borealis phone")
    before = snapshot()
    response = api.post(STEPS, step_payload(world, channel=foreign_channel.pk), format="json")
    assert response.status_code == 400
    assert response.json()["channel"] == ["Must belong to the blueprint's workspace."]
    assert snapshot() == before


def test_it_rejects_a_step_whose_actor_is_of_another_workspace(
    api: APIClient, world: World, other_workspace: factories.BlueprintParts
) -> None:
    foreign_actor = Actor.objects.get(name="Borealis agent")
    response = api.post(STEPS, step_payload(world, actor=foreign_actor.pk), format="json")
    assert response.status_code == 400
    assert response.json()["actor"] == ["Must belong to the blueprint's workspace."]


def test_it_rejects_a_step_in_a_blueprint_of_another_workspace_with_lanes_of_this_one(
    api: APIClient, world: World, other_workspace: factories.BlueprintParts
) -> None:
    payload = step_payload(world, blueprint=other_workspace.blueprint.pk)
    response = api.post(STEPS, payload, format="json")
    assert response.status_code == 400
    assert "lane" in response.json()


def test_it_rejects_a_team_blueprint_for_a_team_of_another_workspace(
    api: APIClient, world: World, other_workspace: factories.BlueprintParts
) -> None:
    payload = {
        "workspace": world.workspace.pk,
        "title": "Returns",
        "team": other_workspace.blueprint.team_id,
    }
    response = api.post("/api/v1/blueprints/", payload, format="json")
    assert response.status_code == 400
    assert response.json()["team"] == ["Must belong to the blueprint's workspace."]


# --- Values out of range ------------------------------------------------------------------


@pytest.mark.parametrize("emotion", [3, -3, 100, -(2**40)])
def test_it_rejects_an_emotion_outside_minus_two_to_two(
    api: APIClient, world: World, emotion: int
) -> None:
    before = snapshot()
    response = api.post(STEPS, step_payload(world, emotion=emotion), format="json")
    assert response.status_code == 400
    assert "emotion" in response.json()
    assert snapshot() == before
    response = api.patch(f"{STEPS}{world.a.step.pk}/", {"emotion": emotion}, format="json")
    assert response.status_code == 400
    assert snapshot() == before


@pytest.mark.parametrize("emotion", [-2, 2])
def test_it_accepts_the_extreme_emotions(api: APIClient, world: World, emotion: int) -> None:
    response = api.post(STEPS, step_payload(world, emotion=emotion), format="json")
    assert response.status_code == 201
    assert Step.objects.get(pk=response.json()["id"]).emotion == emotion


@pytest.mark.parametrize(
    ("field", "value"),
    [("title", "x" * 201), ("description", "x" * 5001), ("data_captured", "x" * 501)],
)
def test_it_rejects_oversized_text(api: APIClient, world: World, field: str, value: str) -> None:
    before = snapshot()
    response = api.post(STEPS, step_payload(world, **{field: value}), format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert snapshot() == before


def test_it_accepts_text_of_exactly_the_maximum_length(api: APIClient, world: World) -> None:
    payload = step_payload(world, title="x" * 200, description="y" * 5000)
    response = api.post(STEPS, payload, format="json")
    assert response.status_code == 201
    step = Step.objects.get(pk=response.json()["id"])
    assert (len(step.title), len(step.description)) == (200, 5000)


def test_it_rejects_an_oversized_blueprint_title_on_update(api: APIClient, world: World) -> None:
    url = f"/api/v1/blueprints/{world.a.blueprint.pk}/"
    response = api.patch(url, {"title": "x" * 201}, format="json")
    assert response.status_code == 400
    assert "title" in response.json()
    world.a.blueprint.refresh_from_db()
    assert world.a.blueprint.title == "A"


@pytest.mark.parametrize("field", ["title", "description", "data_captured"])
def test_it_rejects_a_nul_byte_in_text(api: APIClient, world: World, field: str) -> None:
    before = snapshot()
    payload = step_payload(world, **{field: "Calls\x00 the hotline"})
    response = api.post(STEPS, payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert snapshot() == before


def test_it_rejects_a_nul_byte_in_a_renamed_lane(api: APIClient, world: World) -> None:
    response = api.patch(f"/api/v1/lanes/{world.a.lane.pk}/", {"name": "A\x00B"}, format="json")
    assert response.status_code == 400
    assert "name" in response.json()


def test_it_rejects_an_empty_title(api: APIClient, world: World) -> None:
    response = api.post(STEPS, step_payload(world, title=""), format="json")
    assert response.status_code == 400
    assert "title" in response.json()


# --- Markup is data, not code -------------------------------------------------------------


@pytest.mark.parametrize("title", [SCRIPT, DOT_BREAKER, "Tom & Jerry's <b>bold</b> \\ move"])
def test_it_stores_and_returns_markup_verbatim(api: APIClient, world: World, title: str) -> None:
    response = api.post(STEPS, step_payload(world, title=title), format="json")
    assert response.status_code == 201
    assert response.json()["title"] == title
    step_id = response.json()["id"]
    assert Step.objects.get(pk=step_id).title == title
    assert api.get(f"{STEPS}{step_id}/").json()["title"] == title
    blueprint = api.get(f"/api/v1/blueprints/{world.a.blueprint.pk}/").json()
    assert title in [step["title"] for step in blueprint["steps"]]


def test_the_blueprint_page_escapes_markup_in_step_titles(api: APIClient, world: World) -> None:
    for title in (SCRIPT, DOT_BREAKER):
        assert api.post(STEPS, step_payload(world, title=title), format="json").status_code == 201
    page = Client()
    page.force_login(world.people["facilitator"])
    response = page.get(f"/blueprints/{world.a.blueprint.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert SCRIPT not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert DOT_BREAKER not in html
    assert "&quot;]; node [label=&quot;pwned" in html


def test_the_blueprint_page_escapes_markup_in_names_and_links(api: APIClient, world: World) -> None:
    api.patch(f"/api/v1/blueprints/{world.a.blueprint.pk}/", {"title": SCRIPT}, format="json")
    api.patch(f"/api/v1/phases/{world.a.phase.pk}/", {"name": SCRIPT}, format="json")
    api.patch(f"/api/v1/links/{world.a.link.pk}/", {"label": SCRIPT}, format="json")
    page = Client()
    page.force_login(world.people["facilitator"])
    html = page.get(f"/blueprints/{world.a.blueprint.pk}/").content.decode()
    assert Blueprint.objects.get(pk=world.a.blueprint.pk).title == SCRIPT
    assert SCRIPT not in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 3


# --- Oversized bodies ---------------------------------------------------------------------


def test_it_refuses_a_body_over_the_upload_limit_with_413(
    api: APIClient, world: World, settings: Any
) -> None:
    settings.MAX_UPLOAD_BYTES = 1000
    before = snapshot()
    payload = step_payload(world, description="x" * 1500)
    response = api.post(STEPS, payload, format="json")
    assert response.status_code == 413
    assert "detail" in response.json()
    assert snapshot() == before


def test_it_refuses_an_oversized_update_with_413_and_changes_nothing(
    api: APIClient, world: World, settings: Any
) -> None:
    settings.MAX_UPLOAD_BYTES = 1000
    response = api.patch(f"{STEPS}{world.a.step.pk}/", {"description": "x" * 1500}, format="json")
    assert response.status_code == 413
    world.a.step.refresh_from_db()
    assert world.a.step.description == ""


def test_it_accepts_a_body_under_the_upload_limit(
    api: APIClient, world: World, settings: Any
) -> None:
    settings.MAX_UPLOAD_BYTES = 1000
    response = api.post(STEPS, step_payload(world, description="x" * 500), format="json")
    assert response.status_code == 201


# --- Stale versions -----------------------------------------------------------------------


def test_a_stale_step_version_answers_409_with_the_current_step(
    api: APIClient, world: World
) -> None:
    url = f"{STEPS}{world.a.step.pk}/"
    assert api.patch(url, {"title": "Calls twice"}, format="json").status_code == 200
    response = api.patch(url, {"title": "Mine", "emotion": -2, "version": 1}, format="json")
    assert response.status_code == 409
    assert response.json()["conflicts"] == ["title"]
    current = response.json()["current"]
    assert (current["id"], current["title"], current["version"]) == (
        world.a.step.pk,
        "Calls twice",
        2,
    )
    step = Step.objects.get(pk=world.a.step.pk)
    assert (step.title, step.emotion, step.version) == ("Calls twice", 0, 2)


def test_a_stale_move_of_a_step_someone_else_moved_moves_nothing(
    api: APIClient, world: World
) -> None:
    url = f"{STEPS}{world.a.step.pk}/"
    other_phase = world.a.blueprint.phases.exclude(pk=world.a.phase.pk).get()
    api.patch(url, {"phase": other_phase.pk, "version": 1}, format="json")
    response = api.patch(
        url, {"phase": world.a.phase.pk, "position": 0, "version": 1}, format="json"
    )
    assert (response.status_code, response.json()["conflicts"]) == (409, ["phase"])
    step = Step.objects.get(pk=world.a.step.pk)
    assert (step.phase_id, step.version) == (other_phase.pk, 2)


def test_a_stale_blueprint_version_answers_409_with_the_current_blueprint(
    api: APIClient, world: World
) -> None:
    url = f"/api/v1/blueprints/{world.a.blueprint.pk}/"
    assert api.patch(url, {"title": "Complaints"}, format="json").status_code == 200
    response = api.patch(url, {"title": "Returns", "version": 1}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["current"]["title"] == "Complaints"
    assert body["current"]["version"] == 2
    assert "detail" in body
    blueprint = Blueprint.objects.get(pk=world.a.blueprint.pk)
    assert (blueprint.title, blueprint.version) == ("Complaints", 2)


@pytest.mark.parametrize(
    ("resource", "changes"),
    [("steps", {"title": "First"}), ("blueprints", {"title": "First"})],
)
def test_two_saves_from_the_same_version_the_second_gets_409(
    api: APIClient, world: World, resource: str, changes: dict[str, str]
) -> None:
    obj = world.a.step if resource == "steps" else world.a.blueprint
    url = f"/api/v1/{resource}/{obj.pk}/"
    version = api.get(url).json()["version"]
    first = api.patch(url, {**changes, "version": version}, format="json")
    second = api.patch(url, {"title": "Second", "version": version}, format="json")
    assert first.status_code == 200
    assert first.json()["version"] == version + 1
    assert second.status_code == 409
    assert second.json()["current"]["title"] == "First"
    obj.refresh_from_db()
    assert (obj.title, obj.version) == ("First", version + 1)


def test_a_full_update_with_a_stale_version_answers_409(api: APIClient, world: World) -> None:
    url = f"{STEPS}{world.a.step.pk}/"
    api.patch(url, {"title": "Calls twice"}, format="json")
    response = api.put(url, step_payload(world, title="Overwrite", version=1), format="json")
    assert response.status_code == 409
    assert Step.objects.get(pk=world.a.step.pk).title == "Calls twice"


def test_the_current_version_saves(api: APIClient, world: World) -> None:
    url = f"{STEPS}{world.a.step.pk}/"
    response = api.patch(url, {"title": "Calls again", "version": 1}, format="json")
    assert response.status_code == 200
    assert response.json()["version"] == 2


@pytest.mark.parametrize("version", [0, -1, "one", 2**31, None])
def test_it_rejects_a_version_that_is_not_a_version(
    api: APIClient, world: World, version: Any
) -> None:
    response = api.patch(
        f"{STEPS}{world.a.step.pk}/", {"title": "X", "version": version}, format="json"
    )
    assert response.status_code == 400
    assert "version" in response.json()
    assert Step.objects.get(pk=world.a.step.pk).title == "Calls about a flat bottle"


# --- Query strings and paths --------------------------------------------------------------


@pytest.mark.parametrize("resource", ["steps", "phases", "lanes", "links"])
@pytest.mark.parametrize(
    "value", ["abc", "-1", "0", "1.5", "²", "٣", "9" * 20, "9" * 5000, "1 OR 1=1"]
)
def test_it_rejects_a_filter_that_is_not_an_id(api: APIClient, resource: str, value: str) -> None:
    response = api.get(f"/api/v1/{resource}/", {"blueprint": value})
    assert response.status_code == 400
    assert "blueprint" in response.json()


@pytest.mark.parametrize("param", ["workspace", "team"])
def test_it_rejects_a_blueprint_filter_that_is_not_an_id(api: APIClient, param: str) -> None:
    response = api.get("/api/v1/blueprints/", {param: "abc"})
    assert response.status_code == 400
    assert param in response.json()


def test_a_filter_with_a_well_formed_unknown_id_lists_nothing(api: APIClient) -> None:
    response = api.get(STEPS, {"blueprint": "999999"})
    assert response.status_code == 200
    assert response.json()["count"] == 0


@pytest.mark.parametrize(
    "path_id", ["999999", "9223372036854775807", "9223372036854775808", str(HUGE_ID), "9" * 400]
)
@pytest.mark.parametrize("resource", ["steps", "blueprints", "workspaces", "links"])
def test_it_answers_404_for_an_id_in_the_path_that_is_too_large(
    api: APIClient, resource: str, path_id: str
) -> None:
    for method in ("get", "patch", "delete"):
        response = getattr(api, method)(f"/api/v1/{resource}/{path_id}/", format="json")
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize("path_id", ["abc", "-1", "1.5", "%C2%B2"])
def test_it_answers_404_in_json_for_an_id_in_the_path_that_is_not_a_number(
    api: APIClient, path_id: str
) -> None:
    response = api.get(f"/api/v1/steps/{path_id}/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


@pytest.mark.parametrize("page", ["0", "-1", "abc", "99999", "9" * 5000])
def test_it_answers_404_for_a_page_that_does_not_exist(api: APIClient, page: str) -> None:
    response = api.get(STEPS, {"page": page})
    assert response.status_code == 404
    assert "detail" in response.json()


@pytest.mark.parametrize("size", ["0", "-1", "abc", "9" * 5000])
def test_a_page_size_that_is_not_a_size_falls_back_to_the_default(
    api: APIClient, size: str
) -> None:
    response = api.get(STEPS, {"page_size": size})
    assert response.status_code == 200
    assert response.json()["count"] == Step.objects.count()
