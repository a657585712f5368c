"""The manager's blueprint book, read back from the PDF the API answers.

Every test fetches `GET /api/v1/blueprints/{id}/book.pdf` and reads what came out: text with
pypdf, page count and sizes, and pixels of pages drawn by `pdftoppm` (poppler), so a blank or
misplaced diagram fails as surely as a missing title.
"""

import re
import subprocess
import tempfile
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from io import BytesIO, StringIO
from pathlib import Path
from typing import Any

import pytest
import weasyprint
from django.core.management import call_command
from django.test import override_settings
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import npgettext
from pypdf import PdfReader
from rest_framework.test import APIClient

from blueprints import layout, merging, render
from blueprints.models import Actor, Blueprint, Channel, Lane, Phase, Step
from book import diagram as book_diagram
from book import pdf as book
from tests import factories
from tests.conftest import World
from workshops import services as workshop_services
from workshops.models import Output

A3_LANDSCAPE = (1190.55, 841.89)
A3_PORTRAIT = (841.89, 1190.55)
A4_PORTRAIT = (595.28, 841.89)
A4_LANDSCAPE = (841.89, 595.28)


@pytest.fixture(autouse=True)
def render_cache(settings: Any, tmp_path: Path) -> Path:
    settings.RENDER_CACHE_DIR = tmp_path / "render-cache"
    return settings.RENDER_CACHE_DIR


def book_url(blueprint: Blueprint, **params: str) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"/api/v1/blueprints/{blueprint.pk}/book.pdf" + (f"?{query}" if query else "")


@dataclass
class Book:
    content: bytes
    reader: PdfReader
    texts: dict[int, str] = field(default_factory=dict)  # pages read so far

    @property
    def pages(self) -> int:
        return len(self.reader.pages)

    def text(self, page: int) -> str:
        # NFKC: Pango sets "fl" and "fi" as ligatures, which read back as one character.
        if page not in self.texts:
            text = self.reader.pages[page].extract_text() or ""
            self.texts[page] = unicodedata.normalize("NFKC", text)
        return self.texts[page]

    def all_text(self) -> str:
        return "\n".join(self.text(i) for i in range(self.pages))

    def size(self, page: int) -> tuple[float, float]:
        box = self.reader.pages[page].mediabox
        return round(float(box.width), 2), round(float(box.height), 2)

    def diagram_pages(self) -> list[int]:
        """The A3 pages of the diagram: the first run of them (a big network of roles has an
        A3 page of its own, later in the book)."""
        a3 = [i for i in range(self.pages) if is_a3(self.size(i))]
        return [page for n, page in enumerate(a3) if page == a3[0] + n]

    def section(self, title: str) -> int:
        """The first page after the contents that shows `title`."""
        return next(
            i
            for i in range(2, self.pages)
            # Diagram pages are skipped: reading one back means reading the whole drawing.
            if not is_a3(self.size(i)) and title in self.text(i)
        )

    def listed(self, title: str) -> int:
        """The page (0-based) the contents give for `title`: no page is read but the contents."""
        found = re.search(re.escape(title) + r"[ .]*?(\d+)\s*$", self.text(1), re.MULTILINE)
        assert found, f"{title!r} missing from the contents"
        return int(found.group(1)) - 1

    def fonts(self) -> set[str]:
        found: set[str] = set()

        def collect(resources: Any) -> None:
            resources = resources.get_object() if resources is not None else {}
            for font in (resources.get("/Font") or {}).values():
                found.add(str(font.get_object().get("/BaseFont")))
            for xobject in (resources.get("/XObject") or {}).values():
                collect(xobject.get_object().get("/Resources"))

        for page in self.reader.pages:
            collect(page.get("/Resources"))
        return found


def same_size(size: tuple[float, float], expected: tuple[float, float]) -> bool:
    return abs(size[0] - expected[0]) < 1.5 and abs(size[1] - expected[1]) < 1.5


def is_a3(size: tuple[float, float]) -> bool:
    """The diagram's pages, and only they, are A3 (landscape, or upright for tall drawings)."""
    return same_size(size, A3_LANDSCAPE) or same_size(size, A3_PORTRAIT)


# The book built within the request (`Prefer: wait`): these tests read what is in it;
# tests/test_book_builds.py follows the background builds a client meets by default.
WAIT = {"HTTP_PREFER": "wait=600"}


def fetch(client: APIClient, blueprint: Blueprint, **params: str) -> Book:
    response = client.get(book_url(blueprint, **params), **WAIT)
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/pdf"
    content = response.content
    return Book(content, PdfReader(BytesIO(content)))


def squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


