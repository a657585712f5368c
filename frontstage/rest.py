"""REST settings' hooks: pagination and error bodies (imported by DRF's own settings)."""

from typing import Any

from django.db import IntegrityError
from rest_framework import exceptions, pagination, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

STALE_VERSION = "Someone else changed this in the meantime; here is the current version."
CONFLICTING_DATA = "This change conflicts with existing data; reload and try again."


class Pagination(pagination.PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = STALE_VERSION
    default_code = "conflict"

    def __init__(self, current: dict[str, Any] | None = None, detail: str = STALE_VERSION):
        super().__init__(detail)
        self.current = current


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, IntegrityError):
        # The database is the last guard of the invariants; a client hitting it gets a 409.
        return Response({"detail": CONFLICTING_DATA}, status=status.HTTP_409_CONFLICT)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, Conflict) and exc.current is not None:
        response.data = {"detail": str(exc.detail), "current": exc.current}
    return response
