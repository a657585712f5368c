"""Reading CRM exports: detection of format, encoding and delimiter, streaming rows, values.

Pure: takes binary file objects and strings, returns plain data; what it cannot read it
raises as the domain's `Invalid` (`Unreadable`), about the field `file`.

- Encoding: a UTF-8 BOM means `utf-8-sig`; a file that decodes as UTF-8 throughout is `utf-8`;
  otherwise `windows-1252` (what Excel writes in Western Europe), or `latin-1` when the file
  holds one of the five bytes Windows-1252 leaves undefined. The whole file is scanned, in
  chunks, so a `ó` on row 900,000 cannot break an import detected as UTF-8 from its first
  lines.
- Delimiter: comma, semicolon or tab, whichever splits the first lines into the most
  consistent number of columns (more than one).
- Line numbers are those of the file, the header being line 1 (a quoted value spanning lines
  counts them all).
"""

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import IO, Any

from django.utils.translation import gettext_lazy as _

from frontstage import errors

FIELDS = (
    "customer_id",
    "contact_date",
    "category",
    "subcategory",
    "channel",
    "gender",
    "age",
    "birth_date",
    "residence",
    "birthplace",
)
REQUIRED_FIELDS = ("customer_id", "contact_date")
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
    rows = [row for row in csv.reader(io.StringIO(text), delimiter=delimiter) if row]
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
        rows = [row for row in csv.reader(io.StringIO(text), delimiter=delimiter) if row][:50]
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
    rows = []
    for _number, values in iter_xlsx_rows(stream, scan=DETECT_ROWS_SCANNED):
        rows.append(values)
        if len(rows) > PREVIEW_ROWS:
            break
    if not rows:
        raise Unreadable(NO_ROWS_AT_START.format(count=f"{DETECT_ROWS_SCANNED:,}"))
    return _with_rows(Detected("xlsx"), rows)


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


def _plain(text: str) -> str:
    """Lower case without accents."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


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


_DMY = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})(?:[ T,]+\d.*)?")
_YMD = re.compile(r"(\d{4})[/.\-](\d{1,2})[/.\-](\d{1,2})(?:[ T]\d.*)?")


def parse_date(value: Any) -> date | None:
    """A date from day/month/year (`05/03/2024`, `5-3-24`, `05.03.2024`) or ISO
    (`2024-03-05`, with or without a time); None if it is none of these."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return _parse_date_text(cell_text(value))


@lru_cache(maxsize=65536)
def _parse_date_text(text: str) -> date | None:
    year = month = day = 0
    if match := _YMD.fullmatch(text):
        year, month, day = (int(part) for part in match.groups())
    elif match := _DMY.fullmatch(text):
        day, month, year = (int(part) for part in match.groups())
        if len(match.group(3)) == 2:
            year += 2000 if year <= date.today().year % 100 else 1900
    else:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


# Words of the four languages (and English) for each gender; "" is "not said" — a known
# answer, not an unrecognised one. Compared as `normalized` text (case and accents aside).
GENDERS = {
    "female": "f|female|woman|w|mujer|femenino|femenina|fem|donna|femmina|femminile|"
    "feminino|mulher|feminin|femme|mujeres|senora|sra|signora|sig ra",
    "male": "m|male|man|h|hombre|varon|masculino|masc|uomo|maschio|maschile|homem|masculin|"
    "homme|hombres|senor|sr|signore|sig",
    "other": "other|otro|otra|otros|altro|altra|outro|outra|non-binary|nonbinary|nb|"
    "no binario|non binario|nao binario|x|diverse|genero diverso",
    "": "-|n/a|na|nd|n/d|n.d.|n.d|s/d|sd|unknown|desconocido|desconocida|sconosciuto|"
    "desconhecido|ns/nc|ns nc|nsnc|no indica|no indicado|no consta|sin dato|sin datos|"
    "sin especificar|no especificado|no sabe|no contesta|prefiero no decirlo|"
    "prefiero no contestar|prefer not to say|not specified|not stated|none|non specificato|"
    "non indicato|non dichiarato|preferisco non dirlo|nessuno|nao informado|nao informada|"
    "nao declarado|nao especificado|prefiro nao dizer|prefiro nao informar|sem informacao|"
    "null|nan|?|0",
}
_GENDER = {
    normalized_key: code
    for code, words in GENDERS.items()
    for word in words.split("|")
    for normalized_key in [" ".join(re.sub(r"[^a-z0-9]+", " ", _plain(word)).split())]
}
NOT_SAID = {key for key, code in _GENDER.items() if code == ""}


