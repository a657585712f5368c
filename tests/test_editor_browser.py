"""The live blueprint editor in real Chromium, against a real uvicorn server with WebSockets.

Participants of the demo's service-centre team (`participant`, `participant3` and `carlos`,
added here) edit one blueprint in two browser contexts at once; the facilitator writes through
the API; the manager watches read-only. Each test gets a blueprint of its own.
"""

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser, BrowserContext, expect

from tests.browser import WatchedPage, log_in
from tests.servers import database_for_servers, manage, token_client, uvicorn_servers

pytestmark = pytest.mark.browser

PASSWORD = "frontstage"
LIVE = 3000  # ms: how long a change may take to show on another page (the target is 1 s)

ADD_CARLOS = """
from django.contrib.auth.models import User
from workspaces.models import Membership, Team
team = Team.objects.get(name="Consumer Service Centre")
carlos = User.objects.create_user("carlos", password="frontstage", first_name="Carlos",
                                  last_name="Ruiz")
Membership.objects.create(workspace=team.workspace, user=carlos, role="participant")
team.members.add(carlos)
"""


@dataclass
class Site:
    base: str

    def api(self, username: str) -> requests.Session:
        return token_client(self.base, username, PASSWORD)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    database = database_for_servers(tmp_path_factory)
    database_url = next(database)
    logs = tmp_path_factory.mktemp("editor-logs")
    try:
        with uvicorn_servers(database_url, logs, ["editor"], {}) as (address,):
            manage(database_url, "shell", "-c", ADD_CARLOS)
            yield Site(f"http://{address}")
    finally:
        database.close()


@dataclass
class Board:
    id: int
    phases: list[dict[str, Any]]
    lanes: list[dict[str, Any]]
    steps: list[dict[str, Any]]


def new_board(site: Site) -> Board:
    """A small team blueprint of the service-centre team, made through the API."""
    api = site.api("facilitator")
    workspace = api.get(f"{site.base}/api/v1/workspaces/", timeout=5).json()["results"][0]
    teams = api.get(f"{site.base}/api/v1/teams/?workspace={workspace['id']}", timeout=5).json()
    team = next(t for t in teams["results"] if t["name"] == "Consumer Service Centre")
    post = lambda kind, body: api.post(f"{site.base}/api/v1/{kind}/", json=body, timeout=5)  # noqa: E731
    created = post(
        "blueprints",
        {"workspace": workspace["id"], "title": f"Editor {time.monotonic_ns()}", "kind": "team",
         "team": team["id"]},
    )  # fmt: skip
    assert created.status_code == 201, created.text
    bid = created.json()["id"]
    phases = [post("phases", {"blueprint": bid, "name": n}).json() for n in ("Call", "Triage")]
    lanes = [
        post("lanes", {"blueprint": bid, "name": "Consumer", "band": "customer"}).json(),
        post("lanes", {"blueprint": bid, "name": "Agent", "band": "frontstage"}).json(),
    ]
    steps = [
        post(
            "steps",
            {"blueprint": bid, "lane": lanes[0]["id"], "phase": phases[0]["id"], "title": title},
        ).json()
        for title in ("Dials the careline", "Waits in the queue")
    ]
    return Board(bid, phases, lanes, steps)


def open_editor(
    browser: Browser, site: Site, username: str, board: Board, **options: Any
) -> tuple[BrowserContext, WatchedPage]:
    context = browser.new_context(**({"viewport": {"width": 1400, "height": 900}} | options))
    watched = WatchedPage(context.new_page())
    log_in(watched.page, site.base, username, PASSWORD)
    watched.page.goto(f"{site.base}/blueprints/{board.id}/")
    expect(watched.page.locator("[data-connection]")).to_have_attribute("data-state", "live")
    return context, watched


def step_in_api(site: Site, step_id: int) -> dict[str, Any]:
    return site.api("facilitator").get(f"{site.base}/api/v1/steps/{step_id}/", timeout=5).json()


def cell(watched: WatchedPage, board: Board, lane: int, phase: int) -> Any:
    lane_id, phase_id = board.lanes[lane]["id"], board.phases[phase]["id"]
    return watched.page.locator(f'td[data-lane="{lane_id}"][data-phase="{phase_id}"]')


