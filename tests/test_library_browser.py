"""A new blueprint from the published hotel example, and its exports, in a real Chromium."""

import json
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, expect

from blueprints.models import Blueprint
from tests.browser import WatchedPage, log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(transactional_db: None) -> None:
    call_command("seed_demo", verbosity=0)


@pytest.fixture
def watched(browser: Browser) -> Iterator[WatchedPage]:
    context = browser.new_context(
        viewport={"width": 1440, "height": 900}, locale="en-GB", accept_downloads=True
    )
    yield WatchedPage(context.new_page())
    context.close()


def test_a_participant_starts_from_the_hotel_stay_and_downloads_it(
    demo: None, live_server: object, watched: WatchedPage
) -> None:
    page, base = watched.page, live_server.url
    log_in(page, base, "participant", "frontstage")
    page.get_by_role("link", name="New blueprint").first.click()
    expect(page.get_by_role("heading", name="New blueprint")).to_be_visible()
    page.get_by_label("Title").fill("Our overnight stay")
    page.get_by_role("radio", name="Overnight hotel stay (Bitner, Ostrom & Morgan, 2008)").check()
    page.get_by_role("button", name="Create the blueprint").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Our overnight stay")
    blueprint = Blueprint.objects.get(title="Our overnight stay")
    expect(page.locator("article.step")).to_have_count(blueprint.steps.count())
    with page.expect_download() as download:
        page.get_by_role("link", name="Frontstage file (JSON)").click()
    document = json.loads(download.value.path().read_text())
    assert document["format"] == "frontstage.blueprint"
    assert len(document["steps"]) == blueprint.steps.count()
    with page.expect_download() as download:
        page.get_by_role("link", name="BPMN 2.0").click()
    assert download.value.suggested_filename.endswith(".bpmn")
    assert b"<bpmn:definitions" in download.value.path().read_bytes()
    watched.screenshot("new-blueprint-hotel")
    assert watched.page_errors() == []
