"""Compressed answers: JSON and pages.

BREACH recovers a secret from a compressed answer by reflecting guesses of it into the same
answer, many times over, and watching the length. Compressing is safe where no answer carries
a secret that stays the same from one answer to the next:

- The CSRF token in pages and forms is masked afresh for every answer (Django's `get_token`:
  a random mask, sent with the masked secret), so its bytes never repeat and there is nothing
  to guess at byte by byte. Django's GZipMiddleware also adds up to 100 random bytes of
  padding to every answer ("Heal the BREACH"), blurring the lengths.
- The session cookie is SameSite=Lax: another site's page cannot make a signed-in browser
  fetch our pages by the thousand (images, scripts, fetch() go without the cookie).
- The CSP nonce changes with every answer too.

Pages showing a secret that does not change between answers — invitation links, a workshop's
join code, the admin (API tokens) — and the token endpoint's answer are left uncompressed
all the same. A page added with such a secret goes in SECRET_PAGES.

The board's fragments are compressed once when rendered and shared (blueprints/views.py);
they are already encoded and pass through here untouched.
"""

from django.http import HttpRequest, HttpResponse
from django.middleware.gzip import GZipMiddleware

NEVER = ("/api/v1/auth/", "/admin/")
# URL names of pages carrying a secret that is the same in every answer.
SECRET_PAGES = {
    "home",  # the signed-in person's invitations, with their links
    "invitation",  # its token
    "workspace-members",  # the invitations' links
    "workshop",  # the join code and link, for facilitators
}
TYPES = ("application/json", "text/html")


class CompressionMiddleware(GZipMiddleware):
    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if not response.get("Content-Type", "").startswith(TYPES) or request.path.startswith(NEVER):
            return response
        match = getattr(request, "resolver_match", None)
        if match is not None and match.url_name in SECRET_PAGES:
            return response
        return super().process_response(request, response)
