"""The chapter "From personas to new services" of the global blueprint's book, read back from
the PDF: its title, the matrix drawing, the experiments' hypotheses and verdicts, data needs and
the roadmap, in the reader's language; a team blueprint's book has no such chapter."""

import functools
import subprocess
import tempfile
from io import BytesIO, StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import translation
from django.utils.translation import gettext as _
from pypdf import PdfReader

from blueprints import merging
from blueprints.models import Blueprint
from book import pdf as book
from innovation import services
from innovation.models import Experiment, Opportunity
from tests.browser import ARTIFACTS
from tests.conftest import World

CHAPTER = {"en": "From personas to new services"}


@pytest.fixture
def demo(transactional_db: None, settings: Any) -> Blueprint:
    """The demo with its personas (drafted from the contacts: the segmentation runs in a
    thread, hence a real transaction) and the global blueprint."""
    settings.DEMO_CONTACTS = True
    call_command("seed_demo", stdout=StringIO())
    workspace = Blueprint.objects.filter(kind="team").first().workspace
    if not Blueprint.objects.filter(workspace=workspace, kind="global").exists():
        merging.blueprint_merge(workspace=workspace, user=None)
    return Blueprint.objects.get(workspace=workspace, kind="global")


@functools.cache
def pages_text(content: bytes) -> list[str]:
    """Each page's text; the A3 pages of the diagram and the network read as empty (reading one
    back means reading the whole drawing, the slowest part of the test by far)."""
    return [
        ""
        if max(float(page.mediabox.width), float(page.mediabox.height)) > 1000
        else page.extract_text()
        for page in PdfReader(BytesIO(content)).pages
    ]


def chapter_pages(content: bytes, title: str) -> list[int]:
    """The pages from the chapter's first (its title with the matrix's axis) to the end."""
    texts = pages_text(content)
    start = next(i for i, text in enumerate(texts) if title in text and "100" in text)
    return list(range(start, len(texts)))


def as_png(content: bytes, page: int, name: str) -> Path:
    """Page `page` (0-based) drawn by pdftoppm into artifacts/, to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder, "book.pdf")
        source.write_bytes(content)
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", "-f", str(page + 1), "-l", str(page + 1),
             "-singlefile", source, ARTIFACTS / name],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
    return ARTIFACTS / f"{name}.png"


def test_the_global_book_has_the_chapter_in_english_and_in_spanish(demo: Blueprint) -> None:
    made = book.book_pdf(demo, "en").pdf
    text = "\n".join(pages_text(made))
    assert CHAPTER["en"] in text
    validated = Experiment.objects.get(status="validated")
    invalidated = Experiment.objects.get(status="invalidated")
    flat = " ".join(text.split())
    for experiment in (validated, invalidated):
        assert experiment.mvp_name in flat
        assert " ".join(experiment.hypothesis.split())[:60] in flat
    assert "Validated · Target met" in flat and "Invalidated · Target not met" in flat
    result = validated.result.normalize()
    assert f"{result:f}" in flat and f"{result:.4f}" not in flat  # 17.5, not 17.5000
    assert "QUICK WINS" in flat and "Roadmap" in flat
    for title in Opportunity.objects.values_list("title", flat=True):
        assert title[:30] in flat, title
    pages = chapter_pages(made, CHAPTER["en"])
    for number, page in enumerate(pages[:3]):
        as_png(made, page, f"innovation-book-en-{number}")

    # The same chapter for a Spanish reader.
    made = book.book_pdf(demo, "es").pdf
    with translation.override("es"):
        title = _("From personas to new services")  # the catalog's words, once it has them
    pages = chapter_pages(made, title)
    flat = " ".join(" ".join(pages_text(made)[pages[0] :]).split())
    assert flat.startswith(f"Global · {title}") or title in flat
    # Words the Spanish catalog already has: an entry, the tables' headings (set in capitals)
    # and the roadmap's first column.
    assert "Oportunidades" in flat and "ESTADO" in flat and "Ahora" in flat
    assert "STATUS" not in flat
    assert " ".join(validated.hypothesis.split())[:60] in flat
    as_png(made, pages[0], "innovation-book-es-0")


def test_a_team_book_has_no_such_chapter(world: World) -> None:
    made = book.book_pdf(world.a.blueprint, "en").pdf
    assert CHAPTER["en"] not in "\n".join(pages_text(made))


def test_script_and_dot_in_titles_are_harmless_in_the_drawing(world: World) -> None:
    services.item_create(
        model=Opportunity,
        workspace=world.workspace,
        values={
            "title": '<script>x</script> "]; node [',
            "customer_value": 90,
            "business_value": 80,
            "effort": 1,
        },  # fmt: skip
        actor=world.people["facilitator"],
    )
    made = book.book_pdf(world.glob.blueprint, "en").pdf
    flat = " ".join(" ".join(pages_text(made)).split())
    assert CHAPTER["en"] in flat
    pages = chapter_pages(made, CHAPTER["en"])
    as_png(made, pages[0], "innovation-book-hostile")
    squeezed = flat.replace(" ", "")
    assert squeezed.count('<script>x</script>"];node[') == 2, flat  # drawing and table, as text
