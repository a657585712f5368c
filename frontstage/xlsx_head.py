"""The first rows of a workbook's first sheet, read by streaming its XML.

Pure and bounded: the archive's parts are read through a byte budget with a streaming
parser; the sheet only up to the rows asked for, the shared strings only up to the last
index those rows use, so a workbook whose strings unpack to gigabytes costs what its first
rows cost. Values are those openpyxl gives (`data_only`): shared and inline strings,
booleans, numbers, and dates where the cell's number format is a date format (the
workbook's styles, built-in and custom formats, its 1900 or 1904 calendar). The whole
workbook is read by openpyxl in the background import only.
"""

import posixpath
import zipfile
from collections.abc import Iterator
from typing import IO, Any
from xml.etree.ElementTree import Element, iterparse

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils.cell import coordinate_to_tuple
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
DOC_RELS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


class TooLarge(Exception):
    """A part needed more bytes than the budget allows."""


class TooManyRows(Exception):
    def __init__(self, rows: int) -> None:
        super().__init__(rows)
        self.rows = rows


class NoSheet(Exception):
    """The workbook names no sheet."""


class _Budget:
    """A zip member read through a shared byte budget."""

    def __init__(self, raw: IO[bytes], budget: list[int]) -> None:
        self.raw, self.budget = raw, budget

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size if size and size > 0 else 64 * 1024)
        self.budget[0] -= len(data)
        if self.budget[0] < 0:
            raise TooLarge
        return data


def _events(archive: zipfile.ZipFile, name: str, budget: list[int]):
    """("start" or "end", element, depth) of a part's XML, the root at depth 1.

    What the caller has seen is dropped as the parse goes on: the root's finished children,
    and the rows of a sheet, so memory holds one child of the root at a time.
    """
    root: Element | None = None
    stack: list[Element] = []
    with archive.open(name) as raw:
        for event, element in iterparse(_Budget(raw, budget), events=("start", "end")):
            if event == "start":
                root = element if root is None else root
                stack.append(element)
                yield event, element, len(stack)
                continue
            depth = len(stack)
            stack.pop()
            yield event, element, depth
            if depth == 2 and root is not None:
                root.clear()
            elif element.tag == f"{MAIN}row" and stack:
                stack[-1].clear()


def _part(archive: zipfile.ZipFile, name: str) -> str | None:
    names = {info.filename.lstrip("/"): info.filename for info in archive.infolist()}
    return names.get(name.lstrip("/"))


def _relations(archive: zipfile.ZipFile, budget: list[int]) -> dict[str, tuple[str, str]]:
    """Id → (type's last word, part name) of the workbook's relations."""
    found: dict[str, tuple[str, str]] = {}
    name = _part(archive, "xl/_rels/workbook.xml.rels")
    if name is None:
        return found
    for event, element, _depth in _events(archive, name, budget):
        if event == "end" and element.tag == f"{RELS}Relationship":
            target = element.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
            kind = element.get("Type", "").rsplit("/", 1)[-1]
            found[element.get("Id", "")] = (kind, posixpath.normpath(path))
    return found


def _workbook(archive: zipfile.ZipFile, budget: list[int]) -> tuple[str | None, Any]:
    """The first sheet's relation id and the workbook's calendar."""
    first, epoch = None, CALENDAR_WINDOWS_1900
    name = _part(archive, "xl/workbook.xml")
    if name is None:
        return None, epoch
    for event, element, _depth in _events(archive, name, budget):
        if event == "start":
            continue
        if element.tag == f"{MAIN}workbookPr":
            if element.get("date1904", "").lower() in ("1", "true"):
                epoch = CALENDAR_MAC_1904
        elif element.tag == f"{MAIN}sheet" and first is None:
            first = element.get(f"{DOC_RELS}id")
        elif element.tag == f"{MAIN}sheets":
            break  # the calendar comes before the sheets
    return first, epoch


def _styles(archive: zipfile.ZipFile, name: str | None, budget: list[int]):
    """The style ids (cellXfs positions) whose number format is a date, and a duration."""
    dates: set[int] = set()
    durations: set[int] = set()
    if name is None or _part(archive, name) is None:
        return dates, durations
    custom: dict[int, str] = {}
    position, in_cell_xfs = 0, False
    for event, element, _depth in _events(archive, _part(archive, name), budget):
        if event == "start":
            if element.tag == f"{MAIN}cellXfs":
                in_cell_xfs = True
            continue
        if element.tag == f"{MAIN}numFmt":
            try:
                custom[int(element.get("numFmtId", ""))] = element.get("formatCode", "")
            except ValueError:
                pass
        elif element.tag == f"{MAIN}xf" and in_cell_xfs:
            try:
                number = int(element.get("numFmtId", "0"))
            except ValueError:
                number = 0
            code = custom.get(number, BUILTIN_FORMATS.get(number))
            if is_date_format(code):
                dates.add(position)
                if is_timedelta_format(code):
                    durations.add(position)
            position += 1
        elif element.tag == f"{MAIN}cellXfs":
            break
    return dates, durations


