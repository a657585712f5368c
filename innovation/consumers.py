"""The live connection of the innovation pages: `/ws/workspaces/{id}/innovation/`.

Members of the workspace connect (anyone else is refused, 4404) and get `{"type": "hello",
"workspace"}`, then one `{"type": "event", "kind", "id", "version"}` per change as it commits
(innovation/events.py). There are no sequence numbers: a page that reconnects reloads what
it shows.
"""

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from innovation import events
from workspaces import access
from workspaces.models import Workspace


class InnovationConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        self.workspace_id = int(self.scope["url_route"]["kwargs"]["workspace_id"])
        self.group = events.group_name(self.workspace_id)
        self.joined = False
        if not await self.may_see():
            await self.close(code=4404)
            return
        await self.channel_layer.group_add(self.group, self.channel_name)
        self.joined = True
        await self.accept()
        await self.send_json({"type": "hello", "workspace": self.workspace_id})

    async def disconnect(self, code: int) -> None:
        if self.joined:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def innovation_event(self, message: dict[str, Any]) -> None:
        await self.send_json(message["event"])

    @database_sync_to_async
    def may_see(self) -> bool:
        user = self.scope.get("user")
        if user is None or access.is_guest(user):
            return False
        access.forget(user)  # a membership may have ended since the last request
        return Workspace.objects.for_user(user).filter(pk=self.workspace_id).exists()