def test_two_participants_see_each_others_changes_live(browser: Browser, site: Site) -> None:
    board = new_board(site)
    ctx_a, a = open_editor(browser, site, "participant", board)
    ctx_b, b = open_editor(browser, site, "carlos", board)
    try:
        # Each sees the other in the presence list.
        expect(a.page.locator("[data-presence]")).to_contain_text("Carlos Ruiz")
        expect(b.page.locator("[data-presence]")).to_contain_text("(you)")

        # A adds a step in an empty cell; B sees it appear.
        target = cell(a, board, 1, 1)
        target.hover()
        target.get_by_role("button", name="Add step").click()
        a.page.get_by_label("Title of the new step").fill("Classifies the <b>reason</b>")
        a.page.get_by_label("Title of the new step").press("Enter")
        started = time.monotonic()
        new_card = cell(b, board, 1, 1).locator("[data-step]")
        expect(new_card).to_contain_text("Classifies the <b>reason</b>", timeout=LIVE)
        assert time.monotonic() - started < 2.5
        a.page.keyboard.press("Escape")

        # B renames it in place; A sees the new title.
        new_card.locator(".step-title").dblclick()
        b.page.get_by_label("Step title").fill("Classifies the contact reason")
        b.page.get_by_label("Step title").press("Enter")
        expect(cell(a, board, 1, 1)).to_contain_text("Classifies the contact reason", timeout=LIVE)

        # A change through the API shows on both pages, and in their activity.
        first = board.steps[0]
        patched = site.api("facilitator").patch(
            f"{site.base}/api/v1/steps/{first['id']}/",
            json={"title": "Dials the careline on the label", "version": first["version"]},
            timeout=5,
        )
        assert patched.status_code == 200
        for watched in (a, b):
            expect(watched.page.locator(f"#step-{first['id']}")).to_contain_text(
                "on the label", timeout=LIVE
            )
            expect(watched.page.locator("[data-activity]")).to_contain_text(
                "changed the step “Dials the careline on the label”"
            )

        # B drags a card to another cell; A sees it move, the server has it.
        second = board.steps[1]
        b.page.locator(f"#step-{second['id']}").drag_to(cell(b, board, 0, 1))
        expect(cell(a, board, 0, 1).locator(f"#step-{second['id']}")).to_be_visible(timeout=LIVE)
        assert step_in_api(site, second["id"])["phase"] == board.phases[1]["id"]

        # Links are drawn as arrows between the cards.
        api = site.api("facilitator")
        actors = api.get(f"{site.base}/api/v1/actors/?page_size=100", timeout=5).json()["results"]
        for step, actor in zip((first, second), actors[:2], strict=True):
            saved = step_in_api(site, step["id"])
            answer = api.patch(
                f"{site.base}/api/v1/steps/{step['id']}/",
                json={"actor": actor["id"], "version": saved["version"]},
                timeout=5,
            )
            assert answer.status_code == 200, answer.text
        made = site.api("facilitator").post(
            f"{site.base}/api/v1/links/",
            json={"blueprint": board.id, "source": first["id"], "target": second["id"]},
            timeout=5,
        )
        assert made.status_code == 201
        expect(a.page.locator("svg[data-arrows] path[data-arrow]")).to_have_count(1, timeout=LIVE)
        # ...and counted in the role matrix of both pages, without a reload.
        for watched in (a, b):
            linked = watched.page.locator("[data-matrix] tbody td:not(.zero)")
            expect(linked).to_have_count(1, timeout=LIVE)
            expect(linked).to_contain_text("1 handoff")
        a.screenshot("editor-two-participants")
        assert a.errors == [] and b.errors == []
    finally:
        ctx_a.close()
        ctx_b.close()


