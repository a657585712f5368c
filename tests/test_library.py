"""The library of templates: `GET /api/v1/blueprint-templates/`, saving a blueprint as one, and
`POST /api/v1/blueprints/from-template/`."""

import pytest

from blueprints import library
from blueprints.models import Blueprint, BlueprintEvent, BlueprintTemplate
from tests import factories
from tests.conftest import World
from tests.test_bpmn import assert_sound, read_with_bpmn_io
from tests.test_interchange import canonical
from tests.test_mermaid import parse_with_mermaid

TEMPLATES = "/api/v1/blueprint-templates/"
FROM_TEMPLATE = "/api/v1/blueprints/from-template/"


def make_from(world: World, who: str, template: str, team: str = "team_a", **extra: str):
    body = {"workspace": world.workspace.pk, "team": getattr(world, team).pk, "template": template}
    return world.client(who).post(FROM_TEMPLATE, body | extra, format="json")


def save(world: World, who: str, blueprint: Blueprint, name: str = "Our complaint flow"):
    body = {"blueprint": blueprint.pk, "name": name, "description": "As agreed in May."}
    return world.client(who).post(TEMPLATES, body, format="json")


def test_the_library_lists_the_built_in_templates_first(world: World) -> None:
    response = world.client("manager").get(TEMPLATES)
    assert response.status_code == 200
    results = response.json()["results"]
    assert [t["id"] for t in results] == ["blank", "consumer-complaint", "hotel-stay"]
    hotel = results[2]
    assert "Bitner" in hotel["name"] and hotel["reference"].endswith("10.2307/41166446")
    assert hotel["steps"] > 20 and hotel["lanes"] == 5
    assert world.client("anonymous").get(TEMPLATES).status_code == 401


@pytest.mark.parametrize("key", list(library.BUILT_IN))
def test_a_participant_starts_a_team_blueprint_from_each_built_in_template(
    world: World, key: str
) -> None:
    response = make_from(world, "alice", key, title=f"From {key}")
    assert response.status_code == 201, response.content
    blueprint = Blueprint.objects.get(pk=response.json()["id"])
    assert (blueprint.team, blueprint.title) == (world.team_a, f"From {key}")
    template = library.BUILT_IN[key]("en")
    assert blueprint.steps.count() == len(template.document["steps"])
    assert blueprint.lanes.count() == len(template.document["lanes"])
    assert BlueprintEvent.objects.filter(blueprint=blueprint, kind="blueprint.created").exists()


def test_the_hotel_stay_has_every_band_and_exports_everywhere(world: World) -> None:
    blueprint = Blueprint.objects.get(pk=make_from(world, "alice", "hotel-stay").json()["id"])
    bands = {lane.band: lane for lane in blueprint.lanes.all()}
    assert list(bands) == ["evidence", "customer", "frontstage", "backstage", "support"]
    assert blueprint.steps.filter(lane=bands["evidence"], title="Room amenities, bath").exists()
    assert blueprint.steps.filter(lane=bands["support"], title="Prepare food").exists()
    assert "10.2307/41166446" in blueprint.description
    client = world.client("alice")
    bpmn = client.get(f"/api/v1/blueprints/{blueprint.pk}/diagram.bpmn").content
    root = assert_sound(bpmn)
    assert len(root.findall(".//{*}dataObjectReference")) == 8
    [answer] = read_with_bpmn_io(bpmn)
    assert answer["ok"] and answer["warnings"] == []
    journey = client.get(f"/api/v1/blueprints/{blueprint.pk}/journey.mmd").content.decode()
    assert "Check out and leave" in journey
    assert parse_with_mermaid(journey) == [{"ok": True, "type": "journey"}]


