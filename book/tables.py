"""The long tables of the book (steps, pain points), drawn by Graphviz a page at a time.

WeasyPrint lays out a table row in milliseconds, which makes a 500-step book's tables take
many seconds. Graphviz draws the same rows as an HTML-like table in a fraction of that, as
vector graphics with real, searchable text shaped by Pango (Arabic, Hebrew and CJK included).
So the book lets WeasyPrint lay out the pages around the tables (headings, running headers,
page numbers) and draws each page of table into its slot as it writes the PDF
(book/diagram.py `write_with_drawings`). The pages are drawn by as few `dot` runs as
there are processors, each cached by the hash of its DOT: editing one step redraws the pages
whose rows changed, not the others.

Most of this module is pure: it wraps the text of every cell (estimating widths from the
font's metrics, with room to spare, so text never leaves its cell), measures the rows,
breaks them into pages that fit a slot — repeating the column headers on each — and writes
one DOT graph per page. Rows are never split across pages.
"""

import functools
import os
import subprocess
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from blueprints import layout, render

FONT = "DejaVu Sans Condensed"
LINE = 1.2  # line height in ems, as Pango sets these fonts (with a little room to spare)
PAD = 2.5  # cell padding, points
STRIP = 3.0  # the coloured strip at the left of a row
RULE = "#dde2ec"
HEADER_PT = 6.5


@functools.cache
def width_safety() -> float:
    """Room left for Pango's rounding: little over the font's own metrics (layout.font_widths),
    more over Helvetica's estimate, which runs narrower. Asked at the first table, not at import.
    """
    return 1.03 if layout.font_widths(FONT, False) else 1.15


@dataclass(frozen=True)
class Text:
    """One paragraph of a cell."""

    text: str
    size: float = 7.5
    bold: bool = False
    colour: str = layout.INK
    italic: bool = False
    most_lines: int = 0  # 0: no limit


@dataclass(frozen=True)
class Column:
    header: str
    width: float  # points, padding included


@dataclass(frozen=True)
class Row:
    cells: Sequence[Sequence[Text]]
    accent: str = ""  # the colour of the strip at the left, if any


@dataclass(frozen=True)
class Laid:
    """A cell's paragraphs wrapped into lines, and the cell's height."""

    paragraphs: list[tuple[Text, list[str]]]
    height: float


def lay_out(cell: Sequence[Text], width: float) -> Laid:
    room = (width - 2 * PAD) / width_safety()
    paragraphs = []
    height = 2 * PAD
    for text in cell:
        if not layout.clean(text.text):
            continue
        lines = layout.wrap(text.text, room, text.size, text.bold, FONT)
        if text.most_lines:
            lines = layout.shorten(lines, text.most_lines)
        paragraphs.append((text, lines))
        height += len(lines) * text.size * LINE
    return Laid(paragraphs, height)


def header_height(columns: Sequence[Column]) -> float:
    return max(
        lay_out([Text(column.header.upper(), HEADER_PT, bold=True)], column.width).height
        for column in columns
    )


@dataclass
class Block:
    """A piece of one table on one page: its heading (when it starts there) and rows."""

    table: int  # which table
    first: bool  # the table starts here: its heading comes first
    rows: list[tuple[Row, list[Laid], float]]
    height: float = 0.0  # of the drawn rows with their column headers, points


def pack(
    tables: Sequence[tuple[Sequence[Column], Sequence[Row]]],
    page: float,
    heading: float,
    continued: float,
    gap: float,
) -> list[list[Block]]:
    """Tables one after the other on pages `page` points high, rows never split.

    A table starts under its `heading`; on each next page it goes on under a `continued`
    line; the next table starts on the same page, `gap` lower, when its heading, column
    headers and first row still fit.
    """
    pages: list[list[Block]] = [[]]
    used = 0.0
    for index, (columns, rows) in enumerate(tables):
        head = header_height(columns)
        laid_rows = []
        for row in rows:
            laid = [
                lay_out(cell, column.width) for cell, column in zip(row.cells, columns, strict=True)
            ]
            laid_rows.append((row, laid, max(cell.height for cell in laid)))
        if not laid_rows:
            continue
        start = (gap if pages[-1] else 0.0) + heading + head
        if pages[-1] and used + start + laid_rows[0][2] > page:
            pages.append([])
            used, start = 0.0, heading + head
        block = Block(index, True, [], head)
        pages[-1].append(block)
        used += start
        for item in laid_rows:
            if block.rows and used + item[2] > page:
                pages.append([])
                block = Block(index, False, [], head)
                pages[-1].append(block)
                used = continued + head
            block.rows.append(item)
            block.height += item[2]
            used += item[2]
    return [blocks for blocks in pages if blocks]


