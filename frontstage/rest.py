"""REST settings' hooks: pagination and error bodies (imported by DRF's own settings)."""

from typing import Any

from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from rest_framework import exceptions, pagination, parsers, status
from rest_framework.response import Response

STALE_VERSION = _("Someone else changed this in the meantime; here is the current version.")
CONFLICTING_DATA = _("This change conflicts with existing data; reload and try again.")


class Pagination(pagination.PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, but a body nested too deeply for Python to read answers 400, not 500."""

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise exceptions.ParseError("JSON parse error - nested too deeply.") from exc


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
    # Imported here: this module is named in DRF's settings, and `rest_framework.views` reads
    # those settings as it loads, so importing it above is a cycle (when a system check loads
    # this module first, `manage.py` fails, depending on the hash seed).
    from rest_framework.views import exception_handler as drf_exception_handler

    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, Conflict) and exc.current is not None:
        response.data = {"detail": str(exc.detail), "current": exc.current}
    return response


def _api_error(request: HttpRequest, code: int, detail: str) -> HttpResponse | None:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": detail}, status=code)
    return None


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """A request Django refuses before any view (e.g. too many form fields): JSON on the API."""
    answer = _api_error(request, status.HTTP_400_BAD_REQUEST, _("The request could not be read."))
    return defaults.bad_request(request, exception) if answer is None else answer


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """URLs the API does not know (e.g. `/api/v1/steps/abc/`) answer 404 in JSON, like the rest."""
    answer = _api_error(request, status.HTTP_404_NOT_FOUND, _("Not found."))
    return defaults.page_not_found(request, exception) if answer is None else answer
