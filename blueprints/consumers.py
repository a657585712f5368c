from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from blueprints.models import Blueprint
from workshops import access


def group_name(blueprint_id: int) -> str:
    return f"blueprint-{blueprint_id}"


class BlueprintConsumer(AsyncJsonWebsocketConsumer):
    """The live connection of a blueprint page: members of its workspace receive its events."""

    async def connect(self) -> None:
        self.blueprint_id = int(self.scope["url_route"]["kwargs"]["blueprint_id"])
        version = await self.readable_version(self.scope["user"])
        if version is None:
            await self.close(code=4404)
            return
        await self.channel_layer.group_add(group_name(self.blueprint_id), self.channel_name)
        await self.accept()
        await self.send_json({"type": "hello", "blueprint": self.blueprint_id, "version": version})

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(group_name(self.blueprint_id), self.channel_name)

    async def blueprint_event(self, message: dict[str, Any]) -> None:
        await self.send_json(message["event"])

    @database_sync_to_async
    def readable_version(self, user: Any) -> int | None:
        blueprint = Blueprint.objects.filter(pk=self.blueprint_id).first()
        if blueprint is None or not access.can_read(user, blueprint):
            return None
        return blueprint.version
