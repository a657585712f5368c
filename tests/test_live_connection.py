"""The blueprint's WebSocket: members connect and get the current version; others are refused."""

import pytest
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from blueprints.routing import websocket_urlpatterns
from tests.browser import run_in_own_loop
from tests.conftest import World, build_world


async def connect(user: object, blueprint_id: int) -> tuple[bool, dict | None]:
    communicator = WebsocketCommunicator(
        URLRouter(websocket_urlpatterns), f"/ws/blueprints/{blueprint_id}/"
    )
    communicator.scope["user"] = user
    connected, _ = await communicator.connect()
    hello = await communicator.receive_json_from() if connected else None
    await communicator.disconnect()
    return connected, hello


@pytest.fixture
def live_world(transactional_db: None) -> World:
    return build_world()


def test_members_connect_and_receive_the_version(live_world: World) -> None:
    blueprint = live_world.a.blueprint
    connected, hello = run_in_own_loop(lambda: connect(live_world.people["manager"], blueprint.pk))
    assert connected
    assert hello == {
        "type": "hello",
        "blueprint": blueprint.pk,
        "version": blueprint.version,
        "seq": 0,
    }


@pytest.mark.parametrize("who", ["outsider", "anonymous"])
def test_others_are_refused(live_world: World, who: str) -> None:
    from django.contrib.auth.models import AnonymousUser

    user = live_world.people[who] or AnonymousUser()
    connected, _ = run_in_own_loop(lambda: connect(user, live_world.a.blueprint.pk))
    assert not connected
