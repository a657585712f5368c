"""Live events leave the request: a slow, hung or down Redis never holds a write.

Services broadcast after commit (`transaction.on_commit`). With the Redis channel layer the
send is handed to one background thread of the process, which sends in order with a short
timeout (BROADCAST_TIMEOUT) and drops what it cannot send — the pages catch up from the
sequence numbers in the database, so a lost broadcast delays an update, never loses it. The
in-memory layer (one process) sends as before: it lives in the server's event loop and never
waits on the network.
"""

import asyncio
import logging
import queue
import threading
import time
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer
from django.conf import settings

logger = logging.getLogger(__name__)

_pending: queue.Queue[tuple[Any, str, dict[str, Any]]] = queue.Queue(maxsize=10_000)
_sender: threading.Thread | None = None
_sender_lock = threading.Lock()
_last_warning = [0.0]


def group_send(layer: Any, group: str, message: dict[str, Any]) -> None:
    if isinstance(layer, InMemoryChannelLayer):
        async_to_sync(layer.group_send)(group, message)
        return
    _start_sender()
    try:
        _pending.put_nowait((layer, group, message))
    except queue.Full:
        _warn("Live events are not getting out (queue full): one dropped")


def _start_sender() -> None:
    global _sender
    if _sender is not None and _sender.is_alive():
        return
    with _sender_lock:
        if _sender is None or not _sender.is_alive():
            _sender = threading.Thread(target=_send_forever, name="broadcast", daemon=True)
            _sender.start()


def _send_forever() -> None:
    loop = asyncio.new_event_loop()
    while True:
        layer, group, message = _pending.get()
        try:
            loop.run_until_complete(
                asyncio.wait_for(layer.group_send(group, message), settings.BROADCAST_TIMEOUT)
            )
        except Exception as error:  # a hung or down Redis: drop it, say so now and then
            _warn(f"Live event to {group} not sent: {type(error).__name__}: {error}")
        finally:
            _pending.task_done()


def _warn(text: str) -> None:
    """One line at most every ten seconds, never a traceback per event."""
    if time.monotonic() - _last_warning[0] > 10:
        _last_warning[0] = time.monotonic()
        logger.warning(text)


def drain(timeout: float = 5) -> None:
    """Wait until what was handed over has been sent or dropped (for tests)."""
    deadline = time.monotonic() + timeout
    while _pending.unfinished_tasks and time.monotonic() < deadline:
        time.sleep(0.01)
