"""Who is acting in a workshop page: a member's account, a guest's signed cookie, or nobody.

A guest has no account. Joining gives them a Participant row and a cookie, signed with the
secret key, that names it; the same browser is the same participant on every return, until
the facilitator removes them. One cookie per workshop, so a browser can be in several.
"""

from typing import Any

from django.core import signing
from django.http import HttpRequest, HttpResponse

from workshops import access
from workshops.models import Participant, Workshop
from workshops.services import Who

SALT = "frontstage.workshop.guest"
MAX_AGE = 60 * 60 * 24 * 90  # seconds: a returning guest is recognised for three months


def cookie_name(workshop_id: int) -> str:
    return f"fs_ws_{workshop_id}"


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


def participant_from_cookie(raw: str | None, workshop_id: int) -> Participant | None:
    """The participant a (signed) cookie value names, if it still belongs to the workshop."""
    if not raw:
        return None
    key = cookie_name(workshop_id)
    try:
        value = signing.TimestampSigner(salt=SALT + key).unsign(raw, max_age=MAX_AGE)
    except signing.BadSignature:
        return None
    if not value.isdigit():
        return None
    return (
        Participant.objects.select_related("workshop", "group")
        .filter(pk=int(value), workshop_id=workshop_id)
        .first()
    )


def who_is(user: Any, cookies: dict[str, str], workshop: Workshop) -> Who | None:
    """Who acts, or None when they may not see this workshop at all."""
    participant = None
    if user is not None and user.is_authenticated:
        participant = workshop.participants.select_related("group").filter(user=user).first()
    if participant is None:
        participant = participant_from_cookie(cookies.get(cookie_name(workshop.pk)), workshop.pk)
    if not access.can_see_workshop(user, participant, workshop):
        return None
    return Who(
        user=user, participant=participant, facilitator=access.can_run_workshop(user, workshop)
    )


def who_from_request(request: HttpRequest, workshop: Workshop) -> Who | None:
    return who_is(request.user, request.COOKIES, workshop)