def _text(element: Element) -> str:
    """A string item's text: its `t`, or its runs' (phonetic hints left out)."""
    direct = element.find(f"{MAIN}t")
    if direct is not None:
        return direct.text or ""
    return "".join(run.findtext(f"{MAIN}t", "") or "" for run in element.iter(f"{MAIN}r"))


def _shared(archive: zipfile.ZipFile, name: str | None, wanted: set[int], budget: list[int]):
    """The shared strings at the `wanted` indices, reading no further than the last one."""
    found: dict[int, str] = {}
    if not wanted or name is None or _part(archive, name) is None:
        return found
    last, index = max(wanted), 0
    for event, element, depth in _events(archive, _part(archive, name), budget):
        if event == "end" and depth == 2 and element.tag == f"{MAIN}si":
            if index in wanted:
                found[index] = _text(element)
            index += 1
            if index > last:
                break
    return found


class _Shared:
    def __init__(self, index: int) -> None:
        self.index = index


def _cell(element: Element, dates: set[int], durations: set[int], epoch: Any) -> Any:
    kind = element.get("t", "n")
    style = int(element.get("s") or 0)
    if kind == "inlineStr":
        inline = element.find(f"{MAIN}is")
        return _text(inline) if inline is not None else None
    value = element.findtext(f"{MAIN}v") or None
    if value is None:
        return None
    if kind == "n":
        number = _number(value)
        if style in dates:
            try:
                return from_excel(number, epoch, timedelta=style in durations)
            except (OverflowError, ValueError):
                return "#VALUE!"
        return number
    if kind == "s":
        return _Shared(int(value))
    if kind == "b":
        return bool(int(value))
    if kind == "d":
        from openpyxl.utils.datetime import from_ISO8601

        return from_ISO8601(value)
    return value  # "str", "e"


def _number(value: str) -> int | float:
    if "." in value or "E" in value or "e" in value:
        return float(value)
    return int(value)


def _sheet_rows(
    archive: zipfile.ZipFile, name: str, budget: list[int], styles, epoch: Any, scan: int
) -> Iterator[tuple[int, list[Any], int]]:
    """(line, values, declared width) of the sheet's rows, up to line `scan`."""
    dates, durations = styles
    width = 0
    line = 0
    for event, element, _depth in _events(archive, name, budget):
        if event == "start":
            continue
        if element.tag == f"{MAIN}dimension":
            last = element.get("ref", "").split(":")[-1]
            try:
                rows, width = coordinate_to_tuple(last)
            except (ValueError, TypeError):
                rows, width = 0, 0
            if rows > 1_048_576:
                raise TooManyRows(rows)
        elif element.tag == f"{MAIN}row":
            line = int(element.get("r") or line + 1)
            if line > scan:
                return
            values: list[Any] = []
            for cell in element.iter(f"{MAIN}c"):
                reference = cell.get("r")
                column = coordinate_to_tuple(reference)[1] if reference else len(values) + 1
                values.extend([None] * (column - 1 - len(values)))
                values.append(_cell(cell, dates, durations, epoch))
            yield line, values, width


def head_rows(
    stream: IO[bytes], *, rows: int, scan: int, budget: int
) -> list[tuple[int, list[Any]]]:
    stream.seek(0)
    left = [budget]
    with zipfile.ZipFile(stream) as archive:
        relations = _relations(archive, left)
        first, epoch = _workbook(archive, left)
        by_kind = {kind: path for kind, path in relations.values()}
        if first in relations:
            sheet = relations[first][1]
        elif _part(archive, "xl/worksheets/sheet1.xml"):
            sheet = "xl/worksheets/sheet1.xml"
        else:
            raise NoSheet
        if _part(archive, sheet) is None:
            raise NoSheet
        styles = _styles(archive, by_kind.get("styles", "xl/styles.xml"), left)
        found: list[tuple[int, list[Any]]] = []
        width = 0
        for line, values, declared in _sheet_rows(
            archive, _part(archive, sheet), left, styles, epoch, scan
        ):
            width = max(width, declared, len(values))
            if any(value not in (None, "") for value in values):
                found.append((line, values))
                if len(found) >= rows:
                    break
        wanted = {v.index for _line, values in found for v in values if isinstance(v, _Shared)}
        strings = _shared(
            archive, by_kind.get("sharedStrings", "xl/sharedStrings.xml"), wanted, left
        )
    resolved = [
        (
            line,
            [strings.get(v.index) if isinstance(v, _Shared) else v for v in values]
            + [None] * (width - len(values)),
        )
        for line, values in found
    ]
    # a row of shared strings that are all empty is an empty row, as openpyxl reads it
    return [(line, values) for line, values in resolved if any(v not in (None, "") for v in values)]
