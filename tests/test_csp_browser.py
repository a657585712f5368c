"""Every page carries a Content-Security-Policy that allows no inline script, and works under it
in a real Chromium: no violation reported, the page's own scripts ran."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, expect

from blueprints.models import Blueprint
from personas.models import Persona
from tests.browser import WatchedPage, log_in
from workshops.models import Workshop
from workspaces.models import Workspace

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(transactional_db: None) -> Workspace:
    call_command("seed_demo", verbosity=0)
    return Workspace.objects.get()


@pytest.fixture
def watched(browser: Browser) -> Iterator[WatchedPage]:
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-GB")
    watched = WatchedPage(context.new_page())
    yield watched
    context.close()


def pages(workspace: Workspace) -> list[str]:
    blueprint = Blueprint.objects.filter(workspace=workspace).first()
    workshop = Workshop.objects.filter(workspace=workspace).first()
    persona = Persona.objects.filter(workspace=workspace).first()
    found = [
        "/",
        f"/blueprints/{blueprint.pk}/",
        f"/blueprints/{blueprint.pk}/assessment/",
        f"/workspaces/{workspace.pk}/personas/",
        f"/workspaces/{workspace.pk}/taxonomy/",
        f"/workspaces/{workspace.pk}/contacts/",
        f"/workspaces/{workspace.pk}/channels/",
        f"/workspaces/{workspace.pk}/protocols/",
        f"/workspaces/{workspace.pk}/merge/",
        f"/workspaces/{workspace.pk}/members/",
        "/api/docs/",
    ]
    if workshop is not None:
        found.append(f"/workshops/{workshop.pk}/")
    if persona is not None:
        found.append(f"/personas/{persona.pk}/")
    return found


def test_the_policy_allows_no_inline_script(demo: Workspace, live_server: Any) -> None:
    from django.test import Client

    answer = Client().get("/accounts/login/")
    policy = answer["Content-Security-Policy"]
    script = next(part for part in policy.split(";") if part.strip().startswith("script-src"))
    assert "'self'" in script  # and a nonce, on a page whose template uses {{ csp_nonce }}
    assert "unsafe-inline" not in script and "unsafe-eval" not in script
    assert "object-src 'none'" in policy and "frame-ancestors 'none'" in policy


def test_every_page_works_under_the_policy(
    demo: Workspace, live_server: Any, watched: WatchedPage
) -> None:
    page, base = watched.page, live_server.url
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    log_in(page, base, "facilitator", "frontstage")
    for path in pages(demo):
        answer = page.goto(f"{base}{path}")
        assert answer is not None and answer.status == 200, path
        assert "script-src" in answer.headers["content-security-policy"], path
        page.wait_for_load_state("load")
        if path == "/api/docs/":  # Swagger UI set itself up from its own script file
            expect(page.locator(".swagger-ui .info")).to_be_visible(timeout=30000)
    assert violations == []
    assert watched.page_errors() == []
