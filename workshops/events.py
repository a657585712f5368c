"""Live events of a workshop: numbered, stored, and broadcast after commit.

The same mechanism as a blueprint's (blueprints/events.py): every write calls `event_record`
inside its transaction; the event takes the workshop's next sequence number (allocated by one
conditional UPDATE, so numbers have no gaps and commit in order) and reaches the workshop's
group only once committed. A client that missed events asks for them by number.

Events carry what every participant may see: a note written in private travels without its
text until the facilitator reveals it.
"""

import json
from dataclasses import dataclass
from typing import Any

from channels.layers import get_channel_layer
from django.db import transaction
from django.utils import timezone

from frontstage import broadcast as broadcasting
from frontstage.sequences import sequence_next
from workshops.models import WorkshopEvent, WorkshopSequence

CATCH_UP_LIMIT = 1000
# The channel layer of workshop rooms (Redis pub/sub, see CHANNEL_LAYERS in settings).
LAYER = "workshops"


def group_name(workshop_id: int) -> str:
    return f"workshop-{workshop_id}"


def seq_allocate(workshop_id: int) -> int:
    return sequence_next(WorkshopSequence, "workshop", workshop_id)


def seq_current(workshop_id: int) -> int:
    seq = WorkshopSequence.objects.filter(workshop_id=workshop_id).values_list("seq").first()
    return seq[0] if seq else 0


# Events of one group's board (its notes, clusters and dots) reach that group and the
# facilitators; the other groups get a stub that keeps their sequence without a gap.
GROUP_BOARD_KINDS = ("note.", "cluster.", "vote.")
ELSEWHERE = "group.elsewhere"


def board_group(kind: str, data: dict[str, Any] | None) -> int | None:
    """The group whose board an event is about; None: everyone may see it."""
    if data and kind.startswith(GROUP_BOARD_KINDS):
        return data.get("group")
    return None


def stub(payload: dict[str, Any]) -> dict[str, Any]:
    """What a member of another group learns of a group's event: that a number went by."""
    return {
        "type": "event",
        "workshop": payload["workshop"],
        "seq": payload["seq"],
        "kind": ELSEWHERE,
    }


def shown_to(payload: dict[str, Any], group_id: int | None, sees_all: bool) -> dict[str, Any]:
    group = board_group(payload["kind"], payload.get("data"))
    if sees_all or group is None or group == group_id:
        return payload
    return stub(payload)


def event_payload(event: WorkshopEvent) -> dict[str, Any]:
    return {
        "type": "event",
        "workshop": event.workshop_id,
        "seq": event.seq,
        "kind": event.kind,
        "id": event.object_id,
        "data": event.data,
        "actor": event.actor,
        "at": event.created_at.isoformat(),
    }


def participant_moves(payload: dict[str, Any]) -> dict[str, int | None]:
    """Who an event puts into which group (participant id as text → group id or None): the
    live connections of those people follow them to their new group's board."""
    data = payload.get("data") or {}
    if payload["kind"] == "participant.updated":
        return {str(payload["id"]): data.get("group")}
    if payload["kind"] == "participants.split":
        return dict(data.get("groups", {}))
    return {}


def broadcast(workshop_id: int, payload: dict[str, Any]) -> None:
    layer = get_channel_layer(LAYER)
    if layer is not None:
        # Encoded once here, not once per connection: a room of 60 gets the same text.
        message = {"type": "workshop.event", "text": json.dumps(payload)}
        group = board_group(payload["kind"], payload.get("data"))
        if group is not None:
            message["group"] = group
            message["stub"] = json.dumps(stub(payload))
        moves = participant_moves(payload)
        if moves:
            message["moves"] = moves
        broadcasting.group_send(layer, group_name(workshop_id), message)


@transaction.atomic
def event_record(
    *, workshop_id: int, kind: str, obj_id: int | None, data: dict[str, Any] | None, actor: str
) -> WorkshopEvent:
    """Store the change as the workshop's next event; broadcast it once committed. Call last."""
    event = WorkshopEvent.objects.create(
        workshop_id=workshop_id,
        seq=seq_allocate(workshop_id),
        kind=kind,
        object_id=obj_id,
        data=data,
        actor=actor[:150],
    )
    payload = event_payload(event)
    payload["server_now"] = timezone.now().isoformat()
    transaction.on_commit(lambda: broadcast(workshop_id, payload), robust=True)
    return event


@dataclass
class CatchUp:
    seq: int
    reload: bool
    events: list[dict[str, Any]]


def events_after(workshop_id: int, after: int) -> CatchUp:
    seq = seq_current(workshop_id)
    if after > seq or seq - after > CATCH_UP_LIMIT:
        return CatchUp(seq=seq, reload=True, events=[])
    rows = WorkshopEvent.objects.filter(
        workshop_id=workshop_id, seq__gt=after, seq__lte=seq
    ).order_by("seq")
    return CatchUp(seq=seq, reload=False, events=[event_payload(row) for row in rows])
