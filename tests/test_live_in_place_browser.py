"""Live events applied in place, in real Chromium against uvicorn: two participants of the
service-centre team (`participant` as A, `participant3` as B) and the manager watching.

Every page counts the requests it makes for the whole board (`/board/`): an event another
person caused must reach the page's DOM without one, and without disturbing what the person
there is typing.
"""

import json
import re
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, WebSocketRoute, expect

from tests.browser import WatchedPage, log_in
from tests.test_editor_browser import (
    LIVE,
    PASSWORD,
    Board,
    Site,
    cell,
    new_board,
    open_editor,
    site,
)

__all__ = ["site"]  # the module's server, shared with the editor's tests' set-up

pytestmark = pytest.mark.browser

# A card as the person sees it: its attributes and its text, whitespace aside.
SHAPE = """(node) => {
  const shape = (node) => node.nodeType === Node.TEXT_NODE
    ? node.textContent.replace(/\\s+/g, " ").trim()
    : [node.tagName, [...node.attributes].map((a) => `${a.name}=${a.value}`).sort().join(" "),
       [...node.childNodes].map(shape).filter((part) => part !== "")];
  return JSON.stringify(shape(node));
}"""


def board_requests(page: Page) -> list[str]:
    """Every request this page makes for the whole board, from now on."""
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url) if r.url.endswith("/board/") else None)
    return seen


