"""Request bodies bounded while they arrive, before Django reads them.

Django's ASGI handler reads the whole body (into a temporary file) before any middleware
runs, so a limit checked there comes after a 300 MB upload has been received. This ASGI
middleware sits in front of it: a declared Content-Length over the limit answers 413 at once;
a body without one (chunked) is counted as it arrives and answered 413 as soon as it passes
the limit; the application then sees the client as gone and nothing more is read.
Anonymous write requests (no session cookie, no Authorization header) may carry only a small
body (a login form, a guest's name): the rest of what anonymous people can send.
Set the same limit on the reverse proxy (nginx: `client_max_body_size`) so it refuses first.
"""

import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from django.conf import settings

logger = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
GUEST_COOKIE_PREFIX = "fs_ws_"  # workshops.guests.COOKIE_PREFIX (a floor above: said again)


def is_anonymous(headers: dict[bytes, bytes]) -> bool:
    if b"authorization" in headers:
        return False
    cookies = headers.get(b"cookie", b"").decode("latin-1")
    names = {part.split("=", 1)[0].strip() for part in cookies.split(";")}
    if settings.SESSION_COOKIE_NAME in names:
        return False
    # A workshop guest's cookie (workshops/guests.py) is someone who joined, too.
    return not any(name.startswith(GUEST_COOKIE_PREFIX) for name in names)


def limit_for(scope: Scope, headers: dict[bytes, bytes]) -> int:
    if scope.get("method") in WRITES and is_anonymous(headers):
        return settings.MAX_ANONYMOUS_BODY_BYTES
    return settings.MAX_UPLOAD_BYTES


async def too_large(send: Send, limit: int) -> None:
    from django.utils.translation import gettext as _

    limit_mb = max(1, limit // (1024 * 1024)) if limit >= 1024 * 1024 else None
    detail = (
        _("The upload is too large: the limit is {limit} MB.").format(limit=limit_mb)
        if limit_mb
        else _("The request is too large.")
    )
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers", []))
        limit = limit_for(scope, headers)
        try:
            declared = int(headers.get(b"content-length", b"0") or 0)
        except ValueError:
            declared = 0
        if declared > limit:
            return await too_large(send, limit)
        received = 0
        refused = False

        async def counted_receive() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    logger.warning(
                        "Request body refused after %d bytes (limit %d): %s",
                        received,
                        limit,
                        scope.get("path"),
                    )
                    await too_large(send, limit)
                    return {"type": "http.disconnect"}  # the application stops reading
            return message

        async def guarded_send(message: Message) -> None:
            if not refused:  # after the 413, the application has nothing more to say
                await send(message)

        await self.app(scope, counted_receive, guarded_send)
