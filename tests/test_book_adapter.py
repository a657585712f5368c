"""The book's reach into WeasyPrint, pydyf and pypdf internals (book/weasy.py) still holds.

When an upgrade of one of these libraries moves something the book relies on, this fails
first, naming what moved, instead of a book that silently loses its diagrams.
"""

import io

import pytest
from pypdf import PdfReader

from book import weasy


def test_the_internals_the_book_relies_on_are_still_there() -> None:
    missing = weasy.internals_missing()
    assert not missing, (
        "A library upgrade moved what book/weasy.py relies on: "
        + "; ".join(missing)
        + ". Adapt book/weasy.py (and only it) to the new version."
    )


def test_painting_over_a_page_lands_in_the_written_pdf() -> None:
    """The adapter's own path end to end: a form XObject shown on page 2 of 2."""
    document = weasy.BookHTML(
        string="<p>one</p><p style='break-before: page'>two</p>", url_fetcher=weasy.url_fetcher()
    ).render()
    form = weasy.RawObject(
        b"<< /Type /XObject /Subtype /Form /BBox [0 0 10 10] /Resources << >> ",
        b"stream\n0 0 10 10 re f\nendstream",
        lambda head: head,
    )

    def painter(add_xobject, height: float) -> bytes:  # noqa: ANN001
        add_xobject("FsTest", form)
        return b"q 1 0 0 1 20 20 cm /FsTest Do Q"

    weasy.paint_over(document, 1, painter)
    pdf = PdfReader(io.BytesIO(weasy.write_pdf(document, [])))
    assert len(pdf.pages) == 2
    assert "/FsTest" in pdf.pages[1]["/Resources"]["/XObject"]
    assert b"/FsTest Do" in pdf.pages[1].get_contents().get_data()
    assert b"/FsTest Do" not in pdf.pages[0].get_contents().get_data()


def test_a_moved_internal_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    from pypdf import PdfWriter

    monkeypatch.delattr(PdfWriter, "_add_object")
    assert "pypdf.PdfWriter._add_object" in weasy.internals_missing()
