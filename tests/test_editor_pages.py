"""The editor page and the board it refreshes live, through Django's test client."""

import json
import re

import pytest

from blueprints.models import Step
from tests.conftest import World
from tests.test_pages import page_client


def editor_config(html: str) -> dict:
    found = re.search(r'<script id="editor-config" type="application/json">(.*?)</script>', html)
    assert found, "the page has no editor configuration"
    return json.loads(found.group(1))


def test_the_board_alone_is_served_to_members_only(world: World) -> None:
    url = f"/blueprints/{world.a.blueprint.pk}/board/"
    for who in ("facilitator", "alice", "bob", "manager"):
        response = page_client(world, who).get(url)
        assert response.status_code == 200, who
        assert world.a.step.title in response.content.decode()
        assert response["Cache-Control"] == "no-store"
    assert page_client(world, "outsider").get(url).status_code == 404
    assert page_client(world, "anonymous").get(url).status_code == 302
    assert page_client(world, "alice").get("/blueprints/999999/board/").status_code == 404


def test_the_board_carries_the_sequence_number_of_its_snapshot(world: World) -> None:
    client = world.client("alice")
    step = world.a.step
    answer = client.patch(
        f"/api/v1/steps/{step.pk}/", {"title": "Renamed", "version": step.version}, format="json"
    )
    assert answer.status_code == 200
    html = page_client(world, "manager").get(f"/blueprints/{world.a.blueprint.pk}/board/")
    assert 'data-seq="1"' in html.content.decode()


@pytest.mark.parametrize(("who", "edits"), [("alice", True), ("facilitator", True)])
def test_editors_get_every_editing_control(world: World, who: str, edits: bool) -> None:
    html = page_client(world, who).get(f"/blueprints/{world.a.blueprint.pk}/").content.decode()
    assert editor_config(html)["canEdit"] is edits
    for control in ("step-add", "phase-add", "lane-add", "lane-edit", "phase-delete", "undo"):
        assert f'data-act="{control}"' in html, control
    assert 'draggable="true"' in html and "data-panel" in html
    # Every band is offered, so the first lane of a band can be added.
    for band in ("evidence", "customer", "frontstage", "backstage", "support"):
        assert f'data-band="{band}"' in html


@pytest.mark.parametrize("who", ["bob", "manager"])
def test_others_get_the_page_with_no_editing_control_at_all(world: World, who: str) -> None:
    html = page_client(world, who).get(f"/blueprints/{world.a.blueprint.pk}/").content.decode()
    assert editor_config(html)["canEdit"] is False
    assert re.findall(r'data-act="([^"]+)"', html) == ["panel-close"]
    assert 'draggable="true"' not in html
    assert "<dialog" not in html
    # The details panel opens to read a card: every field, none to change, nothing to send.
    panel = re.search(r"<aside class=\"step-panel\".*?</aside>", html, re.S)
    assert panel and 'type="submit"' not in panel.group(0) and "Delete step" not in panel.group(0)
    assert "Read-only" in html


def test_a_new_link_starts_with_the_kind_usual_for_the_bands_it_joins(world: World) -> None:
    html = page_client(world, "alice").get(f"/blueprints/{world.a.blueprint.pk}/").content.decode()
    kinds = editor_config(html)["linkKindByBands"]
    assert kinds["customer"]["frontstage"] == "trigger"  # a customer sets things going
    assert kinds["frontstage"]["backstage"] == "handoff"
    assert kinds["backstage"]["frontstage"] == "information"  # answers flow back up
    assert kinds["evidence"]["customer"] == "information"
    assert kinds["backstage"]["support"] == "trigger"
    assert kinds["support"]["support"] == "handoff"
    # The popover of a dropped link offers every kind; a read-only page has none.
    assert html.count("data-link-popover ") == 1
    assert html.count('type="radio" name="kind"') == 4
    html = page_client(world, "manager").get(f"/blueprints/{world.a.blueprint.pk}/").content
    assert b"data-link-popover" not in html


def test_what_people_type_is_escaped_on_the_board_and_in_the_arrows(world: World) -> None:
    Step.objects.filter(pk=world.a.step.pk).update(title='<script>alert(1)</script>"]; node [')
    for url in (
        f"/blueprints/{world.a.blueprint.pk}/",
        f"/blueprints/{world.a.blueprint.pk}/board/",
    ):
        html = page_client(world, "alice").get(url).content.decode()
        assert "<script>alert(1)" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_board_costs_the_same_queries_however_many_steps(
    world: World, django_assert_max_num_queries: object
) -> None:
    from tests import factories

    for i in range(40):
        factories.make_step(world.a.lane, world.a.phase, title=f"Step {i}")
    client = page_client(world, "alice")
    client.get(f"/blueprints/{world.a.blueprint.pk}/board/")  # warm the session
    with django_assert_max_num_queries(14):  # type: ignore[operator]
        client.get(f"/blueprints/{world.a.blueprint.pk}/board/")


@pytest.mark.parametrize("who", ["alice", "manager"])
def test_everyone_who_reads_the_page_can_export_the_pdf_book(world: World, who: str) -> None:
    html = page_client(world, who).get(f"/blueprints/{world.a.blueprint.pk}/").content.decode()
    assert (
        f'href="/api/v1/blueprints/{world.a.blueprint.pk}/book.pdf?download=1&amp;lang=en"' in html
    )


def test_the_step_form_allows_what_the_server_keeps_and_offers_each_choice_once(
    world: World,
) -> None:
    from blueprints.models import TITLE_MAX

    html = page_client(world, "alice").get(f"/blueprints/{world.a.blueprint.pk}/").content.decode()
    assert f'id="f-title" name="title" required data-limit="{TITLE_MAX}"' in html
    stage = re.search(r'<select id="f-data-stage".*?</select>', html, re.S)
    assert stage, "the panel has no data stage"
    options = re.findall(r"<option[^>]*>([^<]*)</option>", stage.group(0))
    assert options[0] == "—" and options.count("—") == 1, options
    assert "Collected" in options
