"""The innovation pages are live: two people on the demo (a real uvicorn server speaking
WebSocket), one scores by dragging on the matrix or a colleague's script records a verdict
through the API; the other's page shows it without a reload."""

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.browser import WatchedPage, log_in
from tests.servers import database_for_servers, token_client, uvicorn_servers
from tests.test_innovation_pages import drag, plot_point

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("innovation_live_pages")]
PASSWORD = "frontstage"  # the demo's


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    databases = database_for_servers(tmp_path_factory)
    logs = tmp_path_factory.mktemp("innovation-live-logs")
    try:
        with uvicorn_servers(next(databases), logs, ["web"], {}) as (address,):
            base = f"http://{address}"
            api = token_client(base, "facilitator", PASSWORD)
            workspace = api.get(f"{base}/api/v1/workspaces/").json()["results"][0]["id"]
            yield {"base": base, "api": api, "workspace": workspace}
    finally:
        next(databases, None)


def open_as(browser: Browser, site: dict[str, Any], username: str, path: str) -> WatchedPage:
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="en-GB")
    watched = WatchedPage(context.new_page())
    log_in(watched.page, site["base"], username, PASSWORD)
    watched.page.goto(f"{site['base']}/workspaces/{site['workspace']}/innovation/{path}")
    expect(watched.page.locator("[data-innovation-live]")).to_have_attribute("data-state", "live")
    return watched


def test_a_rescore_on_one_matrix_moves_the_card_on_the_other(
    browser: Browser, site: dict[str, Any]
) -> None:
    base, api = site["base"], site["api"]
    found = api.get(f"{base}/api/v1/opportunities/", params={"workspace": site["workspace"]})
    opportunity = next(o for o in found.json()["results"] if o["value"] is not None)
    facilitator = open_as(browser, site, "facilitator", "")
    manager = open_as(browser, site, "manager", "")
    try:
        page = facilitator.page
        card = page.locator(f"#opportunity-{opportunity['id']}")
        drag(page, card, *plot_point(page, effort=5, value=12))
        expect(card).to_contain_text("value 12 · effort 5")
        seen = manager.page.locator(f"#opportunity-{opportunity['id']}")
        expect(seen).to_contain_text("value 12 · effort 5")
        assert api.get(f"{base}/api/v1/opportunities/{opportunity['id']}/").json()["effort"] == 5
        manager.screenshot("innovation-live-matrix-manager")
        assert facilitator.errors == [] and manager.errors == []
    finally:
        facilitator.page.context.close()
        manager.page.context.close()


def test_a_verdict_recorded_through_the_api_moves_the_card_on_the_board(
    browser: Browser, site: dict[str, Any]
) -> None:
    base, api = site["base"], site["api"]
    found = api.get(f"{base}/api/v1/experiments/", params={"workspace": site["workspace"]})
    experiment = next(e for e in found.json()["results"] if e["status"] == "validated")
    manager = open_as(browser, site, "manager", "experiments/")
    try:
        column = manager.page.locator("[data-status-column=inconclusive]")
        expect(column.locator(f"#experiment-{experiment['id']}")).to_have_count(0)
        answer = api.patch(
            f"{base}/api/v1/experiments/{experiment['id']}/",
            json={"status": "inconclusive", "version": experiment["version"]},
        )
        assert answer.status_code == 200, answer.text
        expect(column.locator(f"#experiment-{experiment['id']}")).to_be_visible()
        assert manager.errors == []
    finally:
        manager.page.context.close()
