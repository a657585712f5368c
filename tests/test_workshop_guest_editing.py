"""A workshop guest edits their group's blueprint in the live editor, and nothing else.

A guest has no account: the signed cookie of the workshop they joined names their participant
row; their group is bound to team A's blueprint. They read and write that blueprint through
the same API and WebSocket as team members, and lose it when removed; while the facilitator
has locked editing they only read.
"""

from collections.abc import Iterator
from typing import Any

import pytest
from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.http import HttpResponse
from playwright.sync_api import Browser, expect
from rest_framework.test import APIClient

from blueprints.models import BlueprintEvent, Step
from blueprints.routing import websocket_urlpatterns
from tests.browser import WatchedPage, log_in, run_in_own_loop
from tests.conftest import World, build_world
from tests.servers import database_for_servers, manage, uvicorn_servers
from workshops import guests, services
from workshops.middleware import GuestWebSocketMiddleware
from workshops.models import Group, Participant, Workshop
from workshops.services import Who
from workspaces.access import LOCKED


def facilitator(world: World) -> Who:
    return Who(world.people["facilitator"], None, facilitator=True)


def guest_in_group(world: World, name: str = "Rita") -> tuple[Workshop, Participant]:
    workshop = services.workshop_create(workspace=world.workspace, template="blueprint")
    group = Group.objects.create(workshop=workshop, name="Team A", blueprint=world.a.blueprint)
    participant = services.participant_join(workshop=workshop, name=name)
    services.participant_update(who=facilitator(world), participant=participant, group=group)
    return workshop, participant


def guest_cookie(participant: Participant) -> tuple[str, str]:
    response = HttpResponse()
    guests.remember(response, participant, secure=False)
    key = guests.cookie_name(participant.workshop_id)
    return key, response.cookies[key].value


def guest_client(participant: Participant) -> APIClient:
    """A browser holding the guest's cookie and a CSRF token, checked as in production."""
    client = APIClient(enforce_csrf_checks=True)
    key, value = guest_cookie(participant)
    client.cookies[key] = value
    page = client.get(f"/blueprints/{participant.group.blueprint_id}/")
    assert page.status_code == 200
    client.credentials(HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)
    return client


@pytest.fixture
def guest(world: World) -> tuple[Workshop, Participant, APIClient]:
    workshop, participant = guest_in_group(world)
    return workshop, participant, guest_client(participant)


def test_a_guest_edits_the_blueprint_of_their_group(world: World, guest: Any) -> None:
    _, participant, client = guest
    a = world.a
    snapshot = client.get(f"/api/v1/blueprints/{a.blueprint.pk}/")
    assert snapshot.status_code == 200 and len(snapshot.json()["steps"]) == 2

    phase = client.post("/api/v1/phases/", {"blueprint": a.blueprint.pk, "name": "Follow-up"})
    lane = client.post(
        "/api/v1/lanes/",
        {
            "blueprint": a.blueprint.pk,
            "name": "Agent",
            "band": "frontstage",
            "actor": world.actor.pk,
        },
    )
    assert phase.status_code == 201 and lane.status_code == 201, (phase.data, lane.data)
    step = client.post(
        "/api/v1/steps/",
        {"blueprint": a.blueprint.pk, "lane": lane.data["id"], "phase": phase.data["id"],
         "title": "Calls back", "channel": world.channel.pk},
    )  # fmt: skip
    assert step.status_code == 201, step.data
    patched = client.patch(
        f"/api/v1/steps/{a.step.pk}/", {"description": "Angry", "version": a.step.version}
    )
    assert patched.status_code == 200 and patched.data["description"] == "Angry"
    link = client.post(
        "/api/v1/links/",
        {"blueprint": a.blueprint.pk, "source": a.step.pk, "target": step.data["id"]},
    )
    assert link.status_code == 201, link.data
    moved = client.post(
        "/api/v1/steps/reorder/",
        {"lane": lane.data["id"], "phase": a.phase.pk, "order": [step.data["id"]]},
    )
    assert moved.status_code == 200, moved.data
    assert Step.objects.get(pk=step.data["id"]).phase_id == a.phase.pk

    history = client.get(f"/api/v1/blueprints/{a.blueprint.pk}/history/").json()["results"]
    assert history[0]["actor"] == {"id": None, "guest": participant.pk, "name": "Rita"}
    assert BlueprintEvent.objects.filter(actor_participant=participant).count() == 6

    # Undo takes back the guest's own last change (the move), not anyone else's.
    undone = client.post(f"/api/v1/blueprints/{a.blueprint.pk}/undo/")
    assert undone.status_code == 200, undone.data
    assert undone.data["actor"]["name"] == "Rita"
    assert Step.objects.get(pk=step.data["id"]).phase_id == phase.data["id"]
    assert client.delete(f"/api/v1/links/{link.data['id']}/").status_code == 204


