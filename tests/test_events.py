"""Every write of a blueprint is a numbered event: replayed, listed as history, undone.

Writes go through the HTTP API; the events are then read back through the API (catch-up and
history) and over the live connection, the way the blueprint page meets them.
"""

from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from rest_framework.test import APIClient

from blueprints import events
from blueprints.history import CHANGED_SINCE, NOTHING_TO_UNDO
from blueprints.models import BlueprintEvent, Link, Step
from blueprints.routing import websocket_urlpatterns
from tests import factories
from tests.browser import run_in_own_loop
from tests.conftest import World, build_world


def url(blueprint_id: int, what: str = "") -> str:
    return f"/api/v1/blueprints/{blueprint_id}/{what}"


def seqs(blueprint_id: int) -> list[int]:
    return list(
        BlueprintEvent.objects.filter(blueprint_id=blueprint_id)
        .order_by("seq")
        .values_list("seq", flat=True)
    )


def kinds(blueprint_id: int) -> list[str]:
    rows = BlueprintEvent.objects.filter(blueprint_id=blueprint_id).order_by("seq")
    return list(rows.values_list("kind", flat=True))


def edit_everything(world: World, client: APIClient) -> None:
    """One of each write the blueprint page makes, by alice on her team's blueprint."""
    bp = world.a.blueprint.pk

    def ok(response: Any, code: int = 200) -> None:
        assert response.status_code == code, response.content[:300]

    phase = client.post("/api/v1/phases/", {"blueprint": bp, "name": "Follow-up"})
    ok(phase, 201)
    lane = client.post(
        "/api/v1/lanes/", {"blueprint": bp, "name": "Agent", "band": "frontstage", "position": 0}
    )
    ok(lane, 201)
    step = client.post(
        "/api/v1/steps/",
        {"blueprint": bp, "lane": lane.json()["id"], "phase": phase.json()["id"], "title": "Hi"},
    )
    ok(step, 201)
    step_id = step.json()["id"]
    ok(client.patch(f"/api/v1/steps/{step_id}/", {"title": "Greets", "version": 1}))
    link = client.post(
        "/api/v1/links/", {"blueprint": bp, "source": world.a.step.pk, "target": step_id}
    )
    ok(link, 201)
    ok(client.patch(f"/api/v1/links/{link.json()['id']}/", {"label": "calls"}))
    ok(client.delete(f"/api/v1/links/{link.json()['id']}/"), 204)
    order = list(world.a.blueprint.phases.order_by("-position").values_list("pk", flat=True))
    ok(client.post("/api/v1/phases/reorder/", {"blueprint": bp, "order": order}))
    cell = {"lane": world.a.lane.pk, "phase": world.a.phase.pk}
    ok(client.post("/api/v1/steps/reorder/", {**cell, "order": [world.a.step.pk]}))
    ok(client.patch(url(bp), {"title": "Service centre, v2"}))
    ok(client.delete(f"/api/v1/steps/{step_id}/"), 204)


# --- numbering ------------------------------------------------------------------------------


def test_every_api_write_is_an_event_numbered_without_gaps(world: World) -> None:
    edit_everything(world, world.client("alice"))
    bp = world.a.blueprint.pk
    assert kinds(bp) == [
        "phase.created",
        "lane.created",
        "step.created",
        "step.updated",
        "link.created",
        "link.updated",
        "link.deleted",
        "phases.reordered",
        "steps.reordered",
        "blueprint.updated",
        "step.deleted",
    ]
    assert seqs(bp) == list(range(1, 12))
    assert seqs(world.b.blueprint.pk) == []  # numbered per blueprint


def test_an_event_tells_who_changed_what_from_what_to_what(world: World) -> None:
    client = world.client("alice")
    step = world.a.step
    client.patch(f"/api/v1/steps/{step.pk}/", {"title": "Writes an e-mail"})
    event = BlueprintEvent.objects.get(blueprint=world.a.blueprint)
    assert (event.seq, event.kind, event.object_id) == (1, "step.updated", step.pk)
    assert event.actor == world.people["alice"]
    assert event.before["title"] == "Calls about a flat bottle"
    assert event.after["title"] == "Writes an e-mail"
    assert event.after == client.get(f"/api/v1/steps/{step.pk}/").json()
    assert event.order is None  # it did not move


