"""Links that leave a page of the book's diagram end in a mark naming the card at the other end
and its page ("→ Closes the case, p. 14"), on both pages, read back from the PDF."""

import base64
import re
from io import BytesIO
from io import StringIO as TextIO

from django.core.management import call_command
from django.utils import translation
from pypdf import PdfReader

from blueprints import layout, merging, render
from blueprints.models import Blueprint
from book import diagram as book_diagram
from book import pdf as book
from tests.test_book import A3_LANDSCAPE, Book

MARK = re.compile(r"([→←]) (.+?), p\. (\d+)")


def test_links_between_pages_name_their_other_end_and_its_page(db: None) -> None:
    call_command("seed_demo", stdout=TextIO())
    workspace = Blueprint.objects.filter(kind="team").first().workspace
    if not Blueprint.objects.filter(workspace=workspace, kind="global").exists():
        merging.blueprint_merge(workspace=workspace, user=None)
    whole = Blueprint.objects.get(workspace=workspace, kind="global")
    made = book.book_pdf(whole, "en").pdf
    reader = Book(made, PdfReader(BytesIO(made)))
    pages = reader.diagram_pages()
    assert len(pages) > 1
    # The marks the book drew: every diagram page shows the same drawing of marks, each page
    # its own part of it, so the text of one page holds them all.
    shown = [
        (arrow, title, int(number))
        for arrow, title, number in MARK.findall(" ".join(reader.text(pages[0]).split()))
    ]
    assert len(shown) >= 4 and {arrow for arrow, _, _ in shown} == {"→", "←"}, shown

    # Where they are: the same plan, page by page.
    data = render.blueprint_data(whole)
    named = layout.with_role_names(data, "en")
    drawing = book_diagram.draw(book_diagram.book_dot(named, "en"))
    _, tiles = book_diagram.plan_pages(drawing.geometry, book.DIAGRAM_SLOTS)
    assert len(tiles) == len(pages)
    printed = {index: page + 1 for index, page in enumerate(pages)}
    titles = {step.id: step.title for step in data.steps}
    marks = book_diagram.off_page_marks(drawing.geometry, tiles, titles, printed, "p. {page}")
    assert len(marks) == len(shown) and len(marks) % 2 == 0
    regions = [book_diagram.region_of(drawing.geometry, tile) for tile in tiles]
    crossing = 0
    for _ident, path in drawing.geometry.links:
        ends = [
            next((i for i, box in enumerate(regions) if book_diagram.inside(box, point)), None)
            for point in (path[0], path[-1])
        ]
        crossing += None not in ends and ends[0] != ends[1]
    assert len(marks) == 2 * crossing  # one at each end of each link between pages

    # The network of its 19 roles has an A3 page of its own, the roles' names legible.
    with translation.override("en"):
        dot = book.book_context(whole, "en", data)["matrix"]["network_dot"]
    address, own_page = book.network_image(dot)
    svg = base64.b64decode(address.split(",", 1)[1])
    scale = book._fit(book._svg_size(svg), book.NETWORK_PAGE_MM)
    assert own_page and scale * book.NETWORK_NAME_PT >= book.MIN_NETWORK_PT, scale
    roles = reader.section("Role interdependencies")
    network_page = next(page for page in range(roles, roles + 4) if "LINKS" in reader.text(page))
    assert reader.size(network_page) == A3_LANDSCAPE
    for mark in marks:
        arrow, rest = mark.text.split(" ", 1)
        title, number = rest.rsplit(", p. ", 1)
        assert int(number) != printed[mark.tile] and int(number) - 1 in pages
        assert mark.region.left <= mark.x <= mark.region.right
        assert mark.region.bottom <= mark.y <= mark.region.top
        assert any(step_title.startswith(title.rstrip("…")) for step_title in titles.values())
        assert arrow in "→←"


def test_a_mark_sits_where_its_link_leaves_the_page() -> None:
    geometry = book_diagram.Geometry(
        bounds=book_diagram.Box(0, 0, 400, 200),
        offset=(0, 0),
        labels_right=50,
        header_bottom=180,
        columns=[(50, 200), (200, 400)],
        ranks=[(0, 180)],
        links=[("link-7-9", [(120.0, 100.0), (180.0, 100.0), (260.0, 60.0)])],
    )
    tiles = [book_diagram.Tile(0, 0, 0, 180, 1, 1, 1.0), book_diagram.Tile(1, 1, 0, 180, 1, 1, 1.0)]
    marks = book_diagram.off_page_marks(
        geometry,
        tiles,
        {7: "Calls the hotline", 9: "A very long title " * 3},
        {0: 3, 1: 4},
        "p. {page}",
    )
    assert [(m.tile, m.side, m.text, m.region.right) for m in marks] == [
        (0, "right", "→ A very long title A very long…, p. 4", 200),
        (1, "left", "← Calls the hotline, p. 3", 400),
    ]
    assert marks[0].x == 200 and 80 < marks[0].y < 100
