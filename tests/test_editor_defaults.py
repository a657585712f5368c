"""What the editor's forms default to and what they accept: the server's own rules."""

from django.test import Client

from blueprints.models import Step
from tests import factories
from tests.conftest import World


def test_a_new_step_in_the_physical_evidence_band_is_a_touchpoint(world: World) -> None:
    lane = factories.make_lane(world.a.blueprint, band="evidence", name="Receipt")
    body = {"blueprint": world.a.blueprint.pk, "lane": lane.pk, "phase": world.a.phase.pk}
    made = world.client("alice").post("/api/v1/steps/", {**body, "title": "Printed receipt"})
    assert made.status_code == 201 and made.json()["kind"] == "touchpoint"
    chosen = world.client("alice").post("/api/v1/steps/", {**body, "title": "x", "kind": "note"})
    assert chosen.json()["kind"] == "note"
    elsewhere = world.client("alice").post(
        "/api/v1/steps/", {**body, "lane": world.a.lane.pk, "title": "Calls"}
    )
    assert Step.objects.get(pk=elsewhere.json()["id"]).kind == "action"


def test_the_editor_counts_against_the_servers_limits(world: World) -> None:
    client = Client()
    client.force_login(world.people["alice"])
    page = client.get(f"/blueprints/{world.a.blueprint.pk}/").content.decode()
    assert 'id="l-name" name="name" required data-limit="120"' in page
    assert 'id="f-title" name="title" required data-limit="200"' in page
    assert 'data-limit="5000"' in page
    assert 'maxlength="200"' not in page.split('id="f-title"')[1].split("</dialog>")[0]