def test_a_created_or_moved_row_carries_the_new_order_of_its_siblings(world: World) -> None:
    client = world.client("alice")
    bp, lane, phase = world.a.blueprint.pk, world.a.lane.pk, world.a.phase.pk
    made = client.post(
        "/api/v1/steps/",
        {"blueprint": bp, "lane": lane, "phase": phase, "title": "First", "position": 0},
    ).json()
    event = BlueprintEvent.objects.get(blueprint_id=bp, seq=1)
    assert event.order == {"lane": lane, "phase": phase, "ids": [made["id"], world.a.step.pk]}


def test_rejected_writes_make_no_event(world: World) -> None:
    client = world.client("alice")
    step = world.a.step
    assert (
        client.patch(f"/api/v1/steps/{step.pk}/", {"title": "x", "version": 7}).status_code == 409
    )
    assert client.patch(f"/api/v1/steps/{step.pk}/", {"emotion": 9}).status_code == 400
    assert world.client("bob").patch(f"/api/v1/steps/{step.pk}/", {"title": "y"}).status_code == 403
    assert seqs(world.a.blueprint.pk) == []


def test_the_detail_says_which_event_its_snapshot_includes(world: World) -> None:
    client = world.client("alice")
    bp = world.a.blueprint.pk
    assert client.get(url(bp)).json()["seq"] == 0
    client.patch(f"/api/v1/steps/{world.a.step.pk}/", {"title": "Again"})
    client.patch(f"/api/v1/steps/{world.a.step.pk}/", {"title": "And again"})
    assert client.get(url(bp)).json()["seq"] == 2


def test_a_merge_that_changes_the_global_blueprint_is_one_event(world: World) -> None:
    response = world.client("facilitator").post(f"/api/v1/workspaces/{world.workspace.pk}/merge/")
    assert response.status_code == 200
    body = response.json()
    assert kinds(body["id"]) == ["blueprint.merged"]
    assert body["seq"] == 1


def test_a_merge_that_only_puts_rows_back_in_order_is_an_event_too(world: World) -> None:
    from blueprints import ordering
    from blueprints.models import Lane

    merge = f"/api/v1/workspaces/{world.workspace.pk}/merge/"
    body = world.client("facilitator").post(merge).json()
    assert world.client("facilitator").post(merge).json()["seq"] == 1  # nothing changed
    lanes = Lane.objects.filter(blueprint_id=body["id"]).order_by("position")
    order = list(lanes.values_list("pk", flat=True))
    assert len(order) >= 2
    ordering.apply_order(lanes, order[::-1])  # moved behind the merge's back
    again = world.client("facilitator").post(merge).json()
    assert list(lanes.values_list("pk", flat=True)) != order[::-1]  # the merge moved them
    assert kinds(body["id"]) == ["blueprint.merged", "blueprint.merged"]
    assert again["seq"] == 2


# --- catch-up -------------------------------------------------------------------------------


def test_catch_up_returns_exactly_the_missed_events(world: World) -> None:
    edit_everything(world, world.client("alice"))
    bp = world.a.blueprint.pk
    body = world.client("manager").get(url(bp, "events/?after=7")).json()
    assert body["seq"] == 11 and body["reload"] is False
    assert [event["seq"] for event in body["events"]] == [8, 9, 10, 11]
    assert [event["kind"] for event in body["events"]] == kinds(bp)[7:]
    assert body["events"][-1]["actor"] == {"id": world.people["alice"].pk, "name": "alice"}
    up_to_date = world.client("manager").get(url(bp, "events/?after=11")).json()
    assert up_to_date == {"seq": 11, "reload": False, "events": []}


