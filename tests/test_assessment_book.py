"""The book's chapters "Consumer-data practices" and "Design review", read back from the PDF."""

from pathlib import Path
from typing import Any

import pytest

from blueprints.models import FindingDismissal
from tests import factories
from tests.conftest import World
from tests.test_book import Book, fetch, squeezed

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def render_cache(settings: Any, tmp_path: Path) -> Path:
    settings.RENDER_CACHE_DIR = tmp_path / "render-cache"
    return settings.RENDER_CACHE_DIR


def plant(world: World) -> None:
    """Team A's consumer gives data on WhatsApp that nobody records; a band crossing is
    dismissed with a reason."""
    step = world.a.step
    step.channel = world.channel
    step.data_stage = "collected"
    step.data_captured = "Name, batch code"
    step.save(update_fields=["channel", "data_stage", "data_captured"])
    findings = world.client("facilitator").get(
        f"/api/v1/blueprints/{world.a.blueprint.pk}/audit.json"
    )
    crossing = next(f for f in findings.json()["findings"] if f["rule"] == "band_crossing")
    FindingDismissal.objects.create(
        blueprint=world.a.blueprint,
        rule="band_crossing",
        key=crossing["key"],
        reason="The hotline routes it straight to quality.",
        dismissed_by=world.people["alice"],
    )


def chapter(book: Book, title: str, until: str | None = None) -> str:
    start = book.listed(title)
    end = book.listed(until) if until else start + 1
    return squeezed("\n".join(book.text(page) for page in range(start, max(end, start + 1))))


def test_the_chapters_show_the_matrix_gaps_advice_and_open_findings(world: World) -> None:
    plant(world)
    book = fetch(world.client("manager"), world.a.blueprint)
    practices = chapter(book, "Consumer-data practices", "Design review")
    assert book.text(book.listed("Consumer-data practices")).startswith("Consumer-data practices")
    for expected in [
        "PLANNED",
        "COLLECTED",
        "COMMUNICATED",
        "WhatsApp",
        "1/5",
        "WhatsApp:consumerdataiscollected,butnosteprecordsit.",
        "Collected,notrecorded",
        "Callsaboutaflatbottle",
        "Recommendations",
        "WhatsApp:recordwhatiscollectedinanamedsystem",
    ]:
        assert squeezed(expected) in practices, expected
    review = chapter(book, "Design review", "Personas and service protocols")
    assert "ThecustomerdoesnothinginthephaseResolution" in review.replace("“", "").replace("”", "")
    assert "Dismissedfindings" in review
    assert "Thehotlineroutesitstraighttoquality." in review
    assert "Linkoveraband" in review


def test_a_blueprint_without_problems_says_so(world: World) -> None:
    """Team B's blueprint, cleared of everything: nothing planted, nothing found."""
    blueprint = world.b.blueprint
    blueprint.links.all().delete()
    blueprint.steps.all().delete()
    blueprint.phases.exclude(pk=world.b.phase.pk).delete()
    factories.make_step(world.b.lane, world.b.phase, "Reads the label", kind="note")
    book = fetch(world.client("manager"), blueprint)
    practices = chapter(book, "Consumer-data practices", "Design review")
    assert "Nostepusesachannelorhandlesconsumerdatayet." in practices
    assert "Nogap" in practices
    review = chapter(book, "Design review", "Personas and service protocols")
    assert "Noopenfinding:everyruleofthedesignreviewpasses." in review


def test_the_chapters_follow_the_readers_language(world: World) -> None:
    plant(world)
    book = fetch(world.client("manager"), world.a.blueprint, lang="es")
    contents = book.text(1)
    assert "Prácticas de datos de los consumidores" in contents
    assert "Revisión del diseño" in contents
    practices = chapter(book, "Prácticas de datos de los consumidores", "Revisión del diseño")
    assert "Recomendaciones" in practices and "Recommendations" not in practices


def test_a_global_book_compares_the_teams(world: World) -> None:
    glob = world.glob
    glob.step.channel = world.channel
    glob.step.data_stage = "collected"
    glob.step.save(update_fields=["channel", "data_stage"])
    glob.step.sources.set([world.a.step, world.b.step])
    book = fetch(world.client("manager"), glob.blueprint)
    practices = chapter(book, "Consumer-data practices", "Design review")
    assert "Teamscompared" in practices
    assert "Quality" in practices and "Servicecentre" in practices


def test_every_open_finding_of_a_busy_blueprint_is_in_the_book(world: World) -> None:
    # A blueprint with dozens of findings per rule: the book runs them together in one
    # paragraph per rule (cheaper to lay out than a line each) and loses none of them.
    blueprint = factories.make_blueprint_of_size(world.workspace, world.team_a, 60)
    client = world.client("manager")
    report = client.get(f"/api/v1/blueprints/{blueprint.pk}/audit.json").json()
    messages = [f["message"] for f in report["findings"] if not f["dismissed"]]
    assert len(messages) > 40
    book = fetch(client, blueprint)
    review = chapter(book, "Design review", "Personas and service protocols")
    for message in messages:
        assert squeezed(message) in review, message
