"""REST settings' hooks: pagination and error bodies (imported by DRF's own settings)."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, models
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from rest_framework import exceptions, pagination, parsers, status
from rest_framework.response import Response

from frontstage import errors


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


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """The domain's errors (frontstage/errors.py) as HTTP, once for the whole API."""
    if isinstance(exc, IntegrityError):
        # The database is the last guard of the invariants; a client hitting it gets a 409.
        exc = errors.Conflict()
    elif isinstance(exc, DjangoValidationError):
        exc = errors.Invalid(exc)
    if isinstance(exc, errors.DomainError):
        body = exc.body()
        current = shown(exc.current, context)
        if current is not None:
            body["current"] = current
        return Response(body, status=exc.status)
    # Imported here: this module is named in DRF's settings, and `rest_framework.views` reads
    # those settings as it loads, so importing it above is a cycle (when a system check loads
    # this module first, `manage.py` fails, depending on the hash seed).
    from rest_framework.views import exception_handler as drf_exception_handler

    return drf_exception_handler(exc, context)


def shown(current: Any, context: dict[str, Any]) -> Any:
    """An error's current object as the view shows that kind of object."""
    if not isinstance(current, models.Model):
        return current
    view = context.get("view")
    if view is None or not hasattr(view, "get_serializer"):
        return None
    return view.get_serializer(current).data


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