def test_too_far_behind_reloads_the_snapshot(world: World, monkeypatch: Any) -> None:
    assert events.CATCH_UP_LIMIT == 500
    monkeypatch.setattr(events, "CATCH_UP_LIMIT", 4)
    edit_everything(world, world.client("alice"))
    client, bp = world.client("alice"), world.a.blueprint.pk
    assert client.get(url(bp, "events/?after=6")).json() == {
        "seq": 11,
        "reload": True,
        "events": [],
    }
    assert len(client.get(url(bp, "events/?after=7")).json()["events"]) == 4
    # Ahead of the server: the client's snapshot is not of this blueprint's history.
    assert client.get(url(bp, "events/?after=99")).json()["reload"] is True


@pytest.mark.parametrize("after", ["", "-1", "abc", "1.5", "9" * 30])
def test_a_bad_after_answers_400(world: World, after: str) -> None:
    response = world.client("alice").get(url(world.a.blueprint.pk, f"events/?after={after}"))
    assert response.status_code == 400
    assert "after" in response.json()


@pytest.mark.parametrize(
    "who, code", [("outsider", 404), ("anonymous", 401), ("manager", 200), ("bob", 200)]
)
@pytest.mark.parametrize("what", ["events/?after=0", "history/"])
def test_members_read_events_and_history_others_do_not(
    world: World, who: str, code: int, what: str
) -> None:
    assert world.client(who).get(url(world.a.blueprint.pk, what)).status_code == code


def test_history_lists_recent_changes_newest_first(world: World) -> None:
    edit_everything(world, world.client("alice"))
    body = world.client("manager").get(url(world.a.blueprint.pk, "history/?page_size=3")).json()
    assert body["count"] == 11
    assert [event["seq"] for event in body["results"]] == [11, 10, 9]
    deleted = body["results"][0]
    assert deleted["kind"] == "step.deleted" and deleted["after"] is None
    assert deleted["before"]["title"] == "Greets"
    assert deleted["actor"]["name"] == "alice" and deleted["at"]


# Concurrent writers are tested in test_live_scaleout.py: threads write through two real
# server processes to one database (SQLite's in-memory test database cannot take them).


# --- undo -----------------------------------------------------------------------------------


def test_undo_restores_what_an_update_changed(world: World) -> None:
    client, step = world.client("alice"), world.a.step
    client.patch(f"/api/v1/steps/{step.pk}/", {"title": "Wrong", "emotion": -2})
    response = client.post(url(world.a.blueprint.pk, "undo/"))
    assert response.status_code == 200
    assert response.json()["kind"] == "step.updated" and response.json()["undo_of"] == 1
    now = client.get(f"/api/v1/steps/{step.pk}/").json()
    assert (now["title"], now["emotion"], now["version"]) == ("Calls about a flat bottle", 0, 3)
    assert kinds(world.a.blueprint.pk) == ["step.updated", "step.updated"]


def test_undo_deletes_what_was_created(world: World) -> None:
    client, a = world.client("alice"), world.a
    made = client.post(
        "/api/v1/steps/",
        {"blueprint": a.blueprint.pk, "lane": a.lane.pk, "phase": a.phase.pk, "title": "Oops"},
    ).json()
    assert client.post(url(a.blueprint.pk, "undo/")).json()["kind"] == "step.deleted"
    assert not Step.objects.filter(pk=made["id"]).exists()


def test_undo_brings_a_deleted_step_back_with_its_id_and_links(world: World) -> None:
    client, step = world.client("alice"), world.a.step
    link_id = world.a.link.pk
    assert client.delete(f"/api/v1/steps/{step.pk}/").status_code == 204
    response = client.post(url(world.a.blueprint.pk, "undo/"))
    assert response.status_code == 200
    assert response.json()["kind"] == "step.created" and response.json()["id"] == step.pk
    back = client.get(f"/api/v1/steps/{step.pk}/").json()
    assert back["title"] == "Calls about a flat bottle" and back["lane"] == world.a.lane.pk
    assert Link.objects.filter(pk=link_id, source=step.pk).exists()
    assert [link["id"] for link in response.json()["after"]["links"]] == [link_id]


