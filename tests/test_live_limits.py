"""The live connections' limits (frontstage/live.py): catch-ups are a budget per person, and a
channel layer that hangs or is down refuses the connection at once instead of holding it."""

from typing import Any

import pytest
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.test import override_settings

from blueprints.routing import websocket_urlpatterns as blueprint_sockets
from tests.browser import run_in_own_loop
from tests.conftest import World, build_world
from tests.servers import free_port, silent_port
from workshops import services
from workshops.routing import websocket_urlpatterns as workshop_sockets

CATCH_UP = {"type": "catch_up", "after": 0}


@pytest.fixture
def live_world(transactional_db: None) -> World:
    return build_world()


def communicator(user: Any, path: str) -> WebsocketCommunicator:
    talk = WebsocketCommunicator(URLRouter(blueprint_sockets + workshop_sockets), path)
    talk.scope["user"] = user
    return talk


async def catch_ups(user: Any, path: str, times: int) -> list[str]:
    """Connect, ask `times` catch-ups, and say what each answer was."""
    talk = communicator(user, path)
    connected, _ = await talk.connect()
    assert connected
    await talk.receive_json_from()  # hello
    answers = []
    for _ in range(times):
        await talk.send_json_to(CATCH_UP)
        answer = await talk.receive_json_from(timeout=10)
        while answer["type"] == "presence":
            answer = await talk.receive_json_from(timeout=10)
        answers.append(answer["type"])
    await talk.disconnect()
    return answers


@override_settings(CATCH_UPS_PER_MINUTE=3)
def test_catch_ups_past_the_budget_answer_throttled_on_every_connection_of_that_person(
    live_world: World,
) -> None:
    path = f"/ws/blueprints/{live_world.a.blueprint.pk}/"
    manager, alice = live_world.people["manager"], live_world.people["alice"]
    first = run_in_own_loop(lambda: catch_ups(manager, path, 4))
    assert first == ["catch_up", "catch_up", "catch_up", "throttled"]
    # A second connection of the same person shares the budget …
    assert run_in_own_loop(lambda: catch_ups(manager, path, 1)) == ["throttled"]
    # … and another person has their own.
    assert run_in_own_loop(lambda: catch_ups(alice, path, 1)) == ["catch_up"]


@override_settings(CATCH_UPS_PER_MINUTE=2)
def test_the_workshop_connection_has_the_same_budget(live_world: World) -> None:
    workshop = services.workshop_create(workspace=live_world.workspace, template="blueprint")
    path = f"/ws/workshops/{workshop.pk}/"
    answers = run_in_own_loop(lambda: catch_ups(live_world.people["facilitator"], path, 3))
    assert answers == ["catch_up", "catch_up", "throttled"]


def redis_layers(port: int) -> dict[str, Any]:
    address = f"redis://127.0.0.1:{port}/0"
    return {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [{"address": address, "socket_timeout": 30}]},
        },
        "workshops": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [{"address": address}]},
        },
    }


async def refused(user: Any, path: str) -> bool:
    """Whether the handshake is refused; a handshake still pending after 20 s fails the test."""
    talk = communicator(user, path)
    connected, _ = await talk.connect(timeout=20)
    await talk.disconnect()
    return not connected


@pytest.mark.parametrize("layer", ["hung", "down"])
def test_a_hung_or_down_channel_layer_refuses_the_connection_at_once(
    live_world: World, layer: str
) -> None:
    workshop = services.workshop_create(workspace=live_world.workspace, template="blueprint")
    manager = live_world.people["manager"]
    paths = [f"/ws/blueprints/{live_world.a.blueprint.pk}/", f"/ws/workshops/{workshop.pk}/"]
    with silent_port() as hung_port:
        port = hung_port if layer == "hung" else free_port()
        with override_settings(CHANNEL_LAYERS=redis_layers(port), BROADCAST_TIMEOUT=0.5):
            for path in paths:
                assert run_in_own_loop(lambda path=path: refused(manager, path)), path
