"""The domain's errors: what services raise, whoever called them.

One language for every app. The API's exception handler (frontstage/rest.py) and the pages'
helper (frontstage/pages.py) each turn them into an answer once; a view never catches and
re-words one by hand. Messages are for people: translated, already phrased.

- `NotFound` → 404, `Forbidden` → 403, `Invalid` → 400 with field messages,
- `Conflict` → 409 (the request does not fit the object's current state),
- `StaleVersion` → 409 with the current object and the fields both sides changed.

`current` may be a model instance: the API shows it through the view's serializer, so the
client reads it as it reads the object anywhere else.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _

STALE_VERSION = _("Someone else changed this in the meantime; here is the current version.")
CONFLICTING_DATA = _("This change conflicts with existing data; reload and try again.")
NOT_FOUND = _("Not found.")
FORBIDDEN = _("You do not have permission to perform this action.")
NON_FIELD = "detail"  # the key of a message about the request as a whole


class DomainError(Exception):
    status = 400
    default_message: Any = _("The request could not be carried out.")

    def __init__(self, message: Any = None, *, current: Any = None) -> None:
        self.message = self.default_message if message is None else message
        self.current = current
        super().__init__(str(self.message))

    @property
    def text(self) -> str:
        """Everything the error says, as one sentence for a banner or a flash message."""
        return str(self.message)

    def body(self) -> dict[str, Any]:
        """The JSON an API client or a page's script gets (without `current`)."""
        return {"detail": str(self.message)}


class NotFound(DomainError):
    status = 404
    default_message = NOT_FOUND


class Forbidden(DomainError):
    status = 403
    default_message = FORBIDDEN


class Conflict(DomainError):
    status = 409
    default_message = CONFLICTING_DATA


class StaleVersion(Conflict):
    """The object changed since the client's `version`; `conflicts` names the fields that both
    changed (empty when the caller did not say which it changed)."""

    default_message = STALE_VERSION

    def __init__(
        self, message: Any = None, *, current: Any = None, conflicts: Iterable[str] = ()
    ) -> None:
        super().__init__(message, current=current)
        self.conflicts = list(conflicts)

    def body(self) -> dict[str, Any]:
        body = super().body()
        if self.conflicts:
            body["conflicts"] = self.conflicts
        return body


class Invalid(DomainError):
    """Bad input: messages per field (`{"title": ["…"]}`), or one about the whole request."""

    status = 400

    def __init__(self, messages: Any = None, *, current: Any = None) -> None:
        self.fields = as_field_messages(messages if messages is not None else self.default_message)
        super().__init__(" ".join(m for found in self.fields.values() for m in found))

    def body(self) -> dict[str, Any]:
        if set(self.fields) == {NON_FIELD}:
            return {NON_FIELD: " ".join(self.fields[NON_FIELD])}
        return {field: list(found) for field, found in self.fields.items()}


def as_field_messages(messages: Any) -> dict[str, list[str]]:
    """`{"field": ["message", …]}` from a message, a list, a mapping or Django's error."""
    if isinstance(messages, DjangoValidationError):
        if hasattr(messages, "error_dict"):
            messages = {
                (NON_FIELD if field == "__all__" else field): found
                for field, found in messages.message_dict.items()
            }
        else:
            messages = list(messages.messages)
    if isinstance(messages, Mapping):
        return {
            str(field): [str(m) for m in (found if isinstance(found, list | tuple) else [found])]
            for field, found in messages.items()
        }
    if isinstance(messages, list | tuple):
        return {NON_FIELD: [str(m) for m in messages]}
    return {NON_FIELD: [str(messages)]}


def from_django(error: DjangoValidationError) -> Invalid:
    """A model's own validation (`full_clean`), said in the domain's language."""
    return Invalid(error)