def test_undo_walks_back_through_your_own_changes_only(world: World) -> None:
    alice, facilitator, step = world.client("alice"), world.client("facilitator"), world.a.step
    alice.patch(f"/api/v1/steps/{step.pk}/", {"title": "One"})
    alice.patch(f"/api/v1/steps/{world.a.other_step.pk}/", {"title": "Two"})
    facilitator.patch(url(world.a.blueprint.pk), {"title": "Renamed by the facilitator"})
    bp = world.a.blueprint.pk
    assert alice.post(url(bp, "undo/")).json()["undo_of"] == 2
    assert alice.post(url(bp, "undo/")).json()["undo_of"] == 1
    nothing = alice.post(url(bp, "undo/"))
    assert nothing.status_code == 409 and nothing.json()["detail"] == NOTHING_TO_UNDO
    assert Step.objects.get(pk=step.pk).title == "Calls about a flat bottle"
    assert world.client("bob").post(url(bp, "undo/")).status_code == 403


def test_undo_refuses_when_someone_changed_it_since(world: World) -> None:
    alice, step = world.client("alice"), world.a.step
    alice.patch(f"/api/v1/steps/{step.pk}/", {"title": "Alice's"})
    world.client("facilitator").patch(f"/api/v1/steps/{step.pk}/", {"title": "Facilitator's"})
    response = alice.post(url(world.a.blueprint.pk, "undo/"))
    assert response.status_code == 409
    assert response.json()["detail"] == CHANGED_SINCE
    assert response.json()["current"]["title"] == "Facilitator's"
    assert Step.objects.get(pk=step.pk).title == "Facilitator's"
    assert len(seqs(world.a.blueprint.pk)) == 2


def cell_ids(lane_id: int, phase_id: int) -> list[int]:
    steps = Step.objects.filter(lane_id=lane_id, phase_id=phase_id).order_by("position")
    return list(steps.values_list("pk", flat=True))


def test_undo_puts_phases_back_in_their_order(world: World) -> None:
    alice, bp = world.client("alice"), world.a.blueprint.pk
    first = list(world.a.blueprint.phases.order_by("position").values_list("pk", flat=True))
    alice.post("/api/v1/phases/reorder/", {"blueprint": bp, "order": first[::-1]})
    response = alice.post(url(bp, "undo/"))
    assert response.status_code == 200 and response.json()["kind"] == "phases.reordered"
    assert list(world.a.blueprint.phases.order_by("position").values_list("pk", flat=True)) == first


def test_undo_sends_a_moved_step_back_to_its_cell_and_place(world: World) -> None:
    alice, a = world.client("alice"), world.a
    other_phase = a.blueprint.phases.exclude(pk=a.phase.pk).get()
    factories.make_step(a.lane, a.phase, title="Stays home")
    home = cell_ids(a.lane.pk, a.phase.pk)
    assert len(home) == 2 and home[0] == a.step.pk
    target = {"lane": a.lane.pk, "phase": other_phase.pk}
    moved = alice.post("/api/v1/steps/reorder/", {**target, "order": [a.step.pk]})
    assert moved.status_code == 200
    assert cell_ids(a.lane.pk, a.phase.pk) == home[1:]
    response = alice.post(url(a.blueprint.pk, "undo/"))
    assert response.status_code == 200
    assert cell_ids(a.lane.pk, a.phase.pk) == home
    assert cell_ids(a.lane.pk, other_phase.pk) == []
    assert response.json()["after"] == {**target, "ids": []}


def test_undo_of_a_move_refuses_when_the_cells_changed_since(world: World) -> None:
    alice, a = world.client("alice"), world.a
    other_phase = a.blueprint.phases.exclude(pk=a.phase.pk).get()
    target = {"lane": a.lane.pk, "phase": other_phase.pk}
    alice.post("/api/v1/steps/reorder/", {**target, "order": [a.step.pk]})
    world.client("facilitator").post(
        "/api/v1/steps/",
        {"blueprint": a.blueprint.pk, **target, "title": "Added since", "position": 0},
    )
    response = alice.post(url(a.blueprint.pk, "undo/"))
    assert response.status_code == 409 and response.json()["detail"] == CHANGED_SINCE
    assert Step.objects.get(pk=a.step.pk).phase_id == other_phase.pk


