"""Accessibility in real Chromium: axe-core (node_modules/axe-core) finds nothing serious or
critical on the home page, a blueprint editor, the innovation page, a workshop as its
facilitator runs it and as a guest sees it, on a laptop and on a phone.

axe is an audit tool injected into the page: its context bypasses the pages' CSP (which
allows no inline script), as an accessibility checker's extension would."""

# ruff: noqa: F811  (the live server's fixtures come from tests/test_workshop_browser.py)
import threading
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, BrowserContext, Page, expect

from blueprints.models import Blueprint, Link
from tests.browser import WatchedPage, log_in
from tests.test_workshop_browser import (  # noqa: F401  (fixtures)
    PHONE,
    asgi_server,
    contexts,
    join_as,
    note_card,
    open_page,
)
from workshops.models import Workshop
from workspaces.models import Workspace

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
LAPTOP = {"viewport": {"width": 1280, "height": 900}}
SERIOUS = {"serious", "critical"}
# Rules held to whatever axe rates them: headings a screen reader lists must not skip a level.
ALWAYS = {"heading-order"}


@pytest.fixture
def demo(transactional_db: None) -> Workspace:
    # In a thread of its own: Playwright holds an event loop in the test's thread, where the
    # demo's broadcasts (async_to_sync) would refuse to run.
    seeding = threading.Thread(target=call_command, args=("seed_demo",), kwargs={"verbosity": 0})
    seeding.start()
    seeding.join()
    return Workspace.objects.get()


def audit_context(browser: Browser, contexts: list[BrowserContext], **options: Any) -> WatchedPage:
    return open_page(browser, contexts, bypass_csp=True, **options)


def findings(page: Page) -> list[dict[str, Any]]:
    """axe's violations of impact serious or critical on the page as it is now (WCAG 2.x A and
    AA, target size of WCAG 2.2, best practice), and any of heading order."""
    page.wait_for_load_state("load")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """() => axe.run(document, {
            runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa",
                                             "wcag22aa", "best-practice"]},
            resultTypes: ["violations"],
        })"""
    )
    return [v for v in result["violations"] if v["impact"] in SERIOUS or v["id"] in ALWAYS]


def readable(found: dict[str, list[dict[str, Any]]]) -> str:
    lines = []
    for name, violations in found.items():
        for violation in violations:
            lines.append(f"{name}: {violation['id']} ({violation['impact']}) {violation['help']}")
            for node in violation["nodes"][:8]:
                summary = (node.get("failureSummary") or "").replace("\n", " ")
                lines.append(f"    {', '.join(map(str, node['target']))}: {summary[:200]}")
            if len(violation["nodes"]) > 8:
                lines.append(f"    … and {len(violation['nodes']) - 8} more")
    return "\n".join(lines)


def audit(found: dict[str, list[dict[str, Any]]], name: str, watched: WatchedPage) -> None:
    watched.screenshot(f"a11y-{name}")
    found[name] = findings(watched.page)


def test_no_serious_or_critical_findings_on_the_main_pages(
    demo: Workspace, asgi_server: str, browser: Browser, contexts: list[BrowserContext]
) -> None:
    base = asgi_server
    blueprint = (
        Blueprint.objects.filter(workspace=demo, steps__isnull=False)
        .filter(pk__in=Link.objects.values("source__blueprint"))
        .first()
    )
    assert blueprint is not None, "the demo has a blueprint with steps and links"
    workshop = Workshop.objects.filter(workspace=demo).first()
    assert workshop is not None
    found: dict[str, list[dict[str, Any]]] = {}

    laptop = audit_context(browser, contexts, **LAPTOP)
    log_in(laptop.page, base, "facilitator", "frontstage")
    for name, path in [
        ("home", "/"),
        ("editor", f"/blueprints/{blueprint.pk}/"),
        ("innovation", f"/workspaces/{demo.pk}/innovation/"),
        ("workshop-facilitator", f"/workshops/{workshop.pk}/"),
    ]:
        answer = laptop.page.goto(f"{base}{path}")
        assert answer is not None and answer.status == 200, path
        if name == "editor":  # live, with who is here shown (initials on a coloured disc)
            expect(laptop.page.locator("[data-connection]")).to_have_attribute("data-state", "live")
            expect(laptop.page.locator("[data-presence] .avatar")).to_have_count(1)
        if name == "workshop-facilitator":
            expect(laptop.page.locator("[data-live-status].online")).to_be_visible()
        audit(found, name, laptop)
        if name == "editor":  # and with a step's details open beside the board
            laptop.page.locator(".board .step").first.click()
            expect(laptop.page.locator("[data-panel]")).to_be_visible()
            audit(found, "editor-step-panel", laptop)
        if name == "workshop-facilitator":  # and running: the timer counts down for everyone
            laptop.page.get_by_role("button", name="Next activity").click()
            expect(laptop.page.locator("[data-timer].running").first).to_be_visible()
            audit(found, "workshop-facilitator-running", laptop)

    phone = audit_context(browser, contexts, **PHONE)
    log_in(phone.page, base, "facilitator", "frontstage")
    phone.page.goto(f"{base}/")
    audit(found, "home-phone", phone)
    phone.page.goto(f"{base}/blueprints/{blueprint.pk}/")
    expect(phone.page.locator("[data-presence] .avatar")).to_have_count(1)
    audit(found, "editor-phone", phone)
    phone.page.goto(f"{base}/workspaces/{demo.pk}/innovation/")
    audit(found, "innovation-phone", phone)
    phone.page.goto(f"{base}/workshops/{workshop.pk}/")
    expect(phone.page.locator("[data-live-status].online")).to_be_visible()
    audit(found, "workshop-facilitator-phone", phone)

    for name, options in [("workshop-guest", LAPTOP), ("workshop-guest-phone", PHONE)]:
        guest = audit_context(browser, contexts, **options)
        guest.page.goto(f"{base}/join/{workshop.join_code}/")
        audit(found, f"join-{name.removeprefix('workshop-')}", guest)
        join_as(guest.page, base, workshop.join_code, "Guest")
        expect(guest.page.locator("[data-timer].running").first).to_be_visible()
        guest.page.get_by_label("Note").fill(f"Shorter queue ({name})")  # a card with its votes
        guest.page.get_by_role("button", name="Add note").click()
        expect(note_card(guest.page, f"Shorter queue ({name})")).to_be_visible()
        audit(found, name, guest)

    print({name: len(violations) for name, violations in found.items()})
    assert all(violations == [] for violations in found.values()), "\n" + readable(found)