def test_a_participant_offline_keeps_their_text_and_catches_up(
    browser: Browser, site: Site
) -> None:
    board = new_board(site)
    ctx_a, a = open_editor(browser, site, "participant", board)
    try:
        ctx_a.set_offline(True)
        expect(a.page.locator("[data-offline]")).to_be_visible()
        expect(a.page.locator("[data-connection]")).to_have_attribute("data-state", "offline")
        # A starts typing while offline.
        target = cell(a, board, 1, 0)
        target.hover()
        target.get_by_role("button", name="Add step").click()
        a.page.get_by_label("Title of the new step").fill("Opens a case in the CRM")
        # Meanwhile, others change the blueprint three times.
        api = site.api("facilitator")
        for title in ("Reads the batch code", "Asks for a photo", "Promises a call back"):
            answer = api.post(
                f"{site.base}/api/v1/steps/",
                json={"blueprint": board.id, "lane": board.lanes[0]["id"],
                      "phase": board.phases[1]["id"], "title": title},
                timeout=5,
            )  # fmt: skip
            assert answer.status_code == 201
        # Saving while offline keeps the text and says so.
        a.page.get_by_label("Title of the new step").press("Enter")
        expect(a.page.locator(".inline-edit .error")).to_contain_text("offline")
        time.sleep(0.5)
        expect(cell(a, board, 0, 1).locator("[data-step]")).to_have_count(0)

        ctx_a.set_offline(False)
        expect(a.page.locator("[data-connection]")).to_have_attribute(
            "data-state", "live", timeout=10000
        )
        expect(a.page.locator("[data-offline]")).to_be_hidden()
        expect(cell(a, board, 0, 1).locator("[data-step]")).to_have_count(3, timeout=LIVE)
        expect(a.page.get_by_label("Title of the new step")).to_have_value(
            "Opens a case in the CRM"
        )
        a.page.get_by_label("Title of the new step").press("Enter")
        expect(cell(a, board, 1, 0)).to_contain_text("Opens a case in the CRM", timeout=LIVE)
        expect(a.page.locator("[data-activity]")).to_contain_text("Promises a call back")
        assert a.errors == [] or all("ERR_INTERNET_DISCONNECTED" in e for e in a.errors)
    finally:
        ctx_a.close()


def open_panels(board: Board, step: dict[str, Any], *pages: WatchedPage) -> None:
    for watched in pages:
        watched.page.locator(f"#step-{step['id']}").click()
        expect(watched.page.get_by_label("Title", exact=True)).to_have_value(step["title"])


def test_a_stale_save_of_another_field_keeps_the_colleagues_rename(
    browser: Browser, site: Site
) -> None:
    board = new_board(site)
    step = board.steps[0]
    ctx_a, a = open_editor(browser, site, "participant", board)
    ctx_b, b = open_editor(browser, site, "participant3", board)
    try:
        open_panels(board, step, a, b)
        a.page.get_by_label("Title", exact=True).fill("Dials the number on the bottle")
        a.page.get_by_role("button", name="Save", exact=True).click()
        expect(a.page.locator("[data-toasts]")).to_contain_text("Saved")
        expect(b.page.locator("[data-panel-notice]")).to_contain_text("Lucía", timeout=LIVE)
        # B's panel still shows the old title: saving the description must not bring it back.
        b.page.get_by_label("Description").fill("From the label on the can")
        b.page.get_by_role("button", name="Save", exact=True).click()
        expect(b.page.locator("[data-toasts]")).to_contain_text("Saved")
        assert b.page.locator("dialog[open]").count() == 0
        saved = step_in_api(site, step["id"])
        assert (saved["title"], saved["description"]) == (
            "Dials the number on the bottle",
            "From the label on the can",
        )
        expect(b.page.get_by_label("Title", exact=True)).to_have_value(
            "Dials the number on the bottle"
        )
        expect(a.page.locator(f"#step-{step['id']}")).to_contain_text("on the bottle")
        assert a.errors == [] and b.errors == []
    finally:
        ctx_a.close()
        ctx_b.close()


def test_both_changing_the_title_ask_about_the_title_only(browser: Browser, site: Site) -> None:
    board = new_board(site)
    step = board.steps[0]
    ctx_a, a = open_editor(browser, site, "participant", board)
    ctx_b, b = open_editor(browser, site, "participant3", board)
    try:
        open_panels(board, step, a, b)
        a.page.get_by_label("Title", exact=True).fill("Dials the number on the bottle")
        a.page.get_by_role("button", name="Save", exact=True).click()
        expect(a.page.locator("[data-toasts]")).to_contain_text("Saved")
        expect(b.page.locator("[data-panel-notice]")).to_contain_text("Lucía", timeout=LIVE)

        b.page.get_by_label("Description").fill("From the label on the can")
        b.page.get_by_label("Customer emotion").select_option("-1")
        b.page.get_by_label("Title", exact=True).fill("Dials the careline from the can")
        b.page.get_by_role("button", name="Save", exact=True).click()
        dialog = b.page.get_by_role("dialog", name="Someone else changed this step")
        expect(dialog).to_be_visible()
        expect(dialog).to_contain_text("Lucía")
        rows = dialog.locator("[data-conflict-field]")
        expect(rows).to_have_count(1)
        expect(rows.first).to_have_attribute("data-conflict-field", "title")
        expect(rows.first).to_contain_text("Title")
        expect(rows.first).to_contain_text("Dials the number on the bottle")
        expect(rows.first).to_contain_text("Dials the careline from the can")
        b.screenshot("editor-conflict")
        # Nothing was written yet.
        assert step_in_api(site, step["id"])["title"] == "Dials the number on the bottle"
        assert step_in_api(site, step["id"])["description"] == ""
        rows.first.get_by_role("radio").nth(1).check()  # mine
        dialog.get_by_role("button", name="Save with these choices").click()
        expect(b.page.locator("[data-toasts]")).to_contain_text("Saved")
        saved = step_in_api(site, step["id"])
        assert (saved["title"], saved["description"], saved["emotion"]) == (
            "Dials the careline from the can",
            "From the label on the can",
            -1,
        )
        expect(a.page.locator(f"#step-{step['id']}")).to_contain_text("from the can", timeout=LIVE)
        # The 409 is the answer the page expects; Chromium logs every such answer.
        assert [e for e in b.errors if "409 (Conflict)" not in e] == [] and a.errors == []
    finally:
        ctx_a.close()
        ctx_b.close()


