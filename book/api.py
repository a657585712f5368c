"""The manager's blueprint book over HTTP (book/pdf.py builds it, book/builds.py in the
background).

- `GET /api/v1/blueprints/{id}/book.pdf` — the book when it is built for the blueprint as it
  is now: 200 with the PDF, its ETag the book's key (version stamps: the blueprint's events,
  its workspace's content stamp, the language, the code), 304 when `If-None-Match` names it.
  Otherwise 202 with the build's progress (JSON), `Location` the status URL and
  `Retry-After`: the request never waits for the build — unless the client asks to with
  `Prefer: wait=N` (RFC 7240), then it is built within the request. A build that failed
  answers 503 with its reason, until it is asked for again or the blueprint changes.
- `GET /api/v1/blueprints/{id}/book/build` — the state of the book's build; `POST` starts
  one (again, after a failure).

Every member of the workspace may read them (outsiders get 404, anonymous callers 401).
`?lang=` picks the language of the book (default: the request's); `?download=1` asks the
browser to save the file.
"""

import re
import time
from pathlib import Path
from typing import Any

from django.http import HttpResponse
from django.urls import re_path, reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

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
from blueprints.models import Blueprint
from book import builds
from book import pdf as book
from book.models import BookBuild, BuildState
from frontstage.api import ID_PATTERN

LANG = OpenApiParameter(
    "lang",
    str,
    OpenApiParameter.QUERY,
    enum=LANGUAGES,
    description="Language of the book; default: the request's language (`Accept-Language`).",
)
PREFER = OpenApiParameter(
    "Prefer",
    str,
    OpenApiParameter.HEADER,
    description="`wait=N` (RFC 7240): build the book within the request when it is not "
    "ready, instead of answering 202 (for scripts that would rather wait).",
)
RETRY_AFTER = 2  # seconds a client waits before asking again


class BuildSerializer(serializers.Serializer):
    state = serializers.ChoiceField(
        choices=["missing", *BuildState.values],
        help_text="`missing`: never asked for; `queued`, `running`; `done`: the file is "
        "ready (`ready`); `failed`: see `reason`.",
    )
    ready = serializers.BooleanField(help_text="The book of the blueprint as it is now exists.")
    stage = serializers.CharField(
        help_text="queued, reading, drawing, laying_out, writing, done (or empty)."
    )
    progress = serializers.IntegerField(min_value=0, max_value=100, help_text="Percent.")
    reason = serializers.CharField(help_text="Why the build failed, for people; else empty.")
    attempts = serializers.IntegerField(help_text="Tries of this build so far.")
    enqueued_at = serializers.DateTimeField(allow_null=True)
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    etag = serializers.CharField(help_text="The key of the book as the blueprint is now.")
    status_url = serializers.CharField(help_text="Where to follow the build.")
    book_url = serializers.CharField(help_text="Where the book is read once ready.")


class BuildFailedSerializer(BuildSerializer):
    detail = serializers.CharField(help_text="What went wrong, for people.")


IN_PROGRESS = OpenApiResponse(
    BuildSerializer,
    description="The book is being built (or queued): ask again after `Retry-After` seconds, "
    "or follow `Location` (the status URL).",
)
FAILED = OpenApiResponse(
    BuildFailedSerializer,
    description="The book could not be built (`reason`), or Graphviz is unavailable; "
    "`POST` the status URL to try again.",
)


def wants_to_wait(request: Request) -> bool:
    prefer = request.headers.get("Prefer", "")
    return bool(re.search(r"(^|[,;\s])wait\s*=\s*\d+", prefer))


def _urls(request: Request, blueprint: Blueprint, code: str) -> dict[str, str]:
    query = f"?lang={code}"
    return {
        "status_url": reverse("blueprint-book-build", args=[blueprint.pk]) + query,
        "book_url": reverse("blueprint-book", args=[blueprint.pk]) + query,
    }


def build_body(
    request: Request,
    blueprint: Blueprint,
    code: str,
    key: str,
    path: Path | None,
    build: BookBuild | None,
) -> dict[str, Any]:
    if build is not None:
        body = builds.progress_of(build)
        if build.key != key or (build.state == BuildState.DONE and path is None):
            # a build of the blueprint as it was, or a file pruned from the cache since
            body |= {"state": "missing", "stage": "", "progress": 0, "reason": ""}
    else:
        body = {
            "state": BuildState.DONE if path is not None else "missing",
            "stage": "",
            "progress": 100 if path is not None else 0,
            "reason": "",
            "attempts": 0,
            "enqueued_at": None,
            "started_at": None,
            "finished_at": None,
        }
    if path is not None:
        body |= {"state": BuildState.DONE, "stage": "done", "progress": 100, "reason": ""}
    return body | {"ready": path is not None, "etag": key} | _urls(request, blueprint, code)


