"""Reading the tables people bring: detection of format, encoding and delimiter, rows by line.

Pure: takes binary file objects and strings, returns plain data; no models. Used by every
import of a spreadsheet: a blueprint's steps (blueprints/steps_csv.py) and contact imports
(personas/tabular.py adds the contact fields and how their values are read).

- Encoding: a UTF-8 BOM means `utf-8-sig`; a file that decodes as UTF-8 throughout is `utf-8`;
  otherwise `windows-1252` (what Excel writes in Western Europe), or `latin-1` when the file
  holds one of the five bytes Windows-1252 leaves undefined. The whole file is scanned, in
  chunks, so a `ó` on row 900,000 cannot break an import detected as UTF-8 from its first
  lines.
- Delimiter: comma, semicolon or tab, whichever splits the first lines into the most
  consistent number of columns (more than one).
- Line numbers are those of the file, the header being line 1 (a quoted value spanning lines
  counts them all).
- Columns map onto fields by their names in any language (`suggest_mapping`).
"""

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any

from django.utils.translation import gettext_lazy as _

from frontstage import errors

DELIMITERS = (",", ";", "\t")
ENCODINGS = ("utf-8", "utf-8-sig", "windows-1252", "latin-1")
PREVIEW_ROWS = 5
CHUNK = 1024 * 1024
SAMPLE = 64 * 1024

EMPTY_FILE = _("The file is empty.")
NO_HEADER = _("The first line must name the columns.")
BINARY_FILE = _("This is not a CSV or XLSX file (it holds binary data). Save it as CSV or XLSX.")
UTF16_FILE = "This file is in UTF-16; save it as CSV in UTF-8 (or as XLSX)."
BAD_WORKBOOK = _("This Excel file could not be read; save it again as XLSX or as CSV.")
TOO_MANY_COLUMNS = _("The file has more than {limit} columns.")
MAX_COLUMNS = 500
UNSPLITTABLE = _("The first lines could not be split into columns: {error}.")

_UNDEFINED_IN_CP1252 = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")
_XLSX_MAGIC = b"PK\x03\x04"


class Unreadable(errors.Invalid):
    """The file cannot be read as a table; the message is for people, about `field`."""

    def __init__(self, message: Any, *, field: str = "file") -> None:
        super().__init__({field: [message]})


@dataclass
class Detected:
    format: str  # "csv" or "xlsx"
    encoding: str = ""
    delimiter: str = ""
    columns: list[str] = field(default_factory=list)
    preview: list[list[str]] = field(default_factory=list)


# --- detection ---------------------------------------------------------------------------


def detect(
    stream: IO[bytes], *, encoding: str | None = None, delimiter: str | None = None
) -> Detected:
    """Format, encoding, delimiter, columns and preview rows of a file (read from the start)."""
    stream.seek(0)
    head = stream.read(SAMPLE)
    if not head:
        raise Unreadable(EMPTY_FILE)
    if head.startswith(_XLSX_MAGIC):
        return _detect_xlsx(stream)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise Unreadable(UTF16_FILE)
    encoding = encoding or detect_encoding(stream)
    stream.seek(0)
    text = _decoded_sample(stream, encoding)
    delimiter = delimiter or detect_delimiter(text)
    try:
        rows = [
            row for row in csv.reader(io.StringIO(text, newline=None), delimiter=delimiter) if row
        ]
    except csv.Error as error:
        raise Unreadable(UNSPLITTABLE.format(error=error)) from error
    return _with_rows(Detected("csv", encoding, delimiter), rows)


def detect_encoding(stream: IO[bytes]) -> str:
    stream.seek(0)
    first = stream.read(len(codecs.BOM_UTF8))
    stream.seek(0)
    utf8 = codecs.getincrementaldecoder("utf-8")()
    is_utf8, undefined_in_cp1252 = True, False
    while chunk := stream.read(CHUNK):
        if b"\x00" in chunk:
            raise Unreadable(BINARY_FILE)
        if is_utf8:
            try:
                utf8.decode(chunk)
            except UnicodeDecodeError:
                is_utf8 = False
        if not is_utf8 and _UNDEFINED_IN_CP1252.search(chunk):
            undefined_in_cp1252 = True
    if is_utf8:
        try:
            utf8.decode(b"", final=True)
        except UnicodeDecodeError:
            is_utf8 = False
    if is_utf8:
        return "utf-8-sig" if first == codecs.BOM_UTF8 else "utf-8"
    return "latin-1" if undefined_in_cp1252 else "windows-1252"


def _decoded_sample(stream: IO[bytes], encoding: str) -> str:
    raw = stream.read(SAMPLE)
    text = raw.decode(encoding, errors="replace")
    if len(raw) == SAMPLE and "\n" in text:
        text = text[: text.rindex("\n") + 1]  # whole lines only
    return text