def test_keeping_theirs_in_the_dialog_still_saves_my_other_fields(
    browser: Browser, site: Site
) -> None:
    board = new_board(site)
    step = board.steps[0]
    ctx_a, a = open_editor(browser, site, "participant", board)
    ctx_b, b = open_editor(browser, site, "participant3", board)
    try:
        open_panels(board, step, a, b)
        a.page.get_by_label("Title", exact=True).fill("Dials the number on the bottle")
        a.page.get_by_role("button", name="Save", exact=True).click()
        expect(b.page.locator("[data-panel-notice]")).to_contain_text("Lucía", timeout=LIVE)
        b.page.get_by_label("Title", exact=True).fill("Mine")
        b.page.get_by_label("Description").fill("Kept")
        b.page.get_by_role("button", name="Save", exact=True).click()
        dialog = b.page.get_by_role("dialog", name="Someone else changed this step")
        dialog.get_by_role("button", name="Save with these choices").click()  # theirs: default
        expect(b.page.locator("[data-toasts]")).to_contain_text("Saved")
        saved = step_in_api(site, step["id"])
        assert (saved["title"], saved["description"]) == ("Dials the number on the bottle", "Kept")
    finally:
        ctx_a.close()
        ctx_b.close()


def test_everything_works_by_keyboard(browser: Browser, site: Site) -> None:
    board = new_board(site)
    ctx, watched = open_editor(browser, site, "participant", board)
    page = watched.page
    first, second = board.steps
    try:
        # A new phase.
        page.get_by_role("button", name="＋ Phase").focus()
        page.keyboard.press("Enter")
        page.keyboard.type("Follow-up")
        page.keyboard.press("Enter")
        expect(page.locator("th[data-phase]")).to_have_count(3)
        # A new lane with a new actor, created inline.
        page.get_by_role("button", name="＋ Lane in Backstage").focus()
        page.keyboard.press("Enter")
        page.keyboard.type("Quality analyst")
        dialog = page.get_by_role("dialog", name="New lane")
        dialog.get_by_label("Actor", exact=True).select_option(label="＋ New actor…")
        expect(dialog.get_by_label("New actor's name")).to_be_focused()
        page.keyboard.type("Quality analyst (Parma)")
        page.keyboard.press("Enter")
        lane = page.locator('tr.lane[data-band="backstage"]')
        expect(lane).to_contain_text("Quality analyst")
        expect(lane).to_contain_text("Quality analyst (Parma)")

        # A step by keyboard: focus a cell's add button, type, Enter.
        page.locator(f'td[data-phase="{board.phases[1]["id"]}"] [data-act=step-add]').first.focus()
        page.keyboard.press("Enter")
        page.keyboard.type("Checks the warranty")
        page.keyboard.press("Enter")
        page.keyboard.press("Escape")
        new = cell(watched, board, 0, 1).locator("[data-step]")
        expect(new).to_contain_text("Checks the warranty")

        # Move a card with Alt+arrows: right to the next phase, then down within the cell.
        page.locator(f"#step-{first['id']}").focus()
        page.keyboard.press("Alt+ArrowRight")
        expect(cell(watched, board, 0, 1).locator(f"#step-{first['id']}")).to_be_visible()
        expect(page.locator(f"#step-{first['id']}")).to_be_focused()
        page.keyboard.press("Alt+ArrowUp")
        expect(cell(watched, board, 0, 1).locator("[data-step]").first).to_have_id(
            f"step-{first['id']}"
        )
        expect(page.locator(f"#step-{first['id']}")).to_be_focused()
        page.keyboard.press("Alt+ArrowDown")
        expect(cell(watched, board, 0, 1).locator("[data-step]").last).to_have_id(
            f"step-{first['id']}"
        )
        page.keyboard.press("Alt+ArrowDown")  # past the end of the cell: into the lane below
        expect(cell(watched, board, 1, 1).locator(f"#step-{first['id']}")).to_be_visible()
        assert step_in_api(site, first["id"])["lane"] == board.lanes[1]["id"]
        expect(page.locator(f"#step-{first['id']}")).to_be_focused()

        # Rename with F2; details with Enter.
        page.keyboard.press("F2")
        page.keyboard.press("Control+A")
        page.keyboard.type("Dials the careline")
        page.keyboard.press("Enter")
        expect(page.locator(f"#step-{first['id']}")).to_contain_text("Dials the careline")
        expect(page.locator(f"#step-{first['id']}")).to_be_focused()
        page.keyboard.press("Enter")
        expect(page.get_by_label("Title", exact=True)).to_be_focused()
        page.get_by_label("Kind", exact=True).select_option("pain_point")
        page.get_by_label("Customer emotion").select_option("-2")
        page.get_by_label("Title", exact=True).press("Enter")
        expect(page.locator(f"#step-{first['id']}")).to_have_class("step kind-pain_point")
        saved = step_in_api(site, first["id"])
        assert (saved["kind"], saved["emotion"]) == ("pain_point", -2)
        page.keyboard.press("Escape")
        expect(page.locator("[data-panel]")).to_be_hidden()

        # Link with L, then Enter on the target, then Enter to create.
        page.locator(f"#step-{second['id']}").focus()
        page.keyboard.press("l")
        expect(page.locator("[data-link-banner]")).to_be_visible()
        page.locator(f"#step-{first['id']}").focus()
        page.keyboard.press("Enter")
        page.get_by_label("Kind of link").select_option("trigger")
        page.get_by_label("Label (optional)").fill("asks for")
        page.get_by_label("Label (optional)").press("Enter")
        expect(page.locator("[data-links-card]")).to_contain_text("asks for")

        # Delete asks first, then can be undone.
        page.locator(f"#step-{second['id']}").focus()
        page.keyboard.press("Delete")
        confirm = page.get_by_role("dialog", name="Delete?")
        expect(confirm).to_be_visible()
        confirm.get_by_role("button", name="Delete").press("Enter")
        expect(page.locator(f"#step-{second['id']}")).to_have_count(0)
        page.locator("[data-toasts]").get_by_role("button", name="Undo").focus()
        page.keyboard.press("Enter")
        expect(page.locator(f"#step-{second['id']}")).to_be_visible()
        expect(page.locator("[data-links-card]")).to_contain_text("asks for")
        watched.screenshot("editor-keyboard")
        assert watched.errors == []
    finally:
        ctx.close()


