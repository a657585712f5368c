"""Segmentation runs over HTTP: start, metrics, segments, assignments, personas, access.

The contacts are the demo's synthetic ones (a small deterministic share of them). Tasks run
with Django's immediate backend, so `POST` has finished the run when it answers.
"""

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from personas import demo_data, runs, services
from personas.models import Contact, ContactImport, Persona, Segmentation
from tests.conftest import World

URL = "/api/v1/segmentations/"
CUSTOMERS = 400


@pytest.fixture(autouse=True)
def immediate_tasks_and_media(settings: Any, tmp_path: Path) -> None:
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def contacts(world: World) -> int:
    services.taxonomy_seed(workspace=world.workspace)
    return services.demo_contacts_seed(workspace=world.workspace, customers=CUSTOMERS)


def start(world: World, who: str = "facilitator", **body: Any) -> Any:
    return world.client(who).post(URL, {"workspace": world.workspace.pk, **body}, format="json")


def test_a_facilitator_runs_a_segmentation_and_gets_segments_and_personas(
    world: World, contacts: int
) -> None:
    response = start(world)
    assert response.status_code == 202, response.json()
    body = world.client("manager").get(f"{URL}{response.json()['id']}/").json()
    assert body["status"] == "done" and body["progress"] == 1.0 and body["error"] == ""
    assert 3 <= body["chosen_k"] <= 12 and body["k"] is None
    assert body["seed"] == services.DEFAULT_SEED == body["params"]["seed"]
    assert body["metrics"]["customers"] == CUSTOMERS
    assert body["metrics"]["contacts"] == contacts
    assert [c["k"] for c in body["candidates"]] == list(range(3, 13))
    segments = body["segments"]
    assert [s["number"] for s in segments] == list(range(1, body["chosen_k"] + 1))
    assert sum(s["customers"] for s in segments) == CUSTOMERS
    assert all(s["small"] == (s["share"] < 0.05) for s in segments)
    assert "gender" in segments[0]["breakdown"] and "category" in segments[0]["over_indexing"]
    personas = Persona.objects.filter(workspace=world.workspace)
    assert personas.count() == body["chosen_k"]
    assert sorted(p for s in segments for p in s["personas"]) == sorted(
        personas.values_list("pk", flat=True)
    )


