"""Who is acting in a workshop page: a member's account, a guest's signed cookie, or nobody.

A guest has no account. Joining gives them a Participant row and a cookie, signed with the
secret key, that names it; the same browser is the same participant on every return, until
the facilitator removes them. One cookie per workshop, so a browser can be in several.
"""

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core import signing
from django.db.models import Q
from django.http import HttpRequest, HttpResponse

from workshops import access, events
from workshops.models import Participant, Workshop
from workshops.services import Who

SALT = "frontstage.workshop.guest"
MAX_AGE = 60 * 60 * 24 * 90  # seconds: a returning guest is recognised for three months
COOKIE_PREFIX = "fs_ws_"
MAX_COOKIES = 20  # workshops one browser is read as a guest of: bounds the work per request


def cookie_name(workshop_id: int) -> str:
    return f"{COOKIE_PREFIX}{workshop_id}"


def remember(response: HttpResponse, participant: Participant, *, secure: bool) -> None:
    key = cookie_name(participant.workshop_id)
    response.set_cookie(
        key,
        signing.TimestampSigner(salt=SALT + key).sign(str(participant.pk)),
        max_age=MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=secure,
    )


def _signed_id(raw: str | None, workshop_id: int) -> int | None:
    if not raw:
        return None
    key = cookie_name(workshop_id)
    try:
        value = signing.TimestampSigner(salt=SALT + key).unsign(raw, max_age=MAX_AGE)
    except signing.BadSignature:
        return None
    return int(value) if value.isdigit() else None


def was_here(cookies: dict[str, str], workshop_id: int) -> bool:
    """This browser carries a genuine guest cookie of the workshop (its participant may be gone)."""
    return _signed_id(cookies.get(cookie_name(workshop_id)), workshop_id) is not None


def participant_from_cookie(raw: str | None, workshop_id: int) -> Participant | None:
    """The participant a (signed) cookie value names, if it still belongs to the workshop."""
    pk = _signed_id(raw, workshop_id)
    if pk is None:
        return None
    return (
        Participant.objects.select_related("workshop", "group")
        .filter(pk=pk, workshop_id=workshop_id)
        .order_by()  # one row by its key: no need to sort by the workshop's ordering (a join)
        .first()
    )


def has_guest_cookie(cookies: dict[str, str]) -> bool:
    return any(key.startswith(COOKIE_PREFIX) for key in cookies)


def participants_from_cookies(cookies: dict[str, str]) -> list[Participant]:
    """Every participant this browser's workshop cookies name: one query, however many."""
    wanted = Q()
    found = 0
    for key, raw in cookies.items():
        workshop = key.removeprefix(COOKIE_PREFIX)
        if key == workshop or not (workshop.isascii() and workshop.isdigit()) or len(key) > 30:
            continue
        pk = _signed_id(raw, int(workshop))
        if pk is not None:
            wanted |= Q(pk=pk, workshop_id=int(workshop))
            found += 1
        if found >= MAX_COOKIES:
            break
    if not found:
        return []
    return list(Participant.objects.select_related("workshop", "group").filter(wanted))


class Guest(AnonymousUser):
    """Someone without an account in the browser that joined workshops: the guest principal.

    Anonymous for everything (every `is_authenticated` check says no); `workspaces.access`
    gives it the blueprint its workshop group is bound to. Its participants are read when first
    needed, and again after `forget()` (a live connection re-checking a removed guest).
    """

    is_workshop_guest = True  # what workspaces.access recognises a guest principal by

    def __init__(self, cookies: dict[str, str]) -> None:
        self.cookies = {k: v for k, v in cookies.items() if k.startswith(COOKIE_PREFIX)}
        self._participants: list[Participant] | None = None
        self._grants: dict[int, Participant] | None = None

    def participants(self) -> list[Participant]:
        if self._participants is None:
            self._participants = participants_from_cookies(self.cookies)
        return self._participants

    def blueprint_grants(self) -> dict[int, Participant]:
        """Blueprint id → the participant through whom this guest works on it."""
        if self._grants is None:
            grants: dict[int, Participant] = {}
            for participant in self.participants():
                group = participant.group
                if group is not None and group.blueprint_id is not None:
                    # Two workshops on one blueprint: an unlocked one decides.
                    held = grants.get(group.blueprint_id)
                    if held is None or held.workshop.locked:
                        grants[group.blueprint_id] = participant
            self._grants = grants
        return self._grants

    def rights_rooms(self) -> tuple[str, list[str]]:
        """The channel layer and rooms that announce changes to this guest's rights (a removal,
        a move to another group, a lock): a live blueprint connection listens to them."""
        workshops = sorted({participant.workshop_id for participant in self.participants()})
        return events.LAYER, [events.group_name(workshop) for workshop in workshops]

    def forget(self) -> None:
        self._participants = None
        self._grants = None


def principal(user: Any, cookies: dict[str, str]) -> Any:
    """Who a request acts as: the account, or a guest when anonymous with workshop cookies."""
    if user is not None and not user.is_authenticated and has_guest_cookie(cookies):
        return Guest(cookies)
    return user


def who_is(user: Any, cookies: dict[str, str], workshop: Workshop) -> Who | None:
    """Who acts, or None when they may not see this workshop at all."""
    participant = None
    if user is not None and user.is_authenticated:
        participant = (
            workshop.participants.select_related("group").filter(user=user).order_by().first()
        )
    if participant is None:
        participant = participant_from_cookie(cookies.get(cookie_name(workshop.pk)), workshop.pk)
    if not access.can_see_workshop(user, participant, workshop):
        return None
    return Who(
        user=user, participant=participant, facilitator=access.can_run_workshop(user, workshop)
    )


def who_from_request(request: HttpRequest, workshop: Workshop) -> Who | None:
    return who_is(request.user, request.COOKIES, workshop)
