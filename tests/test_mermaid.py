"""Mermaid journey export: `GET /api/v1/blueprints/{id}/journey.mmd`.

What comes out must be read by Mermaid's own parser (`mermaid.parse`, run with Node:
tests/js/parse_mermaid.mjs) as a journey, whatever the names hold.
"""

import io
import json
import subprocess
from pathlib import Path
from typing import Any

from django.core.management import call_command
from rest_framework.test import APIClient

from blueprints import mermaid
from blueprints.layout import BlueprintData, LaneData, PhaseData, StepData
from blueprints.models import Blueprint
from tests import factories
from tests.conftest import World
from tests.test_interchange import HOSTILE, hostile_blueprint

ROOT = Path(__file__).resolve().parent.parent
TRICKY = HOSTILE + [
    "Title deed",
    "section 2",
    "journey home",
    "%% not a comment",
    "a%%b",
    "% off",
    "accTitle: x",
    "Pay: 20 € ; tip #1",
    ":",
    "   ",
    "Alice, Bob",
]


def parse_with_mermaid(*texts: str) -> list[dict[str, Any]]:
    done = subprocess.run(
        ["node", str(ROOT / "tests" / "js" / "parse_mermaid.mjs")],
        input=json.dumps(list(texts)).encode(),
        capture_output=True,
        timeout=180,
        check=True,
        cwd=ROOT,
    )
    return json.loads(done.stdout)


def journey_of(client: APIClient, blueprint: Blueprint, query: str = "") -> str:
    response = client.get(f"/api/v1/blueprints/{blueprint.pk}/journey.mmd{query}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/vnd.mermaid; charset=utf-8"
    return response.content.decode()


def test_the_parser_refuses_what_it_should() -> None:
    """The check is real: the raw text with a `:` or `#` in a name fails to parse."""
    raw = "journey\n  section A\n    Pay: 20 € ; tip #1: 3: Me\n"
    [answer] = parse_with_mermaid(raw)
    assert not answer["ok"]
    assert "Parse error" in answer["error"]


def test_every_demo_blueprint_and_every_tricky_name_parse(db: None) -> None:
    call_command("seed_demo", stdout=io.StringIO())
    client = APIClient()
    client.force_authenticate(factories.User.objects.get(username="facilitator"))
    texts = [journey_of(client, blueprint) for blueprint in Blueprint.objects.all()]
    tricky = BlueprintData(
        title="x",
        phases=[PhaseData(i, name[:120]) for i, name in enumerate(TRICKY)],
        lanes=[LaneData(1, "Alice, Bob; #1: you", "customer", "Guest")],
        steps=[
            StepData(100 + i, 1, i, name, actor=name, emotion=(i % 5) - 2)
            for i, name in enumerate(TRICKY)
        ],
    )
    texts += [mermaid.journey(tricky)]
    texts += [mermaid.journey(BlueprintData(title=name, phases=[], lanes=[])) for name in TRICKY]
    answers = parse_with_mermaid(*texts)
    for text, answer in zip(texts, answers, strict=True):
        assert answer == {"ok": True, "type": "journey"}, (text, answer)


def test_sections_are_phases_and_tasks_are_customer_steps(world: World) -> None:
    blueprint = factories.make_blueprint(world.workspace, world.team_a, title="Hotel stay")
    arrive, stay = (factories.make_phase(blueprint, name) for name in ("Arrive", "Stay"))
    guest = factories.make_lane(
        blueprint, "customer", name="Guest", name_translations={"es": "Huésped"}
    )
    desk = factories.make_lane(blueprint, "frontstage", name="Front desk")
    factories.make_step(guest, arrive, "Checks in: room 12", emotion=-2)
    factories.make_step(guest, arrive, "Waits", emotion=2, actor=world.actor)
    factories.make_step(desk, arrive, "Greets")  # not the customer's: not in the journey
    factories.make_step(guest, stay, "Sleeps #zzz", emotion=1)
    text = journey_of(world.client("bob"), blueprint, "?lang=es")
    assert text == (
        "journey\n"
        "  title Hotel stay\n"
        "  section Arrive\n"
        "    Checks in\ua789 room 12: 1: Huésped\n"
        "    Waits: 5: Huésped, Quality analyst\n"
        "  section Stay\n"
        "    Sleeps \uff03zzz: 4: Huésped\n"
    )
    assert parse_with_mermaid(text) == [{"ok": True, "type": "journey"}]


def test_hostile_blueprint_parses(world: World) -> None:
    text = journey_of(world.client("alice"), hostile_blueprint(world))
    assert "<script>alert(1)</script>" in text  # kept as text; Mermaid draws it as text
    assert parse_with_mermaid(text) == [{"ok": True, "type": "journey"}]


def test_it_is_a_file_with_an_etag_read_only_by_members(world: World) -> None:
    url = f"/api/v1/blueprints/{world.a.blueprint.pk}/journey.mmd"
    response = world.client("manager").get(url + "?download=1")
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Disposition"].endswith('-journey.mmd"')
    again = world.client("manager").get(url, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    assert world.client("outsider").get(url).status_code == 404
    assert world.client("anonymous").get(url).status_code == 401
