"""The blueprint diagram of the book: drawn once by Graphviz, cut into A3 pages, stamped in.

WeasyPrint draws a large SVG slowly (a 500-step diagram takes seconds), so the book does not
hand it the drawing. Graphviz draws the whole blueprint once as a PDF (vector, real text) and,
in the same run, reports where it put every node and card (`-Tjson`). Both are cached by the
hash of the DOT source. The drawing is then cut into tiles that fit the diagram slot of an A3
landscape page at a legible size:

- by phase ranges, each tile repeating the lane-label column on its left;
- when still too tall, by height, each tile repeating the phase headers on top; cuts fall
  between lanes when they can, else between the cards of the tile's columns, never through a
  card unless a single card is taller than a page.

The tiles are placed on the pages WeasyPrint laid out for them while WeasyPrint writes its
PDF (`write_with_drawings`; `stamp`, a pypdf pass over the finished file, is the fallback for
a drawing that is not cairo's plain PDF): the Graphviz page becomes one PDF form XObject that
every tile shows through a clipping rectangle, so the file holds the drawing once however
many pages it spans.
"""

import io
import json
import math
import re
import subprocess
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    StreamObject,
)

from blueprints import layout, render
from book import weasy

# The smallest text of the drawing (layout.TINY_PT) is never printed below this size.
MIN_FONT_PT = 6.0
MIN_SCALE = MIN_FONT_PT / layout.TINY_PT
MAX_SCALE = 1.25  # a small blueprint is enlarged a little to fill its page, no more
CARD_MARGIN = 2.0  # points kept clear around a card when cutting between cards
FORMAT = "book-diagram"  # part of the cache key: the drawing plus its geometry
DOT_ARGUMENTS = ("-Gmargin=0",)
# Part of the cache key of a drawing and its geometry: bump when geometry_of changes.
GEOMETRY_VERSION = "4"


@dataclass(frozen=True)
class Box:
    """A rectangle in drawing coordinates (points, y up, as Graphviz reports them)."""

    left: float
    bottom: float
    right: float
    top: float

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.top - self.bottom


@dataclass
class Geometry:
    """Where Graphviz put the parts of the grid that tiles are cut along."""

    bounds: Box  # the whole drawing
    offset: tuple[float, float]  # drawing coordinates → PDF page coordinates of the drawing
    labels_right: float  # right edge of the lane-label column, gutter included
    header_bottom: float  # lower edge of the phase headers, gutter included
    columns: list[tuple[float, float]]  # per phase: left and right edge, gutters included
    ranks: list[tuple[float, float]]  # lanes and line rules: (bottom, top), top to bottom
    cards: list[list[tuple[float, float]]] = field(default_factory=list)  # per phase
    # Each link as (its DOT id "link-{source}-{target}", its path as a polyline).
    links: list[tuple[str, list[tuple[float, float]]]] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> "Geometry":
        data = json.loads(text)
        data["bounds"] = Box(**data["bounds"])
        data["offset"] = tuple(data["offset"])
        return cls(**data)


@dataclass(frozen=True)
class Tile:
    """One page of the diagram: phases `first`..`last` (0-based), cut between `bottom` and `top`."""

    first: int
    last: int
    bottom: float
    top: float
    part: int  # 1-based, within its phase range
    parts: int
    scale: float


@dataclass
class Drawing:
    pdf: bytes
    geometry: Geometry
    key: str


def book_dot(data: layout.BlueprintData, language: str) -> str:
    """The diagram's DOT without its heading: the book prints title and legend itself."""
    source = layout.blueprint_dot(data, language)
    return "\n".join(line for line in source.split("\n") if not line.startswith("  label=<"))