def detect_delimiter(text: str) -> str:
    best, best_score = ",", (0.0, 1)
    for delimiter in DELIMITERS:
        try:
            lines = csv.reader(io.StringIO(text, newline=None), delimiter=delimiter)
            rows = [row for row in lines if row][:50]
        except csv.Error:
            continue  # not this delimiter
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        consistent = sum(len(row) == width for row in rows) / len(rows)
        score = (consistent, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _with_rows(detected: Detected, rows: list[list[Any]]) -> Detected:
    if not rows:
        raise Unreadable(EMPTY_FILE)
    header = rows[0]
    if len(header) > MAX_COLUMNS:
        raise Unreadable(TOO_MANY_COLUMNS.format(limit=MAX_COLUMNS))
    if not any(cell_text(cell) for cell in header):
        raise Unreadable(NO_HEADER)
    detected.columns = column_names(header)
    width = len(detected.columns)
    detected.preview = [
        [cell_text(cell)[:200] for cell in (row + [""] * width)[:width]]
        for row in rows[1 : PREVIEW_ROWS + 1]
    ]
    return detected


def column_names(header: list[Any]) -> list[str]:
    """Header cells as unique, non-empty names ("Column 3" for a blank, "Name (2)" twice)."""
    names: list[str] = []
    seen: set[str] = set()
    for index, cell in enumerate(header, start=1):
        name = " ".join(cell_text(cell).split())[:100] or f"Column {index}"
        candidate, copy = name, 2
        while candidate.casefold() in seen:
            candidate, copy = f"{name} ({copy})", copy + 1
        seen.add(candidate.casefold())
        names.append(candidate)
    return names


# An upload is only looked at in the request: the workbook's members are measured before
# anything is parsed, and detection reads a bounded number of rows. A workbook whose parts
# unpack to more than this is refused (a "zip bomb" of shared strings parsed in the request
# took 55 s and 324 MB); its rows are read in the background task only.
MAX_XLSX_MEMBER = 256 * 1024 * 1024
MAX_XLSX_SHARED_STRINGS = 64 * 1024 * 1024
MAX_XLSX_TOTAL = 512 * 1024 * 1024
MAX_XLSX_ROWS = 1_048_576  # what Excel itself can hold
DETECT_ROWS_SCANNED = 10_000
XLSX_TOO_BIG = _(
    "This Excel file unpacks to more than {limit} MB; save it as CSV (or split it) and upload that."
)
XLSX_TOO_MANY_ROWS = _("This Excel sheet claims {rows} rows, more than Excel allows.")
NO_ROWS_AT_START = _(
    "The first {count} rows of the sheet are empty; put the column names on the first rows."
)


def check_xlsx(stream: IO[bytes]) -> None:
    """Measure a workbook's parts from the archive's directory, parsing nothing."""
    import zipfile

    stream.seek(0)
    try:
        members = zipfile.ZipFile(stream).infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise Unreadable(BAD_WORKBOOK) from error
    total = 0
    for member in members:
        total += member.file_size
        limit = (
            MAX_XLSX_SHARED_STRINGS
            if member.filename.lower().endswith("sharedstrings.xml")
            else MAX_XLSX_MEMBER
        )
        if member.file_size > limit or total > MAX_XLSX_TOTAL:
            shown = min(limit, MAX_XLSX_TOTAL) // (1024 * 1024)
            raise Unreadable(XLSX_TOO_BIG.format(limit=shown))
    stream.seek(0)


def _detect_xlsx(stream: IO[bytes]) -> Detected:
    check_xlsx(stream)
    rows = [values for _line, values in xlsx_head_rows(stream)]
    if not rows:
        raise Unreadable(NO_ROWS_AT_START.format(count=f"{DETECT_ROWS_SCANNED:,}"))
    return _with_rows(Detected("xlsx"), rows)


# Detection streams the workbook's XML (frontstage/xlsx_head.py) and reads no more of any part
# than this: the rows it shows, the shared strings up to the last one they use.
XLSX_HEAD_BYTES = 32 * 1024 * 1024


def xlsx_head_rows(stream: IO[bytes], rows: int = PREVIEW_ROWS + 1) -> list[tuple[int, list[Any]]]:
    """(line, values) of the first sheet's first `rows` non-empty rows, as `iter_xlsx_rows`
    gives them, streaming the XML: time and memory stay bounded whatever the workbook."""
    from frontstage import xlsx_head

    try:
        return xlsx_head.head_rows(
            stream, rows=rows, scan=DETECT_ROWS_SCANNED, budget=XLSX_HEAD_BYTES
        )
    except xlsx_head.TooLarge as error:
        raise Unreadable(
            XLSX_TOO_LARGE_TO_READ.format(limit=XLSX_HEAD_BYTES // (1024 * 1024))
        ) from error
    except xlsx_head.TooManyRows as error:
        raise Unreadable(XLSX_TOO_MANY_ROWS.format(rows=f"{error.rows:,}")) from error
    except xlsx_head.NoSheet as error:
        raise Unreadable(EMPTY_FILE) from error
    except Exception as error:  # a broken archive or XML, whatever it raises
        raise Unreadable(BAD_WORKBOOK) from error


XLSX_TOO_LARGE_TO_READ = _(
    "This Excel file is too large to read: its first rows need more than {limit} MB of its "
    "contents. Save it as CSV and upload that."
)


# --- reading rows --------------------------------------------------------------------------


class RowReader:
    """(line, values, problem) for every non-blank row, the header first.

    `problem` is the CSV reader's message for a row it could not split (values are then
    empty); `fraction` tells how much of a CSV file has been read.
    """

    def __init__(self, stream: IO[bytes], *, format: str, encoding: str, delimiter: str) -> None:
        self.stream = stream
        self.format = format
        self.encoding = encoding
        self.delimiter = delimiter
        stream.seek(0, io.SEEK_END)
        self.size = stream.tell() or 1
        stream.seek(0)

    @property
    def fraction(self) -> float:
        return min(self.stream.tell() / self.size, 1.0)

    def __iter__(self) -> Iterator[tuple[int, list[Any], str | None]]:
        if self.format == "xlsx":
            for line, values in iter_xlsx_rows(self.stream):
                yield line, values, None
            return
        text = io.TextIOWrapper(self.stream, encoding=self.encoding, newline="")
        try:
            reader = csv.reader(text, delimiter=self.delimiter)
            line = 1
            while True:
                try:
                    row = next(reader)
                except StopIteration:
                    return
                except csv.Error as error:
                    yield line, [], f"This row could not be read: {error}."
                else:
                    if row:
                        yield line, row, None
                line = reader.line_num + 1
        finally:
            # Hand the stream back open for the caller; a reader dropped half-way may be
            # finished after the caller has closed the file already.
            if not text.closed:
                text.detach()


def iter_xlsx_rows(stream: IO[bytes], scan: int | None = None) -> Iterator[tuple[int, list[Any]]]:
    """(line, values) of the first sheet's non-empty rows; with `scan`, only among its first
    `scan` rows."""
    import openpyxl  # imported here: only Excel files need it
    from openpyxl.utils.exceptions import InvalidFileException

    stream.seek(0)
    try:
        workbook = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    except (InvalidFileException, KeyError, OSError, ValueError, TypeError) as error:
        raise Unreadable(BAD_WORKBOOK) from error
    except Exception as error:  # zipfile.BadZipFile and whatever a broken archive raises
        raise Unreadable(BAD_WORKBOOK) from error
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise Unreadable(EMPTY_FILE)
        if (sheet.max_row or 0) > MAX_XLSX_ROWS:
            raise Unreadable(XLSX_TOO_MANY_ROWS.format(rows=f"{sheet.max_row:,}"))
        for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if scan is not None and line > scan:
                return
            if any(value not in (None, "") for value in values):
                yield line, list(values)
    finally:
        workbook.close()


# --- values --------------------------------------------------------------------------------


# --- values --------------------------------------------------------------------------------


def cell_text(value: Any) -> str:
    """A cell as text: strings stripped, whole floats without `.0`, dates in ISO."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def normalized(text: str) -> str:
    """Lower case, no accents, words separated by single spaces: `Fecha_Alta` → `fecha alta`."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(re.sub(r"[^a-z0-9]+", " ", plain).split())


def suggest_mapping(columns: list[str], synonyms: Mapping[str, Iterable[str]]) -> dict[str, str]:
    """Our field → the column that most likely holds it; each column used once.

    `synonyms` names each field's possible headers (any language, any case or accents). An
    exact match wins; then a header that contains one as whole words (`Fecha del contacto` →
    a field known as `fecha contacto`), the longest known name first.
    """
    keys = {name: {normalized(word) for word in words} for name, words in synonyms.items()}
    candidates: list[tuple[int, int, int, str, str]] = []
    for position, column in enumerate(columns):
        key = normalized(column)
        padded = f" {key} "
        for name, words in keys.items():
            for word in words:
                if key == word:
                    candidates.append((2, len(word), -position, name, column))
                elif len(word) > 2 and f" {word} " in padded:
                    candidates.append((1, len(word), -position, name, column))
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for *_score, name, column in sorted(candidates, reverse=True):
        if name not in mapping and column not in used:
            mapping[name] = column
            used.add(column)
    return {name: mapping[name] for name in synonyms if name in mapping}