@pytest.mark.parametrize("who, code", [("outsider", 404), ("anonymous", 401), ("manager", 403)])
def test_undo_is_for_people_who_may_edit(world: World, who: str, code: int) -> None:
    assert world.client(who).post(url(world.a.blueprint.pk, "undo/")).status_code == code


# --- the live connection --------------------------------------------------------------------


class Live:
    """A WebSocket of the blueprint page, as a user."""

    def __init__(self, user: Any, blueprint_id: int) -> None:
        self.ws = WebsocketCommunicator(
            URLRouter(websocket_urlpatterns), f"/ws/blueprints/{blueprint_id}/"
        )
        self.ws.scope["user"] = user

    async def open(self) -> dict[str, Any]:
        connected, _ = await self.ws.connect()
        assert connected
        return await self.ws.receive_json_from()

    async def next(self, type_: str) -> dict[str, Any]:
        while True:
            message = await self.ws.receive_json_from(timeout=2)
            if message["type"] == type_:
                return message


@pytest.fixture
def live_world(transactional_db: None) -> World:
    return build_world()


def test_an_api_write_reaches_the_live_page_with_its_number(live_world: World) -> None:
    world = live_world

    async def scenario() -> None:
        page = Live(world.people["manager"], world.a.blueprint.pk)
        hello = await page.open()
        assert hello["seq"] == 0
        client = world.client("alice")
        patch = database_sync_to_async(client.patch)
        await patch(f"/api/v1/steps/{world.a.step.pk}/", {"title": "Live"}, format="json")
        event = await page.next("event")
        assert (event["seq"], event["kind"], event["id"]) == (1, "step.updated", world.a.step.pk)
        assert event["after"]["title"] == "Live" and event["actor"]["name"] == "alice"
        await page.ws.disconnect()

    run_in_own_loop(scenario)


def test_a_live_page_catches_up_or_is_told_to_reload(live_world: World, monkeypatch: Any) -> None:
    world = live_world
    edit_everything(world, world.client("alice"))
    monkeypatch.setattr(events, "CATCH_UP_LIMIT", 5)

    async def scenario() -> None:
        page = Live(world.people["bob"], world.a.blueprint.pk)
        assert (await page.open())["seq"] == 11
        await page.ws.send_json_to({"type": "catch_up", "after": 8})
        caught = await page.next("catch_up")
        assert [event["seq"] for event in caught["events"]] == [9, 10, 11]
        await page.ws.send_json_to({"type": "catch_up", "after": 2})
        assert await page.next("reload") == {"type": "reload", "seq": 11}
        await page.ws.send_to(text_data="not json")
        assert (await page.next("error"))["detail"]
        await page.ws.send_json_to({"type": "catch_up", "after": -1})
        assert (await page.next("error"))["detail"]
        await page.ws.disconnect()

    run_in_own_loop(scenario)


def test_presence_lists_who_is_on_the_page(live_world: World) -> None:
    world = live_world
    bp = world.a.blueprint.pk

    async def scenario() -> None:
        alice, bob = Live(world.people["alice"], bp), Live(world.people["bob"], bp)
        await alice.open()
        assert (await alice.next("presence"))["people"] == [
            {"id": world.people["alice"].pk, "name": "alice"}
        ]
        await bob.open()
        both = [
            {"id": world.people["alice"].pk, "name": "alice"},
            {"id": world.people["bob"].pk, "name": "bob"},
        ]
        # Bob hears of himself first, then of alice's answer.
        assert (await bob.next("presence"))["people"] == both[1:]
        assert (await bob.next("presence"))["people"] == both
        assert (await alice.next("presence"))["people"] == both
        await bob.ws.disconnect()
        assert (await alice.next("presence"))["people"] == both[:1]
        await alice.ws.disconnect()

    run_in_own_loop(scenario)
