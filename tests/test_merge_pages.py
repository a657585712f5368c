"""The facilitator merges in the browser; others read the report but cannot merge."""

from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.test import Client
from playwright.sync_api import Browser, expect

from blueprints.models import Blueprint, MergeDecision, MergeRun, Step
from tests.browser import WatchedPage, log_in
from tests.conftest import World
from workspaces.models import Workspace


def page_client(world: World, who: str) -> Client:
    client = Client()
    client.force_login(world.people[who])
    return client


def test_only_facilitators_merge(world: World) -> None:
    path = f"/workspaces/{world.workspace.pk}/merge/"
    for who in ("manager", "alice"):
        assert page_client(world, who).post(path).status_code == 403
    assert not MergeRun.objects.exists()
    assert page_client(world, "outsider").get(path).status_code == 404
    response = page_client(world, "facilitator").post(path)
    assert response.status_code == 302
    assert MergeRun.objects.filter(workspace=world.workspace).count() == 1
    html = page_client(world, "manager").get(path).content.decode()
    assert "Last merge" in html and "Merge again" not in html


def test_a_global_step_shows_the_teams_it_came_from(world: World) -> None:
    page_client(world, "facilitator").post(f"/workspaces/{world.workspace.pk}/merge/")
    merged = Blueprint.objects.get(workspace=world.workspace, kind="global")
    html = page_client(world, "manager").get(f"/blueprints/{merged.pk}/").content.decode()
    assert 'class="badge team">Service centre<' in html
    assert 'class="badge team">Quality<' in html


def test_the_merge_page_names_the_cards_kept_out_of_the_global_blueprint(world: World) -> None:
    path = f"/workspaces/{world.workspace.pk}/merge/"
    page_client(world, "facilitator").post(path)
    merged = Blueprint.objects.get(workspace=world.workspace, kind="global")
    step = merged.steps.exclude(merge_key="").order_by("pk").first()
    assert world.client("facilitator").delete(f"/api/v1/steps/{step.pk}/").status_code == 204
    page_client(world, "facilitator").post(path)
    html = page_client(world, "manager").get(path).content.decode()
    assert "1 merged card deleted from the global blueprint stays out:" in html
    assert step.title in html


def test_the_conflict_table_names_the_field_and_drops_a_settled_conflict(world: World) -> None:
    world.glob.blueprint.delete()
    Step.objects.filter(pk=world.a.step.pk).update(emotion=-2, kind="action")
    Step.objects.filter(pk=world.b.step.pk).update(emotion=1, kind="pain_point")
    path = f"/workspaces/{world.workspace.pk}/merge/"
    facilitator = page_client(world, "facilitator")
    facilitator.post(path)
    html = facilitator.get(path, headers={"accept-language": "pt-br"}).content.decode()
    assert "<td>Emoção</td>" in html and "<td>emotion</td>" not in html
    assert "<td>☹ −2</td>" in html and "☺ +1" in html

    # The facilitator picks Quality's value on the global card: settled, merged again or not.
    merged = Step.objects.get(blueprint__kind="global", sources=world.a.step)
    edit = {"emotion": 1, "version": merged.version}
    assert world.client("facilitator").patch(f"/api/v1/steps/{merged.pk}/", edit).status_code == 200
    for again in (False, True):
        if again:
            facilitator.post(path)
        html = facilitator.get(path).content.decode()
        assert "<td>Emotion</td>" not in html and "☹ −2" not in html
        assert "<td>Kind</td>" in html and "<td>Action</td>" in html


def test_the_global_board_and_lists_name_it_in_the_reader_language(world: World) -> None:
    world.glob.blueprint.delete()
    page_client(world, "facilitator").post(f"/workspaces/{world.workspace.pk}/merge/")
    merged = Blueprint.objects.get(workspace=world.workspace, kind="global")
    manager = page_client(world, "manager")
    pt = {"accept-language": "pt-br"}
    board = manager.get(f"/blueprints/{merged.pk}/", headers=pt).content.decode()
    assert "<h1>Blueprint global</h1>" in board and "Global blueprint" not in board
    home = manager.get("/", headers=pt).content.decode()
    assert ">Blueprint global</a>" in home


@pytest.fixture
def watched(browser: Browser) -> Iterator[WatchedPage]:
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-GB")
    yield WatchedPage(context.new_page())
    context.close()


@pytest.mark.browser
def test_the_facilitator_merges_and_settles_a_suggestion(
    transactional_db: None, live_server: object, watched: WatchedPage
) -> None:
    call_command("seed_demo", verbosity=0)
    workspace = Workspace.objects.get()
    page, base = watched.page, live_server.url
    log_in(page, base, "facilitator", "frontstage")
    page.get_by_role("link", name="Merge team blueprints into the global blueprint").click()
    page.get_by_role("button", name="Merge team blueprints").click()
    expect(page.get_by_role("status")).to_contain_text("Merged 5 team blueprints")
    run = MergeRun.objects.get(workspace=workspace)
    steps = str(run.report["counts"]["steps"])
    expect(page.locator(".counts")).to_contain_text(steps)
    suggestions = run.report["suggestions"]
    if suggestions:
        page.get_by_role("button", name="Reject").first.click()
        expect(page.get_by_role("status")).to_contain_text("Kept the two cards apart")
        assert MergeDecision.objects.filter(verdict="rejected").count() == 1
    watched.screenshot("merge-review")
    page.get_by_role("link", name="Open the global blueprint").click()
    expect(page.locator(".badge.team").first).to_be_visible()
    watched.screenshot("global-blueprint")
    assert watched.page_errors() == []
