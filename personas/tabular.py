"""Reading CRM exports: the contact fields, and how their values are read.

The file itself (format, encoding, delimiter, rows by line, what cannot be read) is read by
frontstage/tabular.py, as every spreadsheet import is; its names are available here too, so
the contact import speaks of one `tabular`. This module adds the fields a contact file maps
onto (`FIELDS`), the headers exports use for them in four languages (`suggest_mapping`), and
the readers of dates, genders and ages as people write them.
"""

import re
import unicodedata
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from frontstage import tabular as reading

# The file is read as every spreadsheet is: the contact import speaks of one `tabular`.
Detected, RowReader, Unreadable = reading.Detected, reading.RowReader, reading.Unreadable
detect, detect_encoding = reading.detect, reading.detect_encoding
cell_text, normalized = reading.cell_text, reading.normalized
ENCODINGS, BINARY_FILE, BAD_WORKBOOK = reading.ENCODINGS, reading.BINARY_FILE, reading.BAD_WORKBOOK
UTF16_FILE = reading.UTF16_FILE

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


def _plain(text: str) -> str:
    """Lower case without accents."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


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
    r"(?:(?:de|da|dai|dal|from|entre|tra|fra|between)\s+)?"
    r"(\d{1,3})\s*(?:-|a|al|ai|e|to|y|and|ate|hasta)\s*(\d{1,3})"
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


def suggest_mapping(columns: list[str]) -> dict[str, str]:
    """Our field → the column that most likely holds it (frontstage.tabular.suggest_mapping
    over the headers CRM exports use in English, Spanish, Italian and Portuguese)."""
    found = reading.suggest_mapping(columns, SYNONYMS)
    return {name: found[name] for name in FIELDS if name in found}


@lru_cache(maxsize=65536)
def clean_name(value: Any, limit: int = 120) -> str:
    """A cell as a one-line name of at most `limit` characters (cached: values repeat)."""
    return " ".join(cell_text(value).split())[:limit]
