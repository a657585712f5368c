"""Personas and service protocols over HTTP: profiles, evidence, attachments, versions, access."""

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from blueprints.models import Channel
from personas import book, services
from personas.models import ContactReason, Persona, ServiceProtocol
from tests.conftest import World
from tests.factories import make_blueprint, make_workspace

PERSONAS = "/api/v1/personas/"
PROTOCOLS = "/api/v1/protocols/"


def png_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


PNG = png_bytes()


@pytest.fixture(autouse=True)
def immediate_tasks_and_media(settings: Any, tmp_path: Path) -> None:
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def drafted(world: World) -> list[Persona]:
    services.taxonomy_seed(workspace=world.workspace)
    services.demo_contacts_seed(workspace=world.workspace, customers=300)
    response = world.client("facilitator").post(
        "/api/v1/segmentations/", {"workspace": world.workspace.pk, "k": 5}, format="json"
    )
    assert response.status_code == 202
    return list(Persona.objects.order_by("segment__number"))


def test_drafted_personas_carry_their_evidence_beside_each_attribute(
    world: World, drafted: list[Persona]
) -> None:
    body = world.client("manager").get(f"{PERSONAS}{drafted[0].pk}/").json()
    assert body["name"] and body["initials"] and body["segment"] == drafted[0].segment_id
    assert body["evidence"]["customers"] == drafted[0].segment.customers
    by_attribute = body["evidence_by_attribute"]
    for attribute in ("name", "gender", "age", "residence", "needs", "habits"):
        assert by_attribute[attribute]["summary"], attribute
    assert "customers" in by_attribute["name"]["summary"]
    assert by_attribute["gender"]["rows"][0]["population_share"] > 0
    assert body["habits"] and body["needs"]
    assert body["gender"] in {"Female", "Male", "Other"}
    listed = world.client("alice").get(f"{PERSONAS}?workspace={world.workspace.pk}").json()
    assert listed["count"] == 5


