"""The pages' side of the domain's errors (frontstage/errors.py), said once.

A page's script that asked for JSON gets the API's body and status; a browser that posted a
form gets the message as a flash message on the page it goes back to.
"""

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse

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
