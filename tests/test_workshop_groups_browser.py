"""Putting people into groups in real Chromium: the facilitator splits the room into groups
and drags a guest to another group; the guests' pages (one a phone) follow live, and the
facilitator's page never reloads. Then a voting round opened from the page reaches them."""

# ruff: noqa: F811  (the live server's fixtures come from tests/test_workshop_browser.py)
import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from personas.models import ContactReason
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
from workshops.models import Group, Participant

pytestmark = pytest.mark.browser


def test_the_facilitator_splits_the_room_and_drags_a_guest_to_another_group(
    live_world: World, asgi_server: str, browser: Browser, contexts: list[BrowserContext]
) -> None:
    base = asgi_server
    workshop = services.workshop_create(workspace=live_world.workspace, template="blueprint")
    facilitator = open_page(browser, contexts)
    log_in(facilitator.page, base, "facilitator", PASSWORD)
    facilitator.page.goto(f"{base}/workshops/{workshop.pk}/")
    expect(facilitator.page.locator("[data-live-status].online")).to_be_visible()
    names = ["Rita", "Sam", "Phone Pia"]
    guests = [open_page(browser, contexts) for _ in range(2)] + [
        open_page(browser, contexts, **PHONE)
    ]
    for guest, name in zip(guests, names, strict=True):
        join_as(guest.page, base, workshop.join_code, name)
    lanes = facilitator.page.locator("[data-group-lanes]")
    for name in names:  # everyone shows up in "No group", live
        expect(lanes.locator("[data-person]", has_text=name)).to_have_count(1)
    facilitator.page.evaluate("window.stillTheSamePage = true")

    facilitator.page.get_by_label("Split everyone into").fill("2")
    facilitator.page.get_by_role("button", name="groups, mixing teams").click()
    expect(lanes.locator("[data-person-drop]")).to_have_count(3)  # two groups and "No group"
    placed = settled(
        lambda: dict(
            Participant.objects.filter(workshop=workshop).values_list("name", "group__name")
        )
    )
    assert sorted(placed.values()) == ["Group 1", "Group 1", "Group 2"], placed
    for guest, name in zip(guests, names, strict=True):
        expect(guest.page.locator("[data-whoami] .badge.team")).to_have_text(placed[name])
    for group in ("Group 1", "Group 2"):
        lane = lanes.locator(
            "[data-person-drop]", has=facilitator.page.get_by_role("heading", name=group)
        )
        expect(lane.locator("[data-person]")).to_have_count(list(placed.values()).count(group))

    # Rita is dragged to the other group: her page follows, nobody's page reloads.
    other = "Group 2" if placed["Rita"] == "Group 1" else "Group 1"
    target = settled(lambda: Group.objects.get(workshop=workshop, name=other))
    rita_chip = lanes.locator("[data-person]", has_text="Rita")
    rita_chip.drag_to(lanes.locator(f"[data-person-drop='{target.pk}']"))
    expect(
        lanes.locator(f"[data-person-drop='{target.pk}'] [data-person]", has_text="Rita")
    ).to_have_count(1)
    expect(guests[0].page.locator("[data-whoami] .badge.team")).to_have_text(other)
    assert settled(lambda: Participant.objects.get(name="Rita").group_id) == target.pk
    expect(
        facilitator.page.locator(f"#p-group-{rita_chip.get_attribute('data-person')}")
    ).to_have_value(str(target.pk))
    assert facilitator.page.evaluate("window.stillTheSamePage") is True

    # A voting round opened on the facilitator's page reaches every guest with its budget.
    facilitator.page.get_by_label("Question").fill("Which first?")
    facilitator.page.get_by_label("Votes each").fill("3")
    facilitator.page.get_by_role("button", name="Open a voting round").click()
    for guest in guests:
        expect(guest.page.locator("[data-round-now]")).to_have_text("Voting round 1: Which first?")
        expect(guest.page.locator("[data-votes-left]")).to_have_text("3 votes left")
    facilitator.page.get_by_role("button", name="Close the round").click()
    for guest in guests:
        expect(guest.page.locator("[data-round-now]")).to_have_count(0)
    expect(facilitator.page.locator("[data-round='1']")).to_contain_text("Which first?")
    assert facilitator.page.evaluate("window.stillTheSamePage") is True
    facilitator.screenshot("workshop-groups-facilitator")
    guests[2].screenshot("workshop-groups-phone")
    for person in [facilitator, *guests]:
        assert person.errors == [], person.errors


def test_notes_by_category_for_the_guests_and_the_facilitator_live(
    live_world: World, asgi_server: str, browser: Browser, contexts: list[BrowserContext]
) -> None:
    base = asgi_server
    workshop = services.workshop_create(workspace=live_world.workspace, template="information")
    complaints = ContactReason.objects.create(workspace=live_world.workspace, name="Complaints")
    ContactReason.objects.create(workspace=live_world.workspace, name="Taste", parent=complaints)
    facilitator = open_page(browser, contexts)
    log_in(facilitator.page, base, "facilitator", PASSWORD)
    guest = open_page(browser, contexts, **PHONE)
    join_as(guest.page, base, workshop.join_code, "Pia")
    guest.page.get_by_label("Note").fill("Tastes flat since May")
    guest.page.get_by_role("button", name="Add note").click()
    guest.page.get_by_role("link", name="By category").click()
    expect(guest.page.locator("[data-by-category]")).to_contain_text("No category yet")
    facilitator.page.goto(f"{base}/workshops/{workshop.pk}/?view=category")
    expect(facilitator.page.locator("[data-by-category]")).to_contain_text("Tastes flat")

    card = note_card(guest.page, "Tastes flat since May")
    card.get_by_text("More").click()
    card.get_by_label("Category").select_option(label="Complaints › Taste")
    card.get_by_role("button", name="Set").click()
    for page in (guest.page, facilitator.page):
        section = page.locator("[data-by-category] section", has_text="Tastes flat")
        expect(section.locator("h3")).to_contain_text("Complaints")
        expect(section.locator("[data-category-path]")).to_have_text("Complaints › Taste")
    guest.screenshot("workshop-by-category-phone")
    facilitator.screenshot("workshop-by-category-facilitator")
    assert guest.errors == [] and facilitator.errors == []