def test_assignments_csv_gives_every_customers_segment(world: World, contacts: int) -> None:
    run = start(world, k=5).json()
    assert run["chosen_k"] == 5
    response = world.client("alice").get(f"{URL}{run['id']}/assignments.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["customer_id", "segment"]
    assert len(rows) == CUSTOMERS + 1
    assert {row[1] for row in rows[1:]} == {"1", "2", "3", "4", "5"}
    assert len({row[0] for row in rows[1:]}) == CUSTOMERS
    _contacts, planted = demo_data.demo_contacts(CUSTOMERS)
    assert {row[0] for row in rows[1:]} == set(planted)


def test_assignments_are_a_conflict_until_the_run_is_done(world: World) -> None:
    run = Segmentation.objects.create(workspace=world.workspace, status="running")
    response = world.client("facilitator").get(f"{URL}{run.pk}/assignments.csv")
    assert response.status_code == 409
    assert world.client("outsider").get(f"{URL}{run.pk}/assignments.csv").status_code == 404
    assert world.client("anonymous").get(f"{URL}{run.pk}/assignments.csv").status_code in (
        401,
        403,
    )


@pytest.mark.parametrize("who", ["alice", "bob", "manager"])
def test_only_facilitators_start_segmentations(world: World, contacts: int, who: str) -> None:
    assert start(world, who).status_code == 403
    assert not Segmentation.objects.exists()


def test_outsiders_and_anonymous_people_cannot_see_or_start_runs(
    world: World, contacts: int
) -> None:
    run = start(world, k=3).json()
    assert world.client("outsider").get(f"{URL}{run['id']}/").status_code == 404
    assert world.client("outsider").get(URL).json()["count"] == 0
    assert start(world, "outsider").status_code == 400  # not one of their workspaces
    assert start(world, "anonymous").status_code == 401


@pytest.mark.parametrize("k", [2, 13, "many", -1])
def test_a_fixed_k_must_be_from_3_to_12(world: World, k: Any) -> None:
    response = start(world, k=k)
    assert response.status_code == 400
    assert "k" in response.json()


def test_an_import_of_another_workspace_or_unfinished_is_refused(world: World) -> None:
    other = ContactImport.objects.create(
        workspace=world.people["outsider"].memberships.get().workspace, file_name="x.csv"
    )
    assert start(world, contact_import=other.pk).status_code == 400
    pending = ContactImport.objects.create(workspace=world.workspace, file_name="y.csv")
    response = start(world, contact_import=pending.pk)
    assert response.status_code == 400
    assert response.json()["contact_import"] == [services.IMPORT_NOT_DONE]


def test_a_run_can_be_limited_to_one_import(world: World, contacts: int) -> None:
    done = ContactImport.objects.create(workspace=world.workspace, file_name="a.csv", status="done")
    Contact.objects.filter(customer_id__lte="AUR-000100").update(contact_import=done)
    run = start(world, contact_import=done.pk, k=3).json()
    assert run["status"] == "done"
    assert run["metrics"]["customers"] == 100


def test_too_few_customers_fail_the_run_with_a_message(world: World) -> None:
    services.taxonomy_seed(workspace=world.workspace)
    services.demo_contacts_seed(workspace=world.workspace, customers=5)
    run = start(world).json()
    body = world.client("facilitator").get(f"{URL}{run['id']}/").json()
    assert body["status"] == "failed"
    assert "at least 20 customers" in body["error"]
    assert body["segments"] == []
    assert not Persona.objects.exists()


def test_one_run_at_a_time_per_workspace(world: World, contacts: int) -> None:
    Segmentation.objects.create(workspace=world.workspace, status="running")
    from django.utils import timezone

    Segmentation.objects.update(started_at=timezone.now(), heartbeat_at=timezone.now())
    response = start(world)
    assert response.status_code == 409
    assert response.json()["detail"] == services.SEGMENTATION_RUNNING


def test_a_rerun_matches_the_personas_and_keeps_their_edits(world: World, contacts: int) -> None:
    start(world, k=5)
    api = world.client("facilitator")
    persona = Persona.objects.order_by("segment__number").first()
    drafted_age = persona.age
    edited = api.patch(
        f"/api/v1/personas/{persona.pk}/",
        {"name": "Giulia", "quote": "Listen to me", "version": persona.version},
        format="json",
    )
    assert edited.status_code == 200, edited.json()
    assert set(edited.json()["edited_fields"]) == {"name"}
    second = start(world, k=5, seed=99).json()
    assert second["status"] == "done"
    persona.refresh_from_db()
    assert (persona.name, persona.quote, persona.age) == ("Giulia", "Listen to me", drafted_age)
    assert persona.segment.segmentation_id == second["id"] and persona.matched
    assert Persona.objects.count() == 5  # matched, not drafted again


def test_a_rerun_with_other_segments_marks_old_personas_unmatched(
    world: World, contacts: int
) -> None:
    start(world, k=5)
    start(world, k=3)
    assert Persona.objects.filter(matched=True).count() == 3
    assert Persona.objects.filter(matched=False).count() >= 2


def test_deleting_a_run_keeps_its_personas(world: World, contacts: int) -> None:
    run = start(world, k=3).json()
    response = world.client("facilitator").delete(f"{URL}{run['id']}/")
    assert response.status_code == 204
    assert Persona.objects.count() == 3
    assert Persona.objects.filter(segment=None).count() == 3
    assert world.client("manager").delete(f"{URL}{run['id']}/").status_code == 404


def test_the_drafts_are_worded_in_the_language_of_who_started_the_run(
    world: World, contacts: int, settings: Any
) -> None:
    # A worker picks the run up later, with no request and no language of its own.
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    response = world.client("facilitator").post(
        URL, {"workspace": world.workspace.pk}, format="json", HTTP_ACCEPT_LANGUAGE="es"
    )
    assert response.status_code == 202, response.json()
    assert Segmentation.objects.get(pk=response.json()["id"]).language == "es"
    with translation.override(None):  # the worker's thread: no language active
        runs.segmentation_run(segmentation_id=response.json()["id"])
    needs = [need for p in Persona.objects.filter(workspace=world.workspace) for need in p.needs]
    assert needs and all(need.startswith("Ayuda con «") for need in needs), needs[:3]
