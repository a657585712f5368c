from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _


class UploadLimitMiddleware:
    """Refuse oversized request bodies with 413 before anything reads them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.MAX_UPLOAD_BYTES:
            limit_mb = settings.MAX_UPLOAD_BYTES // (1024 * 1024)
            detail = _("The upload is too large: the limit is {limit} MB.").format(limit=limit_mb)
            return JsonResponse({"detail": detail}, status=413)
        return self.get_response(request)


class GuestMiddleware:
    """A browser without an account that joined a workshop acts as its guest principal.

    After Django's AuthenticationMiddleware: an anonymous request carrying workshop cookies
    gets `request.user = guests.Guest(...)`, still anonymous everywhere, to which
    `workshops.access` grants the blueprint of the guest's group.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from workshops import guests

        if guests.has_guest_cookie(request.COOKIES):
            request.user = guests.principal(request.user, request.COOKIES)
        return self.get_response(request)


class GuestWebSocketMiddleware:
    """The same for a WebSocket: inside Channels' AuthMiddlewareStack (user and cookies set)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        from workshops import guests

        cookies = scope.get("cookies") or {}
        if guests.has_guest_cookie(cookies):
            scope = dict(scope, user=guests.principal(scope.get("user"), cookies))
        return await self.inner(scope, receive, send)
