"""WebSocket origins compared by scheme, host and port.

Channels' AllowedHostsOriginValidator compares the Origin's host name with ALLOWED_HOSTS and
ignores the port, so a page served on another port of the same host (another app, a dev
server) could open the live connection with the user's cookies and listen to every event. A
live connection is accepted only from the page's own origin — the scheme, host and port the
connection itself came to (the proxy's https when SECURE_PROXY_SSL_HEADER says so) — or from
an origin listed in CSRF_TRUSTED_ORIGINS, the same rule Django's CSRF check applies to forms.
"""

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Any, Any], Awaitable[None]]

DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_key(origin: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(origin)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return parts.scheme, parts.hostname.lower(), port or DEFAULT_PORTS[parts.scheme]


def own_origin(scope: Scope, headers: dict[bytes, bytes]) -> tuple[str, str, int] | None:
    scheme = "https" if scope.get("scheme") == "wss" else "http"
    proxy = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy:
        name = proxy[0].removeprefix("HTTP_").replace("_", "-").lower().encode()
        if headers.get(name, b"").decode("latin-1") == proxy[1]:
            scheme = "https"
    host = headers.get(b"host", b"").decode("latin-1")
    return origin_key(f"{scheme}://{host}") if host else None


def allowed(scope: Scope) -> bool:
    headers = dict(scope.get("headers", []))
    origin = origin_key(headers.get(b"origin", b"").decode("latin-1"))
    if origin is None:
        return False
    if origin == own_origin(scope, headers):
        return True
    return origin in {origin_key(trusted) for trusted in settings.CSRF_TRUSTED_ORIGINS}


class SameOriginValidator:
    def __init__(self, application: ASGIApp) -> None:
        self.application = application

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "websocket" and not allowed(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)
