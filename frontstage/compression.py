"""Compressed JSON answers.

Only JSON is compressed here: the API's and the live catch-up's answers carry no CSRF token,
so compressing them gives a BREACH attacker no secret to guess at by reflecting input. Pages
are not (they carry the CSRF token next to what people typed); the board's fragments are
compressed once when rendered (blueprints/views.py). The token endpoint answers a secret and
is left alone.
"""

from django.http import HttpRequest, HttpResponse
from django.middleware.gzip import GZipMiddleware

NEVER = ("/api/v1/auth/",)


class JsonGZipMiddleware(GZipMiddleware):
    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        json = response.get("Content-Type", "").startswith("application/json")
        if not json or request.path.startswith(NEVER):
            return response
        return super().process_response(request, response)
