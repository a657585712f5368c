"""A browser without an account that joined a workshop acts as its guest principal."""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from workshops import guests


class GuestMiddleware:
    """A browser without an account that joined a workshop acts as its guest principal.

    After Django's AuthenticationMiddleware: an anonymous request carrying workshop cookies
    gets `request.user = guests.Guest(...)`, still anonymous everywhere, to which
    `workspaces.access` grants the blueprint of the guest's group.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if guests.has_guest_cookie(request.COOKIES):
            request.user = guests.principal(request.user, request.COOKIES)
        return self.get_response(request)


class GuestWebSocketMiddleware:
    """The same for a WebSocket: inside Channels' AuthMiddlewareStack (user and cookies set)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        cookies = scope.get("cookies") or {}
        if guests.has_guest_cookie(cookies):
            scope = dict(scope, user=guests.principal(scope.get("user"), cookies))
        return await self.inner(scope, receive, send)