def api_write(site: Site, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    api = site.api("participant")
    answer = api.request(method, f"{site.base}/api/v1/{path}", json=body, timeout=5)
    assert answer.status_code in (200, 201, 204), answer.text
    return answer.json() if answer.content else {}


def server_card(page: Page, board: Board, step_id: int) -> str:
    """The card as the server renders it for this page, read from a fresh board."""
    return page.evaluate(
        f"""async ([id, bid]) => {{
          const html = await (await fetch(`/blueprints/${{bid}}/board/`)).text();
          const doc = new DOMParser().parseFromString(html, "text/html");
          return ({SHAPE})(doc.getElementById(`step-${{id}}`));
        }}""",
        [step_id, board.id],
    )


def test_a_colleagues_rename_shows_in_place_and_leaves_my_typing_alone(
    browser: Browser, site: Site
) -> None:
    board = new_board(site)
    ctx_a, a = open_editor(browser, site, "participant", board)
    ctx_b, b = open_editor(browser, site, "participant3", board)
    try:
        fetched = board_requests(b.page)
        first, second = board.steps
        # B starts renaming the second card, and is halfway through.
        b.page.locator(f"#step-{second['id']} .step-title").dblclick()
        typing = b.page.get_by_label("Step title")
        typing.fill("Waits in the queue for")
        # A renames the first card, in the page; B sees it, typing on.
        a.page.locator(f"#step-{first['id']} .step-title").dblclick()
        a.page.get_by_label("Step title").fill("Dials the <b>careline</b>")
        a.page.get_by_label("Step title").press("Enter")
        expect(b.page.locator(f"#step-{first['id']} .step-title")).to_have_text(
            "Dials the <b>careline</b>", timeout=LIVE
        )
        expect(typing).to_be_focused()
        expect(typing).to_have_value("Waits in the queue for")
        typing.press_sequentially(" ten minutes")
        # A changes more of the same card through its details: kind, emotion, data.
        step = site.api("participant").get(f"{site.base}/api/v1/steps/{first['id']}/").json()
        api_write(site, "PATCH", f"steps/{first['id']}/", {
            "kind": "pain_point", "emotion": -2, "data_captured": "Phone <number>",
            "data_recorded_in": "CRM", "evidence": "assumed", "version": step["version"],
        })  # fmt: skip
        card = b.page.locator(f"#step-{first['id']}")
        expect(card).to_have_class(re.compile(r"\bkind-pain_point\b"), timeout=LIVE)
        expect(card.locator(".data")).to_contain_text("Phone <number> → CRM")
        assert fetched == [], "the board was fetched whole"
        # What B's page wrote in place is what the server renders for B.
        assert card.evaluate(SHAPE) == server_card(b.page, board, first["id"])
        # B's rename, typed across the colleague's changes, saves.
        typing.press("Enter")
        expect(a.page.locator(f"#step-{second['id']}")).to_contain_text(
            "Waits in the queue for ten minutes", timeout=LIVE
        )
        assert a.errors == [] and b.errors == []
    finally:
        ctx_a.close()
        ctx_b.close()


def test_cards_links_lanes_and_phases_change_in_place_on_every_page(
    browser: Browser, site: Site
) -> None:
    board = new_board(site)
    ctx_b, b = open_editor(browser, site, "participant3", board)
    ctx_m, m = open_editor(browser, site, "manager", board)
    pages: list[WatchedPage] = [b, m]
    try:
        fetched = {id(w): board_requests(w.page) for w in pages}
        first, second = board.steps
        # A new card: in its cell on every page; read-only for the manager.
        made = api_write(site, "POST", "steps/", {
            "blueprint": board.id, "lane": board.lanes[1]["id"],
            "phase": board.phases[1]["id"], "title": "Opens a <case>",
        })  # fmt: skip
        for watched in pages:
            expect(cell(watched, board, 1, 1).locator(f"#step-{made['id']}")).to_contain_text(
                "Opens a <case>", timeout=LIVE
            )
            expect(watched.page.locator("[data-step-count]")).to_have_text("3 steps")
        assert b.page.locator(f"#step-{made['id']}").get_attribute("draggable") == "true"
        assert m.page.locator(f"#step-{made['id']}").get_attribute("draggable") is None
        assert m.page.locator(f"#step-{made['id']} [data-act]").count() == 0
        # A link: an arrow between the two cards, and a line in the list of links.
        link = api_write(site, "POST", "links/", {
            "blueprint": board.id, "source": first["id"], "target": made["id"],
            "kind": "trigger",
        })  # fmt: skip
        for watched in pages:
            arrow = watched.page.locator(f"svg[data-arrows] path[data-arrow='{link['id']}']")
            expect(arrow).to_have_attribute("d", re.compile(r"^M[\d.]+,[\d.]+ L"), timeout=LIVE)
            expect(arrow).to_have_attribute("marker-start", "url(#arrow-trigger-start)")
            expect(watched.page.locator("[data-links-card]")).to_contain_text("Opens a <case>")
        # A moves the card to another cell: its arrow follows it.
        before = b.page.locator(f"path[data-arrow='{link['id']}']").get_attribute("d")
        api_write(site, "POST", "steps/reorder/", {
            "lane": board.lanes[0]["id"], "phase": board.phases[1]["id"], "order": [made["id"]],
        })  # fmt: skip
        for watched in pages:
            expect(cell(watched, board, 0, 1).locator(f"#step-{made['id']}")).to_be_visible(
                timeout=LIVE
            )
        expect(b.page.locator(f"path[data-arrow='{link['id']}']")).not_to_have_attribute(
            "d", before or ""
        )
        # A phase renamed and the phases reordered; a lane renamed.
        api_write(site, "PATCH", f"phases/{board.phases[1]['id']}/", {"name": "Sorting <out>"})
        api_write(site, "POST", "phases/reorder/", {
            "blueprint": board.id, "order": [board.phases[1]["id"], board.phases[0]["id"]],
        })  # fmt: skip
        api_write(site, "PATCH", f"lanes/{board.lanes[1]['id']}/", {"name": "Agent & co"})
        for watched in pages:
            heads = watched.page.locator("th[data-phase] .phase-name")
            expect(heads).to_have_text(["Sorting <out>", "Call"], timeout=LIVE)
            expect(watched.page.locator(f"tr[data-lane='{board.lanes[1]['id']}'] .lane-label")
                   ).to_have_text("Agent & co")  # fmt: skip
            # Each row's cells follow their phase.
            cells = watched.page.locator(f"tr[data-lane='{board.lanes[0]['id']}'] td[data-phase]")
            expect(cells.first).to_have_attribute("data-phase", str(board.phases[1]["id"]))
        label = b.page.locator(f"th[data-phase='{board.phases[1]['id']}'] [data-act=phase-rename]")
        expect(label).to_have_attribute("aria-label", "Rename phase Sorting <out>")
        # A deletes the first card: gone everywhere, and its arrow with it.
        api_write(site, "DELETE", f"steps/{first['id']}/", {})
        for watched in pages:
            expect(watched.page.locator(f"#step-{first['id']}")).to_have_count(0, timeout=LIVE)
            expect(watched.page.locator("svg[data-arrows] path[data-arrow]")).to_have_count(0)
            expect(watched.page.locator("[data-step-count]")).to_have_text("2 steps")
        assert all(not seen for seen in fetched.values()), fetched
        # A new lane is drawn by the server: that page fetches the board once.
        api_write(site, "POST", "lanes/", {
            "blueprint": board.id, "name": "Quality", "band": "backstage",
        })  # fmt: skip
        expect(b.page.locator("tr.lane", has_text="Quality")).to_be_visible(timeout=LIVE)
        assert len(fetched[id(b)]) == 1
        b.screenshot("live-in-place")
        assert b.errors == [] and m.errors == []
    finally:
        ctx_b.close()
        ctx_m.close()


def test_a_missed_event_is_caught_up_in_place(browser: Browser, site: Site) -> None:
    board = new_board(site)
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    dropped: list[int] = []
    asked: list[dict[str, Any]] = []

    def lossy_line(ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()

        def from_server(message: str | bytes) -> None:
            data = json.loads(message)
            if data.get("type") == "event" and data.get("kind") == "step.updated" and not dropped:
                dropped.append(data["seq"])  # lost on a bad Wi-Fi
                return
            ws.send(message)

        def from_page(message: str | bytes) -> None:
            asked.append(json.loads(message))
            server.send(message)

        server.on_message(from_server)
        ws.on_message(from_page)

    try:
        context.route_web_socket(re.compile(r"/ws/blueprints/"), lossy_line)
        b = WatchedPage(context.new_page())
        log_in(b.page, site.base, "participant3", PASSWORD)
        b.page.goto(f"{site.base}/blueprints/{board.id}/")
        expect(b.page.locator("[data-connection]")).to_have_attribute("data-state", "live")
        fetched = board_requests(b.page)
        first, second = board.steps
        api_write(site, "PATCH", f"steps/{first['id']}/", {"title": "Lost on the way"})
        api_write(site, "PATCH", f"steps/{second['id']}/", {"title": "Heard, after a gap"})
        expect(b.page.locator(f"#step-{first['id']} .step-title")).to_have_text(
            "Lost on the way", timeout=LIVE
        )
        expect(b.page.locator(f"#step-{second['id']} .step-title")).to_have_text(
            "Heard, after a gap"
        )
        assert dropped, "no event was dropped"
        assert {"type": "catch_up", "after": dropped[0] - 1} in asked
        assert fetched == []
        assert b.errors == []
    finally:
        context.close()
