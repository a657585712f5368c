"""The pages as people meet them: in a real Chromium, logged in through the form."""

from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from playwright.sync_api import Browser, expect

from blueprints.models import Blueprint, Step
from tests.browser import WatchedPage, log_in

pytestmark = pytest.mark.browser
DEMO_PASSWORD = "frontstage"


@pytest.fixture
def demo(transactional_db: None) -> None:
    call_command("seed_demo", verbosity=0)


@pytest.fixture
def watched(browser: Browser) -> Iterator[WatchedPage]:
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-GB")
    yield WatchedPage(context.new_page())
    context.close()


def test_a_facilitator_logs_in_and_opens_a_team_blueprint(
    demo: None, live_server: object, watched: WatchedPage
) -> None:
    page, base = watched.page, live_server.url
    log_in(page, base, "facilitator", DEMO_PASSWORD)
    expect(page.get_by_role("heading", name="Your workspaces")).to_be_visible()
    blueprint = Blueprint.objects.filter(kind="team").order_by("id").first()
    page.get_by_role("link", name=blueprint.title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(blueprint.title)
    for phase in blueprint.phases.all():
        expect(page.get_by_role("columnheader", name=phase.name)).to_be_visible()
    for label in ["Line of interaction", "Line of visibility", "Line of internal interaction"]:
        expect(page.get_by_text(label, exact=True)).to_be_visible()
    expect(page.locator("article.step")).to_have_count(blueprint.steps.count())
    watched.screenshot("blueprint-facilitator")
    assert watched.page_errors() == []


def test_a_manager_sees_the_blueprint_read_only(
    demo: None, live_server: object, watched: WatchedPage
) -> None:
    page, base = watched.page, live_server.url
    log_in(page, base, "manager", DEMO_PASSWORD)
    blueprint = Blueprint.objects.filter(kind="team").order_by("id").first()
    page.goto(f"{base}/blueprints/{blueprint.pk}/")
    expect(page.get_by_text("Read-only", exact=True)).to_be_visible()
    assert watched.page_errors() == []


def test_an_outsider_gets_404_and_script_in_titles_stays_text(
    demo: None, live_server: object, watched: WatchedPage
) -> None:
    page, base = watched.page, live_server.url
    step = Step.objects.order_by("id").first()
    step.title = '<script>window.pwned = 1</script>"]; node [label="x'
    step.save(update_fields=["title"])
    log_in(page, base, "participant", DEMO_PASSWORD)
    page.goto(f"{base}/blueprints/{step.blueprint_id}/")
    expect(page.get_by_text(step.title, exact=True)).to_be_visible()
    assert page.evaluate("window.pwned") is None
    User.objects.create_user("stranger", password="stranger-pass-123")
    page.context.clear_cookies()
    log_in(page, base, "stranger", "stranger-pass-123")
    expect(page.get_by_text("You are not a member of any workspace yet")).to_be_visible()
    response = page.goto(f"{base}/blueprints/{step.blueprint_id}/")
    assert response is not None and response.status == 404


def test_the_language_switcher_and_keyboard_navigation(
    demo: None, live_server: object, watched: WatchedPage
) -> None:
    page, base = watched.page, live_server.url
    log_in(page, base, "participant", DEMO_PASSWORD)
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.get_by_label("Language").select_option("es")
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    watched.screenshot("home-participant")
    assert watched.page_errors() == []


def test_the_board_zooms_by_button_and_keyboard_and_remembers_it(
    demo: None, live_server: object, watched: WatchedPage
) -> None:
    page, base = watched.page, live_server.url
    log_in(page, base, "manager", DEMO_PASSWORD)
    blueprint = Blueprint.objects.filter(kind="team").order_by("id").first()
    page.goto(f"{base}/blueprints/{blueprint.pk}/")
    level = page.locator("[data-zoom-level]")
    expect(level).to_have_text("100 %")
    page.get_by_role("button", name="Zoom out").click()
    page.get_by_role("button", name="Zoom out").click()
    expect(level).to_have_text("69 %")
    board = page.locator(".board-scroll")
    board.focus()
    page.keyboard.press("+")
    expect(level).to_have_text("83 %")
    watched.screenshot("blueprint-zoomed-out")
    page.reload()
    expect(level).to_have_text("83 %")
    page.keyboard.press("Tab")
    page.get_by_role("button", name="Actual size").click()
    expect(level).to_have_text("100 %")
    assert watched.page_errors() == []