def parse_gender(value: Any) -> str | None:
    """ "female", "male", "other" or "" (not said); None for a value we do not recognise
    (the import keeps it as written)."""
    text = cell_text(value)
    if not text:
        return ""
    return _gender_of_text(text)


@lru_cache(maxsize=4096)  # a column holds a handful of values, a million times
def _gender_of_text(text: str) -> str | None:
    return _GENDER.get(normalized(text))


_AGE_NUMBER = re.compile(r"(\d{1,3})(?:[.,]0+)?(?:\s*(?:anos|anni|years?|yrs?|a|y))?")
_AGE_BAND = re.compile(
    r"(?:de\s+|da\s+|from\s+|dai\s+)?(\d{1,3})\s*(?:-|a|al|e|to|y)\s*(\d{1,3})"
    r"(?:\s*(?:anos|anni|years?))?"
)
_AGE_OVER = re.compile(
    r"(?:(\d{1,3})\s*\+|\+\s*(\d{1,3})|(?:mas de|mayor de|mayores de|over|oltre|"
    r"piu di|mais de|acima de|>=?)\s*(\d{1,3}))(?:\s*(?:anos|anni|years?))?"
)
_AGE_UNDER = re.compile(
    r"(?:menos de|menor de|menores de|under|sotto|meno di|menos de|<)\s*(\d{1,3})"
)


def parse_age(value: Any) -> int | None:
    """A whole age from 0 to 120 ("34", "34.0", "34 años"); None otherwise."""
    age, _band = parse_age_or_band(value)
    return age


