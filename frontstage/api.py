"""Shared pieces of the REST API below any app: ids in paths, bodies and query strings."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers
from rest_framework.request import Request

MAX_ID = 2**63 - 1
ID_PATTERN = "[0-9]{1,18}"


class IdField(serializers.PrimaryKeyRelatedField):
    """A foreign key by id that answers 400, never 500, for ids no database can hold."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("incorrect_type", data_type=type(data).__name__)
        try:
            value = int(data)
        except (TypeError, ValueError):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not 1 <= value <= MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(value)


def query_id(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 19) or not 1 <= int(raw) <= MAX_ID:
        raise exceptions.ValidationError({name: [_("Expected an id (a positive whole number).")]})
    return int(raw)