@dataclass
class Picture:
    """A page drawn by pdftoppm: width × height RGB pixels."""

    width: int
    height: int
    pixels: bytes

    def share(self, test: Any, region: tuple[float, float, float, float] = (0, 0, 1, 1)) -> float:
        """Share of the pixels in `region` (fractions left, top, right, bottom) passing `test`."""
        left, top = int(region[0] * self.width), int(region[1] * self.height)
        right, bottom = int(region[2] * self.width), int(region[3] * self.height)
        hits = total = 0
        for y in range(top, bottom, 2):
            row = y * self.width * 3
            for x in range(left, right, 2):
                i = row + x * 3
                total += 1
                hits += test(self.pixels[i], self.pixels[i + 1], self.pixels[i + 2])
        return hits / max(total, 1)


def picture(content: bytes, page: int, dpi: int = 30) -> Picture:
    """Page `page` (0-based) of a PDF as pixels, drawn by poppler's pdftoppm."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder, "book.pdf")
        source.write_bytes(content)
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-f", str(page + 1), "-l", str(page + 1), source,
             Path(folder, "page")],
            check=True,
            capture_output=True,
            timeout=60,
        )  # fmt: skip
        (drawn,) = Path(folder).glob("page*.ppm")
        data = drawn.read_bytes()
    magic, width, height, _depth, pixels = data.split(maxsplit=4)
    assert magic == b"P6"
    return Picture(int(width), int(height), pixels)


def hex_rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def near(colour: str, tolerance: int = 6) -> Any:
    wanted = hex_rgb(colour)
    return lambda r, g, b: all(
        abs(a - w) <= tolerance for a, w in zip((r, g, b), wanted, strict=True)
    )


def dark(r: int, g: int, b: int) -> bool:
    return r + g + b < 200


# --- access -----------------------------------------------------------------------------------


def test_every_member_reads_the_book_and_nobody_else(world: World) -> None:
    url = book_url(world.a.blueprint)
    assert world.client("anonymous").get(url).status_code == 401
    assert world.client("outsider").get(url).status_code == 404
    assert world.client("manager").get("/api/v1/blueprints/999999/book.pdf").status_code == 404
    for who in ["manager", "bob", "alice", "facilitator"]:
        response = world.client(who).get(url, **WAIT)
        assert response.status_code == 200, who
        assert response.content.startswith(b"%PDF-")
        assert response["Content-Disposition"].startswith("inline")
    download = world.client("manager").get(url + "?download=1", **WAIT)
    filename = f"a-{world.a.blueprint.pk}-book.pdf"
    assert download["Content-Disposition"] == f'attachment; filename="{filename}"'


# --- a team blueprint's book, read once for several tests ----------------------------------


@pytest.fixture(scope="module")
def report(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Book]:
    """The book of a small team blueprint with everything a manager reads in it.

    Made once for the tests that only read it: a book costs seconds to write.
    """
    with django_db_blocker.unblock():
        reader = factories.make_user("book-reader")
        workspace = factories.make_workspace("Aurora Beverages", manager=[reader])
        team = factories.make_team(workspace, "Service centre")
        analyst = Actor.objects.create(workspace=workspace, name="Quality analyst")
        consumer = Actor.objects.create(workspace=workspace, name="Consumer")
        channel = Channel.objects.create(workspace=workspace, name="WhatsApp", kind="chat")
        blueprint = factories.make_blueprint(workspace, team, title="Handling a complaint")
        parts = factories.fill_blueprint(blueprint, analyst)
        Lane.objects.filter(pk=parts.lane.pk).update(actor=consumer)
        Step.objects.filter(pk=parts.step.pk).update(
            kind="pain_point",
            emotion=-2,
            channel=channel,
            description="Waits twenty minutes in the phone queue",
            data_captured="Batch code",
            data_recorded_in="CRM case",
        )
        resolution = blueprint.phases.get(name="Resolution")
        factories.make_step(parts.lane, resolution, "Offer a replacement crate", kind="opportunity")
        client = APIClient()
        client.force_authenticate(reader)
        try:
            with override_settings(RENDER_CACHE_DIR=tmp_path_factory.mktemp("book-cache")):
                yield fetch(client, blueprint)
        finally:
            workspace.delete()
            reader.delete()


def test_the_book_has_every_section_in_order_with_page_numbers(report: Book) -> None:
    cover = report.text(0)
    for expected in [
        "AURORA BEVERAGES",
        "Handling a complaint",
        "Team blueprint",
        "Service centre",
        "2 phases · 2 lanes · 3 steps · 1 link",
    ]:
        assert expected in cover
    contents = report.text(1)
    sections = [
        "At a glance",
        "The blueprint diagram",
        "Steps by band",
        "Role interdependencies",
        "Pain points and opportunities",
        "Consumer-data practices",
        "Design review",
        "Personas and service protocols",
        "Workshop outputs",
    ]
    numbers = []
    for section in sections:
        found = re.search(re.escape(section) + r"[ .]*?(\d+)\s*$", contents, re.MULTILINE)
        assert found, f"{section!r} missing from the contents:\n{contents}"
        numbers.append(int(found.group(1)))
    assert numbers == sorted(numbers)
    for section, number in zip(sections, numbers, strict=True):
        # The contents point at the page where the section starts.
        assert report.text(number - 1).startswith(section), section
    for page in range(1, report.pages):
        assert f"Page {page + 1} of {report.pages}" in report.text(page)
    assert "Page 1 of" not in cover  # the cover has no running header or footer
    for section in ["Personas and service protocols", "Workshop outputs"]:
        assert "None yet." in report.text(report.section(section))  # until their apps feed them


def test_steps_appear_in_their_band_table_with_channel_evidence_and_data(report: Book) -> None:
    steps_page = report.section("Steps by band")
    tables = "\n".join(report.text(i) for i in range(steps_page + 1, report.section("Role")))
    for expected in [
        "Customer actions",
        "Backstage",
        "Calls about a flat bottle",
        "PAIN POINT",
        "Waits twenty minutes in the phone queue",
        "WhatsApp",
        "Batch code → CRM case",
        "Observed",
        "Checks the batch code",
        "Quality analyst",
        "☹ −2",
    ]:
        assert expected in tables
    assert report.size(steps_page + 1) == A4_LANDSCAPE
    text = report.text(report.section("Pain points and opportunities") + 1)
    assert "Calls about a flat bottle" in text and "Offer a replacement crate" in text
    assert "Steps that hurt · 1 step" in text and "Opportunities · 1 step" in text


def test_the_diagram_is_vector_graphics_on_a3_landscape_in_the_colours_of_the_board(
    report: Book,
) -> None:
    diagram = report.diagram_pages()
    assert len(diagram) == 1
    text = report.text(diagram[0])
    # Real text, drawn by Graphviz: the cards, the lanes, the phases, the lines.
    for expected in ["Calls about a flat bottle", "Checks the batch code", "Consumer"]:
        assert expected in text
    assert "1. Contact" in text and "2. Resolution" in text
    assert "LINE OF VISIBILITY" in text
    drawn = picture(report.content, diagram[0])
    slot = (0.03, 0.1, 0.97, 0.95)
    assert drawn.share(near(layout.BAND_FILLS["customer"]), slot) > 0.01
    assert drawn.share(near(layout.BAND_FILLS["backstage"]), slot) > 0.01
    # The kind strip of the one pain point (a few pixels at 40 dpi, fewer since the gutters
    # between phases hold the links).
    assert drawn.share(near(layout.KIND_COLOURS["pain_point"], 30), slot) > 0.0003
    assert drawn.share(dark, slot) > 0.005


def test_the_role_interdependencies_count_links_between_actors(report: Book) -> None:
    text = report.text(report.section("Role interdependencies"))
    assert "Consumer" in text and "Quality analyst" in text
    assert "1 handoff" in text


def test_labels_follow_lang_and_the_request_language(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every piece of the book's chrome goes through gettext with the reader's language active
    # (the catalogs come separately: here, the language switch itself is what is checked).
    asked: list[tuple[str, str]] = []
    for name in ("gettext", "ngettext", "pgettext"):
        real = getattr(translation._trans, name)

        def spy(*args: Any, real: Any = real) -> str:
            message = args[1] if len(args) == 3 and real.__name__ == "pgettext" else args[0]
            asked.append((str(message), translation.get_language()))
            return real(*args)

        monkeypatch.setattr(translation._trans, name, spy)
    made = fetch(world.client("manager"), world.a.blueprint, lang="es")
    spanish = made.all_text()
    assert "Acciones del cliente" in spanish and "Blueprint del equipo" in spanish
    chrome = [
        "Date",  # cover
        "Teams involved",
        "Steps by band",  # headings
        "Contents",
        "Page %(page)s of %(pages)s",  # running footer
        "Phase",  # table headers drawn by Graphviz
        "Data captured",
        "%(shown)s phase",  # counts, written the reader's way
    ]
    for message in chrome:
        languages = {language for asked_for, language in asked if asked_for == message}
        assert languages == {"es"}, f"{message!r} asked for in {languages or 'no language'}"
    monkeypatch.undo()
    # Dates and numbers follow the language through Django's formats, catalogs or not.
    with translation.override("es"):
        today = formats.date_format(timezone.localdate(), "DATE_FORMAT")
        assert book.number(12345) == "12\xa0345"
    assert " de " in today and today in made.text(0)
    with translation.override("it"):
        assert book.number(1000) == "1.000"
    assert len(made.diagram_pages()) == 1
    # Sizes stay CSS in every locale: "252.0mm", never "252,0mm".
    with translation.override("es"):
        context = book.book_context(world.a.blueprint, "es")
        html = book.book_html(context, [], [], [])
    assert re.search(r"height: 252(\.0)?mm", html)
    assert not re.search(r"\d,\d+mm", html)
    response = world.client("manager").get(
        book_url(world.a.blueprint), HTTP_ACCEPT_LANGUAGE="it", **WAIT
    )
    italian = Book(response.content, PdfReader(BytesIO(response.content)))
    assert "Azioni del cliente" in italian.all_text()
    assert "Linea di visibilità".upper() in italian.all_text()
    with translation.override("it"):
        assert formats.date_format(timezone.localdate(), "DATE_FORMAT") in italian.text(0)


# --- global blueprint ---------------------------------------------------------------------------


def test_a_merged_global_blueprint_reads_its_default_name_in_the_book_language(
    world: World,
) -> None:
    world.glob.blueprint.delete()
    facilitator = world.client("facilitator")
    merged = facilitator.post(f"/api/v1/workspaces/{world.workspace.pk}/merge/")
    glob = Blueprint.objects.get(pk=merged.json()["id"])
    assert glob.title == ""  # the default name, in no language
    portuguese = fetch(world.client("manager"), glob, lang="pt-br")
    assert "Blueprint global" in portuguese.text(0)
    assert "Global blueprint" not in portuguese.all_text()
    assert portuguese.reader.metadata.title == "Blueprint global"

    # A name someone typed is never translated.
    edit = {"title": "Aurora — one view", "version": glob.version}
    assert facilitator.patch(f"/api/v1/blueprints/{glob.pk}/", edit).status_code == 200
    named = fetch(world.client("manager"), glob, lang="pt-br")
    assert named.reader.metadata.title == "Aurora — one view"


def test_a_global_book_shows_provenance_and_open_conflicts(world: World) -> None:
    world.glob.blueprint.delete()
    Step.objects.filter(pk=world.a.step.pk).update(emotion=-2)
    Step.objects.filter(pk=world.b.step.pk).update(emotion=1)
    facilitator = world.client("facilitator")
    merged = facilitator.post(f"/api/v1/workspaces/{world.workspace.pk}/merge/")
    assert merged.status_code == 200
    glob = Blueprint.objects.get(pk=merged.json()["id"])
    made = fetch(world.client("manager"), glob)
    text = made.all_text()
    assert "Global blueprint" in made.text(0)
    assert "Quality" in made.text(0) and "Service centre" in made.text(0)
    assert "Steps several teams described" in made.text(made.section("Provenance"))
    conflict_text = made.text(made.section("Open merge conflicts"))
    assert "Calls about a flat bottle" in conflict_text and "Emotion" in conflict_text
    assert "Service centre: ☹ −2" in conflict_text and "Quality: ☺ +1" in conflict_text
    assert "●" in text  # team markers on the diagram and in the tables

    # A facilitator settles the conflict by editing the global step: it is no longer open.
    merged_step = glob.steps.get(title="Calls about a flat bottle")
    edit = {"emotion": 0, "version": merged_step.version}
    answer = facilitator.patch(f"/api/v1/steps/{merged_step.pk}/", edit, format="json")
    assert answer.status_code == 200, answer.content
    settled = fetch(world.client("manager"), glob)
    assert "None: the teams agree." in settled.text(settled.section("Open merge conflicts"))
    # Merging again keeps the edit and the conflict settled.
    assert facilitator.post(f"/api/v1/workspaces/{world.workspace.pk}/merge/").status_code == 200
    assert glob.steps.get(pk=merged_step.pk).emotion == 0
    again = fetch(world.client("manager"), glob)
    assert "None: the teams agree." in again.text(again.section("Open merge conflicts"))


# --- sections of other apps ---------------------------------------------------------------------


def test_other_apps_fill_their_sections_escaped(world: World) -> None:
    workshop = workshop_services.workshop_create(workspace=world.workspace, template="blueprint")
    Output.objects.create(
        workshop=workshop,
        title="Promoted idea: <callback> & follow-up",
        detail="Offer a callback slot",
        step=world.a.step,
        votes=7,
    )
    after = fetch(world.client("manager"), world.a.blueprint)
    text = " ".join(after.text(after.section("Workshop outputs")).split())
    assert "Promoted idea: <callback> & follow-up" in text  # escaped, shown literally
    assert "Offer a callback slot" in text and "VOTES" in text.upper()


# --- hard cases ---------------------------------------------------------------------------------


def test_emoji_in_titles_print_with_the_emoji_font(world: World) -> None:
    # They printed as hex boxes ("01F37E") when no installed font had them.
    Blueprint.objects.filter(pk=world.a.blueprint.pk).update(title="Prize draw 🍾")
    Step.objects.filter(pk=world.a.step.pk).update(title="Sends the prize ✅")
    made = fetch(world.client("manager"), world.a.blueprint)
    assert any("Color-Emoji" in font or "ColorEmoji" in font for font in made.fonts())
    assert "Prize draw" in made.text(0)
    assert "Sends the prize" in made.all_text()


def test_an_empty_blueprint_gives_a_short_correct_book(world: World) -> None:
    empty = factories.make_blueprint(world.workspace, world.team_a, title="Nothing yet")
    made = fetch(world.client("manager"), empty)
    assert made.diagram_pages() == []
    text = made.all_text()
    assert "Nothing to draw yet" in text
    assert "None yet." in text
    assert made.pages <= 12
    lanes_only = factories.make_blueprint(world.workspace, world.team_a, title="Lanes only")
    factories.make_phase(lanes_only, "Contact")
    factories.make_lane(lanes_only, "customer", name="Consumer")
    made = fetch(world.client("manager"), lanes_only)
    assert len(made.diagram_pages()) == 1
    assert "Consumer" in made.text(made.diagram_pages()[0])


def test_hostile_and_very_long_titles_are_shown_literally_and_never_overflow(
    world: World,
) -> None:
    hostile = '</style><b>"Bold"</b> \\ & {content: "x"} ' + "Ü" * 3
    long_word = "Supercalifragilistic" * 9  # 180 characters without a space
    blueprint = world.a.blueprint
    Blueprint.objects.filter(pk=blueprint.pk).update(title=hostile)
    Step.objects.filter(pk=world.a.step.pk).update(title=long_word)
    Phase.objects.filter(pk=world.a.phase.pk).update(name="A phase " * 14)
    made = fetch(world.client("manager"), blueprint)
    assert squeezed(hostile) in squeezed(made.text(0))
    assert squeezed(hostile)[:40] in squeezed(made.text(2))  # the running header
    tables = squeezed(made.all_text())
    assert long_word in tables
    for page in range(made.pages):
        # Nothing drawn in the outer 3 % of any page: text wraps instead of overflowing.
        drawn = picture(made.content, page, dpi=20)
        assert drawn.share(dark, (0.0, 0.0, 0.03, 1.0)) == 0, page
        assert drawn.share(dark, (0.97, 0.0, 1.0, 1.0)) == 0, page


def test_right_to_left_and_cjk_text_is_shaped_with_real_fonts(world: World) -> None:
    Step.objects.filter(pk=world.a.step.pk).update(title="顾客拨打热线 お客様の電話")
    Step.objects.filter(pk=world.a.other_step.pk).update(title="العميل يتصل بالخط الساخن")
    Lane.objects.filter(pk=world.a.lane.pk).update(name="לקוח")
    made = fetch(world.client("manager"), world.a.blueprint)
    text = made.all_text()
    for word in ["顾客拨打热线", "お客様の電話", "לקוח"]:
        assert word in text
    assert "العميل" in text or "ﺍﻟﻌﻤﻴﻞ" in text or "العميل"[::-1] in text
    fonts = " ".join(made.fonts())
    assert "NotoSansCJK" in fonts  # CJK drawn with the CJK font, not as empty boxes
    assert "DejaVuSans" in fonts  # which carries Arabic and Hebrew


def test_a_thousand_step_blueprint_is_split_over_legible_a3_pages(world: World) -> None:
    blueprint = factories.make_blueprint_of_size(world.workspace, world.team_a, 1000)
    made = fetch(world.client("manager"), blueprint)
    diagram = made.diagram_pages()
    drawing = book_diagram.draw(book_diagram.book_dot(render.blueprint_data(blueprint), "en"))
    tiles = book_diagram.plan(
        drawing.geometry, book.SLOT_WIDTH_MM * book.MM, book.SLOT_HEIGHT_MM * book.MM
    )
    assert len(diagram) == len(tiles) >= 4
    assert min(tile.scale for tile in tiles) >= book_diagram.MIN_SCALE
    assert book_diagram.MIN_SCALE * layout.TINY_PT >= book_diagram.MIN_FONT_PT
    # Every phase is on a page, and each phase range is cut into slices that cover the whole
    # height, top to bottom, without cutting through a card.
    geometry = drawing.geometry
    assert {phase for tile in tiles for phase in range(tile.first, tile.last + 1)} == set(
        range(len(geometry.columns))
    )
    for first in {tile.first for tile in tiles}:
        slices = [tile for tile in tiles if tile.first == first]
        assert slices[0].top == geometry.header_bottom
        assert slices[-1].bottom == geometry.bounds.bottom
        for upper, lower in zip(slices, slices[1:], strict=False):
            assert upper.bottom == lower.top
            cards = [card for column in geometry.cards[first : upper.last + 1] for card in column]
            assert not any(low < upper.bottom < high for low, high in cards)
    # The pages are drawn: cards on the first and the last page of the diagram.
    for page in (diagram[0], diagram[-1]):
        assert picture(made.content, page, dpi=20).share(dark, (0.03, 0.1, 0.97, 0.95)) > 0.003
    # The tables hold every step once, on pages of their own (sampled: reading back a page
    # of the diagram means reading the whole drawing).
    with translation.override("en"):
        context = book.book_context(blueprint, "en")
        groups = book.table_groups(context)
    blocks = [block for page in book.table_pages(groups[:-2]) for block in page]
    assert sum(source.count("<B>Step ") for source in (b.source for b in blocks)) == 1000
    assert "1,000 steps" in made.text(0)  # numbers written the English way
    steps = made.listed("Steps by band")
    assert made.text(steps).startswith("Steps by band")
    roles = made.listed("Role interdependencies")
    assert made.text(roles).startswith("Role interdependencies")
    for page in (steps + 1, steps + len(blocks) // 2, roles - 1):
        assert made.size(page) == A4_LANDSCAPE
        assert re.search(r"Step \d+", made.text(page)), page


# --- cache ----------------------------------------------------------------------------------


def test_the_demo_books_put_their_diagrams_on_few_full_pages(db: None) -> None:
    # Issue 17: the 4-phase team blueprint fits one A3 page at a legible size; the global one
    # took 18 mostly empty pages (dot's wide detours and a large scale), then 12 landscape
    # pages a third empty beside their three phases; upright A3 pages hold it in 8, the
    # issue's 2 + steps / 15, each at least half filled.
    call_command("seed_demo", stdout=StringIO())
    workspace = Blueprint.objects.filter(kind="team").first().workspace
    if not Blueprint.objects.filter(workspace=workspace, kind="global").exists():
        merging.blueprint_merge(workspace=workspace, user=None)
    four = Blueprint.objects.get(workspace=workspace, title__startswith="Legal")
    assert four.phases.count() == 4
    made = book.book_pdf(four, "en").pdf
    assert len(Book(made, PdfReader(BytesIO(made))).diagram_pages()) == 1
    whole = Blueprint.objects.get(workspace=workspace, kind="global")
    made = book.book_pdf(whole, "en").pdf
    made_book = Book(made, PdfReader(BytesIO(made)))
    pages = made_book.diagram_pages()
    assert 1 <= len(pages) <= 2 + whole.steps.count() / 15, len(pages)

    def dark(r: int, g: int, b: int) -> bool:
        return r + g + b < 720

    for page in pages:
        drawn = picture(made, page, dpi=12)
        inked_rows = [
            y
            for y in range(drawn.height)
            # Left of the page number in the footer.
            if drawn.share(dark, (0, y / drawn.height, 0.8, (y + 1) / drawn.height)) > 0.02
        ]
        # Ink from the top down to at least the middle of the page (the footer aside).
        assert max(inked_rows) / drawn.height > 0.5, (page, max(inked_rows), drawn.height)
    # Its manager's chapters: the network of roles and their matrix, the pains phase by phase.
    roles = made_book.section("Role interdependencies")
    assert "From ↓ to →" in made_book.text(roles)  # the matrix, then the network drawing
    assert "LINKS" in made_book.text(roles) + made_book.text(roles + 1)  # the network's legend
    pains = made_book.text(made_book.section("Pain points and opportunities"))
    assert "Phase by phase" in pains and "The customer's feeling across the journey" in pains
    assert "Facebook)" in made_book.all_text()  # broken after its slash, never inside the word
    assert not re.search(r"Facebo\s+ok", made_book.all_text())


def test_an_unchanged_blueprint_is_answered_from_the_cache_and_a_change_shows(
    world: World,
) -> None:
    client = world.client("manager")
    url = book_url(world.a.blueprint)
    first = client.get(url, **WAIT)
    start = time.perf_counter()
    again = client.get(url)
    assert time.perf_counter() - start < 1.0
    assert again.content == first.content and again["ETag"] == first["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    step = f"/api/v1/steps/{world.a.step.pk}/"
    edit = {"title": "Writes to the careline"}
    assert world.client("facilitator").patch(step, edit, format="json").status_code == 200
    changed = client.get(url, **WAIT)
    assert changed["ETag"] != first["ETag"]
    assert (
        "Writes to the careline"
        in Book(changed.content, PdfReader(BytesIO(changed.content))).all_text()
    )


# --- drawings written into WeasyPrint's PDF -----------------------------------------------------


def test_drawings_go_into_weasyprints_own_pdf_and_a_foreign_pdf_falls_back_to_stamping() -> None:
    drawn = render.render('digraph { a [label="Cairo drew this"] }', "pdf")
    raw = book_diagram.read_raw(drawn)  # Graphviz's (cairo's) PDF is cut without pypdf
    box = book_diagram.page_box(drawn)
    assert raw.mediabox == (box.left, box.bottom, box.right, box.top) and box.width > 20
    foreign = weasyprint.HTML(string="<p>WeasyPrint drew this</p>").write_pdf()
    with pytest.raises(book_diagram.NotCairo):
        book_diagram.read_raw(foreign)  # cross-reference stream, object streams
    host = '<p>Host page</p><div id="table-slot-x" style="height: 60mm"></div>'

    def ink(r: int, g: int, b: int) -> bool:
        return r + g + b < 600

    bare = picture(weasyprint.HTML(string=host).write_pdf(), 0, dpi=40).share(ink)
    for source, expected in [(drawn, "Cairo drew this"), (foreign, "WeasyPrint drew this")]:
        document = weasyprint.HTML(string=host).render()
        block = book.TableBlock(None, True, "", 60.0, "table-slot-x")  # type: ignore[arg-type]
        content = book._write(document, None, [], [block], [source])
        made = Book(content, PdfReader(BytesIO(content)))
        assert made.pages == 1
        assert "Host page" in made.text(0) and expected in made.text(0)
        # Drawn (as ink, not only as text) below the host's paragraph, inside the page.
        assert picture(made.content, 0, dpi=40).share(ink) > bare


# --- summary tables: numbers and headers keep whole --------------------------------------------


@pytest.mark.parametrize("language", ["en", "es", "it", "pt-br"])
def test_numbers_and_header_words_never_break_in_the_summary_tables(
    world: World, language: str
) -> None:
    # 120 steps: twenty in each band's lane, and a book long enough for two-digit page numbers.
    blueprint = factories.make_blueprint_of_size(world.workspace, world.team_a, 120)
    Step.objects.filter(blueprint=blueprint, title__in=["Step 3", "Step 9"]).update(
        kind="opportunity"
    )
    made = fetch(world.client("manager"), blueprint, lang=language)
    with translation.override(language):
        steps_title, pains_title = _("Steps by band"), _("Pain points and opportunities")
        headers = [_("Steps").upper(), _("Page").upper()]
        pains, opportunities = _("Steps that hurt"), _("Opportunities")
    summary = made.text(made.section(steps_title))
    # Both header words whole, side by side on the header's line.
    assert re.search(rf"{headers[0]}\s+{headers[1]}\s*$", summary, re.MULTILINE), summary
    bands = re.findall(r"^.*?\s(\d+)\s+(\d+)\s*$", summary, re.MULTILINE)
    assert [count for count, _page in bands] == ["20", "20", "20", "40", "20"], summary
    assert all(int(page) >= 10 for _count, page in bands), bands
    pain_page = made.text(made.section(pains_title))
    for label in [pains, opportunities]:
        found = re.search(rf"^{re.escape(label)}\s+(\d+)\s+(\d+)\s*$", pain_page, re.MULTILINE)
        assert found and int(found.group(2)) >= 10, pain_page


ARTICLES = {"the", "el", "la", "los", "las", "il", "lo", "i", "gli", "le", "o", "a", "os", "as"}


@pytest.mark.parametrize("language", ["en", "es", "it", "pt-br"])
def test_the_overview_counts_agree_and_read_as_plain_counts(world: World, language: str) -> None:
    blueprint = factories.make_blueprint_of_size(world.workspace, world.team_a, 12)
    steps = list(blueprint.steps.order_by("id"))
    # Two marked pain points (one of them felt badly too) and, apart from those, the steps
    # with a negative emotion: "steps that hurt" counts both, "Pain point" only the first.
    Step.objects.filter(pk__in=[steps[0].pk, steps[2].pk]).update(kind="pain_point")
    felt = sum(
        1 for step in steps if step.emotion < 0 and step.pk not in (steps[0].pk, steps[2].pk)
    )
    made = fetch(world.client("manager"), blueprint, lang=language)
    with translation.override(language):
        glance = made.text(made.section(_("At a glance")))
        marked_label = layout.LABELS[layout.language_of(language)]["kind.pain_point"]
        tiles = [
            npgettext("overview tile", one, many, count)
            for one, many, count in [
                ("phase", "phases", 6),
                ("lane", "lanes", 6),
                ("step", "steps", 12),
            ]
        ]
        # A count before a label, never "1 marked as pain points" (issue 17).
        hurt = _(
            "Steps that hurt — marked as pain points: %(marked)s; more where the customer "
            "feels bad: %(felt)s."
        )
    for count, label in zip([6, 6, 12], tiles, strict=True):
        assert label.split()[0].lower() not in ARTICLES, label
        assert re.search(rf"\b{count}\s+{re.escape(label)}\b", glance), (label, glance)
    assert re.search(rf"{re.escape(marked_label)}: 2\b", glance), glance
    assert squeezed(hurt % {"marked": 2, "felt": felt}) in squeezed(glance), glance
    assert re.search(rf"\b{2 + felt}\s", glance)


def test_each_role_has_one_name_in_the_readers_language(world: World) -> None:
    blueprint = factories.make_blueprint(world.workspace, world.team_a, title="Handling")
    consumer = Actor.objects.create(workspace=world.workspace, name="Consumer")
    agent = Actor.objects.create(workspace=world.workspace, name="Call-centre agent")
    phase = factories.make_phase(blueprint, "Contact")
    evidence = factories.make_lane(
        blueprint, "evidence", name="Physical evidence",
        name_translations={"pt-br": "Evidências físicas"},
    )  # fmt: skip
    customer = factories.make_lane(
        blueprint, "customer", name="Consumer", actor=consumer,
        name_translations={"pt-br": "Consumidor"},
    )  # fmt: skip
    front = factories.make_lane(
        blueprint, "frontstage", name="Call-centre agent", actor=agent,
        name_translations={"pt-br": "Atendente da central"},
    )  # fmt: skip
    label = factories.make_step(evidence, phase, "Careline number on the label")
    calls = factories.make_step(customer, phase, "Calls the careline")
    answers = factories.make_step(front, phase, "Answers the call")
    # The agent also acts in the customer's lane: the step's own actor, translated all the same.
    callback = factories.make_step(customer, phase, "Gets a call back", actor=agent)
    factories.make_link(label, calls)
    factories.make_link(calls, answers)
    factories.make_link(answers, callback, kind="information")
    made = fetch(world.client("manager"), blueprint, lang="pt-br")
    text = made.all_text()
    for english in ["Consumer", "Call-centre agent"]:
        assert english not in text  # nowhere: tables, matrix, diagram
    roles = made.text(made.section("Interdependências entre papéis"))
    assert "Consumidor" in roles and "Atendente da central" in roles
    with translation.override("pt-br"):
        context = book.book_context(blueprint, "pt-br")
    actors = {row["title"]: row["actor"] for row in context["pain_points"] + [
        row for band in context["bands"] for row in band["rows"]
    ]}  # fmt: skip
    assert actors == {
        "Careline number on the label": "—",  # physical evidence has no role
        "Calls the careline": "Consumidor",
        "Answers the call": "Atendente da central",
        "Gets a call back": "Atendente da central",
    }
    assert context["matrix"]["actors"] == ["Consumidor", "Atendente da central"]


def test_persona_pages_show_choices_and_numbers_in_the_readers_language(world: World) -> None:
    from personas.models import Persona

    evidence = {"customers": 1983, "share": 0.16, "contacts_per_customer": 4.2}
    drafted = [
        ("Elena, the label reader", "Female"),  # drafted in English
        ("Marco, the online regular", "Hombre"),  # drafted in Spanish
        ("Ana, written by hand", "Woman in her forties"),  # a person's words stay
    ]
    for name, gender in drafted:
        persona = Persona.objects.create(
            workspace=world.workspace, name=name, gender=gender, evidence=evidence
        )
        persona.blueprints.add(world.a.blueprint)
    made = fetch(world.client("manager"), world.a.blueprint, lang="pt-br")
    text = " ".join(made.text(made.section("Personas e protocolos de atendimento")).split())
    assert "Elena, the label reader · Feminino" in text
    assert "Marco, the online regular · Masculino" in text
    assert "Ana, written by hand · Woman in her forties" in text
    assert "Female" not in text and "Hombre" not in text
    assert "1.983 clientes (16 % do total), 4,2 contatos cada" in text


def test_the_overview_tiles_say_one_in_the_singular(world: World) -> None:
    blueprint = factories.make_blueprint(world.workspace, world.team_a, title="Tiny")
    phase = factories.make_phase(blueprint, "Contact")
    lane = factories.make_lane(blueprint, "customer", name="Consumer")
    factories.make_step(lane, phase, "Calls the careline")
    made = fetch(world.client("manager"), blueprint, lang="pt-br")
    with translation.override("pt-br"):
        glance = " ".join(made.text(made.section(_("At a glance"))).split())
    for label in ("1 fase", "1 raia", "1 etapa"):
        assert re.search(rf"\b{label}\b", glance), glance
    assert "1 fases" not in glance and "1 etapas" not in glance


def test_a_link_looping_far_right_does_not_widen_the_last_phase() -> None:
    from pypdf import PdfWriter

    def node(name: str, x: float, width_pt: float, y: float = 500) -> dict[str, Any]:
        return {"name": name, "pos": f"{x},{y}", "width": str(width_pt / 72), "height": "0.5"}

    # Three phase headers 300 pt apart after the lane labels; dot's bounding box reaches
    # 1,500 pt further right, where a link's curve loops out.
    graph = {
        "bb": "0,0,2500,1000",
        "objects": [
            node("corner", 75, 150),
            node("l0", 75, 150, 300),
            *(node(f"h{i}", 300 + 300 * i, 196) for i in range(3)),
        ],
    }
    writer = PdfWriter()
    writer.add_blank_page(width=2500, height=1000)
    pdf = BytesIO()
    writer.write(pdf)
    geometry = book_diagram.geometry_of(graph, pdf.getvalue())
    widths = [round(right - left) for left, right in geometry.columns]
    assert widths[2] == widths[1], widths  # not 1,500 pt wider
    tiles = book_diagram.plan(geometry, book.SLOT_WIDTH_MM * book.MM, book.SLOT_HEIGHT_MM * book.MM)
    assert {(tile.first, tile.last) for tile in tiles} == {(0, 2)}  # all three on one page