def test_the_manager_watches_read_only_and_live(browser: Browser, site: Site) -> None:
    board = new_board(site)
    ctx, watched = open_editor(browser, site, "manager", board)
    page = watched.page
    try:
        expect(page.locator(".badge.readonly")).to_be_visible()
        assert page.locator("[data-act]:not([data-act=panel-close])").count() == 0
        assert page.locator("[draggable=true]").count() == 0
        assert page.locator("dialog").count() == 0
        api = site.api("participant")
        answer = api.post(
            f"{site.base}/api/v1/steps/",
            json={"blueprint": board.id, "lane": board.lanes[1]["id"],
                  "phase": board.phases[0]["id"], "title": "Greets the consumer"},
            timeout=5,
        )  # fmt: skip
        assert answer.status_code == 201
        expect(page.locator("table.board")).to_contain_text("Greets the consumer", timeout=LIVE)
        page.locator(f"#step-{board.steps[0]['id']}").click()
        page.locator(f"#step-{board.steps[0]['id']}").press("Delete")
        time.sleep(0.3)
        assert page.locator("dialog[open]").count() == 0
        assert len(site.api("manager").get(
            f"{site.base}/api/v1/steps/?blueprint={board.id}", timeout=5
        ).json()["results"]) == 3  # fmt: skip
        # The manager opens a card and reads every field, without a way to change one.
        site.api("participant").patch(
            f"{site.base}/api/v1/steps/{board.steps[0]['id']}/",
            json={"description": "Finds the number on the can", "data_captured": "Batch code"},
            timeout=5,
        )
        page.locator(f"#step-{board.steps[0]['id']}").click()
        panel = page.locator("[data-panel]")
        expect(panel).to_be_visible()
        expect(panel.get_by_label("Description")).to_have_value("Finds the number on the can")
        expect(panel.get_by_label("Data captured")).to_have_value("Batch code")
        expect(panel.get_by_label("Title", exact=True)).to_be_disabled()
        assert panel.get_by_role("button", name="Save").count() == 0
        watched.screenshot("editor-manager")
        page.keyboard.press("Escape")
        expect(panel).to_be_hidden()
        assert watched.errors == []
    finally:
        ctx.close()


