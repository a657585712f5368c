"""Running a workshop start to finish in real Chromium: a facilitator and guests (one on a
phone) join by a typed code, the facilitator sets the workshop up and runs the timer, groups
stay apart, the workshop bar follows a guest into the blueprint editor and "Bring everyone
here" brings them back, clusters are merged."""

# ruff: noqa: F811  (the live server's fixtures come from tests/test_workshop_browser.py)
import threading
import time
from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from tests.browser import log_in
from tests.conftest import World
from tests.test_workshop_browser import (  # noqa: F401  (fixtures)
    PASSWORD,
    PHONE,
    asgi_server,
    contexts,
    join_as,
    live_world,
    note_card,
    open_page,
    settled,
)
from workshops import services
from workshops.models import Cluster, Participant, Workshop

pytestmark = pytest.mark.browser


def run(world: World) -> services.Who:
    return services.Who(world.people["facilitator"], None, True)


def off_the_page_thread(write: Callable[[], object]) -> None:
    """A service call from the test: in a thread of its own, as a request would run, so that
    its event is broadcast (Playwright keeps an event loop in the test's thread)."""
    thread = threading.Thread(target=write)
    thread.start()
    thread.join()


def seconds_on(page, selector: str = "[data-timer]") -> int:  # type: ignore[no-untyped-def]
    return int(page.locator(selector).get_attribute("data-seconds") or 0)


def test_a_guest_joins_by_typed_code_and_the_facilitator_sets_up_and_runs_the_timer(
    live_world: World, asgi_server: str, browser: Browser, contexts: list[BrowserContext]
) -> None:
    base = asgi_server
    workshop = services.workshop_create(workspace=live_world.workspace, template="information")
    facilitator = open_page(browser, contexts, viewport={"width": 1400, "height": 1000})
    log_in(facilitator.page, base, "facilitator", PASSWORD)
    facilitator.page.goto(f"{base}/workshops/{workshop.pk}/")

    # A phone types the code read out in the room, in lower case with spaces.
    phone = open_page(browser, contexts, **PHONE)
    phone.page.goto(f"{base}/join/")
    code = workshop.join_code.lower()
    phone.page.get_by_label("Code").fill(f"{code[:5]} {code[5:]}")
    phone.screenshot("join-code-phone")
    phone.page.get_by_role("button", name="Continue").click()
    phone.page.get_by_label("Name").fill("Pia")
    phone.page.get_by_role("button", name="Join").click()
    expect(phone.page.locator("[data-live-status].online")).to_be_visible()
    expect(phone.page.locator("[data-votes-left]")).to_have_attribute("data-votes-left", "5")

    # Settings in the browser: votes per person and the start time.
    facilitator.page.get_by_text("Settings", exact=True).click()
    facilitator.page.get_by_label("Votes per person").fill("3")
    facilitator.page.get_by_label("Starts at").fill("14:30")
    facilitator.page.get_by_role("button", name="Save settings").click()
    expect(facilitator.page.locator("table.agenda td").first).to_have_text("14:30")
    expect(phone.page.locator("[data-votes-left]")).to_have_attribute("data-votes-left", "3")

    # The timer: start, start again (no restart), +1 min, pause, resume, reset.
    facilitator.page.get_by_role("button", name="Next activity").click()
    expect(phone.page.locator("[data-timer].running")).to_be_visible()
    running = seconds_on(phone.page)
    facilitator.page.get_by_role("button", name="+1 min").click()
    # Read from the page, not evaluated in it: the pages' CSP forbids eval, which
    # wait_for_function needs.
    deadline = time.monotonic() + 15
    while seconds_on(phone.page) <= running + 50:
        assert time.monotonic() < deadline, "the guest's timer never gained the minute"
        phone.page.wait_for_timeout(100)
    facilitator.page.get_by_role("button", name="Pause timer").click()
    expect(phone.page.locator("[data-timer].running")).to_have_count(0)
    paused = seconds_on(phone.page)
    facilitator.page.get_by_role("button", name="Resume timer").click()
    expect(phone.page.locator("[data-timer].running")).to_be_visible()
    assert abs(seconds_on(phone.page) - paused) <= 2
    facilitator.page.get_by_role("button", name="Reset timer").click()
    activity = settled(lambda: Workshop.objects.get(pk=workshop.pk).current_activity)
    expect(phone.page.locator("[data-timer]")).to_have_attribute(
        "data-seconds", str(activity.duration * 60)
    )
    # The timer stays in view on a phone scrolled down to the notes.
    phone.page.mouse.wheel(0, 2000)
    expect(phone.page.locator(".now [data-timer]")).to_be_in_viewport()
    facilitator.screenshot("facilitator-settings-timer")
    assert phone.errors == [] and facilitator.errors == []


