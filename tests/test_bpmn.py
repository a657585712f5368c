"""BPMN 2.0 export: `GET /api/v1/blueprints/{id}/diagram.bpmn`.

Every file must pass the OMG BPMN 2.0 schema (the XSD SpiffWorkflow ships) and be read by
bpmn.io's own reader (bpmn-moddle, run with Node: tests/js/read_bpmn.mjs) without a warning,
with a diagram shape for every pool, lane, task and data object and an edge for every flow.
"""

import functools
import io
import json
import subprocess
from pathlib import Path
from typing import Any

import SpiffWorkflow
from django.core.management import call_command
from lxml import etree
from rest_framework.test import APIClient

from blueprints.bpmn import BPMNDI, DC, DI, MODEL
from blueprints.models import Blueprint
from tests import factories
from tests.conftest import World
from tests.test_interchange import hostile_blueprint

ROOT = Path(__file__).resolve().parent.parent
NS = {"b": MODEL, "bpmndi": BPMNDI, "dc": DC, "di": DI}


@functools.cache
def bpmn_schema() -> etree.XMLSchema:
    xsd = Path(SpiffWorkflow.__file__).parent / "bpmn" / "parser" / "schema" / "BPMN20.xsd"
    return etree.XMLSchema(etree.parse(str(xsd)))


def read_with_bpmn_io(*documents: bytes) -> list[dict[str, Any]]:
    done = subprocess.run(
        ["node", str(ROOT / "tests" / "js" / "read_bpmn.mjs")],
        input=json.dumps([document.decode() for document in documents]).encode(),
        capture_output=True,
        timeout=120,
        check=True,
        cwd=ROOT,
    )
    return json.loads(done.stdout)


