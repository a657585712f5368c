"""The live client both live pages share (static/js/live.js), in real Chromium against uvicorn.

A guest on a phone loses the connection: the page says so with the same banner as the editor,
a note written meanwhile waits (shown as pending), survives a reload, and is sent once the
connection is back — the facilitator sees it and the database has it once. The editor keeps a
move made offline the same way.
"""

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser import WatchedPage, log_in
from tests.servers import database_for_servers, manage, token_client, uvicorn_servers

pytestmark = pytest.mark.browser

PASSWORD = "frontstage"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
LIVE = 5000  # ms: how long a kept write may take to go out once the connection is back

NEW_WORKSHOP = """
from blueprints.models import Blueprint
from workshops import services
workspace = Blueprint.objects.filter(kind="team").order_by("id").first().workspace
workshop = services.workshop_create(workspace=workspace, template="blueprint")
print(workshop.pk, workshop.join_code)
"""

COUNT_NOTES = """
from workshops.models import Note
print(Note.objects.filter(workshop_id={workshop}, text={text!r}).count())
"""


@dataclass
class Site:
    base: str
    database_url: str

    def new_workshop(self) -> tuple[int, str]:
        workshop_id, code = manage(self.database_url, "shell", "-c", NEW_WORKSHOP).split()[-2:]
        return int(workshop_id), code

    def notes_saved(self, workshop_id: int, text: str) -> int:
        script = COUNT_NOTES.format(workshop=workshop_id, text=text)
        return int(manage(self.database_url, "shell", "-c", script).split()[-1])


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    database = database_for_servers(tmp_path_factory)
    database_url = next(database)
    logs = tmp_path_factory.mktemp("live-client-logs")
    try:
        with uvicorn_servers(database_url, logs, ["live-client"], {}) as (address,):
            yield Site(f"http://{address}", database_url)
    finally:
        database.close()


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    made: list[BrowserContext] = []
    yield made
    for context in made:
        context.close()


def open_page(
    browser: Browser, contexts: list[BrowserContext], **options: object
) -> tuple[BrowserContext, WatchedPage]:
    options.setdefault("viewport", {"width": 1280, "height": 900})
    context = browser.new_context(locale="en-GB", **options)
    contexts.append(context)
    return context, WatchedPage(context.new_page())


def join_as(page: Page, site: Site, code: str, name: str) -> None:
    page.goto(f"{site.base}/join/{code}/")
    page.get_by_label("Name").fill(name)
    page.get_by_role("button", name="Join").click()
    expect(page.locator("[data-live-status].online")).to_be_visible()


def outbox(page: Page, state: str, text: str):  # type: ignore[no-untyped-def]
    """A kept write as the page shows it: listed while pending, then a toast once sent."""
    return page.locator(f"[data-outbox-state={state}]", has_text=text)


def network_errors_only(watched: WatchedPage) -> bool:
    """Failed requests while the line is down are logged by Chromium; nothing else may be."""
    expected = ("ERR_INTERNET_DISCONNECTED", "ERR_FAILED", "/ws/")
    return all(any(mark in error for mark in expected) for error in watched.errors)


def test_a_note_written_offline_waits_and_is_sent_when_back(
    browser: Browser, site: Site, contexts: list[BrowserContext]
) -> None:
    workshop_id, code = site.new_workshop()
    phone_context, phone = open_page(browser, contexts, **PHONE)
    join_as(phone.page, site, code, "Phone Pia")
    _, facilitator = open_page(browser, contexts)
    log_in(facilitator.page, site.base, "facilitator", PASSWORD)
    facilitator.page.goto(f"{site.base}/workshops/{workshop_id}/")
    expect(facilitator.page.locator("[data-live-status].online")).to_be_visible()

    # The Wi-Fi goes: the page says so.
    phone_context.set_offline(True)
    banner = phone.page.locator("[data-offline]")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("You are offline.")
    expect(phone.page.locator("[data-live-status]")).to_have_text("Reconnecting…")

    # A note written meanwhile is kept and shown as pending, not lost.
    text = "Bring back the callback option"
    phone.page.get_by_label("Note").fill(text)
    phone.page.get_by_role("button", name="Add note").click()
    expect(outbox(phone.page, "pending", text)).to_be_visible()
    expect(phone.page.get_by_label("Note")).to_have_value("")
    phone.screenshot("workshop-offline-phone")
    assert site.notes_saved(workshop_id, text) == 0

    # Back online: it goes out by itself, the phone is told, the facilitator sees it.
    phone_context.set_offline(False)
    expect(banner).to_be_hidden(timeout=LIVE)
    expect(outbox(phone.page, "sent", text)).to_be_visible(timeout=LIVE)
    expect(phone.page.locator("article.note", has_text=text)).to_be_visible()
    expect(facilitator.page.locator("article.note", has_text=text)).to_be_visible()
    assert site.notes_saved(workshop_id, text) == 1
    assert phone.page.evaluate("window.frontstageWorkshop.pending()") == 0
    assert network_errors_only(phone) and facilitator.errors == []


