"""Joining a workshop by link and code, as a guest, and the guest's live connection."""

import asyncio
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import websockets
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.test import Client

from tests.browser import run_in_own_loop
from tests.conftest import World, build_world
from tests.servers import (
    REDIS_HOST,
    REDIS_PORT,
    database_for_servers,
    require_redis,
    token_client,
    uvicorn_servers,
)
from workshops import guests, services
from workshops.models import Note, Participant, Workshop, WorkshopEvent
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


def test_a_guests_note_and_vote_cost_a_handful_of_queries(
    world: World, django_assert_max_num_queries: Any
) -> None:
    """The writes of a room of 60: each a few queries, whatever the board already holds."""
    workshop = make_workshop(world)
    client = Client()
    join(client, workshop)
    json_please = {"Accept": "application/json"}
    for text in ("First", "Second", "Third"):  # a board that already has notes and votes
        note = client.post(f"/workshops/{workshop.pk}/notes/", {"text": text}, headers=json_please)
        client.post(
            f"/workshops/{workshop.pk}/notes/{note.json()['id']}/vote/", headers=json_please
        )
    # Workshop, participant, last position, note, sequence, event (+ savepoints).
    with django_assert_max_num_queries(12):
        note = client.post(f"/workshops/{workshop.pk}/notes/", {"text": "4"}, headers=json_please)
    assert note.status_code == 200
    # Workshop, participant, note, the voter locked, spend, vote, count, read back, sequence,
    # event, dots left.
    with django_assert_max_num_queries(17):
        vote = client.post(
            f"/workshops/{workshop.pk}/notes/{note.json()['id']}/vote/", headers=json_please
        )
    assert vote.json()["votes"] == 1
    assert WorkshopEvent.objects.filter(workshop=workshop).count() == 1 + 2 * 4


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
    page = client.get(f"/workshops/{workshop.pk}/")
    assert page.status_code == 404
    assert b"You are no longer in this workshop" in page.content  # said, not "no such workshop"
    assert b'href="/join/"' in page.content


def test_a_code_typed_in_any_case_with_spaces_finds_the_workshop(world: World) -> None:
    workshop = make_workshop(world)
    client = Client()
    form = client.get("/join/")
    assert form.status_code == 200 and b'<label for="join-code">Code</label>' in form.content
    typed = " ".join(workshop.join_code.lower()[i : i + 3] for i in range(0, 10, 3))
    answer = client.post("/join/", {"code": f"  {typed} "})
    assert answer.status_code == 302 and answer["Location"] == f"/join/{workshop.join_code}/"
    wrong = client.post("/join/", {"code": "NOPE-NOPE"})
    assert wrong.status_code == 404 and b"No open workshop has this code" in wrong.content
    services.join_set_open(
        who=Who(world.people["facilitator"], None, True), workshop=workshop, is_open=False
    )
    closed = client.post("/join/", {"code": workshop.join_code})
    assert closed.status_code == 404


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


@pytest.fixture(scope="module")
def two_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[str]]:
    """Two uvicorn processes on one database, the local Redis as the rooms' pub/sub layer."""
    require_redis()
    env = {
        "REDIS_URL": f"redis://{REDIS_HOST}:{REDIS_PORT}/0",
        "CHANNELS_REDIS_PREFIX": f"frontstage-test-{uuid.uuid4().hex[:12]}",
    }
    for database_url in database_for_servers(tmp_path_factory):
        with uvicorn_servers(database_url, tmp_path_factory.mktemp("logs"), ["a", "b"], env) as up:
            yield up


def guest_on(address: str, code: str, name: str) -> str:
    """Join through the page as a browser does; the cookie header of the guest."""
    guest = requests.Session()
    url = f"http://{address}/join/{code}/"
    guest.get(url, timeout=5)
    form = {"name": name, "csrfmiddlewaretoken": guest.cookies["csrftoken"]}
    guest.post(url, data=form, timeout=5).raise_for_status()
    return "; ".join(f"{k}={v}" for k, v in guest.cookies.items())


def test_a_note_written_on_one_server_reaches_guests_on_both(two_servers: list[str]) -> None:
    a, b = two_servers
    facilitator = token_client(f"http://{b}", "facilitator", "frontstage")
    workshop = facilitator.get(f"http://{b}/api/v1/workshops/", timeout=5).json()["results"][0]
    cookies = [(address, guest_on(address, workshop["join_code"], f"Guest {address}"))
               for address in (a, a, b)]  # fmt: skip

    async def scenario() -> list[dict[str, Any]]:
        pages = [
            await websockets.connect(
                f"ws://{address}/ws/workshops/{workshop['id']}/",
                origin=f"http://{address}",
                additional_headers={"Cookie": cookie},
                open_timeout=5,
            )
            for address, cookie in cookies
        ]
        hellos = [json.loads(await page.recv()) for page in pages]
        assert {hello["type"] for hello in hellos} == {"hello"}
        answer = facilitator.post(
            f"http://{b}/api/v1/notes/",
            json={"workshop": workshop["id"], "text": "Crossed over"},
            timeout=5,
        )
        assert answer.status_code == 201, answer.text
        got = []
        for page, hello in zip(pages, hellos, strict=True):
            while True:
                event = json.loads(await asyncio.wait_for(page.recv(), timeout=2))
                if event.get("kind") == "note.created":
                    break
            assert event["seq"] > hello["seq"]
            got.append(event)
            await page.close()
        return got

    events = run_in_own_loop(scenario)
    assert [e["data"]["text"] for e in events] == ["Crossed over"] * 3
    assert len({e["seq"] for e in events}) == 1  # the same numbered event everywhere


def test_wrong_codes_are_limited_per_address_and_right_ones_do_not_count(
    world: World, settings: Any
) -> None:
    settings.JOIN_FAILURES_PER_ADDRESS = 3
    workshop = make_workshop(world)
    guesser = Client(REMOTE_ADDR="10.9.9.9")
    for _ in range(5):  # the right code, again and again, costs nothing
        assert guesser.get(f"/join/{workshop.join_code}/").status_code == 200
    assert guesser.post("/join/", {"code": "WRONG1"}).status_code == 404
    assert guesser.get("/join/WRONG2/").status_code == 404
    assert guesser.post("/join/", {"code": "WRONG3"}).status_code == 404
    refused = guesser.post("/join/", {"code": "WRONG4"})
    assert refused.status_code == 429
    assert refused["Retry-After"] == str(settings.LOGIN_FAILURE_WINDOW)
    assert "Too many wrong codes" in refused.content.decode()
    # Past the limit not even the right code is looked up, by link or by form …
    assert guesser.get(f"/join/{workshop.join_code}/").status_code == 429
    by_form = guesser.post("/join/", {"code": workshop.join_code})
    assert by_form.status_code == 429
    assert join(guesser, workshop).status_code == 429
    assert not Participant.objects.filter(workshop=workshop).exists()
    # … while someone else in another place joins as usual.
    assert join(Client(REMOTE_ADDR="10.1.1.1"), workshop).status_code == 302
