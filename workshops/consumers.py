"""The live connection of a workshop page: `/ws/workshops/{id}/`.

Members of the workspace and guests who joined (signed cookie) connect and get:

- `{"type": "hello", "workshop", "seq", "state"}` once connected, `state` with the timer in
  server time (`server_now`), so a reconnected page shows the right countdown at once;
- every event of the workshop as it commits (`{"type": "event", "seq", "kind", "data", …}`,
  see workshops/events.py); a client that sees a gap in `seq` asks for what it missed.

A client sends `{"type": "catch_up", "after": N}` and gets `{"type": "catch_up", "seq",
"events"}`, or `{"type": "reload", "seq"}` when it is too far behind, or `{"type":
"throttled", "retry_after"}` past its budget (frontstage/live.py).
"""

import json
from typing import Any

from channels.db import database_sync_to_async

from frontstage import live
from workshops import access, events, guests, services
from workshops.models import Workshop

BAD_MESSAGE = 'Send JSON like {"type": "catch_up", "after": 12}.'


class WorkshopConsumer(live.GuardedConsumer):
    channel_layer_alias = events.LAYER

    async def connect(self) -> None:
        self.workshop_id = int(self.scope["url_route"]["kwargs"]["workshop_id"])
        self.group = events.group_name(self.workshop_id)
        self.joined = False
        if not await self.may_see():
            await self.close(code=4404)
            return
        if not await live.join_group(self.channel_layer, self.group, self.channel_name):
            await self.close(code=live.TRY_AGAIN_LATER)
            return
        self.joined = True
        # Read after joining the group: later events arrive live, earlier ones are in `seq`.
        seq, state = await self.snapshot()
        await self.accept()
        await self.send_json(
            {"type": "hello", "workshop": self.workshop_id, "seq": seq, "state": state}
        )

    async def disconnect(self, code: int) -> None:
        if getattr(self, "joined", False):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        after = content.get("after") if isinstance(content, dict) else None
        is_number = isinstance(after, int) and not isinstance(after, bool) and after >= 0
        if not (isinstance(content, dict) and content.get("type") == "catch_up" and is_number):
            await self.send_json({"type": "error", "detail": BAD_MESSAGE})
            return
        if not await live.may_catch_up(self.scope, self.channel_name):
            await self.send_json(live.throttled())
            return
        if not await self.may_see():  # removed from the workshop, or no longer a member
            await self.close(code=4404)
            return
        result = await database_sync_to_async(events.events_after)(self.workshop_id, after)
        if result.reload:
            await self.send_json({"type": "reload", "seq": result.seq})
        else:
            shown = [events.shown_to(e, self.group_id, self.sees_all) for e in result.events]
            await self.send_json({"type": "catch_up", "seq": result.seq, "events": shown})

    @classmethod
    async def decode_json(cls, text_data: str) -> Any:
        try:
            return json.loads(text_data)
        except ValueError:
            return None

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Channels hops to a thread to close stale database connections before every handler:
        # 60 hops per event in a room of 60, all through one thread. Forwarding an event
        # touches no database, so it goes straight out.
        if message["type"] == "workshop.event":
            await self.workshop_event(message)
        else:
            await super().dispatch(message)

    async def workshop_event(self, message: dict[str, Any]) -> None:
        moves = message.get("moves")
        if moves and str(self.participant_id) in moves:
            self.group_id = moves[str(self.participant_id)]  # moved to another group
        group = message.get("group")
        if group is None or self.sees_all or group == self.group_id:
            await self.send(text_data=message["text"])
        else:
            await self.send(text_data=message["stub"])

    @database_sync_to_async
    def may_see(self) -> bool:
        workshop = Workshop.objects.filter(pk=self.workshop_id).first()
        if workshop is None:
            return False
        user = self.scope.get("user")
        if user is not None:
            user.__dict__.pop("_frontstage_roles", None)  # a membership may have ended since
        who = guests.who_is(user, self.scope.get("cookies", {}), workshop)
        if who is None:
            return False
        participant = who.participant
        self.participant_id = participant.pk if participant is not None else None
        self.group_id = participant.group_id if participant is not None else None
        self.sees_all = access.sees_every_group(participant, who.facilitator)
        return True

    @database_sync_to_async
    def snapshot(self) -> tuple[int, dict[str, Any]]:
        workshop = Workshop.objects.select_related("current_activity").get(pk=self.workshop_id)
        return events.seq_current(self.workshop_id), services.state_data(workshop)