def test_a_guest_sees_nothing_else_of_the_workspace(world: World, guest: Any) -> None:
    _, _, client = guest
    b = world.b
    assert client.get(f"/api/v1/blueprints/{b.blueprint.pk}/").status_code == 404
    assert client.get(f"/api/v1/steps/{b.step.pk}/").status_code == 404
    assert client.patch(f"/api/v1/steps/{b.step.pk}/", {"title": "x"}).status_code == 404
    assert client.get(f"/api/v1/blueprints/{b.blueprint.pk}/history/").status_code == 404
    assert client.post(f"/api/v1/blueprints/{b.blueprint.pk}/undo/").status_code == 404
    for url in (
        "/api/v1/blueprints/",
        f"/api/v1/steps/?blueprint={world.a.blueprint.pk}",
        "/api/v1/workspaces/",
        f"/api/v1/workspaces/{world.workspace.pk}/",
        "/api/v1/actors/",
        "/api/v1/personas/",
        "/api/v1/contact-reasons/",
        "/api/v1/workshops/",
        f"/api/v1/blueprints/{world.a.blueprint.pk}/diagram.svg",
    ):
        assert client.get(url).status_code in (403, 404), url
    # Writing into another blueprint: its rows cannot even be named.
    into_b = client.post(
        "/api/v1/steps/",
        {"blueprint": b.blueprint.pk, "lane": b.lane.pk, "phase": b.phase.pk, "title": "x"},
    )
    assert into_b.status_code == 400 and "blueprint" in into_b.data
    # The blueprint itself stays: a guest edits its contents.
    assert client.delete(f"/api/v1/blueprints/{world.a.blueprint.pk}/").status_code == 403
    assert client.get(f"/blueprints/{b.blueprint.pk}/").status_code == 404
    assert Step.objects.filter(blueprint=b.blueprint).count() == 2


def test_a_guest_write_needs_the_csrf_token(world: World, guest: Any) -> None:
    _, _, client = guest
    client.credentials()  # no X-CSRFToken header: a forged cross-site request
    answer = client.patch(f"/api/v1/steps/{world.a.step.pk}/", {"title": "Forged"})
    assert answer.status_code == 403 and "CSRF" in answer.data["detail"]
    assert Step.objects.get(pk=world.a.step.pk).title == "Calls about a flat bottle"


def test_a_removed_guest_loses_the_blueprint_at_once(world: World, guest: Any) -> None:
    _, participant, client = guest
    services.participant_remove(who=facilitator(world), participant=participant)
    assert client.get(f"/api/v1/blueprints/{world.a.blueprint.pk}/").status_code in (401, 403)
    answer = client.patch(f"/api/v1/steps/{world.a.step.pk}/", {"title": "After removal"})
    assert answer.status_code in (401, 403)
    assert client.get(f"/blueprints/{world.a.blueprint.pk}/").status_code in (302, 404)
    assert Step.objects.get(pk=world.a.step.pk).title == "Calls about a flat bottle"


def test_a_guest_moved_out_of_the_group_loses_the_blueprint(world: World, guest: Any) -> None:
    _, participant, client = guest
    services.participant_update(who=facilitator(world), participant=participant, group=None)
    assert client.get(f"/api/v1/blueprints/{world.a.blueprint.pk}/").status_code in (401, 403)


def test_a_locked_workshop_makes_the_blueprint_read_only(world: World, guest: Any) -> None:
    workshop, _, client = guest
    services.workshop_lock(who=facilitator(world), workshop=workshop, locked=True)
    assert client.get(f"/api/v1/blueprints/{world.a.blueprint.pk}/").status_code == 200
    answer = client.patch(f"/api/v1/steps/{world.a.step.pk}/", {"title": "While locked"})
    assert answer.status_code == 403 and answer.data["detail"] == str(LOCKED)
    undo = client.post(f"/api/v1/blueprints/{world.a.blueprint.pk}/undo/")
    assert undo.status_code == 403 and undo.data["detail"] == str(LOCKED)
    page = client.get(f"/blueprints/{world.a.blueprint.pk}/")
    assert page.status_code == 200 and b"Read-only" in page.content
    services.workshop_lock(who=facilitator(world), workshop=workshop, locked=False)
    again = client.patch(f"/api/v1/steps/{world.a.step.pk}/", {"title": "Unlocked"})
    assert again.status_code == 200


