"""A facilitator merges two actors on the actors page in real Chromium while a participant has
the blueprint open in another browser context: the editor shows the merged name, on the lane
and on the card, without a reload."""

import time

import pytest
from playwright.sync_api import Browser, expect

from tests.browser import WatchedPage
from tests.test_editor_browser import LIVE, PASSWORD, Site, new_board, open_editor, site

__all__ = ["site"]  # the editor tests' uvicorn server, one for this module

pytestmark = pytest.mark.browser


def test_a_merge_on_the_actors_page_reaches_an_open_editor(browser: Browser, site: Site) -> None:
    board = new_board(site)
    api = site.api("facilitator")
    workspace = api.get(f"{site.base}/api/v1/blueprints/{board.id}/", timeout=5).json()["workspace"]
    stamp = time.monotonic_ns()
    old, kept = f"Careline agent {stamp}", f"Consumer advisor {stamp}"
    made = [
        api.post(f"{site.base}/api/v1/actors/", json={"workspace": workspace, "name": name})
        for name in (old, kept)
    ]
    old_id, kept_id = (answer.json()["id"] for answer in made)
    agent_lane, card = board.lanes[1]["id"], board.steps[0]["id"]
    assert api.patch(f"{site.base}/api/v1/lanes/{agent_lane}/", json={"actor": old_id}).ok
    answer = api.patch(f"{site.base}/api/v1/steps/{card}/", json={"actor": old_id})
    assert answer.ok, answer.text

    editor_context, editor = open_editor(browser, site, "participant", board)
    facilitator_context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        lane = editor.page.locator(f'tr.lane[data-lane="{agent_lane}"] th')
        badge = editor.page.locator(f"#step-{card} .badge.actor")
        expect(lane).to_contain_text(old)
        expect(badge).to_have_text(old)
        editor.page.evaluate("window.stillTheSamePage = true")

        curator = WatchedPage(facilitator_context.new_page())
        page = curator.page
        page.goto(f"{site.base}/accounts/login/")
        page.get_by_label("Username").fill("facilitator")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.get_by_role("link", name="Actors").first.click()
        row = page.locator(f'tr[data-actor="{old}"]')
        row.get_by_label(f"Merge “{old}” into").select_option(label=kept)
        row.get_by_role("button", name="Merge").click()
        expect(page.get_by_text(f"“{old}” merged into “{kept}”.")).to_be_visible()
        expect(page.locator(f'tr[data-actor="{old}"]')).to_have_count(0)
        expect(page.locator(f'tr[data-actor="{kept}"] [data-lanes]')).to_have_text("1")
        expect(page.locator(f'tr[data-actor="{kept}"] [data-steps]')).to_have_text("1")
        curator.screenshot("actors-page")

        expect(lane).to_contain_text(kept, timeout=LIVE)
        expect(badge).to_have_text(kept, timeout=LIVE)
        expect(editor.page.locator("[data-canvas]")).not_to_contain_text(old)
        expect(editor.page.locator(f'#f-actor option[value="{old_id}"]')).to_have_count(0)
        assert editor.page.evaluate("window.stillTheSamePage") is True
        assert api.get(f"{site.base}/api/v1/lanes/{agent_lane}/").json()["actor"] == kept_id
        editor.screenshot("actors-merge-editor")
        assert editor.page_errors() == [] and curator.page_errors() == []
    finally:
        facilitator_context.close()
        editor_context.close()
