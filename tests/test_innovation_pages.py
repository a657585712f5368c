"""The innovation pages in a real Chromium: an opportunity made from a pain point on the
blueprint editor's card panel, re-scored by dragging it on the Value × Effort matrix (and a
stale drag refused and said), an experiment run to its verdict, the roadmap reordered by
drag, and a manager who reads everything and can move nothing."""

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from innovation import services
from innovation.models import DataNeed, Experiment, Opportunity, ServiceConcept
from personas.models import Persona
from tests.browser import WatchedPage, log_in
from tests.conftest import World, build_world

pytestmark = pytest.mark.browser
PASSWORD = "secret-pass-123"  # tests/factories.py


@pytest.fixture
def world(transactional_db: None) -> World:
    return build_world()


@pytest.fixture
def watched(browser: Browser) -> Iterator[WatchedPage]:
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="en-GB")
    yield WatchedPage(context.new_page())
    context.close()


def off_the_loop[T](write: Callable[..., T], **values: Any) -> T:
    """Call a service on a thread of its own: it announces the change after commit, through
    async_to_sync, which refuses the test thread where Playwright's event loop runs."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(write, **values).result()


def scored(
    world: World, title: str, customer: int, business: int, effort: int, **more: Any
) -> Opportunity:
    return off_the_loop(
        services.item_create,
        model=Opportunity,
        workspace=world.workspace,
        values={
            "title": title,
            "customer_value": customer,
            "business_value": business,
            "effort": effort,
            **more,
        },
        actor=world.people["facilitator"],
    )


def experiment_for(world: World, **more: Any) -> Experiment:
    facilitator = world.people["facilitator"]
    persona = Persona.objects.create(workspace=world.workspace, name="Giulia, the careful caller")
    concept = off_the_loop(
        services.item_create,
        model=ServiceConcept,
        workspace=world.workspace,
        values={"title": "Proactive call-back", "personas": [persona]},
        actor=facilitator,
    )
    return off_the_loop(
        services.item_create,
        model=Experiment,
        workspace=world.workspace,
        values={
            "concept": concept,
            "mvp_name": "Call-back MVP",
            "hypothesis": "We believe that a call-back for careful callers will halve repeat calls",
            "metric": "Repeat calls (%)",
            "baseline": Decimal("30"),
            "target": Decimal("15"),
            "start_date": date(2026, 3, 1),
            **more,
        },
        actor=facilitator,
    )


def drag(page: Page, item: Locator, x: float, y: float) -> None:
    """Press on `item`, move in steps to (x, y) on the page, release."""
    box = item.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(x, y, steps=8)
    page.mouse.up()


def plot_point(page: Page, effort: int, value: int) -> tuple[float, float]:
    box = page.locator("[data-plot]").bounding_box()
    assert box is not None
    return box["x"] + box["width"] * (effort - 0.5) / 5, box["y"] + box["height"] * (
        100 - value
    ) / 100


def test_a_participant_makes_an_opportunity_from_a_pain_point(
    world: World, live_server: Any, watched: WatchedPage
) -> None:
    page, base = watched.page, live_server.url
    step = world.a.step
    step.kind, step.description = (
        "pain_point",
        "The bottle arrived flat; the caller waits 8 minutes",
    )
    step.save(update_fields=["kind", "description"])
    log_in(page, base, "alice", PASSWORD)
    page.goto(f"{base}/blueprints/{world.a.blueprint.pk}/")
    page.locator(f"#step-{step.pk}").click()
    expect(page.get_by_label("Title", exact=True)).to_have_value(step.title)
    page.get_by_role("link", name="Create an opportunity from this step").click()
    form = page.locator("#new-opportunity form")
    expect(form.get_by_label("Title")).to_have_value(step.title)
    expect(form.get_by_label("Description")).to_have_value(step.description)
    form.get_by_label("Title").fill("Flat bottles: call the consumer back")
    watched.screenshot("innovation-opportunity-from-step")
    form.get_by_role("button", name="Create opportunity").click()
    expect(page.get_by_text("Opportunity created.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Flat bottles: call the consumer back"
    )
    opportunity = Opportunity.objects.get(title="Flat bottles: call the consumer back")
    assert list(opportunity.steps.all()) == [step]
    assert opportunity.created_by == world.people["alice"]
    assert opportunity.customer_value is None  # a participant does not score
    # Both ways: the opportunity links to its step, the step's panel to the opportunities.
    expect(page.locator(".cites").get_by_role("link", name=f"A — {step.title}")).to_be_visible()
    page.goto(f"{base}/blueprints/{world.a.blueprint.pk}/")
    page.locator(f"#step-{step.pk}").click()
    page.get_by_role("link", name="Opportunities citing this step").click()
    expect(page.locator("table.data tbody tr")).to_have_count(1)
    expect(page.locator("table.data")).to_contain_text("Flat bottles: call the consumer back")
    assert watched.page_errors() == []


def test_a_facilitator_rescores_by_drag_and_a_stale_drag_is_refused(
    world: World, live_server: Any, watched: WatchedPage
) -> None:
    page, base = watched.page, live_server.url
    quick = scored(world, "Call-back for careful callers", 70, 50, 2)
    unscored = off_the_loop(
        services.item_create,
        model=Opportunity,
        workspace=world.workspace,
        values={"title": "Order tracker"},
        actor=None,
    )
    log_in(page, base, "facilitator", PASSWORD)
    page.goto(f"{base}/workspaces/{world.workspace.pk}/innovation/")
    card = page.locator(f"#opportunity-{quick.pk}")
    expect(card).to_contain_text("value 60 · effort 2")

    drag(page, card, *plot_point(page, effort=4, value=80))
    expect(card).to_contain_text("value 80 · effort 4")
    quick.refresh_from_db()
    assert (quick.customer_value, quick.business_value, quick.effort) == (90, 70, 4)
    assert quick.version == 2

    # An unscored card dragged from the tray onto the plot gets both values.
    drag(page, page.locator(f"#opportunity-{unscored.pk}"), *plot_point(page, effort=1, value=30))
    expect(page.locator(f"[data-plot] #opportunity-{unscored.pk}")).to_contain_text(
        "value 30 · effort 1"
    )
    unscored.refresh_from_db()
    assert (unscored.customer_value, unscored.business_value, unscored.effort) == (30, 30, 1)
    watched.screenshot("innovation-matrix")

    # A colleague scores it meanwhile: the drag answers 409, said on the page, and the card
    # goes where the colleague put it; nothing of theirs is overwritten.
    off_the_loop(
        services.item_update,
        obj=quick,
        changes={"effort": 5},
        version=None,
        actor=world.people["facilitator"],
    )
    drag(page, card, *plot_point(page, effort=1, value=20))
    expect(page.locator("[data-matrix-error]")).to_contain_text("changed this meanwhile")
    expect(card).to_contain_text("value 80 · effort 5")
    quick.refresh_from_db()
    assert (quick.customer_value, quick.effort) == (90, 5)
    watched.screenshot("innovation-matrix-conflict")
    assert [e for e in watched.page_errors() if "409 (Conflict)" not in e] == []


def test_a_facilitator_runs_an_experiment_to_a_verdict(
    world: World, live_server: Any, watched: WatchedPage
) -> None:
    page, base = watched.page, live_server.url
    experiment = experiment_for(world, status="running")
    log_in(page, base, "facilitator", PASSWORD)
    page.goto(f"{base}/workspaces/{world.workspace.pk}/innovation/experiments/")
    running = page.locator("[data-status-column=running]")
    expect(running.locator(".xp-card")).to_contain_text("halve repeat calls")
    expect(running.locator(".xp-card")).to_contain_text("30 → 15")
    running.get_by_role("link", name="Call-back MVP").click()

    form = page.locator("#verdict form")
    form.get_by_label("Status").select_option("validated")
    form.get_by_role("button", name="Save result").click()
    expect(page.locator("#verdict .error")).to_contain_text("Record a result")  # no result yet
    form = page.locator("#verdict form")
    form.get_by_label("Result").fill("12")
    form.get_by_label("Status").select_option("validated")
    form.get_by_label("Learnings").fill("Callers accept a call-back within an hour")
    form.get_by_role("button", name="Save result").click()
    expect(page.get_by_text("Experiment saved.")).to_be_visible()
    expect(page.locator(".verdict")).to_have_text("✔ Target met")

    page.get_by_label("What was tried or learned").fill("Second week: the script asks for a time")
    page.get_by_role("button", name="Add to the log").click()
    expect(page.locator("[data-iterations]")).to_contain_text("the script asks for a time")
    experiment.refresh_from_db()
    assert (experiment.status, experiment.result, experiment.met) == (
        "validated",
        Decimal("12"),
        True,
    )
    assert experiment.iterations.count() == 1

    page.get_by_role("link", name="Experiments", exact=True).click()
    validated = page.locator("[data-status-column=validated]")
    expect(validated.locator(".xp-card")).to_contain_text("Target met")
    expect(page.locator("[data-status-column=running] .xp-card")).to_have_count(0)
    watched.screenshot("innovation-experiments")
    # The one failed load is the verdict without a result: the page answered 400.
    assert [e for e in watched.page_errors() if "400 (Bad Request)" not in e] == []


def roadmap_moved(response: Any) -> bool:
    return response.request.method == "POST" and response.url.endswith("/roadmap/")


def test_a_facilitator_drags_the_roadmap_between_columns_and_within_one(
    world: World, live_server: Any, watched: WatchedPage
) -> None:
    page, base = watched.page, live_server.url
    first = scored(world, "Call-back", 70, 50, 2, horizon="now")
    second = scored(world, "Order tracker", 60, 60, 3, horizon="now")
    experiment = experiment_for(world, horizon="next")
    log_in(page, base, "facilitator", PASSWORD)
    page.goto(f"{base}/workspaces/{world.workspace.pk}/innovation/roadmap/")
    now = page.locator("[data-roadmap-column=now]")
    later = page.locator("[data-roadmap-column=later]")
    expect(now.locator("[data-item-id]")).to_have_count(2)

    box = later.bounding_box()
    with page.expect_response(roadmap_moved) as moved:
        drag(
            page, page.locator(f"#roadmap-experiment-{experiment.pk}"), box["x"] + 40, box["y"] + 20
        )
    assert moved.value.ok
    expect(later.locator(f"#roadmap-experiment-{experiment.pk}")).to_be_visible()
    expect(page.locator("[data-roadmap-error]")).to_be_hidden()
    # Within a column: the second item above the first.
    top = now.locator(f"#roadmap-opportunity-{first.pk}").bounding_box()
    # The card moves on the page at once; the database has it once the move's answer is in.
    with page.expect_response(roadmap_moved) as moved:
        drag(page, now.locator(f"#roadmap-opportunity-{second.pk}"), top["x"] + 40, top["y"] + 4)
    assert moved.value.ok
    expect(now.locator("[data-item-id]").first).to_have_id(f"roadmap-opportunity-{second.pk}")
    watched.screenshot("innovation-roadmap")

    roadmap = services.roadmap_of(workspace_id=world.workspace.pk)
    assert [(e["type"], e["id"]) for e in roadmap["now"]] == [
        ("opportunity", second.pk),
        ("opportunity", first.pk),
    ]
    assert [(e["type"], e["id"]) for e in roadmap["later"]] == [("experiment", experiment.pk)]
    # The page and the database agree after a reload.
    page.reload()
    expect(now.locator("[data-item-id]").first).to_have_id(f"roadmap-opportunity-{second.pk}")
    assert watched.page_errors() == []


def test_a_manager_reads_every_tab_with_no_edit_control(
    world: World, live_server: Any, watched: WatchedPage
) -> None:
    page, base = watched.page, live_server.url
    opportunity = scored(world, "Call-back", 70, 50, 2, horizon="now")
    experiment_for(world, status="running")
    DataNeed.objects.create(
        workspace=world.workspace, persona=Persona.objects.get(), item="Preferred call time"
    )
    log_in(page, base, "manager", PASSWORD)
    home = f"{base}/workspaces/{world.workspace.pk}/innovation/"
    page.goto(f"{base}/")
    page.get_by_role("link", name="From personas to new services").click()
    expect(page).to_have_url(home)
    for tab in [
        "Value × Effort",
        "Opportunities",
        "Concepts",
        "Experiments",
        "Data needs",
        "Roadmap",
    ]:
        page.get_by_role("navigation", name="Innovation").get_by_role("link", name=tab).click()
        expect(page.locator(".badge.readonly")).to_be_visible()
        expect(page.locator("main form")).to_have_count(0)
        watched.screenshot(f"innovation-manager-{tab.split()[0].lower()}")
    page.goto(home)
    card = page.locator(f"#opportunity-{opportunity.pk}")
    drag(page, card, *plot_point(page, effort=5, value=10))
    # The drag moved nothing: the manager's click on the card just opens it.
    opportunity.refresh_from_db()
    assert (opportunity.effort, opportunity.version) == (2, 1)
    assert watched.page_errors() == []
