"""REST settings' hooks: pagination and error bodies (imported by DRF's own settings)."""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, models
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware import common
from django.utils.http import escape_leading_slashes
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, pagination, parsers
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


def is_api(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


# What a client is told when something below the API's views answers (Django's 404 for an
# unknown URL, a view's 405, the CSRF check's 403, a crash's 500): said without the page.
ERROR_DETAILS = {
    400: _("The request could not be read."),
    403: _("You do not have permission to perform this action."),
    404: _("Not found."),
    405: _("Method not allowed."),
    500: _("Server error."),
}


class ApiErrorsMiddleware:
    """Every answer under /api/ is JSON, the ones no API view wrote included: an error in HTML
    (or the schema view's YAML) becomes `{"detail": …}` with its status and headers, and a URL
    missing its trailing slash is sent on with 308, which keeps the method and the body."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not is_api(request.path):
            return response
        if response.status_code == 301 and response.get("Location", "").split("?")[0] in (
            request.path + "/",
            request.build_absolute_uri(request.path + "/"),
        ):
            return _as_json(response, _("This URL ends with a slash."), code=308)
        if response.status_code < 400 or "json" in response.get("Content-Type", ""):
            return response
        data = getattr(response, "data", None)
        if isinstance(data, dict) and "detail" in data:
            detail = str(data["detail"])
        else:
            detail = str(ERROR_DETAILS.get(response.status_code, response.reason_phrase))
        return _as_json(response, detail, code=response.status_code)


def _as_json(original: HttpResponse, detail: str, *, code: int) -> JsonResponse:
    answer = JsonResponse({"detail": detail}, status=code)
    for header, value in original.items():
        if header.lower() not in ("content-type", "content-length"):
            answer[header] = value
    return answer


class CommonMiddleware(common.CommonMiddleware):
    """Django's, but a URL under /api/ missing its slash is sent on whatever the method
    (ApiErrorsMiddleware answers 308, which keeps a POST's body), even under DEBUG."""

    def get_full_path_with_slash(self, request: HttpRequest) -> str:
        if is_api(request.path):
            return escape_leading_slashes(request.get_full_path(force_append_slash=True))
        return super().get_full_path_with_slash(request)