def _cell(laid: Laid, width: float, height: float, sides: str, colour: str) -> str:
    parts = []
    for text, lines in laid.paragraphs:
        body = layout.multiline(lines)
        if text.bold:
            body = f"<B>{body}</B>"
        if text.italic:
            body = f"<I>{body}</I>"
        parts.append(f'<FONT POINT-SIZE="{text.size:g}" COLOR="{text.colour}">{body}</FONT>')
    return (
        f'<TD FIXEDSIZE="TRUE" WIDTH="{width:.1f}" HEIGHT="{height:.1f}" ALIGN="LEFT" '
        f'VALIGN="TOP" BALIGN="LEFT" CELLPADDING="{PAD:g}" BORDER="1" SIDES="{sides}" '
        f'COLOR="{colour}">{"".join(parts)}</TD>'
    )


def block_dot(columns: Sequence[Column], page: list[tuple[Row, list[Laid], float]]) -> str:
    """Rows of a table under its column headers, as DOT: one node holding an HTML-like table."""
    head = header_height(columns)
    strip = f'<TD FIXEDSIZE="TRUE" WIDTH="{STRIP:g}" HEIGHT="{{h:.1f}}" BGCOLOR="{{c}}"></TD>'
    cells = [strip.format(h=head, c="white")]
    for column in columns:
        laid = lay_out([Text(column.header.upper(), HEADER_PT, True, layout.MUTED)], column.width)
        cells.append(_cell(laid, column.width, head, "B", layout.INK))
    rows = [f"<TR>{''.join(cells)}</TR>"]
    for row, laid, height in page:
        cells = [strip.format(h=height, c=row.accent or "white")]
        cells += [
            _cell(cell, column.width, height, "B", RULE)
            for cell, column in zip(laid, columns, strict=True)
        ]
        rows.append(f"<TR>{''.join(cells)}</TR>")
    table = (
        '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="0" BGCOLOR="white">'
        f"{''.join(rows)}</TABLE>"
    )
    return (
        "digraph table {\n"
        '  graph [margin=0 pad=0 bgcolor="white"];\n'
        f'  node [shape=plain fontname="{FONT}"];\n'
        f"  t [label=<{table}>];\n"
        "}\n"
    )


def width_of(columns: Sequence[Column]) -> float:
    return STRIP + sum(column.width for column in columns)


def draw_all(sources: Sequence[str]) -> list[bytes]:
    """Every page drawn as PDF, from the render cache when drawn before.

    The pages not in the cache are drawn by as few `dot`s as there are processors, each
    drawing its share of the pages in one run (`-O` writes one file per graph): starting a
    `dot` costs as much as drawing a page.
    """
    if not sources:
        return []
    keys = [render.content_hash(source, "pdf") for source in sources]
    drawn: dict[str, bytes] = {}
    for key in keys:
        try:
            drawn[key] = render.cache_path(key, "pdf").read_bytes()
        except OSError:
            pass
    missing = list(
        {key: source for key, source in zip(keys, sources, strict=True) if key not in drawn}.items()
    )
    if missing:
        runs = max(1, min(os.cpu_count() or 1, MAX_DOTS, len(missing) // 4 or 1))
        shares = [missing[i::runs] for i in range(runs)]
        with ThreadPoolExecutor(max_workers=runs) as pool:
            for share, pdfs in zip(shares, pool.map(_draw_share, shares), strict=True):
                for (key, _source), pdf in zip(share, pdfs, strict=True):
                    drawn[key] = pdf
                    try:
                        render.cache_store(render.cache_path(key, "pdf"), pdf)
                    except OSError:
                        pass  # a cache that cannot be written only costs speed
    return [drawn[key] for key in keys]


MAX_DOTS = 4


def _draw_share(share: list[tuple[str, str]]) -> list[bytes]:
    """The graphs of `share` drawn as PDF by one `dot`."""
    with tempfile.TemporaryDirectory(prefix="frontstage-tables-") as folder:
        source = Path(folder, "t.gv")
        source.write_text("".join(dot for _key, dot in share))
        try:
            done = subprocess.run(
                [render.dot_program(), *render.FORMATS["pdf"], "-O", str(source)],
                capture_output=True,
                timeout=settings.RENDER_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired as error:
            raise render.RenderError(
                render.TOO_SLOW.format(seconds=settings.RENDER_TIMEOUT)
            ) from error
        except OSError as error:
            raise render.RenderError(render.NO_GRAPHVIZ) from error
        names = ["t.gv.pdf", *(f"t.gv.{n}.pdf" for n in range(2, len(share) + 1))]
        try:
            return [Path(folder, name).read_bytes() for name in names]
        except OSError as error:
            messages = done.stderr.decode(errors="replace").strip().splitlines()
            errors = [line for line in messages if not line.startswith("Warning")] or messages
            reason = (errors or ["no output"])[0][:300]
            raise render.RenderError(render.FAILED.format(reason=reason)) from error