def test_a_facilitator_refines_a_profile(world: World, drafted: list[Persona]) -> None:
    persona = drafted[0]
    response = world.client("facilitator").patch(
        f"{PERSONAS}{persona.pk}/",
        {
            "name": "  Giulia,   the careful caller ",
            "quote": "I want someone to listen.",
            "desires": ["A call back"],
            "frustrations": ["Repeating the batch code"],
            "preferred_channels": [world.channel.pk],
            "version": persona.version,
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["name"] == "Giulia, the careful caller" and body["initials"] == "GT"
    assert body["version"] == persona.version + 1
    assert set(body["edited_fields"]) == {"name", "preferred_channels"}
    persona.refresh_from_db()
    assert persona.desires == ["A call back"]
    assert list(persona.preferred_channels.all()) == [world.channel]


def test_a_stale_version_is_a_conflict_with_the_current_persona(
    world: World, drafted: list[Persona]
) -> None:
    persona, api = drafted[0], world.client("facilitator")
    first = api.patch(f"{PERSONAS}{persona.pk}/", {"quote": "A", "version": 1}, format="json")
    assert first.status_code == 200
    second = api.patch(f"{PERSONAS}{persona.pk}/", {"quote": "B", "version": 1}, format="json")
    assert second.status_code == 409
    assert second.json()["current"]["quote"] == "A"
    persona.refresh_from_db()
    assert persona.quote == "A"


@pytest.mark.parametrize("who, code", [("alice", 403), ("manager", 403), ("outsider", 404)])
def test_only_facilitators_change_personas(
    world: World, drafted: list[Persona], who: str, code: int
) -> None:
    response = world.client(who).patch(
        f"{PERSONAS}{drafted[0].pk}/", {"name": "Nope"}, format="json"
    )
    assert response.status_code == code
    assert Persona.objects.filter(name="Nope").count() == 0


def test_personas_attach_to_blueprints_and_steps_of_their_workspace(
    world: World, drafted: list[Persona]
) -> None:
    persona, api = drafted[1], world.client("facilitator")
    response = api.patch(
        f"{PERSONAS}{persona.pk}/",
        {"blueprints": [world.a.blueprint.pk], "steps": [world.b.step.pk]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    by_blueprint = api.get(f"{PERSONAS}?blueprint={world.a.blueprint.pk}").json()
    assert [p["id"] for p in by_blueprint["results"]] == [persona.pk]
    by_step = api.get(f"{PERSONAS}?step={world.b.step.pk}").json()
    assert [p["id"] for p in by_step["results"]] == [persona.pk]
    foreign = make_blueprint(make_workspace("Other"), None, title="Elsewhere")
    refused = api.patch(f"{PERSONAS}{persona.pk}/", {"blueprints": [foreign.pk]}, format="json")
    assert refused.status_code == 400
    assert list(persona.blueprints.all()) == [world.a.blueprint]


def test_a_persona_can_be_made_by_hand_and_deleted(world: World) -> None:
    api = world.client("facilitator")
    response = api.post(
        PERSONAS, {"workspace": world.workspace.pk, "name": "Walk-in visitor"}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["evidence"] == {} and response.json()["segment"] is None
    assert api.post(PERSONAS, {"workspace": world.workspace.pk, "name": " "}).status_code == 400
    assert api.delete(f"{PERSONAS}{response.json()['id']}/").status_code == 204
    assert not Persona.objects.exists()


def test_a_picture_is_uploaded_checked_and_served_to_members_only(
    world: World, drafted: list[Persona]
) -> None:
    persona, api = drafted[0], world.client("facilitator")
    url = f"{PERSONAS}{persona.pk}/"
    fake = SimpleUploadedFile("me.png", b"<svg onload=alert(1)>")
    assert api.patch(url, {"picture": fake}, format="multipart").status_code == 400
    picture = SimpleUploadedFile("me.png", PNG)
    response = api.patch(url, {"picture": picture}, format="multipart")
    assert response.status_code == 200, response.json()
    assert response.json()["picture"] == f"http://testserver/personas/{persona.pk}/picture/"
    from django.test import Client

    client = Client()
    client.force_login(world.people["manager"])
    served = client.get(f"/personas/{persona.pk}/picture/")
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content).startswith(b"\x89PNG")  # written again by Pillow
    client.force_login(world.people["outsider"])
    assert client.get(f"/personas/{persona.pk}/picture/").status_code == 404


def test_protocols_per_persona_and_reason_or_channel(world: World, drafted: list[Persona]) -> None:
    persona, api = drafted[0], world.client("facilitator")
    complaints = ContactReason.objects.get(workspace=world.workspace, name="Complaints")
    body = {
        "persona": persona.pk,
        "contact_reason": complaints.pk,
        "tone": "Warm",
        "preferred_channel": world.channel.pk,
        "target_response_minutes": 240,
        "script": "Thank them, take the batch code once.",
    }
    created = api.post(PROTOCOLS, body, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["workspace"] == world.workspace.pk
    assert api.post(PROTOCOLS, body, format="json").status_code == 400  # twice
    both = {**body, "channel": world.channel.pk}  # a reason on a channel: a protocol too
    by_both = api.post(PROTOCOLS, both, format="json")
    assert by_both.status_code == 201, by_both.json()
    assert api.post(PROTOCOLS, both, format="json").status_code == 400  # twice
    neither = {k: v for k, v in body.items() if k != "contact_reason"}
    assert api.post(PROTOCOLS, neither, format="json").status_code == 400
    by_channel = api.post(PROTOCOLS, {**neither, "channel": world.channel.pk}, format="json")
    assert by_channel.status_code == 201
    listed = world.client("manager").get(f"{PROTOCOLS}?persona={persona.pk}").json()
    assert listed["count"] == 3
    feedback = ContactReason.objects.get(workspace=world.workspace, name="Feedback")
    as_manager = world.client("manager").post(
        PROTOCOLS, {**body, "contact_reason": feedback.pk}, format="json"
    )
    assert as_manager.status_code == 403
    pk = created.json()["id"]
    assert api.patch(f"{PROTOCOLS}{pk}/", {"tone": "Calm", "version": 1}).status_code == 200
    stale = api.patch(f"{PROTOCOLS}{pk}/", {"tone": "Loud", "version": 1}, format="json")
    assert stale.status_code == 409 and stale.json()["current"]["tone"] == "Calm"
    assert api.get(f"{PERSONAS}{persona.pk}/").json()["protocols"] == [
        pk,
        by_both.json()["id"],
        by_channel.json()["id"],
    ]


def test_a_protocol_follows_its_reason_when_the_reason_is_merged(
    world: World, drafted: list[Persona]
) -> None:
    persona = drafted[0]
    reason = ContactReason.objects.create(workspace=world.workspace, name="Reclamos")
    protocol = ServiceProtocol.objects.create(
        workspace=world.workspace, persona=persona, contact_reason=reason, tone="Warm"
    )
    complaints = ContactReason.objects.get(workspace=world.workspace, name="Complaints")
    response = world.client("facilitator").post(
        f"/api/v1/contact-reasons/{reason.pk}/merge/", {"into": complaints.pk}, format="json"
    )
    assert response.status_code == 200
    protocol.refresh_from_db()
    assert protocol.contact_reason == complaints


def test_the_book_gets_the_personas_of_a_blueprint_with_evidence_and_protocols(
    world: World, drafted: list[Persona]
) -> None:
    persona = drafted[0]
    persona.steps.add(world.a.step)
    ServiceProtocol.objects.create(
        workspace=world.workspace,
        persona=persona,
        channel=Channel.objects.get(pk=world.channel.pk),
        tone="Quick",
        target_response_minutes=120,
    )
    found = book.personas_for_blueprint(world.a.blueprint)
    assert [p["id"] for p in found] == [persona.pk]
    entry = found[0]
    assert entry["steps"] == [world.a.step.title]
    assert "customers" in entry["evidence"]["summary"]
    assert entry["evidence"]["by_attribute"]["gender"]
    assert entry["protocols"][0]["channel"] == "WhatsApp"
    assert entry["protocols"][0]["target_response"] == "2 hours"
    assert book.personas_for_blueprint(world.b.blueprint) == []
    everyone = book.personas_for_blueprint(world.glob.blueprint)
    assert len(everyone) == len(drafted)


def test_listing_personas_and_runs_costs_the_same_queries_however_many(
    world: World, drafted: list[Persona]
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    api = world.client("manager")
    with CaptureQueriesContext(connection) as five:
        assert api.get(PERSONAS).json()["count"] == 5
    with CaptureQueriesContext(connection) as one_run:
        api.get("/api/v1/segmentations/")
    for index in range(5):
        extra = Persona.objects.create(workspace=world.workspace, name=f"Extra {index}")
        extra.blueprints.add(world.a.blueprint)
    world.client("facilitator").post(
        "/api/v1/segmentations/", {"workspace": world.workspace.pk, "k": 3}, format="json"
    )
    with CaptureQueriesContext(connection) as ten:
        assert api.get(PERSONAS).json()["count"] >= 10
    with CaptureQueriesContext(connection) as two_runs:
        assert api.get("/api/v1/segmentations/").json()["count"] == 2
    assert len(ten) == len(five)
    assert len(two_runs) == len(one_run)