def pending_response(request: Request, body: dict[str, Any]) -> Response:
    if body["state"] == BuildState.FAILED:
        reason = body["reason"] or _("no reason given")
        detail = _("The book could not be made: %(reason)s") % {"reason": reason}
        return Response(body | {"detail": detail}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
    response = Response(body, status=status.HTTP_202_ACCEPTED)
    response["Retry-After"] = str(RETRY_AFTER)
    response["Location"] = body["status_url"]
    response["Cache-Control"] = "no-store"
    return response


class BookView(DrawingView):
    @extend_schema(
        operation_id="v1_blueprints_book",
        summary="The blueprint book: a PDF for managers",
        description="Cover, contents, the diagram on A3 pages, landscape or upright for a tall "
        "blueprint (split by phases and lanes, never shrunk below a legible size), the steps of "
        "each band, the role interdependencies as a matrix and a network drawing, pain points "
        "and opportunities phase by phase with the customer's feeling; for a global blueprint the "
        "provenance and the open merge conflicts; personas, service protocols and workshop "
        "outputs.\n\n"
        "Books are built in the background. When the book of the blueprint as it is now is "
        "built, the answer is the PDF (200; `ETag` the book's key: 304 when `If-None-Match` "
        "names it). Otherwise the build starts (or goes on) and the answer is 202 with its "
        "progress, `Location` the status URL and `Retry-After`: ask again then. A failed build "
        "answers 503 with its reason; `POST` the status URL to try again. With `Prefer: "
        "wait=N` the book is built within the request instead.",
        parameters=[BLUEPRINT_ID, LANG, DOWNLOAD, PREFER],
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            202: IN_PROGRESS,
            304: NOT_MODIFIED,
            503: FAILED,
        },
    )
    def get(self, request: Request, id: str) -> HttpResponse:
        blueprint = readable_blueprint(request, id)
        code = requested_language(request)
        key, path = book.cached(blueprint, code)
        unchanged = not_modified(request, key)
        if unchanged is not None:
            return unchanged
        name = file_name(blueprint, "-book.pdf")
        if path is not None:
            try:
                return file_response(request, path.read_bytes(), "application/pdf", key, name)
            except OSError:
                pass  # pruned meanwhile: built again
        if wants_to_wait(request):
            started = time.perf_counter()
            try:
                made = book.book_pdf(blueprint, code)
            except render.RenderError as error:
                raise RenderingUnavailable(CANNOT_DRAW.format(reason=error)) from error
            builds.built(blueprint, code, made.key, time.perf_counter() - started)
            response = file_response(request, made.pdf, "application/pdf", made.key, name)
            response["Preference-Applied"] = "wait"
            return response
        build = builds.wanted(blueprint, code, key)
        return pending_response(request, build_body(request, blueprint, code, key, None, build))


class BookBuildView(DrawingView):
    @extend_schema(
        operation_id="v1_blueprints_book_build",
        summary="The state of the book's background build",
        description="`ready` once the book of the blueprint as it is now can be read at "
        "`book_url`; otherwise the build's state, stage and progress, and `reason` when it "
        "failed. Asking starts nothing.",
        parameters=[BLUEPRINT_ID, LANG],
        responses={200: BuildSerializer, 503: UNAVAILABLE},
    )
    def get(self, request: Request, id: str) -> HttpResponse:
        blueprint = readable_blueprint(request, id)
        code = requested_language(request)
        key, path = book.cached(blueprint, code)
        build = BookBuild.objects.filter(blueprint=blueprint, language=code).first()
        if build is not None and path is None and build.key == key and build.state in builds.ACTIVE:
            if builds.is_lost(build):
                build = builds.wanted(blueprint, code, key)  # queued again, or failed
        response = Response(build_body(request, blueprint, code, key, path, build))
        response["Cache-Control"] = "no-store"
        return response

    @extend_schema(
        operation_id="v1_blueprints_book_build_start",
        summary="Build the book (again)",
        description="Starts the build of the book of the blueprint as it is now, also after a "
        "failure; nothing to do when it is ready (200) or already being built.",
        parameters=[BLUEPRINT_ID, LANG],
        request=None,
        responses={200: BuildSerializer, 202: IN_PROGRESS, 503: UNAVAILABLE},
    )
    def post(self, request: Request, id: str) -> HttpResponse:
        blueprint = readable_blueprint(request, id)
        code = requested_language(request)
        key, path = book.cached(blueprint, code)
        if path is not None:
            return Response(build_body(request, blueprint, code, key, path, None))
        current = BookBuild.objects.filter(blueprint=blueprint, language=code).first()
        again = current is not None and current.state == BuildState.FAILED
        build = builds.wanted(blueprint, code, key, again=again)
        return pending_response(request, build_body(request, blueprint, code, key, None, build))


urlpatterns = [
    re_path(
        rf"^blueprints/(?P<id>{ID_PATTERN})/book\.pdf$",
        BookView.as_view(),
        name="blueprint-book",
    ),
    re_path(
        rf"^blueprints/(?P<id>{ID_PATTERN})/book/build$",
        BookBuildView.as_view(),
        name="blueprint-book-build",
    ),
]
