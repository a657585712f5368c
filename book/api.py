"""`GET /api/v1/blueprints/{id}/book.pdf`: the manager's blueprint book (book/pdf.py).

Every member of the workspace may read it (outsiders get 404, anonymous callers 401).
`?lang=` picks the language of the book (default: the request's); `?download=1` asks the
browser to save the file. The answer carries an ETag (the book's content hash), so a client
that sends it back in `If-None-Match` gets 304 while nothing in the book changed.
"""

from django.http import HttpResponse
from django.urls import re_path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request

from blueprints import render
from blueprints.diagram_api import (
    BLUEPRINT_ID,
    CANNOT_DRAW,
    DOWNLOAD,
    LANGUAGES,
    NOT_MODIFIED,
    UNAVAILABLE,
    DrawingView,
    RenderingUnavailable,
    file_name,
    file_response,
    not_modified,
    readable_blueprint,
    requested_language,
)
from book import pdf as book
from frontstage.api import ID_PATTERN

LANG = OpenApiParameter(
    "lang",
    str,
    OpenApiParameter.QUERY,
    enum=LANGUAGES,
    description="Language of the book; default: the request's language (`Accept-Language`).",
)


class BookView(DrawingView):
    @extend_schema(
        operation_id="v1_blueprints_book",
        summary="The blueprint book: a PDF for managers",
        description="Cover, contents, the diagram on A3 pages, landscape or upright for a tall "
        "blueprint (split by phases and lanes, never shrunk below a legible size), the steps of "
        "each band, the role interdependencies as a matrix and a network drawing, pain points "
        "and opportunities phase by phase with the customer's feeling; for a global blueprint the "
        "provenance and the open merge conflicts; personas, service protocols and workshop "
        "outputs.",
        parameters=[BLUEPRINT_ID, LANG, DOWNLOAD],
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            304: NOT_MODIFIED,
            503: UNAVAILABLE,
        },
    )
    def get(self, request: Request, id: str) -> HttpResponse:
        blueprint = readable_blueprint(request, id)
        try:
            made = book.book_pdf(blueprint, requested_language(request))
        except render.RenderError as error:
            raise RenderingUnavailable(CANNOT_DRAW.format(reason=error)) from error
        unchanged = not_modified(request, made.key)
        if unchanged is not None:
            return unchanged
        return file_response(
            request, made.pdf, "application/pdf", made.key, file_name(blueprint, "-book.pdf")
        )


urlpatterns = [
    re_path(
        rf"^blueprints/(?P<id>{ID_PATTERN})/book\.pdf$",
        BookView.as_view(),
        name="blueprint-book",
    ),
]
