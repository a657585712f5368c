"""Live news of the innovation pages: one message per change, to the workspace's group.

Kept minimal on purpose: unlike a blueprint or a workshop, these changes are not numbered
or stored, so there is nothing to catch up from. A page that hears `innovation.event` (or
reconnects) reloads the part named by `kind`; the database stays the one source of truth.
"""

from typing import Any

from channels.layers import get_channel_layer
from django.db import transaction

from frontstage import broadcast as broadcasting


def group_name(workspace_id: int) -> str:
    return f"innovation-{workspace_id}"


def payload(*, workspace_id: int, kind: str, obj_id: int | None, version: int | None) -> dict:
    return {
        "type": "event",
        "workspace": workspace_id,
        "kind": kind,
        "id": obj_id,
        "version": version,
    }


def announce(*, workspace_id: int, kind: str, obj: Any = None) -> None:
    """Tell the workspace's innovation pages, once the surrounding transaction commits."""
    message = payload(
        workspace_id=workspace_id,
        kind=kind,
        obj_id=getattr(obj, "pk", None),
        version=getattr(obj, "version", None),
    )

    def send() -> None:
        layer = get_channel_layer()
        if layer is not None:
            broadcasting.group_send(
                layer, group_name(workspace_id), {"type": "innovation.event", "event": message}
            )

    transaction.on_commit(send, robust=True)