def test_groups_stay_apart_and_the_workshop_reaches_the_blueprint_editor(
    live_world: World, asgi_server: str, browser: Browser, contexts: list[BrowserContext]
) -> None:
    base = asgi_server
    world = live_world
    workshop = services.workshop_create(workspace=world.workspace, template="blueprint")
    mapping = services.group_create(
        workshop=workshop, who=run(world), name="Service centre", blueprint=world.a.blueprint
    )
    board = services.group_create(workshop=workshop, who=run(world), name="Quality")
    phone = open_page(browser, contexts, **PHONE)
    join_as(phone.page, base, workshop.join_code, "Ana")
    laptop = open_page(browser, contexts)
    join_as(laptop.page, base, workshop.join_code, "Bruno")
    third = open_page(browser, contexts)
    join_as(third.page, base, workshop.join_code, "Carla")
    for name, group in (("Ana", mapping), ("Bruno", board), ("Carla", board)):
        person = settled(lambda n=name: Participant.objects.get(workshop=workshop, name=n))
        off_the_page_thread(
            lambda p=person, g=group: services.participant_update(
                who=run(world), participant=p, group=g
            )
        )
    expect(phone.page.locator("[data-whoami]")).to_contain_text("Service centre")
    expect(laptop.page.locator("[data-whoami]")).to_contain_text("Quality")

    # Bruno writes on Quality's board: Carla sees it, Ana does not.
    laptop.page.reload()
    laptop.page.get_by_label("Note").fill("Batch codes are hard to read")
    laptop.page.get_by_role("button", name="Add note").click()
    third.page.reload()
    expect(note_card(third.page, "Batch codes are hard to read")).to_be_visible()
    phone.page.reload()
    phone.page.get_by_label("Note").fill("Callers wait too long")
    phone.page.get_by_role("button", name="Add note").click()
    expect(note_card(phone.page, "Callers wait too long")).to_be_visible()
    expect(note_card(phone.page, "Batch codes are hard to read")).to_have_count(0)
    expect(note_card(laptop.page, "Callers wait too long")).to_have_count(0)
    # Ana's page, asked for Quality's board, still shows her own; a post there is refused.
    phone.page.goto(f"{base}/workshops/{workshop.pk}/?group={board.pk}")
    expect(note_card(phone.page, "Batch codes are hard to read")).to_have_count(0)
    status = phone.page.evaluate(
        """async ([url, group]) => {
            const body = new URLSearchParams({text: "Sneaky", group});
            const r = await fetch(url, {method: "POST", body, headers: {
                Accept: "application/json", "X-CSRFToken": document.body.dataset.csrfToken}});
            return r.status;
        }""",
        [f"/workshops/{workshop.pk}/notes/", str(board.pk)],
    )
    assert status == 403
    expect(note_card(laptop.page, "Sneaky")).to_have_count(0)

    # The facilitator sees every board, each note with its group.
    facilitator = open_page(browser, contexts, viewport={"width": 1400, "height": 1000})
    log_in(facilitator.page, base, "facilitator", PASSWORD)
    facilitator.page.goto(f"{base}/workshops/{workshop.pk}/")
    for text, group in (
        ("Batch codes are hard to read", "Quality"),
        ("Callers wait too long", "Service centre"),
    ):
        expect(note_card(facilitator.page, text).locator("[data-group-label]")).to_have_text(group)
    expect(
        facilitator.page.locator(f'[data-group-row="{mapping.pk}"] [data-progress]')
    ).to_contain_text("step")

    # Ana opens her group's blueprint: the workshop bar comes along, with the timer.
    facilitator.page.get_by_role("button", name="Next activity").click()
    phone.page.goto(f"{base}/workshops/{workshop.pk}/")
    phone.page.locator("[data-whoami]").get_by_role("link", name="Open blueprint").click()
    phone.page.wait_for_url(f"**/blueprints/{world.a.blueprint.pk}/**")
    bar = phone.page.locator("[data-workshop-bar]")
    expect(bar.locator("[data-timer].running")).to_be_visible()
    expect(bar.locator("[data-activity]")).not_to_have_text("Not started yet")
    facilitator.page.get_by_role("button", name="Pause timer").click()
    expect(bar.locator("[data-timer].running")).to_have_count(0)
    facilitator.page.get_by_role("button", name="Lock editing").click()
    expect(bar.locator("[data-bar-locked]")).to_be_visible()
    facilitator.screenshot("facilitator-dashboard-groups")
    phone.screenshot("editor-with-workshop-bar-phone")
    # "Bring everyone here" takes her back to the workshop page.
    facilitator.page.get_by_role("button", name="Bring everyone here").click()
    phone.page.wait_for_url(f"**/workshops/{workshop.pk}/")
    refused = [e for e in phone.errors if "403" not in e]  # the refused post's console line
    assert refused == [] and laptop.errors == [] and facilitator.errors == []


def test_clusters_are_merged_on_the_board(
    live_world: World, asgi_server: str, browser: Browser, contexts: list[BrowserContext]
) -> None:
    base = asgi_server
    workshop = services.workshop_create(workspace=live_world.workspace, template="information")
    guest = open_page(browser, contexts)
    join_as(guest.page, base, workshop.join_code, "Rita")
    for name in ("Taste", "Flavour"):
        guest.page.get_by_label("Cluster name").fill(name)
        guest.page.get_by_role("button", name="Add cluster").click()
        expect(guest.page.locator("section.cluster h3", has_text=name)).to_be_visible()
    flavour = settled(lambda: Cluster.objects.get(workshop=workshop, name="Flavour"))
    taste = settled(lambda: Cluster.objects.get(workshop=workshop, name="Taste"))
    guest.page.locator(f"#cluster-more-{flavour.pk}").click()
    guest.page.locator(f"#cluster-into-{flavour.pk}").select_option(str(taste.pk))
    guest.page.locator(f"#cluster-merge-{flavour.pk}").click()
    expect(guest.page.locator("section.cluster h3", has_text="Flavour")).to_have_count(0)
    assert settled(
        lambda: list(Cluster.objects.filter(workshop=workshop).values_list("name", flat=True))
    ) == ["Taste"]
    assert guest.errors == []
