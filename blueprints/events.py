"""Live events of a blueprint: numbered, stored, and broadcast after commit.

Every write of a blueprint's content calls `event_record` inside its transaction. The event
gets the blueprint's next sequence number (no gaps: the number is allocated in the same
transaction, rolled back with it) and is sent to the page's group only once the write has
committed, so nobody hears of a change that did not happen. Clients that missed events read
them back by number (`events_after`), or reload the snapshot when too far behind.
"""

import threading
from dataclasses import dataclass
from typing import Any

from channels.layers import get_channel_layer
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.dispatch import Signal

from blueprints.models import BlueprintEvent, BlueprintSequence
from frontstage import broadcast as broadcasting
from frontstage.sequences import sequence_next
from workspaces import access

# A client further behind than this reloads the snapshot instead of replaying events.
CATCH_UP_LIMIT = 500


def group_name(blueprint_id: int) -> str:
    return f"blueprint-{blueprint_id}"


def person(user: Any) -> dict[str, Any] | None:
    if user is None or not user.is_authenticated:
        return None
    return {"id": user.pk, "name": user.get_full_name() or user.get_username()}


def guest_person(participant_id: int | None, name: str) -> dict[str, Any]:
    """A workshop guest: no account (`id` null), their participant row as `guest`."""
    return {"id": None, "guest": participant_id, "name": name}


def acting_person(user: Any, blueprint_id: int) -> dict[str, Any] | None:
    """Who `user` is on this blueprint's page: their account, or the guest they joined as."""
    guest = access.acting_participant(user, blueprint_id)
    if guest is not None:
        return guest_person(guest.pk, guest.name)
    return person(user)


def event_actor(event: BlueprintEvent, actor: Any = None) -> dict[str, Any] | None:
    if actor is None and event.actor_id is None and event.actor_name:
        return guest_person(event.actor_participant_id, event.actor_name)
    return person(actor if actor is not None else event.actor)


def seq_allocate(blueprint_id: int) -> int:
    """The blueprint's next event number; the counter row stays locked until commit."""
    return sequence_next(BlueprintSequence, "blueprint", blueprint_id)


def seq_current(blueprint_id: int) -> int:
    seq = BlueprintSequence.objects.filter(blueprint_id=blueprint_id).values_list("seq").first()
    return seq[0] if seq else 0


def event_payload(event: BlueprintEvent, actor: Any = None) -> dict[str, Any]:
    """The event as clients get it, live, in a catch-up and in the history alike."""
    return {
        "type": "event",
        "blueprint": event.blueprint_id,
        "seq": event.seq,
        "kind": event.kind,
        "id": event.object_id,
        "before": event.before,
        "after": event.after,
        "order": event.order,
        "actor": event_actor(event, actor),
        "at": event.created_at.isoformat(),
        "undo_of": event.undo_of.seq if event.undo_of_id else None,
    }


def broadcast(blueprint_id: int, payload: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is not None:
        message = {"type": "blueprint.event", "event": payload}
        broadcasting.group_send(layer, group_name(blueprint_id), message)


@transaction.atomic
def event_record(
    *,
    blueprint_id: int,
    kind: str,
    obj_id: int | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    user: AbstractBaseUser | AnonymousUser | None,
    order: Any = None,
    undo_of: BlueprintEvent | None = None,
) -> BlueprintEvent:
    """Store the change as the blueprint's next event and broadcast it once committed.

    Call it last in the write's transaction: the sequence row stays locked from here to the
    commit, so the shorter that stretch, the less concurrent writers wait.
    """
    actor = user if user is not None and user.is_authenticated else None
    guest = access.acting_participant(user, blueprint_id) if actor is None else None
    event = BlueprintEvent.objects.create(
        blueprint_id=blueprint_id,
        seq=seq_allocate(blueprint_id),
        kind=kind,
        object_id=obj_id,
        before=before,
        after=after,
        order=order,
        actor=actor,
        actor_participant=guest,
        actor_name=guest.name if guest is not None else "",
        undo_of=undo_of,
    )
    payload = event_payload(event, actor)
    transaction.on_commit(lambda: broadcast(blueprint_id, payload), robust=True)
    _changed_on_commit(blueprint_id)
    return event


# Sent once per transaction that recorded events of a blueprint, after it commits:
# `blueprint_id`. Apps above listen (the book builds itself again).
blueprint_changed = Signal()
_pending = threading.local()


def _changed_on_commit(blueprint_id: int) -> None:
    """Once per blueprint and transaction (a rolled-back one's ids are forgotten with it)."""
    connection = transaction.get_connection()
    outermost = id(connection.atomic_blocks[0]) if connection.atomic_blocks else None
    if outermost is not None:
        if getattr(_pending, "owner", None) != outermost:
            _pending.owner, _pending.ids = outermost, set()
        if blueprint_id in _pending.ids:
            return
        _pending.ids.add(blueprint_id)

    def send() -> None:
        _pending.owner = None
        blueprint_changed.send(sender=BlueprintEvent, blueprint_id=blueprint_id)

    transaction.on_commit(send, robust=True)


@dataclass
class CatchUp:
    seq: int
    reload: bool
    events: list[dict[str, Any]]


def events_after(blueprint_id: int, after: int) -> CatchUp:
    """The events a client that has seen up to `after` missed, or `reload` when too many."""
    seq = seq_current(blueprint_id)
    if after > seq or seq - after > CATCH_UP_LIMIT:
        # Ahead of the server (its snapshot came from a blueprint since re-created) or too
        # far behind: only a fresh snapshot is right.
        return CatchUp(seq=seq, reload=True, events=[])
    rows = (
        BlueprintEvent.objects.filter(blueprint_id=blueprint_id, seq__gt=after, seq__lte=seq)
        .select_related("actor", "undo_of")
        .order_by("seq")
    )
    return CatchUp(seq=seq, reload=False, events=[event_payload(row) for row in rows])
