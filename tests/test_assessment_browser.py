"""The Assessment tab of a blueprint in real Chromium: the heat map, gaps and findings that
show their steps on the board, and a finding dismissed with a reason and restored."""

import re
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, expect

from blueprints.models import Blueprint, FindingDismissal, Step
from tests.browser import WatchedPage, log_in

pytestmark = pytest.mark.browser
DEMO_PASSWORD = "frontstage"


@pytest.fixture
def demo(transactional_db: None) -> None:
    call_command("seed_demo", verbosity=0)


@pytest.fixture
def watched(browser: Browser) -> Iterator[WatchedPage]:
    context = browser.new_context(viewport={"width": 1500, "height": 950}, locale="en-GB")
    yield WatchedPage(context.new_page())
    context.close()


def service_centre() -> Blueprint:
    return Blueprint.objects.get(kind="team", team__name="Consumer Service Centre")


def open_tab(watched: WatchedPage, base: str, who: str, blueprint: Blueprint) -> None:
    page = watched.page
    log_in(page, base, who, DEMO_PASSWORD)
    page.goto(f"{base}/blueprints/{blueprint.pk}/")
    page.get_by_role("tab", name="Assessment").click()
    expect(page.get_by_role("tab", name="Assessment")).to_have_attribute("aria-selected", "true")
    expect(page.locator("[data-assessment-body]")).to_be_visible()


def test_clicking_a_gap_marks_its_steps_on_the_board(
    demo: None, live_server: object, watched: WatchedPage
) -> None:
    page, blueprint = watched.page, service_centre()
    open_tab(watched, live_server.url, "manager", blueprint)
    expect(page.get_by_role("heading", name="Consumer-data practices")).to_be_visible()
    expect(page.locator("table.heatmap tbody th", has_text="Phone")).to_be_visible()
    gap = page.locator(".review-item", has_text="Recorded, not synthesised").first
    gap.locator("[data-highlight]").click()
    ids = gap.locator("[data-highlight]").get_attribute("data-highlight").split(",")
    for step_id in ids:
        expect(page.locator(f"#step-{step_id}")).to_have_class(re.compile("review-hit"))
    expect(page.locator("article.step.review-hit")).to_have_count(len(ids))
    expect(page.locator("[data-scroller]")).to_have_class(re.compile("reviewing"))
    watched.screenshot("assessment-gap")
    gap.locator("[data-highlight]").click()  # again: cleared
    expect(page.locator("article.step.review-hit")).to_have_count(0)
    assert watched.page_errors() == []


def test_clicking_a_heat_map_cell_and_a_finding(
    demo: None, live_server: object, watched: WatchedPage
) -> None:
    page, blueprint = watched.page, service_centre()
    open_tab(watched, live_server.url, "manager", blueprint)
    phone = page.locator("table.heatmap tbody tr", has_text="Phone")
    cell = phone.locator(".heat-button").first
    count = int(cell.inner_text())
    cell.click()
    expect(page.locator("article.step.review-hit")).to_have_count(count)
    group = page.locator("details[data-rule-group='customer_action_without_response']")
    finding = group.locator("[data-finding]").first
    step_id = finding.locator("[data-highlight]").get_attribute("data-highlight")
    finding.locator("[data-highlight]").click()
    expect(page.locator("article.step.review-hit")).to_have_count(1)
    expect(page.locator(f"#step-{step_id}")).to_be_in_viewport()
    # A manager reads; only those who may change the blueprint dismiss.
    expect(page.get_by_text("Dismiss…")).to_have_count(0)
    assert watched.page_errors() == []


def test_a_participant_dismisses_a_finding_and_restores_it(
    demo: None, live_server: object, watched: WatchedPage
) -> None:
    page, blueprint = watched.page, service_centre()
    open_tab(watched, live_server.url, "participant", blueprint)
    group = page.locator("details[data-rule-group='band_crossing']")
    before = int(group.locator(".count").inner_text().split()[0])
    finding = group.locator("[data-finding]:not(.dismissed)").first
    key = finding.get_attribute("data-key")
    finding.get_by_text("Dismiss…").click()
    finding.get_by_label("Why does it not apply here?").fill("The courier app sends it itself.")
    finding.get_by_role("button", name="Dismiss finding").click()
    dismissed = page.locator(f"[data-finding].dismissed[data-key='{key}']")
    expect(dismissed).to_contain_text("The courier app sends it itself.")
    expect(group.locator(".count")).to_contain_text(f"{before - 1}")
    stored = FindingDismissal.objects.get(blueprint=blueprint)
    assert (stored.key, stored.dismissed_by.username) == (key, "participant")
    watched.screenshot("assessment-dismissed")
    dismissed.get_by_role("button", name="Restore").click()
    expect(page.locator(f"[data-finding]:not(.dismissed)[data-key='{key}']")).to_be_visible()
    assert not FindingDismissal.objects.exists()
    assert watched.page_errors() == []


def test_the_tab_follows_a_change_of_the_board(
    demo: None, live_server: object, watched: WatchedPage
) -> None:
    """The assessment is read again when the board changes (here: the board is refreshed as
    the live client does when an event cannot be applied in place, and says so)."""
    page, blueprint = watched.page, service_centre()
    open_tab(watched, live_server.url, "participant", blueprint)
    summary = page.locator(".assessment-summary")
    text = summary.inner_text()
    step = Step.objects.filter(blueprint=blueprint, data_stage="collected").first()
    Step.objects.filter(blueprint=blueprint).update(data_stage="")
    # What the live client does after an event (static/js/blueprint/board.js, swapBoard).
    page.evaluate(
        "fetch(location.pathname + 'board/').then(r => r.text()).then(html => {"
        " const incoming = new DOMParser().parseFromString(html, 'text/html');"
        " document.querySelector('[data-canvas]')"
        ".replaceWith(incoming.querySelector('[data-canvas]'));"
        " document.querySelector('[data-scroller]')"
        ".dispatchEvent(new CustomEvent('board-changed')); })"
    )
    expect(summary).not_to_have_text(text)
    assert step is not None
    assert watched.page_errors() == []