def test_a_phone_sized_screen_still_edits(browser: Browser, site: Site) -> None:
    board = new_board(site)
    ctx, watched = open_editor(
        browser, site, "participant", board, viewport={"width": 390, "height": 844}
    )
    try:
        watched.page.locator(f"#step-{board.steps[0]['id']}").click()
        expect(watched.page.locator("[data-panel]")).to_be_visible()
        watched.page.get_by_label("Title", exact=True).fill("Calls from the car")
        watched.page.get_by_role("button", name="Save", exact=True).click()
        expect(watched.page.locator(f"#step-{board.steps[0]['id']}")).to_contain_text("car")
        watched.screenshot("editor-phone")
        assert watched.errors == []
    finally:
        ctx.close()


def test_a_participant_duplicates_the_blueprint_from_its_page(browser: Browser, site: Site) -> None:
    board = new_board(site)
    ctx, watched = open_editor(browser, site, "participant3", board)
    page = watched.page
    try:
        page.get_by_text("Duplicate", exact=True).click()
        page.get_by_label("Title of the copy").fill("Careline, second try")
        watched.screenshot("editor-duplicate")
        page.get_by_role("button", name="Make a copy").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Careline, second try")
        expect(page.locator(".messages")).to_contain_text("This is your copy of")
        for step in board.steps:
            expect(page.locator("table.board")).to_contain_text(step["title"])
        copy_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
        assert copy_id != board.id
        steps = (
            site.api("facilitator")
            .get(f"{site.base}/api/v1/steps/?blueprint={copy_id}", timeout=5)
            .json()["results"]
        )
        assert sorted(s["title"] for s in steps) == sorted(s["title"] for s in board.steps)
        assert not {s["id"] for s in steps} & {s["id"] for s in board.steps}
        assert watched.page_errors() == []
    finally:
        ctx.close()


def test_the_history_shows_before_and_after_and_reverts_a_given_change(
    browser: Browser, site: Site
) -> None:
    board = new_board(site)
    step = board.steps[0]
    api = site.api("participant")
    url = f"{site.base}/api/v1/steps/{step['id']}/"
    assert api.patch(url, json={"title": "Dials the number on the can"}, timeout=5).ok
    assert api.patch(url, json={"description": "Angry"}, timeout=5).ok
    ctx, watched = open_editor(browser, site, "participant3", board)
    page = watched.page
    try:
        rename = page.locator("[data-activity] > li", has_text="on the can").filter(
            has=page.locator("del", has_text="Dials the careline")
        )
        expect(rename).to_contain_text("Title: Dials the careline → Dials the number on the can")
        watched.screenshot("editor-history")
        rename.get_by_role("button", name="Revert this change").click()
        expect(page.locator("[data-toasts]")).to_contain_text("Reverted")
        expect(page.locator(f"#step-{step['id']}")).to_contain_text("Dials the careline")
        saved = step_in_api(site, step["id"])
        assert (saved["title"], saved["description"]) == ("Dials the careline", "Angry")
        # Reverting it again is refused, with the reason.
        rename.get_by_role("button", name="Revert this change").click()
        expect(page.locator("[data-toasts]")).to_contain_text("already reverted")
        assert [e for e in watched.errors if "409 (Conflict)" not in e] == []
    finally:
        ctx.close()


