"""The API's own authentication: a workshop guest's browser (see workshops/guests.py).

Apart from frontstage/api.py: DRF imports this module while it reads its settings, before its
views exist, so it imports nothing that reads those settings.
"""

from typing import Any

from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request

from workspaces import access


class GuestAuthentication(SessionAuthentication):
    """A workshop guest's browser (GuestMiddleware made it a `guests.Guest`), CSRF-checked.

    Its signed cookie works like a session cookie, so a write must carry the CSRF token too.
    """

    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        user = getattr(request._request, "user", None)
        if not access.is_guest(user) or not access.guest_blueprints(user):
            return None
        self.enforce_csrf(request)
        return (user, None)
