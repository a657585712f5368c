"""Steps and personas linked both ways, in a real Chromium: a facilitator finds a step among
a workspace's many by typing part of its name (accents aside), attaches it to the persona, and
the persona page links it into its blueprint; the workshop outputs about her are listed."""

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from blueprints.models import Step
from personas.models import Persona
from tests.browser import ARTIFACTS, WatchedPage, log_in
from tests.conftest import World
from workshops.models import Output, Workshop

pytestmark = pytest.mark.browser


@pytest.fixture
def watched(browser: Browser) -> Iterator[WatchedPage]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    yield WatchedPage(context.new_page())
    context.close()


def test_a_facilitator_finds_a_step_attaches_it_and_follows_the_link(
    committed_world: World, live_server: Any, watched: WatchedPage
) -> None:
    live = committed_world
    step = Step.objects.get(pk=live.a.step.pk)
    step.title = "Devolución del envase"
    step.save(update_fields=["title"])
    persona = Persona.objects.create(workspace=live.workspace, name="Lucía")
    workshop = Workshop.objects.create(workspace=live.workspace, title="Information day")
    Output.objects.create(workshop=workshop, title="Call back within a day", persona=persona)
    page, base = watched.page, live_server.url
    log_in(page, base, "facilitator", "secret-pass-123")
    page.goto(f"{base}/personas/{persona.pk}/")
    outputs = page.locator("section[aria-labelledby='persona-outputs-title']")
    expect(outputs).to_contain_text("Call back within a day")
    expect(outputs.get_by_role("link", name="Information day")).to_have_attribute(
        "href", f"/workshops/{workshop.pk}/"
    )

    page.get_by_text("Edit profile").click()
    steps = page.get_by_label("Steps", exact=True)
    total = Step.objects.filter(blueprint__workspace=live.workspace).count()
    assert total > 2
    expect(steps.locator("option:not([hidden])")).to_have_count(total)
    page.get_by_placeholder("Find a step").fill("devolucion")  # no accent typed
    visible = steps.locator("option:not([hidden])")
    expect(visible).to_have_count(1)
    expect(visible).to_have_text("A — Devolución del envase")
    steps.select_option(label="A — Devolución del envase")
    steps.scroll_into_view_if_needed()
    ARTIFACTS.mkdir(exist_ok=True)  # not full_page: that moves what the next click aims at
    page.screenshot(path=str(ARTIFACTS / "persona-step-search.png"))
    page.get_by_role("button", name="Save persona").click()
    expect(page.get_by_text("Persona saved.")).to_be_visible()

    watched.screenshot("persona-linked-step")
    link = page.get_by_role("link", name="A — Devolución del envase")
    expect(link).to_have_attribute("href", f"/blueprints/{live.a.blueprint.pk}/#step-{step.pk}")
    link.click()
    expect(page.locator(f"#step-{step.pk}")).to_be_visible()
    assert list(persona.steps.values_list("pk", flat=True)) == [step.pk]
    assert watched.errors == []
