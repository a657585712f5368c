"""The innovation pages' WebSocket: members hear each change as it commits; others are
refused."""

from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from innovation import services
from innovation.models import Opportunity
from innovation.routing import websocket_urlpatterns
from tests.browser import run_in_own_loop
from tests.conftest import World, build_world


@pytest.fixture
def live_world(transactional_db: None) -> World:
    return build_world()


def communicator(user: Any, workspace_id: int) -> WebsocketCommunicator:
    socket = WebsocketCommunicator(
        URLRouter(websocket_urlpatterns), f"/ws/workspaces/{workspace_id}/innovation/"
    )
    socket.scope["user"] = user
    return socket


def test_a_member_hears_a_colleagues_new_opportunity(live_world: World) -> None:
    workspace = live_world.workspace

    def propose() -> Opportunity:
        return services.item_create(
            model=Opportunity,
            workspace=workspace,
            values={"title": "Call back before they call again"},
            actor=live_world.people["alice"],
        )

    async def scenario() -> tuple[dict, dict, Opportunity]:
        socket = communicator(live_world.people["manager"], workspace.pk)
        connected, _ = await socket.connect()
        assert connected
        hello = await socket.receive_json_from()
        made = await database_sync_to_async(propose)()
        event = await socket.receive_json_from(timeout=5)
        await socket.disconnect()
        return hello, event, made

    hello, event, made = run_in_own_loop(scenario)
    assert hello == {"type": "hello", "workspace": workspace.pk}
    assert event["kind"] == "opportunity.created"
    assert (event["id"], event["version"], event["workspace"]) == (made.pk, 1, workspace.pk)


@pytest.mark.parametrize("who", ["outsider", "anonymous"])
def test_others_are_refused(live_world: World, who: str) -> None:
    from django.contrib.auth.models import AnonymousUser

    user = live_world.people[who] or AnonymousUser()

    async def scenario() -> tuple[bool, Any]:
        socket = communicator(user, live_world.workspace.pk)
        connected, code = await socket.connect()
        await socket.disconnect()
        return connected, code

    connected, code = run_in_own_loop(scenario)
    assert not connected and code == 4404