def test_keyboard_only_goes_from_card_to_card_and_links_with_enter(
    browser: Browser, site: Site
) -> None:
    board = new_board(site)
    first, second = board.steps
    ctx, watched = open_editor(browser, site, "participant", board)
    page = watched.page
    try:
        page.locator(f"#step-{first['id']}").focus()
        page.keyboard.press("ArrowDown")
        expect(page.locator(f"#step-{second['id']}")).to_be_focused()
        page.keyboard.press("ArrowUp")
        expect(page.locator(f"#step-{first['id']}")).to_be_focused()
        page.keyboard.press("l")
        expect(page.locator("[data-link-banner]")).to_be_visible()
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        dialog = page.get_by_role("dialog", name="New link")
        expect(dialog).to_be_visible()
        expect(dialog.get_by_label("Kind of link")).to_be_focused()
        page.keyboard.press("Enter")
        expect(dialog).to_be_hidden()
        expect(page.locator("[data-link-id], .links-list, #links")).not_to_have_count(0)
        links = (
            site.api("facilitator")
            .get(f"{site.base}/api/v1/links/?blueprint={board.id}", timeout=5)
            .json()["results"]
        )
        assert [(link["source"], link["target"]) for link in links] == [(first["id"], second["id"])]
        expect(page.locator("[data-arrows] path[data-arrow]")).to_have_count(1)
        legend = page.locator("[data-arrow-legend] li")
        expect(legend).to_have_count(4)
        expect(legend.first).to_contain_text("Handoff")
        assert legend.first.locator("svg").count() == 1
        watched.screenshot("editor-links")
        assert watched.page_errors() == []
    finally:
        ctx.close()


def test_a_long_paste_is_counted_not_cut_and_limits_match_the_server(
    browser: Browser, site: Site
) -> None:
    board = new_board(site)
    ctx, watched = open_editor(browser, site, "participant", board)
    page = watched.page
    try:
        page.locator("[data-act=lane-add][data-band=evidence]").click()
        name = page.get_by_role("dialog").get_by_label("Lane name")
        long_name = "Receipt, bottle label and the careline number printed on the can " * 6
        name.fill(long_name)
        assert name.input_value() == long_name  # nothing silently cut
        dialog = page.get_by_role("dialog")
        expect(dialog.locator(".limit-counter")).to_contain_text(f"{len(long_name)} of 120")
        watched.screenshot("editor-long-paste")
        dialog.get_by_role("button", name="Save lane").click()
        expect(dialog).to_be_visible()  # not sent while too long
        name.fill("Receipt and label")
        expect(dialog.locator(".limit-counter")).to_have_count(0)
        dialog.get_by_role("button", name="Save lane").click()
        expect(page.locator("tr[data-lane]", has_text="Receipt and label")).to_be_visible()
        # A new card in the physical-evidence lane is a touchpoint.
        lane = page.locator("tr[data-lane]", has_text="Receipt and label")
        lane.locator("[data-act=step-add]").first.click()
        page.get_by_label("Title of the new step").fill("Printed receipt")
        page.keyboard.press("Enter")
        expect(page.locator("[data-step]", has_text="Printed receipt")).to_contain_text(
            "Touchpoint", ignore_case=True
        )
        assert watched.page_errors() == []
    finally:
        ctx.close()


def test_a_steps_details_name_the_personas_it_is_attached_to(browser: Browser, site: Site) -> None:
    board = new_board(site)
    cited, uncited = board.steps
    api = site.api("facilitator")
    workspace = api.get(f"{site.base}/api/v1/blueprints/{board.id}/", timeout=5).json()["workspace"]
    persona = api.post(
        f"{site.base}/api/v1/personas/",
        json={"workspace": workspace, "name": "Lucía <b>", "steps": [cited["id"]]},
        timeout=5,
    )
    assert persona.status_code == 201, persona.text
    context, watched = open_editor(browser, site, "participant", board)
    page = watched.page
    page.locator(f"#step-{cited['id']}").click()
    expect(page.locator("[data-panel-form] [name=title]")).to_have_value(cited["title"])
    line = page.locator("[data-panel-personas]")
    expect(line.get_by_role("link", name="Lucía <b>")).to_have_attribute(
        "href", f"/personas/{persona.json()['id']}/"
    )
    page.locator(f"#step-{uncited['id']}").click()  # no persona cites this one: no line
    expect(page.locator("[data-panel-form] [name=title]")).to_have_value(uncited["title"])
    expect(line).to_be_hidden()
    assert watched.errors == []
    context.close()