def parse_age_or_band(value: Any) -> tuple[int | None, str]:
    """(age, band): an age ("34", "34 años") or a band as the file groups ages ("25-34" →
    "25-34", "65+" / "más de 65" → "65+", "< 18" → "<18"); (None, "") for anything else."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
        return (int(number), "") if number.is_integer() and 0 <= number <= 120 else (None, "")
    return _age_of_text(cell_text(value))


@lru_cache(maxsize=4096)
def _age_of_text(text: str) -> tuple[int | None, str]:
    return _parse_age_text(normalized_age(text))


def normalized_age(text: str) -> str:
    return " ".join(_plain(text).replace("–", "-").replace("—", "-").split())


@lru_cache(maxsize=4096)
def _parse_age_text(text: str) -> tuple[int | None, str]:
    if match := _AGE_NUMBER.fullmatch(text):
        age = int(match.group(1))
        return (age, "") if age <= 120 else (None, "")
    if match := _AGE_BAND.fullmatch(text):
        low, high = int(match.group(1)), int(match.group(2))
        return (None, f"{low}-{high}") if low <= high <= 120 else (None, "")
    if match := _AGE_OVER.fullmatch(text):
        low = int(next(group for group in match.groups() if group))
        return (None, f"{low}+") if low <= 120 else (None, "")
    if match := _AGE_UNDER.fullmatch(text):
        return (None, f"<{int(match.group(1))}")
    return (None, "")


def band_age(band: str) -> int | None:
    """An age standing for a band, to place it among the app's bands: the middle of
    "25-34", the lower bound of "65+", just under the bound of "<18"."""
    if match := re.fullmatch(r"(\d+)-(\d+)", band):
        return (int(match.group(1)) + int(match.group(2))) // 2
    if match := re.fullmatch(r"(\d+)\+", band):
        return int(match.group(1))
    if match := re.fullmatch(r"<(\d+)", band):
        return max(int(match.group(1)) - 1, 0)
    return None


def is_not_said(value: Any) -> bool:
    """An answer that says there is no answer ("No indica", "N/D", "Prefiero no decirlo")."""
    return normalized(cell_text(value)) in NOT_SAID


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


# --- suggesting a mapping ------------------------------------------------------------------

SYNONYMS: dict[str, list[str]] = {
    "customer_id": [
        "customer id", "customer", "customer number", "client id", "client", "consumer id",
        "consumer", "id cliente", "cliente", "codigo cliente", "cod cliente", "numero cliente",
        "n cliente", "cliente id", "codice cliente", "id consumatore", "consumatore",
        "id consumidor", "consumidor", "customer code", "contact id", "id",
    ],
    "contact_date": [
        "contact date", "date", "fecha", "fecha contacto", "fecha de contacto", "fecha alta",
        "data", "data contatto", "data del contatto", "data de contato", "data do contato",
        "data contato", "created", "created at", "opened", "fecha apertura", "data apertura",
    ],
    "category": [
        "category", "reason", "contact reason", "motivo", "motivo contacto",
        "motivo de contacto", "motivo del contacto", "categoria", "tipo", "tipologia",
        "motivo di contatto", "motivo contatto", "motivo do contato", "type", "topic", "tema",
    ],
    "subcategory": [
        "subcategory", "sub category", "subreason", "sub reason", "subcategoria",
        "sub categoria", "submotivo", "sub motivo", "sottocategoria", "sotto categoria",
        "sottomotivo", "subtipo", "sottotipo", "subtype", "detail", "detalle", "dettaglio",
        "subtema",
    ],
    "channel": [
        "channel", "canal", "canale", "contact channel", "canal de contacto",
        "canale di contatto", "canal de contato", "medio", "source", "origen", "origine",
        "origem", "via",
    ],
    "gender": ["gender", "sex", "sexo", "sesso", "genero", "genere", "genre"],
    "age": ["age", "edad", "eta", "idade", "anni", "anos"],
    "birth_date": [
        "birth date", "date of birth", "dob", "birthday", "fecha nacimiento",
        "fecha de nacimiento", "data di nascita", "data nascita", "data de nascimento",
        "nascimento", "nacimiento",
    ],
    "residence": [
        "residence", "city", "town", "province", "region", "residencia", "ciudad",
        "provincia", "localidad", "poblacion", "region", "residenza", "citta", "comune",
        "regione", "residencia", "cidade", "estado", "municipio", "location",
    ],
    "birthplace": [
        "birthplace", "place of birth", "birth place", "country of birth", "lugar de nacimiento",
        "lugar nacimiento", "pais de nacimiento", "luogo di nascita", "luogo nascita",
        "nazione di nascita", "naturalidade", "local de nascimento", "nationality",
        "nacionalidad", "nazionalita", "nacionalidade",
    ],
}  # fmt: skip


def normalized(text: str) -> str:
    """Lower case, no accents, words separated by single spaces: `Fecha_Alta` → `fecha alta`."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", _plain(text)).split())


_SYNONYM_KEYS = {name: {normalized(word) for word in words} for name, words in SYNONYMS.items()}


def suggest_mapping(columns: list[str]) -> dict[str, str]:
    """Our field → the column that most likely holds it; each column used once.

    An exact match of a known header name (English, Spanish, Italian, Portuguese) wins; then a
    header that contains one as whole words (`Fecha del contacto` → `contact_date`), the
    longest known name first, so `Fecha de nacimiento` goes to `birth_date`, not to `fecha`.
    """
    candidates: list[tuple[int, int, int, str, str]] = []
    for position, column in enumerate(columns):
        key = normalized(column)
        padded = f" {key} "
        for name, words in _SYNONYM_KEYS.items():
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
    return {name: mapping[name] for name in FIELDS if name in mapping}


@lru_cache(maxsize=65536)
def clean_name(value: Any, limit: int = 120) -> str:
    """A cell as a one-line name of at most `limit` characters (cached: values repeat)."""
    return " ".join(cell_text(value).split())[:limit]
