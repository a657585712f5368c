"""What every live connection (the blueprint's, the workshop's) does the same way.

- Its channel and its group wait at most BROADCAST_TIMEOUT for the channel layer: a hung or
  down Redis refuses the connection at once (close code 1013, "try again later") instead of
  holding the handshake, and a layer failing under an open connection closes it the same way
  (`GuardedConsumer`), with one warning rather than a traceback per reconnect. The page keeps
  catching up over HTTP while its socket retries.
- Catch-ups are a budget per person (CATCH_UPS_PER_MINUTE over all their connections, per
  connection for a guest): past it the answer is `{"type": "throttled", "retry_after": s}`
  and no events are read, so one client cannot pull the same history again and again.
"""

import asyncio
import functools
import logging
from typing import Any

from asgiref.sync import sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from channels.utils import await_many_dispatch
from django.conf import settings
from redis.exceptions import RedisError

from frontstage import throttle

logger = logging.getLogger(__name__)

TRY_AGAIN_LATER = 1013  # RFC 6455's close code for a server that cannot serve just now
CATCH_UP_WINDOW = 60  # seconds


# What a channel layer raises when its Redis hangs (a timeout) or is down.
LAYER_ERRORS = (TimeoutError, OSError, RedisError)


async def join_group(layer: Any, group: str, channel: str) -> bool:
    """Join `group`; False when the channel layer does not answer in time or fails."""
    try:
        await asyncio.wait_for(layer.group_add(group, channel), timeout=settings.BROADCAST_TIMEOUT)
    except LAYER_ERRORS as error:
        _warn(error)
        return False
    return True


def _warn(error: BaseException) -> None:
    logger.warning("Live connection refused, channel layer: %s", type(error).__name__)


class GuardedConsumer(AsyncJsonWebsocketConsumer):
    """A JSON WebSocket consumer whose channel layer cannot hold its handshake nor crash it.

    Channels' own `AsyncConsumer.__call__` (channels 4), with two guards: the new channel
    (a subscription in Redis for the pub/sub layer) is awaited at most BROADCAST_TIMEOUT, and
    a layer error while the connection is open closes it with 1013."""

    async def __call__(self, scope: Any, receive: Any, server_send: Any) -> None:
        closed = False

        async def send(message: dict[str, Any]) -> None:
            nonlocal closed
            if not closed:  # nothing goes out after a close (a refused handshake included)
                closed = message["type"] == "websocket.close"
                await server_send(message)

        self.scope = scope
        self.base_send = send
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        try:
            self.channel_name = await asyncio.wait_for(
                self.channel_layer.new_channel(), timeout=settings.BROADCAST_TIMEOUT
            )
        except LAYER_ERRORS as error:
            _warn(error)
            await receive()  # the handshake's websocket.connect, answered with a refusal
            await send({"type": "websocket.close", "code": TRY_AGAIN_LATER})
            return
        self.channel_receive = functools.partial(self.channel_layer.receive, self.channel_name)
        try:
            await await_many_dispatch([receive, self.channel_receive], self.dispatch)
        except StopConsumer:
            pass
        except LAYER_ERRORS as error:
            _warn(error)
            await send({"type": "websocket.close", "code": TRY_AGAIN_LATER})


def _budget_key(scope: dict[str, Any], channel: str) -> str:
    user = scope.get("user")
    if user is not None and user.is_authenticated:
        return f"catch-up:user:{user.pk}"
    return f"catch-up:connection:{channel}"


async def may_catch_up(scope: dict[str, Any], channel: str) -> bool:
    """One catch-up against the person's budget; False once it is spent."""
    key = _budget_key(scope, channel)
    limit = settings.CATCH_UPS_PER_MINUTE
    return await sync_to_async(throttle.spend, thread_sensitive=False)(key, limit, CATCH_UP_WINDOW)


def throttled() -> dict[str, Any]:
    return {"type": "throttled", "retry_after": CATCH_UP_WINDOW}
