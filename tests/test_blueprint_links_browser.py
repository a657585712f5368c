# ruff: noqa: F811  (the live server's fixture comes from tests/test_editor_browser.py)
"""Links on the live board in real Chromium, against a real uvicorn server: dragging from a
card's handle onto another card links them, and the arrows are routed around the cards.

The arrows are checked as drawn: each path's points (its bends' corners included) read as a
polyline, in the board's coordinates, against every card's box.
"""

import re
import time
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.test_editor_browser import (  # noqa: F401  (fixtures)
    LIVE,
    Board,
    Site,
    new_board,
    open_editor,
    site,
)

pytestmark = pytest.mark.browser

Point = tuple[float, float]
Box = dict[str, float]


def post(site: Site, kind: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = site.api("facilitator").post(f"{site.base}/api/v1/{kind}/", json=body, timeout=5)
    assert answer.status_code == 201, answer.text
    return answer.json()


def links_in_api(site: Site, board: Board) -> list[dict[str, Any]]:
    answer = site.api("facilitator").get(
        f"{site.base}/api/v1/links/?blueprint={board.id}", timeout=5
    )
    return answer.json()["results"]


def with_frontstage_step(site: Site, board: Board) -> dict[str, Any]:
    """A third card, in the frontstage lane of the second phase."""
    return post(
        site,
        "steps",
        {"blueprint": board.id, "lane": board.lanes[1]["id"], "phase": board.phases[1]["id"],
         "title": "Opens a case"},
    )  # fmt: skip


def drag_handle(page: Page, source: int, to: Point, *, steps: int = 10) -> None:
    """Point at the source card, press its handle, move to `to` (page pixels), release."""
    page.locator(f"#step-{source}").hover()
    handle = page.locator(f"#step-{source} [data-link-handle]")
    expect(handle).to_be_visible()
    box = handle.bounding_box()
    assert box is not None and box["width"] >= 24 and box["height"] >= 24  # a finger's target
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(*to, steps=steps)
    page.mouse.up()


def centre_of(page: Page, selector: str) -> Point:
    box = page.locator(selector).bounding_box()
    assert box is not None
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def test_dragging_from_a_cards_handle_onto_another_links_them(browser: Browser, site: Site) -> None:
    board = new_board(site)
    first = board.steps[0]
    target = with_frontstage_step(site, board)
    ctx, watched = open_editor(browser, site, "participant", board)
    page = watched.page
    try:
        # Halfway, a line follows the pointer and the card under it is marked.
        page.locator(f"#step-{first['id']}").hover()
        handle = page.locator(f"#step-{first['id']} [data-link-handle]")
        start = centre_of(page, f"#step-{first['id']} [data-link-handle]")
        page.mouse.move(*start)
        page.mouse.down()
        page.mouse.move(*centre_of(page, f"#step-{target['id']}"), steps=10)
        expect(page.locator(".rubber-band line")).to_have_count(1)
        expect(page.locator(f"#step-{target['id']}")).to_have_class(re.compile("link-target"))
        expect(handle).to_have_class(re.compile("active"))
        watched.screenshot("links-drag-halfway")
        page.mouse.up()

        # Dropped on the card: the popover asks the kind, the usual one for a customer's
        # step first (a trigger), focused; another is picked and Enter creates the link.
        popover = page.get_by_role("dialog", name="New link")
        expect(popover).to_be_visible()
        expect(popover).to_contain_text("From “Dials the careline” to “Opens a case”")
        expect(popover.get_by_label("Trigger")).to_be_checked()
        expect(popover.get_by_label("Trigger")).to_be_focused()
        watched.screenshot("links-drag-popover")
        popover.get_by_label("Information").check()
        page.keyboard.press("Enter")
        expect(popover).to_be_hidden()

        expect(page.locator(".rubber-band")).to_have_count(0)
        links = links_in_api(site, board)
        assert [(link["source"], link["target"], link["kind"]) for link in links] == [
            (first["id"], target["id"], "information")
        ]
        arrow = page.locator(f"svg[data-arrows] path[data-arrow='{links[0]['id']}']")
        expect(arrow).to_have_attribute("d", re.compile(r"^M[\d.]+,[\d.]+ L"))
        expect(arrow).to_have_attribute("data-kind", "information")
        expect(page.locator("[data-links-card]")).to_contain_text("Opens a case")
        # The press on the handle opened no details, and dragged no card away.
        expect(page.locator("[data-panel]")).to_be_hidden()
        expect(page.locator(f"#step-{first['id']}")).to_have_attribute("draggable", "true")
        watched.screenshot("links-drag-done")
        assert watched.page_errors() == []
    finally:
        ctx.close()


def test_escape_or_a_drop_beside_the_cards_makes_no_link(browser: Browser, site: Site) -> None:
    board = new_board(site)
    first = board.steps[0]
    target = with_frontstage_step(site, board)
    ctx, watched = open_editor(browser, site, "participant", board)
    page = watched.page
    popover = page.get_by_role("dialog", name="New link")
    try:
        # Escape in the popover.
        drag_handle(page, first["id"], centre_of(page, f"#step-{target['id']}"))
        expect(popover).to_be_visible()
        page.keyboard.press("Escape")
        expect(popover).to_be_hidden()
        expect(page.locator(".rubber-band")).to_have_count(0)
        # Escape halfway through the drag.
        page.locator(f"#step-{first['id']}").hover()
        page.mouse.move(*centre_of(page, f"#step-{first['id']} [data-link-handle]"))
        page.mouse.down()
        page.mouse.move(*centre_of(page, f"#step-{target['id']}"), steps=6)
        page.keyboard.press("Escape")
        expect(page.locator(".rubber-band")).to_have_count(0)
        page.mouse.up()
        # Dropped on no card (a phase's header).
        drag_handle(page, first["id"], centre_of(page, f"th[data-phase='{board.phases[1]['id']}']"))
        # Dropped back on its own card.
        drag_handle(page, first["id"], centre_of(page, f"#step-{first['id']} .step-title"))
        time.sleep(0.5)  # what the user would see: nothing, for a while
        expect(popover).to_be_hidden()
        assert links_in_api(site, board) == []
        expect(page.locator("svg[data-arrows] path[data-arrow]")).to_have_count(0)
        assert watched.page_errors() == []
    finally:
        ctx.close()


def test_a_finger_drags_a_link_too(browser: Browser, site: Site) -> None:
    """Touch: a tap shows the card's handle; a finger drags from it onto another card (the board
    does not scroll away under it) and the popover asks the kind."""
    board = new_board(site)
    first = board.steps[0]
    target = with_frontstage_step(site, board)
    ctx, watched = open_editor(browser, site, "participant", board, has_touch=True)
    page = watched.page
    try:
        page.touchscreen.tap(*centre_of(page, f"#step-{first['id']} .step-title"))
        expect(page.locator("[data-panel]")).to_be_visible()  # a tap opens the details
        page.get_by_role("button", name="Close the details").tap()
        handle = page.locator(f"#step-{first['id']} [data-link-handle]")
        expect(handle).to_be_visible()
        cdp = page.context.new_cdp_session(page)
        (x, y), (to_x, to_y) = (
            centre_of(page, f"#step-{first['id']} [data-link-handle]"),
            centre_of(page, f"#step-{target['id']}"),
        )
        cdp.send(
            "Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]}
        )
        for i in range(1, 11):
            point = {"x": x + (to_x - x) * i / 10, "y": y + (to_y - y) * i / 10}
            cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
        popover = page.get_by_role("dialog", name="New link")
        expect(popover).to_be_visible()
        expect(popover.get_by_label("Trigger")).to_be_checked()
        # Confirmed from the keyboard: in Chromium's touch emulation the first tap after the
        # drag gives no click (the second does), which this test does not paper over.
        page.keyboard.press("Enter")
        expect(popover).to_be_hidden()
        links = links_in_api(site, board)
        assert [(link["source"], link["target"], link["kind"]) for link in links] == [
            (first["id"], target["id"], "trigger")
        ]
        expect(page.locator(f"path[data-arrow='{links[0]['id']}']")).to_have_count(1)
        assert watched.page_errors() == []
    finally:
        ctx.close()


def test_a_read_only_viewer_gets_no_handle(browser: Browser, site: Site) -> None:
    board = new_board(site)
    ctx, watched = open_editor(browser, site, "manager", board)
    page = watched.page
    try:
        card = page.locator(f"#step-{board.steps[0]['id']}")
        card.hover()
        card.focus()
        expect(page.locator(".board")).to_be_visible()
        assert page.locator("[data-link-handle]").count() == 0
        assert page.locator("[data-link-popover]").count() == 0
    finally:
        ctx.close()


# --- routing ---------------------------------------------------------------------------------

NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def polyline(d: str) -> list[Point]:
    """Every point of a path in order: its bends are quadratic curves whose control point is
    the corner, so the points read as the polyline the route runs along."""
    values = [float(n) for n in NUMBER.findall(d)]
    return list(zip(values[::2], values[1::2], strict=True))


def crosses(p: Point, q: Point, box: Box, inset: float = 1.0) -> bool:
    """Whether the segment p–q (horizontal or vertical) runs through the inside of `box`."""
    left, right = box["left"] + inset, box["right"] - inset
    top, bottom = box["top"] + inset, box["bottom"] - inset
    (x1, y1), (x2, y2) = p, q
    if abs(x1 - x2) < 0.05:
        return left < x1 < right and min(y1, y2) < bottom and max(y1, y2) > top
    if abs(y1 - y2) < 0.05:
        return top < y1 < bottom and min(x1, x2) < right and max(x1, x2) > left
    # A diagonal would be a routing fault of its own: sample it.
    return any(
        left < x1 + (x2 - x1) * t / 50 < right and top < y1 + (y2 - y1) * t / 50 < bottom
        for t in range(51)
    )


def overlap(p: Point, q: Point, r: Point, s: Point) -> float:
    """How long two axis-parallel segments run on top of each other."""
    if abs(p[0] - q[0]) < 0.05 and abs(r[0] - s[0]) < 0.05 and abs(p[0] - r[0]) < 0.5:
        low, high = max(min(p[1], q[1]), min(r[1], s[1])), min(max(p[1], q[1]), max(r[1], s[1]))
        return max(0.0, high - low)
    if abs(p[1] - q[1]) < 0.05 and abs(r[1] - s[1]) < 0.05 and abs(p[1] - r[1]) < 0.5:
        low, high = max(min(p[0], q[0]), min(r[0], s[0])), min(max(p[0], q[0]), max(r[0], s[0]))
        return max(0.0, high - low)
    return 0.0


DRAWN = """() => {
  const host = document.querySelector("[data-canvas]");
  const origin = host.getBoundingClientRect();
  const cards = {};
  for (const card of host.querySelectorAll("[data-step]")) {
    const r = card.getBoundingClientRect();
    cards[card.dataset.step] = {left: r.left - origin.left, top: r.top - origin.top,
                                right: r.right - origin.left, bottom: r.bottom - origin.top};
  }
  const arrows = {};
  for (const path of host.querySelectorAll("svg[data-arrows] path[data-arrow]")) {
    arrows[path.dataset.arrow] = path.getAttribute("d");
  }
  return {cards, arrows};
}"""


def test_arrows_run_in_the_gutters_around_the_cards(browser: Browser, site: Site) -> None:
    board = new_board(site)  # two cards in the customer lane's first cell, a second lane
    phase3 = post(site, "phases", {"blueprint": board.id, "name": "Follow-up"})
    lane3 = post(site, "lanes", {"blueprint": board.id, "name": "Back office", "band": "backstage"})
    phases = [p["id"] for p in board.phases] + [phase3["id"]]
    lanes = [lane["id"] for lane in board.lanes] + [lane3["id"]]

    def step(row: int, column: int, title: str) -> int:
        body = {"blueprint": board.id, "lane": lanes[row], "phase": phases[column], "title": title}
        return post(site, "steps", body)["id"]

    dials, waits = (s["id"] for s in board.steps)  # both at (0, 0), in this order
    s = {(0, 0): waits}
    for row in range(3):
        for column in range(3):
            if (row, column) != (0, 0):
                s[(row, column)] = step(row, column, f"Card {row}·{column}")
    links = {
        "straight": (waits, s[(1, 0)], "handoff", ""),  # last of its cell → first below
        "corner": (dials, s[(2, 2)], "trigger", "Escalates"),  # across the whole board
        "back": (s[(2, 0)], s[(0, 2)], "information", ""),
        "column": (s[(0, 1)], s[(2, 1)], "dependency", ""),  # a card between them
        "row": (s[(1, 0)], s[(1, 2)], "handoff", "Hands over"),  # a card between them
        "row-back": (s[(1, 2)], s[(1, 0)], "information", ""),
        "stacked": (dials, s[(1, 0)], "handoff", ""),  # a card (Waits) between them
    }
    made = {
        name: post(site, "links", {"blueprint": board.id, "source": a, "target": b,
                                   "kind": kind, "label": label})["id"]
        for name, (a, b, kind, label) in links.items()
    }  # fmt: skip
    ctx, watched = open_editor(browser, site, "participant", board)
    page = watched.page
    try:
        expect(page.locator("svg[data-arrows] path[data-arrow]")).to_have_count(len(made))
        page.wait_for_function("() => new Promise((r) => requestAnimationFrame(() => r(true)))")
        drawn = page.evaluate(DRAWN)
        cards, arrows = drawn["cards"], drawn["arrows"]
        assert len(cards) == 10
        routes = {name: polyline(arrows[str(link)]) for name, link in made.items()}
        for name, points in routes.items():
            source, target = (str(end) for end in links[name][:2])
            segments = list(zip(points, points[1:], strict=False))
            for p, q in segments:
                through = [
                    card for card, box in cards.items()
                    if card not in (source, target) and crosses(p, q, box)
                ]  # fmt: skip
                assert not through, f"{name} runs through {through}: {arrows[str(made[name])]}"
            # It starts at its source's edge and ends at its target's.
            for (x, y), end in ((points[0], source), (points[-1], target)):
                box = cards[end]
                on_edge = min(abs(x - box["left"]), abs(x - box["right"]), abs(y - box["top"]),
                              abs(y - box["bottom"]))  # fmt: skip
                assert on_edge < 1.5, (name, (x, y), box)
        # Vertical neighbours: one straight segment down.
        (x1, y1), (x2, y2) = routes["straight"]
        assert len(routes["straight"]) == 2 and abs(x1 - x2) < 0.05 and y2 > y1
        # Links sharing a gutter or a corridor run on tracks of their own.
        names = list(routes)
        for i, one in enumerate(names):
            for other in names[i + 1 :]:
                for p, q in zip(routes[one], routes[one][1:], strict=False):
                    for r, t in zip(routes[other], routes[other][1:], strict=False):
                        assert overlap(p, q, r, t) < 3, (one, other, p, q, r, t)
        watched.screenshot("links-routed")

        # An arrow's label shows when it is pointed at: its kind and its own label.
        hit = page.locator(f"svg[data-arrows] path[data-arrow-hit='{made['corner']}']")
        point = hit.evaluate(
            """(path) => {  // a point of the path where it, not a neighbour, is on top
              const box = path.ownerSVGElement.getBoundingClientRect();
              const length = path.getTotalLength();
              for (let at = length / 2, i = 0; i < 200; i++, at = (at + 7) % length) {
                const p = path.getPointAtLength(at);
                const [x, y] = [box.left + p.x, box.top + p.y];
                if (x > 0 && y > 0 && x < innerWidth && y < innerHeight
                    && document.elementFromPoint(x, y) === path) return [x, y];
              }
              return null;
            }"""
        )
        assert point is not None
        page.mouse.move(*point)
        tip = page.locator(".arrow-tip")
        expect(tip).to_be_visible()
        expect(tip).to_have_text("Trigger — Escalates")
        expect(page.locator(f"path[data-arrow='{made['corner']}']")).to_have_class(
            re.compile("hot")
        )
        watched.screenshot("links-label")
        page.mouse.move(2, 2)
        expect(tip).to_be_hidden()
        # ...and when its line in the list of links has the keyboard's focus.
        page.locator(f"[data-links-card] li[data-link='{made['row']}'] a").first.focus()
        expect(tip).to_be_visible()
        expect(tip).to_have_text("Handoff — Hands over")
        # The legend of the kinds stays.
        expect(page.locator("[data-arrow-legend] li")).to_have_count(4)
        assert watched.page_errors() == []
    finally:
        ctx.close()