def draw(dot_source: str) -> Drawing:
    """The drawing of `dot_source` as PDF with its geometry, from the cache when drawn before."""
    key = render.content_hash(f"{dot_source}\0{' '.join(DOT_ARGUMENTS)}\0{GEOMETRY_VERSION}", "pdf")
    pdf_path = render.cache_path(key, "book-diagram.pdf")
    geometry_path = render.cache_path(key, "book-diagram.json")
    try:
        return Drawing(pdf_path.read_bytes(), Geometry.from_json(geometry_path.read_text()), key)
    except (OSError, ValueError, TypeError, KeyError):
        pass
    with tempfile.TemporaryDirectory(prefix="frontstage-book-") as folder:
        pdf_file, json_file = Path(folder, "d.pdf"), Path(folder, "d.json")
        _run_dot(dot_source, pdf_file, json_file)
        pdf = pdf_file.read_bytes()
        geometry = geometry_of(json.loads(json_file.read_text()), pdf)
    try:
        render.cache_store(geometry_path, geometry.to_json().encode())
        render.cache_store(pdf_path, pdf)
    except OSError:
        pass  # a cache that cannot be written only costs speed
    return Drawing(pdf, geometry, key)


def _run_dot(dot_source: str, pdf_file: Path, json_file: Path) -> None:
    arguments = (*DOT_ARGUMENTS, "-Tpdf", f"-o{pdf_file}", "-Tjson", f"-o{json_file}")
    try:
        done = subprocess.run(
            [render.dot_program(), *arguments],
            input=dot_source.encode(),
            capture_output=True,
            timeout=render.settings.RENDER_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise render.RenderError(
            render.TOO_SLOW.format(seconds=render.settings.RENDER_TIMEOUT)
        ) from error
    except OSError as error:
        raise render.RenderError(render.NO_GRAPHVIZ) from error
    if done.returncode != 0 or not pdf_file.exists() or not json_file.exists():
        lines = done.stderr.decode(errors="replace").strip().splitlines() or ["no output"]
        raise render.RenderError(render.FAILED.format(reason=lines[-1][:300]))


def _node_box(node: dict) -> Box:
    x, y = (float(n) for n in node["pos"].split(","))
    half_w, half_h = float(node["width"]) * 36, float(node["height"]) * 36
    return Box(x - half_w, y - half_h, x + half_w, y + half_h)


def geometry_of(graph: dict, pdf: bytes) -> Geometry:
    """The grid's edges from Graphviz's JSON output, and where the drawing sits on its page."""
    left, bottom, right, top = (float(n) for n in graph["bb"].split(","))
    bounds = Box(left, bottom, right, top)
    box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    # Graphviz pads the drawing evenly on its page.
    offset = ((float(box.width) - bounds.width) / 2, (float(box.height) - bounds.height) / 2)
    nodes = {node["name"]: node for node in graph.get("objects", []) if "pos" in node}
    headers = []
    while f"h{len(headers)}" in nodes:
        headers.append(_node_box(nodes[f"h{len(headers)}"]))
    lanes = []
    while f"l{len(lanes)}" in nodes:
        lanes.append(_node_box(nodes[f"l{len(lanes)}"]))
    rules = [_node_box(node) for name, node in nodes.items() if re.fullmatch(r"r\w+_l", name)]
    label = lanes[0] if lanes else _node_box(nodes["corner"])
    ranks = sorted([(b.bottom, b.top) for b in [*lanes, *rules]], key=lambda rank: -rank[1])
    columns = []
    for index, header in enumerate(headers):
        before = headers[index - 1].right if index else label.right
        if index + 1 < len(headers):
            after = headers[index + 1].left
        else:
            # The last column ends a gutter after its header, as the others do: a link that
            # loops far out to the right is cut there, rather than making every phase a page.
            after = min(bounds.right, header.right + (header.left - before))
        columns.append(((before + header.left) / 2, (header.right + after) / 2))
    labels_right = (label.right + headers[0].left) / 2 if headers else bounds.right
    header_top = headers[0] if headers else _node_box(nodes["corner"])
    first_rank_top = ranks[0][1] if ranks else bounds.bottom
    header_bottom = (header_top.bottom + first_rank_top) / 2
    cards: list[list[tuple[float, float]]] = [[] for _ in headers]
    for name, node in nodes.items():
        if not name.startswith("c") or "_" not in name:
            continue
        try:
            column = int(name.split("_")[1])
        except ValueError:
            continue
        if column >= len(cards):
            continue
        for op in node.get("_ldraw_", []):
            if op.get("op") in ("P", "p") and len(op.get("points", [])) == 4:
                xs = [p[0] for p in op["points"]]
                ys = [p[1] for p in op["points"]]
                if abs((max(xs) - min(xs)) - layout.CARD_W) < 1.5:
                    cards[column].append((min(ys), max(ys)))
    cards = [sorted(set(column)) for column in cards]
    links = []
    for edge in graph.get("edges", []):
        ident = str(edge.get("id", ""))
        if not re.fullmatch(r"link-\d+-\d+", ident):
            continue
        points: list[tuple[float, float]] = []
        for op in edge.get("_draw_", []):
            if op.get("op") in ("b", "B"):
                points += _bezier_polyline([(float(x), float(y)) for x, y in op["points"]])
        if len(points) >= 2:
            links.append((ident, points))
    return Geometry(bounds, offset, labels_right, header_bottom, columns, ranks, cards, links)


def _bezier_polyline(control: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Points along a chain of cubic Bézier segments (Graphviz's P0 P1 P2 P3 P4 P5 P6…)."""
    points = [control[0]]
    for i in range(0, len(control) - 3, 3):
        (x0, y0), (x1, y1), (x2, y2), (x3, y3) = control[i : i + 4]
        for step in range(1, 9):
            t = step / 8
            u = 1 - t
            points.append(
                (
                    u**3 * x0 + 3 * u * u * t * x1 + 3 * u * t * t * x2 + t**3 * x3,
                    u**3 * y0 + 3 * u * u * t * y1 + 3 * u * t * t * y2 + t**3 * y3,
                )
            )
    return points


# --- cutting into pages ---------------------------------------------------------------------


def plan(geometry: Geometry, width: float, height: float) -> list[Tile]:
    """Tiles for a slot of `width` × `height` points, in reading order.

    Phases per page and scale are chosen so that the fewest pages hold the drawing without
    printing any text below MIN_FONT_PT; the phase ranges are balanced (5 phases on a page of
    4 become 3 + 2, not 4 + 1).
    """
    phases = len(geometry.columns)
    if phases == 0:
        return []
    label_w = geometry.labels_right - geometry.bounds.left
    pitch = max(right - left for left, right in geometry.columns)
    fit = max(1, int((width / MIN_SCALE - label_w) // pitch))
    ranges = math.ceil(phases / fit)
    per_page = math.ceil(phases / ranges)
    groups = [(i, min(i + per_page, phases) - 1) for i in range(0, phases, per_page)]
    widest = max(
        label_w + geometry.columns[last][1] - geometry.columns[first][0] for first, last in groups
    )
    scale = min(MAX_SCALE, width / widest)
    header_h = geometry.bounds.top - geometry.header_bottom
    body_h = geometry.header_bottom - geometry.bounds.bottom
    whole = height / (header_h + body_h)
    if whole >= MIN_SCALE:
        # The whole height fits at a legible scale: shrink to it rather than cut the lanes.
        scale = min(scale, whole)
    else:
        # Cut by height anyway: as few slices as at the smallest legible scale, each printed
        # as large as that number of slices allows (never enlarged), with room for the cuts
        # to fall between lanes or cards.
        slices = math.ceil(body_h / (height / MIN_SCALE - header_h))
        scale = min(scale, 1.0, 0.9 * height / (header_h + body_h / slices))
    scale = max(scale, MIN_SCALE)
    room = height / scale - header_h
    tiles = []
    slices = math.ceil(body_h / room - 0.01)
    for first, last in groups:
        cuts = _cuts(geometry, first, last, room, body_h / slices)
        for part, (top, bottom) in enumerate(cuts, start=1):
            tiles.append(Tile(first, last, bottom, top, part, len(cuts), scale))
    return tiles


def plan_pages(geometry: Geometry, slots: dict[str, tuple[float, float]]) -> tuple[str, list[Tile]]:
    """The page shape (a name of `slots`, each a slot's width × height in points) that holds the
    drawing on the fewest pages, and its tiles; the first shape on a tie.

    A tall blueprint of few phases leaves a third of a landscape page empty beside its columns
    while it is cut into many slices by height: upright it takes fewer pages.
    """
    best: tuple[str, list[Tile]] | None = None
    for name, (width, height) in slots.items():
        tiles = plan(geometry, width, height)
        if best is None or len(tiles) < len(best[1]):
            best = (name, tiles)
    assert best is not None, "at least one page shape"
    return best


def _cuts(
    geometry: Geometry, first: int, last: int, room: float, share: float
) -> list[tuple[float, float]]:
    """(top, bottom) of each slice of the body, top to bottom, each at most `room` high and
    as near `share` high as the lanes allow, so the pages are alike rather than the last one
    holding a remainder."""
    top, end = geometry.header_bottom, geometry.bounds.bottom
    # Just above the lower lane: the corridor between two lanes holds labels and links that
    # run along it, and they stay whole on the upper slice.
    gaps = [min(b[1] + 1.0, a[0]) for a, b in zip(geometry.ranks, geometry.ranks[1:], strict=False)]
    blocked = sorted(
        (low - CARD_MARGIN, high + CARD_MARGIN)
        for column in geometry.cards[first : last + 1]
        for low, high in column
    )
    slices = []
    while top - end > room + 0.5:
        limit = top - room
        between_lanes = [gap for gap in gaps if limit <= gap < top - min(room * 0.6, share)]
        if between_lanes:
            cut = min(between_lanes, key=lambda gap: abs(top - share - gap))
        else:
            cut = _lowest_free(blocked, limit, top - room * 0.25)
        slices.append((top, cut))
        top = cut
    slices.append((top, end))
    return slices


def _lowest_free(blocked: list[tuple[float, float]], low: float, high: float) -> float:
    """The lowest y in [low, high] inside no blocked interval; `low` when there is none."""
    y = low
    for start, stop in blocked:
        if stop <= y:
            continue
        if start > y:
            break
        y = stop  # inside a card: move above it
        if y > high:
            return low
    return y if y <= high else low


# --- links that leave a page -------------------------------------------------------------------
# A link whose other end is on another page of the diagram ends, where it leaves the page, in
# a mark naming that card and its page ("→ Closes the case, p. 14"). The marks are a drawing
# of their own (Graphviz, same coordinates as the diagram), stamped over each page's body.

MARK_CHARS = 30  # a card's title in a mark is cut to this many characters
MARK_INSET = 3.0  # points between a mark and the edge of its page's region


@dataclass(frozen=True)
class Mark:
    tile: int
    x: float  # where the link crosses the edge of the tile's region (drawing coordinates)
    y: float
    side: str  # which edge: "left", "right", "top" or "bottom"
    text: str
    region: Box  # the tile's region: the mark stays inside it


def region_of(geometry: Geometry, tile: Tile) -> Box:
    left, right = geometry.columns[tile.first][0], geometry.columns[tile.last][1]
    return Box(left, tile.bottom, right, tile.top)


def inside(box: Box, point: tuple[float, float]) -> bool:
    x, y = point
    return box.left <= x <= box.right and box.bottom <= y <= box.top


def _leaving(points: list[tuple[float, float]], box: Box) -> tuple[float, float, str] | None:
    """Where the path `points`, starting inside `box`, first leaves it, and through which edge."""
    for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
        if inside(box, (x1, y1)):
            continue
        best: tuple[float, str] | None = None
        for side, edge, start, end in (
            ("left", box.left, x0, x1),
            ("right", box.right, x0, x1),
            ("bottom", box.bottom, y0, y1),
            ("top", box.top, y0, y1),
        ):
            if start == end or not min(start, end) <= edge <= max(start, end):
                continue
            t = (edge - start) / (end - start)
            if 0 <= t <= 1 and (best is None or t < best[0]):
                best = (t, side)
        if best is None:
            return None
        t, side = best
        return x0 + t * (x1 - x0), y0 + t * (y1 - y0), side
    return None


def off_page_marks(
    geometry: Geometry, tiles: list[Tile], titles: dict[int, str], pages: dict[int, int], page: str
) -> list[Mark]:
    """The marks of the links whose ends are on different pages: on the page of each end,
    where the link leaves it, naming the card at the other end and its page. `pages` gives
    the printed page of each tile (by index); `page` is the words around it ("p. {page}")."""
    regions = [region_of(geometry, tile) for tile in tiles]

    def tile_of(point: tuple[float, float]) -> int | None:
        return next((i for i, box in enumerate(regions) if inside(box, point)), None)

    marks = []
    for ident, points in geometry.links:
        _, source, target = ident.split("-")
        start, end = tile_of(points[0]), tile_of(points[-1])
        if start is None or end is None or start == end:
            continue
        if start not in pages or end not in pages:
            continue
        for here, there, path, arrow, other in (
            (start, end, points, "→", int(target)),
            (end, start, points[::-1], "←", int(source)),
        ):
            crossing = _leaving(path, regions[here])
            if crossing is None:
                continue
            title = layout.clean(titles.get(other, ""))
            if len(title) > MARK_CHARS:
                title = title[: MARK_CHARS - 1].rstrip() + "…"
            text = f"{arrow} {title}, {page.format(page=pages[there])}"
            marks.append(Mark(here, *crossing, text, regions[here]))
    return marks


def marks_drawing(geometry: Geometry, marks: list[Mark]) -> tuple[bytes, Geometry]:
    """The marks drawn by Graphviz where they belong, as a one-page PDF, and the geometry
    that places its regions as the diagram's (same coordinates, its own page offset)."""
    pt = layout.SMALL_PT
    placed: list[Box] = []
    nodes = []
    for number, mark in enumerate(marks):
        width = len(mark.text) * pt * 0.55 + 6
        height = pt + 5
        x, y = mark.x, mark.y
        if mark.side == "right":
            x -= MARK_INSET + width / 2
        elif mark.side == "left":
            x += MARK_INSET + width / 2
        elif mark.side == "top":
            y -= MARK_INSET + height / 2
        else:
            y += MARK_INSET + height / 2
        region = mark.region
        x = min(max(x, region.left + MARK_INSET + width / 2), region.right - MARK_INSET - width / 2)
        y = min(
            max(y, region.bottom + MARK_INSET + height / 2), region.top - MARK_INSET - height / 2
        )
        box = Box(x - width / 2, y - height / 2, x + width / 2, y + height / 2)
        # Marks at one crossing go one under the other, inward.
        step = -height if mark.side != "bottom" else height
        while any(
            box.left < other.right
            and other.left < box.right
            and box.bottom < other.top
            and other.bottom < box.top
            for other in placed
        ):
            box = Box(box.left, box.bottom + step, box.right, box.top + step)
        placed.append(box)
        cx, cy = (box.left + box.right) / 2, (box.bottom + box.top) / 2
        label = (
            f'<<TABLE BORDER="1" COLOR="{layout.MUTED}" CELLBORDER="0" CELLPADDING="1" '
            f'CELLSPACING="0" BGCOLOR="white"><TR><TD><FONT POINT-SIZE="{pt}" '
            f'COLOR="{layout.INK}">{layout.esc(mark.text)}</FONT></TD></TR></TABLE>>'
        )
        nodes.append(f'  m{number} [pos="{cx:.2f},{cy:.2f}!" label={label}];')
    bounds = geometry.bounds
    source = "\n".join(
        [
            "digraph marks {",
            f'  graph [layout=nop2 pad=0.3 bgcolor=transparent fontname="{layout.FONT}"];',
            f'  node [shape=plaintext margin=0 fontname="{layout.FONT}"];',
            f'  corner0 [pos="{bounds.left:.2f},{bounds.bottom:.2f}!" shape=point width=0.01 '
            "style=invis];",
            f'  corner1 [pos="{bounds.right:.2f},{bounds.top:.2f}!" shape=point width=0.01 '
            "style=invis];",
            *nodes,
            "}",
        ]
    )
    with tempfile.TemporaryDirectory(prefix="frontstage-book-") as folder:
        pdf_file, json_file = Path(folder, "m.pdf"), Path(folder, "m.json")
        _run_dot(source, pdf_file, json_file)
        pdf = pdf_file.read_bytes()
        graph = json.loads(json_file.read_text())
    left, bottom, right, top = (float(n) for n in graph["bb"].split(","))
    box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    pad = ((float(box.width) - (right - left)) / 2, (float(box.height) - (top - bottom)) / 2)
    corner = next(node for node in graph["objects"] if node.get("name") == "corner0")
    cx, cy = (float(n) for n in corner["pos"].split(","))
    # A point of the diagram at (x, y) is at (x, y) + shift in the marks' drawing.
    shift = (cx - bounds.left - left, cy - bounds.bottom - bottom)
    placed_geometry = Geometry(
        bounds,
        (shift[0] + pad[0], shift[1] + pad[1]),
        geometry.labels_right,
        geometry.header_bottom,
        geometry.columns,
        geometry.ranks,
    )
    return pdf, placed_geometry


# --- placing drawings on the pages of the book ------------------------------------------------


@dataclass(frozen=True)
class Part:
    """A region of a drawing's page (PDF coordinates) and where its top-left lands in the book."""

    box: Box
    left: float
    top: float  # from the bottom of the book's page, PDF style


@dataclass(frozen=True)
class Stamp:
    page: int  # 0-based page of the book
    source: int  # which drawing (an index into the list given to `stamp`)
    scale: float
    parts: tuple[Part, ...]


def tile_parts(geometry: Geometry, tile: Tile, left: float, top: float) -> tuple[Part, ...]:
    """The four regions a diagram tile shows: corner, phase headers, lane labels, body."""
    s = tile.scale
    bounds = geometry.bounds
    x_left, x_right = geometry.columns[tile.first][0], geometry.columns[tile.last][1]
    label_w = geometry.labels_right - bounds.left
    header_h = bounds.top - geometry.header_bottom
    ox, oy = geometry.offset
    regions = [
        (Box(bounds.left, geometry.header_bottom, geometry.labels_right, bounds.top), 0.0, 0.0),
        (Box(x_left, geometry.header_bottom, x_right, bounds.top), label_w, 0.0),
        (Box(bounds.left, tile.bottom, geometry.labels_right, tile.top), 0.0, header_h),
        (Box(x_left, tile.bottom, x_right, tile.top), label_w, header_h),
    ]
    return tuple(
        Part(
            Box(box.left + ox, box.bottom + oy, box.right + ox, box.top + oy),
            left + dx * s,
            top - dy * s,
        )
        for box, dx, dy in regions
    )


def stamp(book_pdf: bytes, sources: list[bytes], stamps: list[Stamp]) -> bytes:
    """`book_pdf` with the regions of `sources` (one-page PDFs) drawn where `stamps` say.

    Each source becomes one form XObject, shown through a clipping rectangle per region:
    a drawing spread over many pages is held in the file once.
    """
    if not stamps:
        return book_pdf
    writer = PdfWriter(clone_from=io.BytesIO(book_pdf))
    forms: dict[int, object] = {}
    for item in stamps:
        if item.source not in forms:
            page = PdfReader(io.BytesIO(sources[item.source])).pages[0]
            forms[item.source] = _form_xobject(writer, page)
        page = writer.pages[item.page]
        resources = page.setdefault(NameObject("/Resources"), DictionaryObject()).get_object()
        xobjects = resources.setdefault(NameObject("/XObject"), DictionaryObject()).get_object()
        name = f"/FsDrawing{item.source}"
        xobjects[NameObject(name)] = forms[item.source]
        _append_content(writer, page, _commands(name, item))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _commands(name: str, item: Stamp) -> bytes:
    s = item.scale
    out = []
    for part in item.parts:
        box = part.box
        clip = (part.left, part.top - box.height * s, box.width * s, box.height * s)
        # Point (x, y) of the drawing lands at left + (x - box.left)·s, top - (box.top - y)·s.
        tx = part.left - box.left * s
        ty = part.top - box.top * s
        out.append(
            "q {:.3f} {:.3f} {:.3f} {:.3f} re W n {:.5f} 0 0 {:.5f} {:.3f} {:.3f} cm "
            "{} Do Q".format(*clip, s, s, tx, ty, name)
        )
    return ("\n".join(out) + "\n").encode()


def _form_xobject(writer: PdfWriter, page: object) -> object:
    contents = page.get_contents()
    data = contents.get_data() if contents is not None else b""
    form = DecodedStreamObject()
    form.set_data(data)
    form.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): ArrayObject(FloatObject(v) for v in page.mediabox),
            NameObject("/Resources"): page["/Resources"].clone(writer),
        }
    )
    return weasy.pypdf_add(writer, form.flate_encode())


def _append_content(writer: PdfWriter, page: object, commands: bytes) -> None:
    """Add `commands` after the page's own drawing, in a clean graphics state."""
    existing = page.get(NameObject("/Contents"))
    streams = ArrayObject()
    before, after = DecodedStreamObject(), DecodedStreamObject()
    before.set_data(b"q\n")
    after.set_data(b"\nQ\n" + commands)
    streams.append(weasy.pypdf_add(writer, before))
    if existing is not None:
        resolved = existing.get_object()
        if isinstance(resolved, ArrayObject):
            streams.extend(resolved)
        elif isinstance(resolved, StreamObject):
            streams.append(
                existing if existing is not resolved else weasy.pypdf_add(writer, resolved)
            )
    streams.append(weasy.pypdf_add(writer, after))
    page[NameObject("/Contents")] = streams


def page_box(pdf: bytes) -> Box:
    """The page of a one-page PDF, as a box in its own coordinates."""
    try:
        return Box(*read_raw(pdf).mediabox)
    except NotCairo:
        pass
    box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    return Box(float(box.left), float(box.bottom), float(box.right), float(box.top))


# --- drawing the stamps through WeasyPrint's own PDF writer -----------------------------------
#
# `stamp` above parses the finished book again with pypdf and writes it a second time, which
# costs a third of a cold book. `write_with_drawings` instead hands the drawings to WeasyPrint
# while it writes: each Graphviz PDF (cairo's output: plain objects and an xref table) is cut
# into its objects by a small reader, renumbered into WeasyPrint's PDF, its page shown as a
# form XObject, and every stamp appended to the content stream of its page after WeasyPrint
# painted it. Should a drawing not look like cairo's output, `stamp` is the fallback.

_XREF_ENTRY = re.compile(rb"(\d{10}) (\d{5}) ([nf])")
_REFERENCE = re.compile(rb"(\d+) (\d+) R\b")
_STREAM_START = re.compile(rb">>\s*stream\r?\n")
_OBJECT_HEAD = re.compile(rb"\s*(\d+) (\d+) obj\s*")


class NotCairo(ValueError):
    """A drawing this reader does not understand (the pypdf path takes it)."""


@dataclass
class RawPdf:
    """The objects of a one-page PDF that its page needs, and how to show the page as a form."""

    objects: dict[int, tuple[bytes, bytes]]  # number → (dictionary part, stream part or b"")
    contents: int
    resources: int
    mediabox: tuple[float, float, float, float]


def _xref_offsets(pdf: bytes) -> tuple[dict[int, int], int]:
    found = re.search(rb"startxref\s+(\d+)\s+%%EOF\s*$", pdf[-64:])
    if found is None:
        raise NotCairo("no startxref")
    start = int(found[1])
    if pdf[start : start + 4] != b"xref":
        raise NotCairo("a cross-reference stream")
    end = pdf.find(b"trailer", start)
    if end < 0:
        raise NotCairo("no trailer")
    offsets: dict[int, int] = {}
    lines = pdf[start + 4 : end].split()
    index = 0
    while index + 1 < len(lines):
        first, count = int(lines[index]), int(lines[index + 1])
        index += 2
        for number in range(first, first + count):
            offset, _generation, kind = lines[index : index + 3]
            index += 3
            if kind == b"n":
                offsets[number] = int(offset)
    return offsets, start


def read_raw(pdf: bytes) -> RawPdf:
    """Cut cairo's one-page PDF into the objects its page uses (no stream is decoded)."""
    offsets, xref = _xref_offsets(pdf)
    # cairo lists the numbers it reserved but never wrote at the offset of its first object:
    # an offset counts once, for the object actually written there.
    ordered = sorted(set(offsets.values()))
    bodies: dict[int, tuple[bytes, bytes]] = {}
    for position, offset in enumerate(ordered):
        stop = ordered[position + 1] if position + 1 < len(ordered) else xref
        chunk = pdf[offset:stop]
        head = _OBJECT_HEAD.match(chunk)
        end = chunk.rfind(b"endobj")
        if head is None or end < 0 or offsets.get(int(head[1])) != offset:
            raise NotCairo(f"object at {offset}")
        number = int(head[1])
        body = chunk[head.end() : end].rstrip()
        opened = _STREAM_START.search(body)
        if opened is not None and body.endswith(b"endstream"):
            bodies[number] = (
                body[: opened.start() + 2],
                b"\n" + body[opened.start() + 2 :].lstrip(),
            )
        else:
            bodies[number] = (body, b"")
    pages = [
        number for number, (head, _) in bodies.items() if re.search(rb"/Type\s*/Page\b(?!s)", head)
    ]
    if len(pages) != 1:
        raise NotCairo("not one page")
    page = bodies[pages[0]][0]
    contents = re.search(rb"/Contents\s+(\d+) 0 R", page)
    resources = re.search(rb"/Resources\s+(\d+) 0 R", page)
    box = re.search(rb"/MediaBox\s*\[\s*([-\d.\s]+)\]", page)
    if contents is None or resources is None or box is None:
        raise NotCairo("page without contents, resources or media box")
    mediabox = tuple(float(value) for value in box[1].split())
    if len(mediabox) != 4 or not bodies.get(int(contents[1]), (b"", b""))[1]:
        raise NotCairo("unexpected page")
    needed: dict[int, tuple[bytes, bytes]] = {}
    todo = [int(contents[1]), int(resources[1])]
    while todo:
        number = todo.pop()
        if number in needed:
            continue
        if number not in bodies:
            raise NotCairo(f"missing object {number}")
        needed[number] = bodies[number]
        todo.extend(int(ref[1]) for ref in _REFERENCE.finditer(bodies[number][0]))
    return RawPdf(needed, int(contents[1]), int(resources[1]), mediabox)  # type: ignore[arg-type]


def write_with_drawings(document: object, sources: list[bytes], stamps: list[Stamp]) -> bytes:
    """`document` (a rendered WeasyPrint document) as PDF with `stamps` of `sources` drawn in.

    Raises NotCairo, before writing anything, when a source cannot be read this way.
    """
    used = sorted({item.source for item in stamps})
    raws = {index: read_raw(sources[index]) for index in used}
    forms: dict[int, weasy.RawObject] = {}
    copies: list[weasy.RawObject] = []
    for index in used:
        raw = raws[index]
        numbers: dict[int, weasy.RawObject] = {}

        def resolve(head: bytes, numbers: dict[int, weasy.RawObject] = numbers) -> bytes:
            return _REFERENCE.sub(lambda ref: numbers[int(ref[1])].reference, head)

        for number, (head, tail) in raw.objects.items():
            if number != raw.contents:
                numbers[number] = weasy.RawObject(head, tail, resolve)
                copies.append(numbers[number])
        head, tail = raw.objects[raw.contents]
        box = " ".join(f"{value:g}" for value in raw.mediabox)
        form_head = (
            f"<< /Type /XObject /Subtype /Form /BBox [{box}] /Resources {raw.resources} 0 R "
        ).encode() + head.lstrip()[2:]
        forms[index] = weasy.RawObject(form_head, tail, resolve)
    by_page: dict[int, list[Stamp]] = {}
    for item in stamps:
        by_page.setdefault(item.page, []).append(item)
    for number, items in by_page.items():

        def painter(add_xobject: Any, height: float, items: list[Stamp] = items) -> bytes:
            commands = [b"q 1 0 0 -1 0 %.4f cm\n" % height]
            for item in items:
                add_xobject(f"FsDrawing{item.source}", forms[item.source])
                commands.append(_commands(f"/FsDrawing{item.source}", item))
            commands.append(b"Q")
            return b"".join(commands)

        weasy.paint_over(document, number, painter)
    return weasy.write_pdf(document, copies)
