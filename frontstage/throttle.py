"""Failed sign-ins are limited per account and per address, before the password is checked.

Every password check costs a fraction of a second of CPU on purpose (the hasher's work
factor), so an attacker's guesses also slow everyone else down. The limit therefore counts an
attempt *before* its password is checked — parallel guesses cannot all slip past the count —
and a successful sign-in takes its own attempt back: only failures count. Past the limit the
password is not checked at all, the right one included, until the window has passed; the
answer is 429 with Retry-After (`LoginThrottleMiddleware`).

Both the login page and `POST /api/v1/auth/token/` authenticate through
`ThrottledModelBackend`, so one rule covers both. The counts live in the "throttle" cache:
Redis when REDIS_URL is set (shared by every server process), else this process's memory.

Guesses spread over many accounts and addresses pass those counts; each still costs a password
check. So a process checks at most PASSWORD_CHECKS_AT_ONCE passwords at a time: a sign-in that
cannot start its check within PASSWORD_CHECK_WAIT seconds answers 429 (Retry-After: 1) rather
than queue behind the guesses, and the CPU left is everyone else's.

The same counting limits wrong workshop codes at `/join/` per address (JOIN_FAILURES_PER_ADDRESS)
and catch-ups over a live connection per person (CATCH_UPS_PER_MINUTE, `spend`).
"""

import logging
import threading
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import caches
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)
TOO_MANY = _("Too many failed sign-ins. Try again in {minutes} minutes.")
BUSY = _("Too many sign-ins at once. Try again in a moment.")


def address_of(request: HttpRequest) -> str:
    """The client's address as the server sees it (behind a proxy, set the proxy to pass it
    through as uvicorn's --proxy-headers expects)."""
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def attempt_keys(username: str, address: str) -> list[tuple[str, int]]:
    return [
        (f"login:account:{username.strip().casefold()[:150]}", settings.LOGIN_FAILURES_PER_ACCOUNT),
        (f"login:address:{address}", settings.LOGIN_FAILURES_PER_ADDRESS),
    ]


def join_keys(address: str) -> list[tuple[str, int]]:
    return [(f"join:address:{address}", settings.JOIN_FAILURES_PER_ADDRESS)]


def reserve(keys: list[tuple[str, int]], window: int | None = None) -> bool:
    """Count one attempt against every key; False if any is over its limit within the window
    (LOGIN_FAILURE_WINDOW unless given). Without its cache (Redis down or hung) attempts go on
    unthrottled rather than not at all."""
    try:
        return _reserve(keys, window or settings.LOGIN_FAILURE_WINDOW)
    except Exception as error:  # the cache's own errors vary by backend
        logger.warning("Throttle unavailable: %s: %s", type(error).__name__, error)
        return True


def spend(key: str, limit: int, window: int) -> bool:
    """One use of `key` against a budget of `limit` per `window` seconds; False past it."""
    return reserve([(key, limit)], window)


def _reserve(keys: list[tuple[str, int]], window: int) -> bool:
    cache = caches["throttle"]
    allowed = True
    for key, limit in keys:
        cache.add(key, 0, timeout=window)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=window)
            count = 1
        allowed = allowed and count <= limit
    return allowed


def release(keys: list[tuple[str, int]]) -> None:
    """A success (a sign-in, a right code): its attempt does not count."""
    cache = caches["throttle"]
    for key, _limit in keys:
        try:
            if cache.decr(key) < 0:
                cache.set(key, 0, timeout=settings.LOGIN_FAILURE_WINDOW)
        except ValueError:  # expired meanwhile: nothing to take back
            pass
        except Exception:  # the cache is down: nothing to take back either
            return


class ThrottledModelBackend(ModelBackend):
    def authenticate(
        self,
        request: Any,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if request is None or username is None:
            return super().authenticate(request, username, password, **kwargs)
        plain = getattr(request, "_request", request)  # DRF's Request wraps Django's
        keys = attempt_keys(username, address_of(plain))
        if not reserve(keys):
            plain.login_throttled = (TOO_MANY, settings.LOGIN_FAILURE_WINDOW)
            raise PermissionDenied  # no other backend tries; the password is not checked
        checks = password_checks()
        if not checks.acquire(timeout=settings.PASSWORD_CHECK_WAIT):
            release(keys)  # not a failure: the password was never checked
            plain.login_throttled = (BUSY, 1)
            raise PermissionDenied
        try:
            user = super().authenticate(request, username, password, **kwargs)
        finally:
            checks.release()
        if user is not None:
            release(keys)
        return user


_checks: threading.BoundedSemaphore | None = None
_checks_lock = threading.Lock()


def password_checks() -> threading.BoundedSemaphore:
    """This process's slots for password checks (PASSWORD_CHECKS_AT_ONCE of them)."""
    global _checks
    with _checks_lock:
        if _checks is None:
            _checks = threading.BoundedSemaphore(max(1, settings.PASSWORD_CHECKS_AT_ONCE))
        return _checks


class LoginThrottleMiddleware:
    """Turns a refused sign-in into 429 with Retry-After: JSON under /api/, the login page
    with the reason elsewhere."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        throttled = getattr(request, "login_throttled", None)
        if throttled is None:
            return response
        reason, retry_after = throttled
        message = reason.format(minutes=max(1, round(retry_after / 60)))
        if request.path.startswith("/api/"):
            response = JsonResponse({"detail": message}, status=429)
        else:
            from django.contrib.auth.forms import AuthenticationForm

            form = AuthenticationForm(request)
            context = {"form": form, "throttled": message, "next": request.GET.get("next", "")}
            response = render(request, "registration/login.html", context, status=429)
        response["Retry-After"] = str(int(retry_after))
        return response
