"""Joining a workshop by link and code, as a guest, and the guest's live connection."""

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.test import Client

from tests.browser import run_in_own_loop
from tests.conftest import World, build_world
from workshops import guests, services
from workshops.models import Note, Participant, Workshop
from workshops.routing import websocket_urlpatterns
from workshops.services import Who


def make_workshop(world: World) -> Workshop:
    return services.workshop_create(workspace=world.workspace, template="blueprint")


def join(client: Client, workshop: Workshop, name: str = "Rita") -> object:
    return client.post(f"/join/{workshop.join_code}/", {"name": name})


def test_a_guest_joins_with_a_name_and_is_remembered(world: World) -> None:
    workshop = make_workshop(world)
    client = Client()
    form = client.get(f"/join/{workshop.join_code}/")
    assert form.status_code == 200 and b'<label for="join-name">Name</label>' in form.content
    answer = join(client, workshop)
    assert answer.status_code == 302 and answer["Location"] == f"/workshops/{workshop.pk}/"
    page = client.get(f"/workshops/{workshop.pk}/")
    assert page.status_code == 200 and b"You: Rita" in page.content
    again = client.get(f"/join/{workshop.join_code}/")
    assert again.status_code == 302
    assert Participant.objects.filter(workshop=workshop).count() == 1


def test_a_guest_adds_notes_and_votes_through_the_page(world: World) -> None:
    workshop = make_workshop(world)
    client = Client()
    join(client, workshop)
    answer = client.post(
        f"/workshops/{workshop.pk}/notes/",
        {"text": "Call back within 2 hours", "kind": "idea"},
        headers={"Accept": "application/json"},
    )
    assert answer.status_code == 200, answer.content
    note = Note.objects.get()
    assert note.author.name == "Rita"
    vote = client.post(
        f"/workshops/{workshop.pk}/notes/{note.pk}/vote/", headers={"Accept": "application/json"}
    )
    assert vote.json() == {"note": note.pk, "votes": 1, "votes_left": workshop.vote_budget - 1}
    # A guest does not run the workshop.
    control = client.post(
        f"/workshops/{workshop.pk}/control/",
        {"action": "lock"},
        headers={"Accept": "application/json"},
    )
    assert control.status_code == 403
    assert not Workshop.objects.get(pk=workshop.pk).locked


@pytest.mark.parametrize("name", ["", "   ", "x" * 81])
def test_a_name_is_required_and_short(world: World, name: str) -> None:
    workshop = make_workshop(world)
    answer = join(Client(), workshop, name)
    assert answer.status_code == 400
    assert not Participant.objects.exists()


def test_script_in_a_name_stays_text(world: World) -> None:
    workshop = make_workshop(world)
    client = Client()
    join(client, workshop, "<script>alert(1)</script>")
    page = client.get(f"/workshops/{workshop.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_revoked_or_closed_code_lets_nobody_in(world: World) -> None:
    workshop = make_workshop(world)
    old = workshop.join_code
    facilitator = Who(world.people["facilitator"], None, True)
    services.join_code_renew(who=facilitator, workshop=workshop)
    assert Client().get(f"/join/{old}/").status_code == 404
    assert join(Client(), Workshop(join_code=old)).status_code == 404
    services.join_set_open(who=facilitator, workshop=workshop, is_open=False)
    assert join(Client(), workshop).status_code == 404
    assert not Participant.objects.exists()


def test_a_guest_sees_only_their_workshop_and_a_forged_cookie_nothing(world: World) -> None:
    mine, other = make_workshop(world), make_workshop(world)
    client = Client()
    join(client, mine)
    assert client.get(f"/workshops/{other.pk}/").status_code == 404
    forged = Client()
    forged.cookies[guests.cookie_name(mine.pk)] = "1"
    assert forged.get(f"/workshops/{mine.pk}/").status_code == 404


def test_a_removed_guest_is_out(world: World) -> None:
    workshop = make_workshop(world)
    client = Client()
    join(client, workshop)
    participant = Participant.objects.get()
    services.participant_remove(
        who=Who(world.people["facilitator"], None, True), participant=participant
    )
    assert client.get(f"/workshops/{workshop.pk}/").status_code == 404


@pytest.fixture
def live_world(transactional_db: None) -> World:
    return build_world()


async def connect(path: str, user: object, cookies: dict[str, str]) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), path)
    communicator.scope["user"] = user
    communicator.scope["cookies"] = cookies
    return communicator


def test_a_guest_connects_gets_events_and_catches_up(live_world: World) -> None:
    workshop = make_workshop(live_world)
    client = Client()
    join(client, workshop)
    cookie = client.cookies[guests.cookie_name(workshop.pk)].value
    facilitator = Who(live_world.people["facilitator"], None, True)

    async def scenario() -> None:
        page = await connect(
            f"/ws/workshops/{workshop.pk}/",
            AnonymousUser(),
            {guests.cookie_name(workshop.pk): cookie},
        )
        connected, _ = await page.connect()
        assert connected
        hello = await page.receive_json_from()
        assert hello["type"] == "hello" and hello["seq"] == 1  # the guest's own join
        assert "server_now" in hello["state"]["timer"]
        await database_sync_to_async(services.timer_start)(
            who=facilitator, workshop=workshop, seconds=60
        )
        event = await page.receive_json_from()
        assert event["kind"] == "timer.started" and event["seq"] == 2
        assert event["data"]["timer"]["running"]
        await page.send_json_to({"type": "catch_up", "after": 0})
        caught = await page.receive_json_from()
        assert [e["seq"] for e in caught["events"]] == [1, 2]
        await page.send_json_to({"type": "catch_up", "after": "x"})
        assert (await page.receive_json_from())["type"] == "error"
        await page.disconnect()

    run_in_own_loop(scenario)


@pytest.mark.parametrize("who", ["outsider", "anonymous"])
def test_others_cannot_connect(live_world: World, who: str) -> None:
    workshop = make_workshop(live_world)
    user = live_world.people[who] or AnonymousUser()

    async def scenario() -> bool:
        page = await connect(f"/ws/workshops/{workshop.pk}/", user, {})
        connected, _ = await page.connect()
        await page.disconnect()
        return connected

    assert not run_in_own_loop(scenario)
