"""The live connection of a blueprint page.

Members of the blueprint's workspace connect to `/ws/blueprints/{id}/` and get:

- `{"type": "hello", "blueprint", "version", "seq"}` once connected;
- every event of the blueprint as it commits (`{"type": "event", "seq", "kind", …}`, see
  `blueprints/events.py`); a client that sees a gap in `seq` asks for what it missed;
- `{"type": "presence", "people": [{"id", "name"}, …]}` whenever someone comes or goes.

A client sends `{"type": "catch_up", "after": N}` and gets `{"type": "catch_up", "seq",
"events"}` with every event after N, or `{"type": "reload", "seq"}` when it is too far behind,
or `{"type": "throttled", "retry_after"}` past its budget (frontstage/live.py).

Presence lives in the group's own messages, so it works across server processes sharing Redis
with no store of its own: a newcomer announces itself to the group, everyone there answers it
directly, and a leaver says goodbye. Each connection keeps its own view of who is there.
"""

import asyncio
import json
from typing import Any

from channels.db import database_sync_to_async
from channels.exceptions import ChannelFull
from channels.layers import get_channel_layer

from blueprints import events
from blueprints.events import group_name
from blueprints.models import Blueprint
from frontstage import live
from workspaces import access

__all__ = ["BlueprintConsumer", "group_name"]

# Workshop events after which a guest's right to this blueprint may have changed.
GUEST_CHANGES = ("participant.removed", "participant.updated", "group.", "workshop.")
LOCK_CHANGES = ("workshop.locked", "workshop.unlocked")
GONE = 4403  # the close code when a guest loses the blueprint while connected


def _key(person: dict[str, Any]) -> str:
    return f"u{person['id']}" if person.get("id") is not None else f"g{person.get('guest')}"


BAD_MESSAGE = 'Send JSON like {"type": "catch_up", "after": 12}.'