def test_the_workshop_page_links_the_guest_to_their_blueprint(world: World, guest: Any) -> None:
    workshop, _, client = guest
    page = client.get(f"/workshops/{workshop.pk}/")
    assert page.status_code == 200
    assert (
        f'href="/blueprints/{world.a.blueprint.pk}/?workshop={workshop.pk}" data-open-blueprint'
        in page.content.decode()
    )  # the editor opened from the workshop shows the workshop bar
    editor = client.get(f"/blueprints/{world.a.blueprint.pk}/")
    assert b'"canEdit": true' in editor.content, editor.content.decode()[-3000:]
    assert "＋ New actor" not in editor.content.decode()
    assert b'"guest": ' in editor.content and b"Export PDF" not in editor.content


def test_members_keep_their_access_beside_guests(world: World, guest: Any) -> None:
    alice = world.client("alice")
    assert alice.get("/api/v1/blueprints/").json()["count"] == 3
    answer = alice.patch(f"/api/v1/steps/{world.a.step.pk}/", {"title": "By Alice"})
    assert answer.status_code == 200
    assert BlueprintEvent.objects.get(actor=world.people["alice"]).actor_name == ""


# --- the live connection ---------------------------------------------------------------------


@pytest.fixture
def live_world(transactional_db: None) -> World:
    return build_world()


def communicator(participant: Participant) -> WebsocketCommunicator:
    key, value = guest_cookie(participant)
    app = AuthMiddlewareStack(GuestWebSocketMiddleware(URLRouter(websocket_urlpatterns)))
    return WebsocketCommunicator(
        app,
        f"/ws/blueprints/{participant.group.blueprint_id}/",
        headers=[(b"cookie", f"{key}={value}".encode())],
    )


def test_a_guest_hears_changes_live_and_is_disconnected_when_removed(live_world: World) -> None:
    world = live_world
    _, participant = guest_in_group(world)
    participant = Participant.objects.select_related("group").get(pk=participant.pk)
    participant_id = participant.pk

    async def scenario() -> tuple[dict, list[dict], dict]:
        socket = communicator(participant)
        connected, _ = await socket.connect()
        assert connected
        hello = await socket.receive_json_from()
        messages = [await socket.receive_json_from()]  # the guest's own presence
        alice = world.client("alice")
        answer = await database_sync_to_async(alice.patch)(
            f"/api/v1/steps/{world.a.step.pk}/", {"title": "Live"}, format="json"
        )
        assert answer.status_code == 200
        messages.append(await socket.receive_json_from(timeout=5))
        await database_sync_to_async(services.participant_remove)(
            who=facilitator(world), participant=participant
        )
        closed = await socket.receive_output(timeout=5)
        await socket.disconnect()
        return hello, messages, closed

    hello, messages, closed = run_in_own_loop(scenario)
    assert hello["type"] == "hello" and hello["blueprint"] == world.a.blueprint.pk
    assert messages[0] == {
        "type": "presence",
        "people": [{"id": None, "guest": participant_id, "name": "Rita"}],
    }
    assert messages[1]["kind"] == "step.updated" and messages[1]["after"]["title"] == "Live"
    assert closed == {"type": "websocket.close", "code": 4403}


def test_a_removed_guest_cannot_connect(live_world: World) -> None:
    world = live_world
    _, participant = guest_in_group(world)
    participant = Participant.objects.select_related("group").get(pk=participant.pk)
    socket_for_removed = communicator(participant)
    services.participant_remove(who=facilitator(world), participant=participant)

    async def scenario() -> bool:
        connected, _ = await socket_for_removed.connect()
        await socket_for_removed.disconnect()
        return connected

    assert run_in_own_loop(scenario) is False


# --- in real Chromium, against uvicorn -------------------------------------------------------

SET_UP_WORKSHOP = """
from blueprints.models import Blueprint
from workshops import services
from workshops.models import Group
from workspaces.models import Team
team = Team.objects.get(name="Consumer Service Centre")
blueprint = Blueprint.objects.filter(team=team, kind="team").order_by("id").first()
workshop = services.workshop_create(workspace=team.workspace, template="blueprint")
Group.objects.create(workshop=workshop, name="Careline", blueprint=blueprint)
print(workshop.pk, workshop.join_code, blueprint.pk)
"""

