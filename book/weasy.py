"""Everything the book relies on inside WeasyPrint, pydyf and pypdf beyond their public API.

The book is fast because it reaches into these libraries in a few places; each one is here
and nowhere else, so an upgrade that moves one of them breaks this module only, and
`internals_missing()` (run by tests/test_book_adapter.py) names what moved:

- WeasyPrint's user-agent stylesheet (`HTML._ua_stylesheets`, `html.UA_COUNTER_STYLE`): the
  book hands it the part of the stylesheet it uses (templates/book/ua.css);
- the URL fetcher with an SSL context of our own (`urls.URLFetcher(ssl_context=)`);
- drawing onto WeasyPrint's pages while it writes the PDF: a page's `paint(stream, scale)`,
  the stream's `_resources` and `stream`, `write_pdf(finisher=)`, and pydyf objects whose
  bytes we give (`pydyf.Object` with `data`, `compressible`, `reference`);
- adding an object to a pypdf writer (`PdfWriter._add_object`), for the fallback stamping.
"""

import inspect
import ssl
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pydyf
import weasyprint
import weasyprint.urls
from pypdf import PdfWriter

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "book"

_UA: list[Any] = []
_FETCHER: list[Any] = []


class BookHTML(weasyprint.HTML):
    """WeasyPrint's HTML with the part of its user-agent stylesheet the book uses.

    templates/book/ua.css copies the rules of WeasyPrint's own for the elements of the book;
    matching all of the original against every element was a fifth of the layout's time.
    """

    def _ua_stylesheets(self, forms: bool = False) -> list[Any]:
        if not _UA:
            from weasyprint.html import UA_COUNTER_STYLE

            css = (TEMPLATES / "ua.css").read_text()
            _UA.append(weasyprint.CSS(string=css, counter_style=UA_COUNTER_STYLE))
        return [_UA[0]]


def url_fetcher() -> Any:
    """One URL fetcher for every book, without loading the system's certificates.

    WeasyPrint's default fetcher builds an SSL context with every trusted certificate for each
    document (0.2 s, seconds on a busy machine); the book fetches nothing over the network.
    """
    if not _FETCHER:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # never used: nothing is fetched
        _FETCHER.append(weasyprint.urls.URLFetcher(ssl_context=context))
    return _FETCHER[0]


class RawObject(pydyf.Object):
    """A PDF object written as given: `head` (its dictionary or value, where `resolve` turns
    each reference into the writer's) and `tail` (a stream's bytes, or nothing)."""

    def __init__(self, head: bytes, tail: bytes, resolve: Callable[[bytes], bytes]) -> None:
        super().__init__()
        self.head, self.tail, self.resolve = head, tail, resolve
        self.extra: dict = {}  # WeasyPrint looks for an /SMask of XObjects here

    @property
    def data(self) -> bytes:
        return self.resolve(self.head) + self.tail

    @property
    def compressible(self) -> bool:
        return not self.tail


Painter = Callable[[Callable[[str, Any], None], float], bytes]


def paint_over(document: Any, page_number: int, painter: Painter) -> None:
    """After WeasyPrint paints page `page_number`, append `painter`'s commands to it.

    `painter(add_xobject, page_height)` registers the XObjects it shows by name and returns
    the commands, in the page's coordinates (points, origin at the top left)."""
    page = document.pages[page_number]
    original = page.paint

    def paint(stream: Any, scale: float = 1, original: Any = original, page: Any = page) -> None:
        original(stream, scale)

        def add_xobject(name: str, obj: Any) -> None:
            stream._resources["XObject"][name] = obj

        stream.stream.append(painter(add_xobject, page.height * scale))

    page.paint = paint


def write_pdf(document: Any, extra_objects: list[Any]) -> bytes:
    """The document as PDF, with `extra_objects` (referenced by painted XObjects) in it."""

    def finish(_document: object, pdf: Any) -> None:
        for obj in extra_objects:
            pdf.add_object(obj)

    return document.write_pdf(finisher=finish)


def pypdf_add(writer: PdfWriter, obj: Any) -> Any:
    """Add `obj` to the writer's file: its indirect reference."""
    return writer._add_object(obj)


def internals_missing() -> list[str]:
    """What this module relies on that the installed libraries no longer have."""
    missing = []
    from weasyprint import html as weasy_html

    if not callable(getattr(weasyprint.HTML, "_ua_stylesheets", None)):
        missing.append("weasyprint.HTML._ua_stylesheets (the book's own UA stylesheet)")
    elif "forms" not in inspect.signature(weasyprint.HTML._ua_stylesheets).parameters:
        missing.append("weasyprint.HTML._ua_stylesheets(forms=…) changed its signature")
    if not hasattr(weasy_html, "UA_COUNTER_STYLE"):
        missing.append("weasyprint.html.UA_COUNTER_STYLE")
    if "ssl_context" not in inspect.signature(weasyprint.urls.URLFetcher).parameters:
        missing.append("weasyprint.urls.URLFetcher(ssl_context=…)")
    if "finisher" not in inspect.signature(weasyprint.Document.write_pdf).parameters:
        missing.append("weasyprint.Document.write_pdf(finisher=…)")
    for name in ("data", "compressible", "reference"):
        if not hasattr(pydyf.Object, name):
            missing.append(f"pydyf.Object.{name}")
    if not callable(getattr(PdfWriter, "_add_object", None)):
        missing.append("pypdf.PdfWriter._add_object")
    document = weasyprint.HTML(string="<p>x</p>").render()
    page = document.pages[0]
    if not callable(getattr(page, "paint", None)) or not hasattr(page, "height"):
        missing.append("weasyprint's Page.paint(stream, scale) and Page.height")
    elif "scale" not in inspect.signature(page.paint).parameters:
        missing.append("weasyprint's Page.paint(stream, scale) changed its signature")
    seen: list[Any] = []

    def spy(stream: Any, scale: float = 1, original: Any = page.paint) -> None:
        seen.append(stream)
        original(stream, scale)

    page.paint = spy
    document.write_pdf()
    if not seen or not isinstance(getattr(seen[0], "_resources", None), dict):
        missing.append("weasyprint's drawing stream ._resources (a dict of resources)")
    elif not hasattr(seen[0], "stream"):
        missing.append("weasyprint's drawing stream .stream (the list of its commands)")
    return missing