class BlueprintConsumer(live.GuardedConsumer):
    async def connect(self) -> None:
        self.blueprint_id = int(self.scope["url_route"]["kwargs"]["blueprint_id"])
        self.group = group_name(self.blueprint_id)
        self.here: dict[str, dict[str, Any]] = {}  # channel name → person
        self.joined = False
        user = self.scope["user"]
        version = await self.readable_version(user)
        if version is None:
            await self.close(code=4404)
            return
        self.person = await database_sync_to_async(events.acting_person)(user, self.blueprint_id)
        if not await live.join_group(self.channel_layer, self.group, self.channel_name):
            await self.close(code=live.TRY_AGAIN_LATER)
            return
        self.joined = True
        self.watch = None
        if access.is_guest(user):
            self.watch = asyncio.create_task(self.guest_watch(*await self.guest_rooms(user)))
        # Read after joining the group: every later event reaches this connection live, and
        # every earlier one is counted in `seq`, for the client to catch up on.
        seq = await database_sync_to_async(events.seq_current)(self.blueprint_id)
        await self.accept()
        hello = {"type": "hello", "blueprint": self.blueprint_id, "version": version, "seq": seq}
        await self.send_json(hello)
        await self.channel_layer.group_send(
            self.group,
            {"type": "presence.join", "channel": self.channel_name, "person": self.person},
        )

    async def disconnect(self, code: int) -> None:
        if not getattr(self, "joined", False):
            return
        if self.watch is not None:
            self.watch.cancel()
        await self.channel_layer.group_discard(self.group, self.channel_name)
        await self.channel_layer.group_send(
            self.group, {"type": "presence.leave", "channel": self.channel_name}
        )

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        after = content.get("after") if isinstance(content, dict) else None
        is_number = isinstance(after, int) and not isinstance(after, bool) and after >= 0
        if not (isinstance(content, dict) and content.get("type") == "catch_up" and is_number):
            await self.send_json({"type": "error", "detail": BAD_MESSAGE})
            return
        if not await live.may_catch_up(self.scope, self.channel_name):
            await self.send_json(live.throttled())
            return
        result = await self.missed_events(after)
        if result is None:  # no longer a member
            await self.close(code=4404)
        elif result.reload:
            await self.send_json({"type": "reload", "seq": result.seq})
        else:
            await self.send_json({"type": "catch_up", "seq": result.seq, "events": result.events})

    @classmethod
    async def decode_json(cls, text_data: str) -> Any:
        try:
            return json.loads(text_data)
        except ValueError:
            return None  # answered with an error message, never a dropped connection

    async def blueprint_event(self, message: dict[str, Any]) -> None:
        await self.send_json(message["event"])

    async def presence_join(self, message: dict[str, Any]) -> None:
        self.here[message["channel"]] = message["person"]
        if message["channel"] != self.channel_name:
            reply = {"type": "presence.here", "channel": self.channel_name, "person": self.person}
            try:
                await self.channel_layer.send(message["channel"], reply)
            except ChannelFull:
                pass  # presence is best effort; events matter more than one missed answer
        await self.send_presence()

    async def presence_here(self, message: dict[str, Any]) -> None:
        if message["channel"] not in self.here:
            self.here[message["channel"]] = message["person"]
            await self.send_presence()

    async def presence_leave(self, message: dict[str, Any]) -> None:
        if self.here.pop(message["channel"], None) is not None:
            await self.send_presence()

    async def send_presence(self) -> None:
        # One entry per person, however many tabs they have open.
        people = {_key(person): person for person in self.here.values() if person}
        listed = sorted(people.values(), key=lambda person: (person["name"].lower(), _key(person)))
        await self.send_json({"type": "presence", "people": listed})

    # --- a guest's access, watched live ---------------------------------------------------------
    # A guest reads this blueprint through their workshop group. When the facilitator removes
    # them, moves them or rebinds the group, the workshop's room hears of it (its own channel
    # layer, which the guest principal names: `rights_rooms()`): the connection checks again
    # and closes if the blueprint is no longer theirs.

    @database_sync_to_async
    def guest_rooms(self, user: Any) -> tuple[str, list[str]]:
        return user.rights_rooms()

    async def guest_watch(self, layer_name: str, rooms: list[str]) -> None:
        layer = get_channel_layer(layer_name)
        if layer is None:
            return
        channel = await layer.new_channel()
        for room in rooms:
            await layer.group_add(room, channel)
        try:
            while True:
                message = await layer.receive(channel)
                try:
                    kind = json.loads(message.get("text") or "{}").get("kind", "")
                except ValueError:
                    continue
                if kind.startswith(GUEST_CHANGES) and not await self.still_readable():
                    self.watch = None  # ending by itself: the disconnect need not cancel it
                    await self.close(code=GONE)
                    return
                if kind in LOCK_CHANGES:
                    # Locked or unlocked: the page turns read-only or editable again, live.
                    await self.send_json({"type": "editing", "allowed": await self.writable()})
        finally:
            for room in rooms:
                await layer.group_discard(room, channel)

    @database_sync_to_async
    def writable(self) -> bool:
        user = self.scope["user"]
        access.forget(user)
        blueprint = Blueprint.objects.filter(pk=self.blueprint_id).first()
        return blueprint is not None and access.can_write(user, blueprint, "update")

    @database_sync_to_async
    def still_readable(self) -> bool:
        user = self.scope["user"]
        access.forget(user)
        blueprint = Blueprint.objects.filter(pk=self.blueprint_id).first()
        return blueprint is not None and access.can_read(user, blueprint)

    @database_sync_to_async
    def readable_version(self, user: Any) -> int | None:
        blueprint = Blueprint.objects.filter(pk=self.blueprint_id).first()
        if blueprint is None or not access.can_read(user, blueprint):
            return None
        return blueprint.version

    @database_sync_to_async
    def missed_events(self, after: int) -> events.CatchUp | None:
        user = self.scope["user"]
        blueprint = Blueprint.objects.filter(pk=self.blueprint_id).first()
        access.forget(user)  # a membership may have ended since, a guest been removed
        if blueprint is None or not access.can_read(user, blueprint):
            return None
        return events.events_after(blueprint.pk, after)
