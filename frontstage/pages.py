"""The pages' side of the domain's errors (frontstage/errors.py), said once.

A page's script that asked for JSON gets the API's body and status; a browser that posted a
form gets the message as a flash message on the page it goes back to.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import defaults

from frontstage import errors


def wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def error_answer(
    request: HttpRequest, error: errors.DomainError, back: Callable[[], HttpResponse]
) -> HttpResponse:
    if wants_json(request):
        body = {"detail": error.text}
        if isinstance(error, errors.StaleVersion) and error.conflicts:
            body["conflicts"] = error.conflicts
        if isinstance(error.current, dict):
            body["current"] = error.current
        return JsonResponse(body, status=error.status)
    messages.error(request, error.text)
    return back()


def form_error(form: Any, error: errors.DomainError) -> None:
    """A service's refusal shown on the form that asked for it: each field's messages by its
    field, the rest above the form (the page then answers 400 with the form as it was)."""
    fields = getattr(error, "fields", {errors.NON_FIELD: [error.text]})
    for field, found in fields.items():
        for message in found:
            form.add_error(field if field in form.fields else None, message)


class DomainErrorMiddleware:
    """A domain error a page view lets through, answered as pages answer: 404 and 403 as
    Django's pages, bad input and conflicts as a message on the page the form came from
    (JSON for a page's script). The API answers its own (frontstage/rest.py)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, errors.DomainError) or request.path.startswith("/api/"):
            return None
        if isinstance(exception, errors.NotFound) and not wants_json(request):
            return defaults.page_not_found(request, Http404(exception.text))
        if isinstance(exception, errors.Forbidden) and not wants_json(request):
            return defaults.permission_denied(request, PermissionDenied(exception.text))
        return error_answer(request, exception, lambda: back_to_form(request, exception))


def back_to_form(request: HttpRequest, error: errors.DomainError) -> HttpResponse:
    """The page the form was posted from (this site's only), or the bare error."""
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(referer)
    return HttpResponse(error.text, status=error.status, content_type="text/plain")