def bpmn_of(client: Any, blueprint: Blueprint, query: str = "") -> bytes:
    response = client.get(f"/api/v1/blueprints/{blueprint.pk}/diagram.bpmn{query}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    return response.content


def assert_sound(document: bytes) -> etree._Element:
    """Valid against the schema, and every element the diagram must show is shown."""
    root = etree.fromstring(document)
    schema = bpmn_schema()
    assert schema.validate(root), schema.error_log
    shapes = {shape.get("bpmnElement"): shape for shape in root.iterfind(".//bpmndi:BPMNShape", NS)}
    shown = ("participant", "lane", "task", "dataObjectReference")
    for tag in shown:
        for element in root.iterfind(f".//b:{tag}", NS):
            assert element.get("id") in shapes, f"{tag} {element.get('id')} has no shape"
            bounds = shapes[element.get("id")].find("dc:Bounds", NS)
            assert float(bounds.get("width")) > 0 and float(bounds.get("height")) > 0
    edges = {edge.get("bpmnElement"): edge for edge in root.iterfind(".//bpmndi:BPMNEdge", NS)}
    for tag in ("sequenceFlow", "messageFlow", "dataInputAssociation"):
        for element in root.iterfind(f".//b:{tag}", NS):
            assert len(edges[element.get("id")].findall("di:waypoint", NS)) >= 2
    return root


def box(root: etree._Element, element_id: str) -> tuple[float, float, float, float]:
    shape = root.find(f".//bpmndi:BPMNShape[@bpmnElement='{element_id}']", NS)
    bounds = shape.find("dc:Bounds", NS)
    return tuple(float(bounds.get(k)) for k in ("x", "y", "width", "height"))  # type: ignore[return-value]


def test_every_demo_blueprint_passes_the_schema_and_bpmn_io_reads_it(db: None) -> None:
    call_command("seed_demo", stdout=io.StringIO())
    client = factories_client("facilitator")
    files = [bpmn_of(client, blueprint) for blueprint in Blueprint.objects.all()]
    assert len(files) >= 5
    for document in files:
        assert_sound(document)
    for answer in read_with_bpmn_io(*files):
        assert answer["ok"], answer
        assert answer["warnings"] == []
        assert len(answer["participants"]) == 2


def factories_client(username: str) -> APIClient:
    client = APIClient()
    client.force_authenticate(factories.User.objects.get(username=username))
    return client


def test_hostile_text_stays_text(world: World) -> None:
    blueprint = hostile_blueprint(world)
    document = bpmn_of(world.client("alice"), blueprint)
    root = assert_sound(document)
    names = {task.get("name") for task in root.iterfind(".//b:task", NS)}
    assert '"]; node [label="pwned' in names
    assert "<script>alert(1)</script>" in names
    assert b"<script>" not in document
    [answer] = read_with_bpmn_io(document)
    assert answer["ok"] and answer["warnings"] == [], answer


def test_the_mapping_follows_the_blueprint(world: World) -> None:
    blueprint = factories.make_blueprint(world.workspace, world.team_a, title="Hotel stay")
    arrive, stay = (factories.make_phase(blueprint, name) for name in ("Arrive", "Stay"))
    evidence = factories.make_lane(blueprint, "evidence", name="Evidence")
    guest = factories.make_lane(blueprint, "customer", name="Guest")
    desk = factories.make_lane(blueprint, "frontstage", name="Front desk")
    porter = factories.make_lane(blueprint, "backstage", name="Porter")
    system = factories.make_lane(blueprint, "support", name="Reservations")
    sign = factories.make_step(evidence, arrive, "Hotel exterior")
    rooms = factories.make_step(evidence, stay, "Room")
    check_in = factories.make_step(guest, arrive, "Checks in", description="At the desk")
    sleep = factories.make_step(guest, stay, "Sleeps")
    greet = factories.make_step(desk, arrive, "Greets the guest")
    bags = factories.make_step(porter, arrive, "Takes the bags")
    booking = factories.make_step(system, stay, "Registration system")
    factories.make_link(check_in, greet, label="asks for the key")
    factories.make_link(greet, bags)
    factories.make_link(bags, booking, "information")
    factories.make_link(check_in, sleep)
    factories.make_link(rooms, sleep, "information")

    root = assert_sound(bpmn_of(world.client("alice"), blueprint))
    customer, organisation = root.iterfind(".//b:process", NS)
    participants = root.findall(".//b:participant", NS)
    assert [p.get("name") for p in participants] == ["Customer", "Service centre"]
    assert [t.get("name") for t in customer.iterfind("b:task", NS)] == ["Checks in", "Sleeps"]
    assert customer.find("b:task/b:documentation", NS).text == "At the desk"
    bands = organisation.findall("b:laneSet/b:lane", NS)
    assert [lane.get("name") for lane in bands] == ["Frontstage", "Backstage", "Support processes"]
    child = bands[0].find("b:childLaneSet/b:lane", NS)
    assert child.get("name") == "Front desk"
    assert [ref.text for ref in child.iterfind("b:flowNodeRef", NS)] == [f"Task_{greet.pk}"]
    # Within a pool a sequence flow, across pools a message flow (with its label).
    sequence = {
        (f.get("sourceRef"), f.get("targetRef")) for f in root.iterfind(".//b:sequenceFlow", NS)
    }
    assert sequence == {
        (f"Task_{greet.pk}", f"Task_{bags.pk}"),
        (f"Task_{bags.pk}", f"Task_{booking.pk}"),
        (f"Task_{check_in.pk}", f"Task_{sleep.pk}"),
    }
    [message] = root.iterfind(".//b:messageFlow", NS)
    assert (message.get("sourceRef"), message.get("targetRef"), message.get("name")) == (
        f"Task_{check_in.pk}",
        f"Task_{greet.pk}",
        "asks for the key",
    )
    # Evidence: data objects tied to the task they are linked to, else the phase's customer step.
    ties = {
        association.findtext("b:sourceRef", namespaces=NS): association.getparent().get("id")
        for association in root.iterfind(".//b:dataInputAssociation", NS)
    }
    assert ties == {
        f"DataObjectReference_{sign.pk}": f"Task_{check_in.pk}",
        f"DataObjectReference_{rooms.pk}": f"Task_{sleep.pk}",
    }
    # Laid out like the blueprint: phases are columns, bands run top to bottom.
    assert box(root, f"Task_{check_in.pk}")[0] == box(root, f"Task_{greet.pk}")[0]
    assert box(root, f"Task_{sleep.pk}")[0] > box(root, f"Task_{check_in.pk}")[0]
    tops = [box(root, element)[1] for element in (
        f"DataObjectReference_{sign.pk}", f"Task_{check_in.pk}", f"Task_{greet.pk}",
        f"Task_{bags.pk}", f"Task_{booking.pk}",
    )]  # fmt: skip
    assert tops == sorted(tops)
    pool = box(root, "Participant_customer")
    task = box(root, f"Task_{check_in.pk}")
    assert pool[1] <= task[1] and task[1] + task[3] <= pool[1] + pool[3]


def test_band_and_pool_names_follow_the_language(world: World) -> None:
    world.a.lane.name_translations = {"es": "Consumidor"}
    world.a.lane.save(update_fields=["name_translations"])
    root = assert_sound(bpmn_of(world.client("alice"), world.a.blueprint, "?lang=es"))
    assert root.find(".//b:participant", NS).get("name") == "Cliente"
    names = {lane.get("name") for lane in root.iterfind(".//b:lane", NS)}
    assert {"Consumidor", "Acciones invisibles (backstage)"} <= names


def test_an_empty_blueprint_is_still_a_valid_file(world: World) -> None:
    blueprint = factories.make_blueprint(world.workspace, world.team_a, title="Blank")
    document = bpmn_of(world.client("facilitator"), blueprint)
    assert_sound(document)
    [answer] = read_with_bpmn_io(document)
    assert answer["ok"] and answer["warnings"] == []


def test_it_is_a_file_with_an_etag_read_only_by_members(world: World) -> None:
    url = f"/api/v1/blueprints/{world.a.blueprint.pk}/diagram.bpmn"
    response = world.client("manager").get(url + "?download=1")
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Disposition"].endswith('.bpmn"')
    again = world.client("manager").get(url, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    assert world.client("outsider").get(url).status_code == 404
    assert world.client("anonymous").get(url).status_code == 401
