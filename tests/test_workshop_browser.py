"""A live workshop in real Chromium: a facilitator and three guests, one on a phone.

The page needs WebSockets, which pytest-django's `live_server` (WSGI) does not serve, so these
tests run the project's ASGI application in uvicorn, in a thread of the test process, on the
test database.
"""

import asyncio
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import uvicorn
from django.contrib.auth.models import User
from django.db import OperationalError, connections
from django.db.backends.signals import connection_created
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser import WatchedPage, log_in
from tests.conftest import World, build_world
from workshops import services
from workshops.models import Note, Participant, Workshop

pytestmark = pytest.mark.browser
PASSWORD = "secret-pass-123"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def read_uncommitted(sender: object, connection: Any, **kwargs: object) -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA read_uncommitted = 1")


@pytest.fixture
def asgi_server(transactional_db: None) -> Iterator[str]:
    """The ASGI app served by uvicorn in a thread of this process, on the test database.

    The suite's SQLite database lives in memory with a shared cache, where a table locked by
    one connection fails (rather than waits) in another. A real server's SQLite file waits, so
    here pages' requests take turns and readers skip table locks; PostgreSQL needs neither.
    """
    from frontstage.asgi import application

    connection_created.connect(read_uncommitted)
    for alias in connections:
        connections[alias].close()
    turn = asyncio.Lock()

    async def one_request_at_a_time(scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await application(scope, receive, send)
            return
        async with turn:
            await application(scope, receive, send)

    port = free_port()
    config = uvicorn.Config(one_request_at_a_time, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    connection_created.disconnect(read_uncommitted)


@pytest.fixture
def live_world(transactional_db: None) -> World:
    return build_world()


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    made: list[BrowserContext] = []
    yield made
    for context in made:
        context.close()


def settled[T](read: Callable[[], T]) -> T:
    """Read the database from the test while the server thread may be writing to it.

    The suite's in-memory SQLite (shared cache) locks whole tables and does not wait for
    them; retry briefly instead (PostgreSQL and file databases wait by themselves).
    """
    for _ in range(100):
        try:
            return read()
        except OperationalError as error:
            if "locked" not in str(error):
                raise
            time.sleep(0.05)
    return read()


def open_page(browser: Browser, contexts: list[BrowserContext], **options: object) -> WatchedPage:
    options.setdefault("viewport", {"width": 1280, "height": 900})
    context = browser.new_context(locale="en-GB", **options)
    contexts.append(context)
    return WatchedPage(context.new_page())


def join_as(page: Page, base: str, code: str, name: str) -> None:
    page.goto(f"{base}/join/{code}/")
    page.get_by_label("Name").fill(name)
    page.get_by_role("button", name="Join").click()
    expect(page.locator("[data-live-status].online")).to_be_visible()


def note_card(page: Page, text: str):  # type: ignore[no-untyped-def]
    return page.locator("article.note", has_text=text)


def test_a_facilitator_and_three_guests_run_a_workshop_live(
    live_world: World, asgi_server: str, browser: Browser, contexts: list[BrowserContext]
) -> None:
    base = asgi_server
    workshop = services.workshop_create(workspace=live_world.workspace, template="blueprint")
    workshop.vote_budget = 2
    workshop.save()

    facilitator = open_page(browser, contexts)
    log_in(facilitator.page, base, "facilitator", PASSWORD)
    facilitator.page.goto(f"{base}/workshops/{workshop.pk}/")
    expect(facilitator.page.locator("[data-live-status].online")).to_be_visible()

    guests = [open_page(browser, contexts) for _ in range(2)] + [
        open_page(browser, contexts, **PHONE)
    ]
    for guest, name in zip(guests, ["Rita", "Sam", "Phone Pia"], strict=True):
        join_as(guest.page, base, workshop.join_code, name)
    assert settled(lambda: Participant.objects.filter(workshop=workshop, user=None).count()) == 3
    # The facilitator sees who joined without reloading.
    for name in ("Rita", "Sam", "Phone Pia"):
        expect(facilitator.page.locator(f"[data-people] input[value='{name}']")).to_have_count(1)

    # The facilitator starts the first activity: every page counts down the same timer.
    facilitator.page.get_by_role("button", name="Next activity").click()
    first = settled(lambda: workshop.activities.first())
    for person in [facilitator, *guests]:
        expect(person.page.locator("[data-activity]")).to_have_text(first.title)
        expect(person.page.locator("[data-timer].running")).to_be_visible()
    seconds = [int(p.page.locator("[data-timer]").get_attribute("data-seconds")) for p in guests]
    assert max(seconds) - min(seconds) <= 2 and max(seconds) <= first.duration * 60

    # Each guest adds a note (the phone too); everyone sees all three.
    for guest, text in zip(
        guests, ["Repeat the batch code", "One history", "Call back"], strict=True
    ):
        guest.page.get_by_label("Note").fill(text)
        guest.page.get_by_role("button", name="Add note").click()
    for person in [facilitator, *guests]:
        for text in ["Repeat the batch code", "One history", "Call back"]:
            expect(note_card(person.page, text)).to_be_visible()

    # Dot voting: the budget of two holds; results rank the notes.
    rita = guests[0].page
    for votes in ("1 vote", "2 votes"):
        note_card(rita, "One history").get_by_role("button", name="Vote", exact=True).click()
        expect(note_card(rita, "One history").locator(".note-votes")).to_have_text(votes)
    note_card(rita, "Call back").get_by_role("button", name="Vote", exact=True).click()
    expect(rita.locator("[data-flash]")).to_contain_text("used all your votes")
    expect(guests[2].page.locator(".ranked li").first).to_contain_text("One history")
    assert settled(lambda: Note.objects.get(text="One history").votes) == 2

    # The facilitator pauses and locks: guests cannot add notes any more.
    facilitator.page.get_by_role("button", name="Pause timer").click()
    for guest in guests:
        expect(guest.page.locator("[data-timer].running")).to_have_count(0)
    facilitator.page.get_by_role("button", name="Lock editing").click()
    for guest in guests:
        expect(guest.page.get_by_text("Editing is locked by the facilitator.")).to_be_visible()
        expect(guest.page.get_by_role("button", name="Add note")).to_have_count(0)

    guests[2].screenshot("workshop-phone")
    facilitator.screenshot("workshop-facilitator")
    # The one error: Rita's vote beyond her budget, answered 409 and shown to her.
    assert [e for e in guests[0].errors if "409" not in e] == []
    for person in [facilitator, *guests[1:]]:
        assert person.errors == [], person.errors


def test_a_returning_guest_keeps_identity_and_bring_everyone_here(
    live_world: World, asgi_server: str, browser: Browser, contexts: list[BrowserContext]
) -> None:
    base = asgi_server
    workshop = services.workshop_create(workspace=live_world.workspace, template="information")
    group = workshop.groups.create(name="Quality", blueprint=live_world.b.blueprint)
    guest = open_page(browser, contexts, **PHONE)
    join_as(guest.page, base, workshop.join_code, "Pia")
    guest.page.get_by_label("Note").fill("Keep this")
    guest.page.get_by_role("button", name="Add note").click()
    expect(note_card(guest.page, "Keep this")).to_be_visible()

    # Coming back through the link on the same browser: same person, same notes.
    guest.page.goto(f"{base}/join/{workshop.join_code}/")
    expect(guest.page.get_by_text("You: Pia")).to_be_visible()
    expect(note_card(guest.page, "Keep this")).to_be_visible()
    assert settled(lambda: Participant.objects.filter(workshop=workshop).count()) == 1

    facilitator = open_page(browser, contexts)
    log_in(facilitator.page, base, "facilitator", PASSWORD)
    facilitator.page.goto(f"{base}/workshops/{workshop.pk}/?group={group.pk}")
    # Put in a group, the guest sees it in their header at once, with the way to its blueprint.
    pia = Participant.objects.get(workshop=workshop)
    facilitator.page.locator(f"#p-group-{pia.pk}").select_option(str(group.pk))
    facilitator.page.locator(f"#p-group-{pia.pk}").locator("..").get_by_role(
        "button", name="Save"
    ).click()
    whoami = guest.page.locator("[data-whoami]")
    expect(whoami).to_contain_text("Quality")
    expect(whoami.get_by_role("link", name="Open blueprint")).to_be_visible()
    facilitator.page.get_by_role("button", name="Bring everyone here").click()
    guest.page.wait_for_url(f"**/workshops/{workshop.pk}/?group={group.pk}")
    expect(
        guest.page.get_by_role("link", name=live_world.b.blueprint.title, exact=True)
    ).to_be_visible()

    # A revoked code no longer lets anyone in.
    old = workshop.join_code
    facilitator.page.get_by_role("button", name="New code (revoke this one)").click()
    expect(facilitator.page.locator("[data-join-code]")).not_to_have_text(old)
    stranger = open_page(browser, contexts)
    response = stranger.page.goto(f"{base}/join/{old}/")
    assert response is not None and response.status == 404
    assert settled(lambda: Workshop.objects.get(pk=workshop.pk).join_code) != old
    assert guest.errors == [] and facilitator.errors == []


def test_reconnecting_catches_up_on_missed_notes(
    live_world: World, asgi_server: str, browser: Browser, contexts: list[BrowserContext]
) -> None:
    base = asgi_server
    workshop = services.workshop_create(workspace=live_world.workspace, template="blueprint")
    guest = open_page(browser, contexts)
    join_as(guest.page, base, workshop.join_code, "Offline Olga")
    seq_before = guest.page.evaluate("window.frontstageWorkshop.seq()")
    guest.page.evaluate("window.frontstageWorkshop.socket().close()")
    who = services.Who(User.objects.get(username="facilitator"), None, True)
    services.note_add(who=who, workshop=workshop, text="Written while Olga was away")
    services.timer_start(who=who, workshop=workshop, seconds=300)
    expect(note_card(guest.page, "Written while Olga was away")).to_be_visible()
    expect(guest.page.locator("[data-timer].running")).to_be_visible()
    assert guest.page.evaluate("window.frontstageWorkshop.seq()") >= seq_before + 2
    assert guest.errors == []


def test_a_guest_drags_a_note_into_a_cluster_with_the_mouse(
    live_world: World, asgi_server: str, browser: Browser, contexts: list[BrowserContext]
) -> None:
    base = asgi_server
    workshop = services.workshop_create(workspace=live_world.workspace, template="information")
    guest = open_page(browser, contexts)
    join_as(guest.page, base, workshop.join_code, "Dora")
    guest.page.get_by_label("Cluster name").fill("Complaints")
    guest.page.get_by_role("button", name="Add cluster").click()
    expect(guest.page.locator("h3", has_text="Complaints")).to_be_visible()
    cluster = settled(lambda: workshop.clusters.get(name="Complaints"))
    guest.page.get_by_label("Note").fill("Bottle arrived broken")
    guest.page.get_by_role("button", name="Add note").click()
    facilitator = open_page(browser, contexts)
    log_in(facilitator.page, base, "facilitator", PASSWORD)
    facilitator.page.goto(f"{base}/workshops/{workshop.pk}/")
    expect(facilitator.page.locator("[data-live-status].online")).to_be_visible()

    page = guest.page
    column = page.locator(f"[data-cluster='{cluster.pk}']")
    card = note_card(page, "Bottle arrived broken")
    expect(card).to_be_visible()
    expect(column.locator("article.note")).to_have_count(0)
    # A real drag: press on the card, move over the cluster in steps, release there.
    start, end = card.bounding_box(), column.bounding_box()
    assert start is not None and end is not None
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + end["height"] / 2, steps=12)
    page.mouse.up()

    expect(column.locator("article.note", has_text="Bottle arrived broken")).to_be_visible()
    assert settled(lambda: Note.objects.get(text="Bottle arrived broken").cluster_id) == cluster.pk
    # The other page sees the move live.
    moved = facilitator.page.locator(f"[data-cluster='{cluster.pk}'] article.note")
    expect(moved).to_have_text(re.compile("Bottle arrived broken"))

    # By keyboard, back out of the cluster: the focus stays on the note's controls.
    note = Note.objects.get(text="Bottle arrived broken")
    page.locator(f"#more-{note.pk}").focus()
    page.keyboard.press("Enter")
    page.locator(f"#move-{note.pk}").select_option("")
    page.locator(f"#move-button-{note.pk}").focus()
    page.keyboard.press("Enter")
    expect(column.locator("article.note")).to_have_count(0)
    expect(page.locator(f"#move-button-{note.pk}")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(page.locator(f"#move-{note.pk}")).to_be_focused()
    assert guest.errors == [] and facilitator.errors == []