INTO_THE_GROUP = """
from workshops.models import Participant
participant = Participant.objects.get(workshop_id={workshop}, name="Gina Guest")
participant.group = participant.workshop.groups.get(name="Careline")
participant.save(update_fields=["group"])
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    database = database_for_servers(tmp_path_factory)
    database_url = next(database)
    logs = tmp_path_factory.mktemp("guest-editing-logs")
    try:
        with uvicorn_servers(database_url, logs, ["guests"], {}) as (address,):
            yield f"http://{address}", database_url
    finally:
        database.close()


@pytest.mark.browser
def test_a_guest_joins_by_code_and_edits_live_beside_a_member(
    browser: Browser, site: tuple[str, str]
) -> None:
    base, database_url = site
    output = manage(database_url, "shell", "-c", SET_UP_WORKSHOP)
    workshop_id, code, blueprint_id = output.split()[-3:]
    guest_context = browser.new_context(viewport={"width": 1400, "height": 900})
    member_context = browser.new_context(viewport={"width": 1400, "height": 900})
    api_context = browser.new_context()
    try:
        guest = WatchedPage(guest_context.new_page())
        guest.page.goto(f"{base}/join/{code}/")
        guest.page.get_by_label("Name").fill("Gina Guest")
        guest.page.get_by_role("button", name="Join").click()
        guest.page.wait_for_url(f"{base}/workshops/{workshop_id}/")
        # The facilitator puts her in the group that maps the careline blueprint.
        manage(database_url, "shell", "-c", INTO_THE_GROUP.format(workshop=workshop_id))
        guest.page.reload()
        guest.page.get_by_role("link", name="Open blueprint").click()
        guest.page.wait_for_url(f"{base}/blueprints/{blueprint_id}/?workshop={workshop_id}")
        expect(guest.page.locator("[data-workshop-bar]")).to_be_visible()
        expect(guest.page.locator("[data-connection]")).to_have_attribute("data-state", "live")

        member = WatchedPage(member_context.new_page())
        log_in(member.page, base, "participant", "frontstage")
        member.page.goto(f"{base}/blueprints/{blueprint_id}/")
        expect(member.page.locator("[data-connection]")).to_have_attribute("data-state", "live")
        expect(member.page.locator("[data-presence]")).to_contain_text("Gina Guest")
        expect(guest.page.locator("[data-presence]")).to_contain_text("Gina Guest (you)")

        target = guest.page.locator("td[data-lane][data-phase]").first
        target.hover()
        target.locator("[data-act=step-add]").click()
        guest.page.get_by_label("Title of the new step").fill("Asks for the batch code")
        guest.page.get_by_label("Title of the new step").press("Enter")
        expect(
            member.page.locator("[data-step]", has_text="Asks for the batch code")
        ).to_be_visible(timeout=3000)
        expect(member.page.locator("[data-activity]")).to_contain_text("Gina Guest")
        guest.screenshot("guest-edits-blueprint")

        # The facilitator locks editing from elsewhere: the open page turns read-only at once,
        # and editable again when unlocked, without a reload.
        token = api_context.request.post(
            f"{base}/api/v1/auth/token/",
            data={"username": "facilitator", "password": "frontstage"},
        ).json()["token"]

        def lock(locked: bool) -> None:
            answer = api_context.request.post(
                f"{base}/api/v1/workshops/{workshop_id}/lock/",
                data={"locked": locked},
                headers={"Authorization": f"Token {token}"},
            )
            assert answer.ok, answer.text()

        lock(True)
        banner = guest.page.locator("[data-locked]")
        expect(banner).to_be_visible(timeout=3000)
        expect(banner).to_contain_text(str(LOCKED))
        expect(target.locator("[data-act=step-add]")).to_have_count(1)
        target.hover()
        expect(target.locator("[data-act=step-add]")).to_be_hidden()
        guest.screenshot("guest-editing-locked")
        lock(False)
        expect(banner).to_be_hidden(timeout=3000)
        target.hover()
        target.locator("[data-act=step-add]").click()
        guest.page.get_by_label("Title of the new step").fill("Reads the code aloud")
        guest.page.get_by_label("Title of the new step").press("Enter")
        expect(member.page.locator("[data-step]", has_text="Reads the code aloud")).to_be_visible(
            timeout=3000
        )
        assert guest.errors == [] and member.errors == []
    finally:
        guest_context.close()
        member_context.close()
        api_context.close()