def test_the_blank_template_speaks_the_reader_s_language(world: World) -> None:
    response = world.client("alice").post(
        FROM_TEMPLATE,
        {"workspace": world.workspace.pk, "team": world.team_a.pk, "template": "blank"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="es",
    )
    blueprint = Blueprint.objects.get(pk=response.json()["id"])
    assert list(blueprint.phases.values_list("name", flat=True)) == ["Antes", "Durante", "Después"]
    customer = blueprint.lanes.get(band="customer")
    assert customer.display_name("es") == "Acciones del cliente"


@pytest.mark.parametrize(
    ("who", "team", "status"), [("alice", "team_b", 403), ("manager", "team_a", 403)]
)
def test_only_those_who_may_add_a_blueprint_to_the_team_do(
    world: World, who: str, team: str, status: int
) -> None:
    before = Blueprint.objects.count()
    assert make_from(world, who, "hotel-stay", team=team).status_code == status
    assert Blueprint.objects.count() == before


def test_an_unknown_template_answers_404(world: World) -> None:
    assert make_from(world, "alice", "nope").status_code == 404
    assert make_from(world, "alice", "saved-999999").status_code == 404
    assert world.client("alice").get(TEMPLATES + "nope/").status_code == 404


# --- saved templates ------------------------------------------------------------------------


def test_a_facilitator_saves_a_blueprint_and_members_start_from_it(world: World) -> None:
    response = save(world, "facilitator", world.a.blueprint)
    assert response.status_code == 201, response.content
    key = response.json()["id"]
    assert key.startswith("saved-") and response.json()["source"] == "workspace"
    listed = world.client("alice").get(TEMPLATES + f"?workspace={world.workspace.pk}").json()
    assert key in [t["id"] for t in listed["results"]]
    detail = world.client("alice").get(TEMPLATES + f"{key}/").json()
    assert detail["document"]["format"] == "frontstage.blueprint"
    # The template keeps the blueprint as it was when saved.
    factories.make_phase(world.a.blueprint, "Added later")
    made = make_from(world, "alice", key, title="A")
    assert made.status_code == 201, made.content
    copy = Blueprint.objects.get(pk=made.json()["id"])
    assert "Added later" not in copy.phases.values_list("name", flat=True)
    assert canonical(copy)["steps"] == canonical(world.a.blueprint)["steps"]


@pytest.mark.parametrize(("who", "status"), [("alice", 403), ("manager", 403), ("outsider", 400)])
def test_only_facilitators_save_templates(world: World, who: str, status: int) -> None:
    assert save(world, who, world.a.blueprint).status_code == status
    assert not BlueprintTemplate.objects.exists()


def test_a_name_is_used_once_per_workspace(world: World) -> None:
    assert save(world, "facilitator", world.a.blueprint).status_code == 201
    again = save(world, "facilitator", world.b.blueprint)
    assert again.status_code == 400
    assert "name" in again.json()


def test_saved_templates_stay_in_their_workspace(world: World) -> None:
    key = save(world, "facilitator", world.a.blueprint).json()["id"]
    assert world.client("outsider").get(TEMPLATES + f"{key}/").status_code == 404
    listed = world.client("outsider").get(TEMPLATES).json()["results"]
    assert key not in [t["id"] for t in listed]
    other = factories.make_workspace("Other", facilitator=[world.people["facilitator"]])
    team = factories.make_team(other, "Elsewhere")
    body = {"workspace": other.pk, "team": team.pk, "template": key}
    response = world.client("facilitator").post(FROM_TEMPLATE, body, format="json")
    assert response.status_code == 404


def test_facilitators_delete_saved_templates_but_not_built_in_ones(world: World) -> None:
    key = save(world, "facilitator", world.a.blueprint).json()["id"]
    assert world.client("alice").delete(TEMPLATES + f"{key}/").status_code == 403
    assert world.client("facilitator").delete(TEMPLATES + "hotel-stay/").status_code == 403
    assert world.client("facilitator").delete(TEMPLATES + f"{key}/").status_code == 204
    assert not BlueprintTemplate.objects.exists()


def test_a_blueprint_made_through_the_blueprints_api_can_start_from_a_template(
    world: World,
) -> None:
    """`POST /api/v1/blueprints/` with `template`, as with `…/from-template/`."""
    body = {
        "workspace": world.workspace.pk,
        "team": world.team_a.pk,
        "kind": "team",
        "title": "Our hotel",
        "template": "hotel-stay",
    }
    response = world.client("alice").post("/api/v1/blueprints/", body, format="json")
    assert response.status_code == 201, response.content
    assert "template" not in response.json()
    blueprint = Blueprint.objects.get(pk=response.json()["id"])
    assert (blueprint.team, blueprint.title) == (world.team_a, "Our hotel")
    template = library.BUILT_IN["hotel-stay"]("en")
    assert blueprint.steps.count() == len(template.document["steps"])
    unknown = world.client("alice").post(
        "/api/v1/blueprints/", body | {"template": "no-such-thing"}, format="json"
    )
    assert unknown.status_code == 400 and "no-such-thing" in unknown.json()["template"][0]
    others = world.client("bob").post("/api/v1/blueprints/", body, format="json")
    assert others.status_code == 403  # bob is not in team A
    assert Blueprint.objects.filter(title="Our hotel").count() == 1