def test_a_kept_note_survives_a_reload_and_goes_out_once(
    browser: Browser, site: Site, contexts: list[BrowserContext]
) -> None:
    workshop_id, code = site.new_workshop()
    _, guest = open_page(browser, contexts)
    join_as(guest.page, site, code, "Gina")
    # The server is out of reach for notes (a dropped request, a proxy between two servers).
    guest.page.route("**/notes/", lambda route: route.abort())
    text = "Ask for the batch code first"
    guest.page.get_by_label("Note").fill(text)
    guest.page.get_by_role("button", name="Add note").click()
    expect(outbox(guest.page, "pending", text)).to_be_visible()

    # A reload keeps it: still pending, still not sent.
    guest.page.reload()
    expect(guest.page.locator("[data-live-status].online")).to_be_visible()
    expect(outbox(guest.page, "pending", text)).to_be_visible()
    assert site.notes_saved(workshop_id, text) == 0

    # Reachable again: the next connection sends it, once.
    guest.page.unroute("**/notes/")
    guest.page.reload()
    expect(outbox(guest.page, "sent", text)).to_be_visible(timeout=LIVE)
    expect(guest.page.locator("article.note", has_text=text)).to_be_visible()
    assert site.notes_saved(workshop_id, text) == 1
    assert network_errors_only(guest)


def test_the_editor_shows_the_same_banner_and_keeps_a_move_made_offline(
    browser: Browser, site: Site, contexts: list[BrowserContext]
) -> None:
    api = token_client(site.base, "facilitator", PASSWORD)
    post = lambda kind, body: api.post(f"{site.base}/api/v1/{kind}/", json=body, timeout=5)  # noqa: E731
    team_blueprint = api.get(f"{site.base}/api/v1/blueprints/?page_size=100", timeout=5).json()
    team_blueprint = next(b for b in team_blueprint["results"] if b["kind"] == "team")
    created = post(
        "blueprints",
        {"workspace": team_blueprint["workspace"], "title": "Offline moves", "kind": "team",
         "team": team_blueprint["team"]},
    )  # fmt: skip
    assert created.status_code == 201, created.text
    bid = created.json()["id"]
    phases = [post("phases", {"blueprint": bid, "name": n}).json() for n in ("Call", "Triage")]
    lane = post("lanes", {"blueprint": bid, "name": "Consumer", "band": "customer"}).json()
    step = post(
        "steps", {"blueprint": bid, "lane": lane["id"], "phase": phases[0]["id"], "title": "Calls"}
    ).json()

    context, editor = open_page(browser, contexts, viewport={"width": 1400, "height": 900})
    log_in(editor.page, site.base, "participant", PASSWORD)
    editor.page.goto(f"{site.base}/blueprints/{bid}/")
    expect(editor.page.locator("[data-connection]")).to_have_attribute("data-state", "live")

    context.set_offline(True)
    banner = editor.page.locator("[data-offline]")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("You are offline.")
    # The move is kept (Alt+→ takes the card to the next phase) and said to be pending.
    card = editor.page.locator(f"#step-{step['id']}")
    card.focus()
    editor.page.keyboard.press("Alt+ArrowRight")
    expect(outbox(editor.page, "pending", "Calls")).to_be_visible()
    editor.screenshot("editor-offline")
    moved = api.get(f"{site.base}/api/v1/steps/{step['id']}/", timeout=5).json()
    assert moved["phase"] == phases[0]["id"]

    context.set_offline(False)
    expect(banner).to_be_hidden(timeout=LIVE)
    expect(outbox(editor.page, "sent", "Calls")).to_be_visible(timeout=LIVE)
    target = editor.page.locator(f'td[data-lane="{lane["id"]}"][data-phase="{phases[1]["id"]}"]')
    expect(target.locator(f"#step-{step['id']}")).to_be_visible()
    moved = api.get(f"{site.base}/api/v1/steps/{step['id']}/", timeout=5).json()
    assert moved["phase"] == phases[1]["id"]
    assert network_errors_only(editor)
