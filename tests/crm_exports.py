"""CRM exports as clients send them, written here byte for byte (no demo data).

- `spanish_excel()`: what Excel writes on a Spanish Windows: semicolons, Latin-1/Windows-1252,
  CRLF, day/month/year dates, a third of the customers with `Sexo` = "No indica", "N/D" or
  "Prefiero no decirlo", age bands, ages as text, "Chat" and "WhatsApp" side by side.
- `italian_export()`: another CRM, other headers (Codice cliente, Data contatto, Motivo di
  contatto…), tab-separated UTF-8 with a BOM, "Non specificato", "Posta".
- `brazilian_export()`: commas, UTF-8, "Não informado", "Prefiro não dizer".
- `two_year_export()`: 24 months with quiet months, 30 provinces, 25 subcategories.
- `planted_export()`: four planted groups of customers (by reasons and channels) whose
  demographics are mostly missing or unknown.
"""

import io
import random
from datetime import date, timedelta

import openpyxl

SPANISH_HEADER = (
    "Nº Cliente;Fecha contacto;Motivo;Submotivo;Canal;Sexo;Edad;Provincia;Lugar de nacimiento"
)
SPANISH_GENDERS = ["Mujer", "Hombre", "No indica", "N/D", "Prefiero no decirlo", "Otro", "",
                   "Desconocido", "Varios"]  # fmt: skip
SPANISH_AGES = ["34", "25-34", "65+", "41 años", "", "N/D", "treinta", "52", "18-24"]
SPANISH_CHANNELS = ["Teléfono", "Chat", "WhatsApp", "Social (Facebook/Instagram)", "Email"]


def spanish_rows(customers: int = 90) -> list[list[str]]:
    rows = []
    for number in range(customers):
        day = date(2024, 1, 8) + timedelta(days=number * 3 % 200)
        rows.append(
            [
                f"ES-{number:05d}",
                day.strftime("%d/%m/%Y"),
                ["Reclamación", "Información", "Sugerencia"][number % 3],
                ["Envase roto", "Alérgenos", "Sabor"][number % 3],
                SPANISH_CHANNELS[number % len(SPANISH_CHANNELS)],
                SPANISH_GENDERS[number % len(SPANISH_GENDERS)],
                SPANISH_AGES[number % len(SPANISH_AGES)],
                ["Madrid", "Sevilla", "Valencia", "A Coruña"][number % 4],
                ["Madrid", "Córdoba", "Bogotá", ""][number % 4],
            ]
        )
    return rows


def spanish_excel(customers: int = 90, encoding: str = "cp1252") -> bytes:
    lines = [SPANISH_HEADER, *(";".join(row) for row in spanish_rows(customers))]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


ITALIAN_HEADER = [
    "Codice cliente", "Data contatto", "Motivo di contatto", "Sottomotivo", "Canale", "Sesso",
    "Età", "Comune", "Luogo di nascita",
]  # fmt: skip


def italian_export(customers: int = 40) -> bytes:
    rows = ["\t".join(ITALIAN_HEADER)]
    genders = ["Donna", "Uomo", "Non specificato", "F", "M", "Preferisco non dirlo"]
    channels = ["Telefono", "Posta", "Chat", "WhatsApp"]
    for number in range(customers):
        rows.append(
            "\t".join(
                [
                    f"IT{number:04d}",
                    f"2024-0{1 + number % 6}-{10 + number % 15}",
                    ["Reclamo", "Informazioni"][number % 2],
                    ["Corpo estraneo", "Punti vendita"][number % 2],
                    channels[number % len(channels)],
                    genders[number % len(genders)],
                    ["45", "dai 35 ai 44 anni", "oltre 65", ""][number % 4],
                    ["Milano", "Roma", "Napoli"][number % 3],
                    ["Torino", "Bari", ""][number % 3],
                ]
            )
        )
    return ("\ufeff" + "\n".join(rows) + "\n").encode("utf-8")


def brazilian_export(customers: int = 30) -> bytes:
    rows = ["ID Consumidor,Data do contato,Motivo do contato,Canal,Gênero,Idade,Cidade"]
    genders = ["Feminino", "Masculino", "Não informado", "Prefiro não dizer", "Outro"]
    for number in range(customers):
        rows.append(
            ",".join(
                [
                    f"BR-{number}",
                    f"{1 + number % 28:02d}/03/2024",
                    ["Reclamação", "Elogio"][number % 2],
                    ["Telefone", "E-mail", "Chat"][number % 3],
                    genders[number % len(genders)],
                    ["29", "35-44", "N/I"][number % 3],
                    '"São Paulo, SP"' if number % 2 else "Recife",
                ]
            )
        )
    return ("\r\n".join(rows) + "\r\n").encode("utf-8")


def two_year_export() -> bytes:
    """Contacts from January 2023 to December 2024, none in three of those months."""
    quiet = {(2023, 5), (2023, 11), (2024, 7)}
    rows = ["Cliente;Fecha;Motivo;Submotivo;Canal;Provincia"]
    number = 0
    for year in (2023, 2024):
        for month in range(1, 13):
            if (year, month) in quiet:
                continue
            for day in (3, 17):
                rows.append(
                    ";".join(
                        [
                            f"C{number:05d}",
                            f"{day:02d}/{month:02d}/{year}",
                            "Reclamación",
                            f"Sub {number % 25:02d}",
                            "Teléfono",
                            f"Provincia {number % 30:02d}",
                        ]
                    )
                )
                number += 1
    return ("\r\n".join(rows) + "\r\n").encode("cp1252")


PLANTED = [
    ("Reclamación", "Teléfono"),
    ("Información", "Email"),
    ("Promoción", "Redes sociales"),
    ("Comercio electrónico", "Web"),
]


def planted_export(per_group: int = 60, seed: int = 7) -> tuple[bytes, dict[str, int]]:
    """Customers with 3-6 contacts each, ~85 % in their group's reason and channel; gender
    and age mostly missing or not recognised. Returns the file and customer → group."""
    rng = random.Random(seed)
    rows = ["Cliente;Fecha;Motivo;Canal;Sexo;Edad"]
    groups: dict[str, int] = {}
    genders = ["", "No indica", "N/D", "Mujer", "Hombre", "??", "Varios"]
    ages = ["", "N/D", "25-34", "sin dato", "40", "muchos"]
    for group, (reason, channel) in enumerate(PLANTED):
        for index in range(per_group):
            customer = f"P{group}-{index:03d}"
            groups[customer] = group
            gender, age = rng.choice(genders), rng.choice(ages)
            for _contact in range(rng.randint(3, 6)):
                if rng.random() < 0.85:
                    row_reason, row_channel = reason, channel
                else:
                    row_reason, row_channel = rng.choice(PLANTED)[0], rng.choice(PLANTED)[1]
                day = date(2024, 1, 1) + timedelta(days=rng.randint(0, 300))
                rows.append(f"{customer};{day:%d/%m/%Y};{row_reason};{row_channel};{gender};{age}")
    return ("\r\n".join(rows) + "\r\n").encode("latin-1"), groups


def spanish_workbook(customers: int = 20) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(SPANISH_HEADER.split(";"))
    for row in spanish_rows(customers):
        values: list[object] = list(row)
        values[1] = date(2024, 2, 1 + int(row[0][-2:]) % 27)
        while values and values[-1] == "":
            values.pop()  # a sheet's row ends at its last filled cell
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rebuilt_workbook(content: bytes, replace: dict[str, bytes]) -> bytes:
    """A workbook with some parts replaced or added."""
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target:
        for member in source.infolist():
            target.writestr(member.filename, replace.get(member.filename, source.read(member)))
        for name, data in replace.items():
            if name not in source.namelist():
                target.writestr(name, data)
    return buffer.getvalue()


def shared_strings_bomb(megabytes: int = 300) -> bytes:
    """A small XLSX whose shared strings unpack to `megabytes` MB."""
    filler = b"<si><t>" + b"A" * (1024 * 1024 - 15) + b"</t></si>"
    body = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + filler * megabytes
        + b"</sst>"
    )
    return rebuilt_workbook(spanish_workbook(3), {"xl/sharedStrings.xml": body})


def endless_sheet(rows: int = 3_000_000) -> bytes:
    """A sheet declaring `rows` rows, most of them empty."""
    head = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<dimension ref="A1:C%d"/><sheetData>' % rows
    )
    cells = b'<row r="1"><c r="A1" t="inlineStr"><is><t>Cliente</t></is></c></row>'
    tail = b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>x</t></is></c></row>' % (rows, rows)
    return rebuilt_workbook(
        spanish_workbook(3),
        {"xl/worksheets/sheet1.xml": head + cells + tail + b"</sheetData></worksheet>"},
    )


def shared_strings_workbook(rows: list[list[object]], filler_megabytes: int = 0) -> bytes:
    """An XLSX written as Excel writes one: text in shared strings (then `filler_megabytes`
    MB of strings nothing uses), dates as serial numbers styled with a built-in (14) or a
    custom (`dd/mm/yyyy`) date format, booleans, numbers and one inline string."""
    import zipfile
    from xml.sax.saxutils import escape

    strings: list[str] = []
    epoch = date(1899, 12, 30)

    def cell(reference: str, value: object, column: int) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return f'<c r="{reference}" t="b"><v>{int(value)}</v></c>'
        if isinstance(value, date):
            style = 1 + column % 2  # built-in 14 or the custom date format, by column
            return f'<c r="{reference}" s="{style}"><v>{(value - epoch).days}</v></c>'
        if isinstance(value, int | float):
            return f'<c r="{reference}"><v>{value}</v></c>'
        if str(value).startswith("inline:"):
            text = escape(str(value).removeprefix("inline:"))
            return f'<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>'
        strings.append(str(value))
        return f'<c r="{reference}" t="s"><v>{len(strings) - 1}</v></c>'

    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    sheet_rows = "".join(
        f'<row r="{number}">'
        + "".join(
            cell(f"{letters[column]}{number}", value, column) for column, value in enumerate(row)
        )
        + "</row>"
        for number, row in enumerate(rows, start=1)
    )
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    relationships = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    width = max(len(row) for row in rows)
    sheet = (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{main}">'
        f'<dimension ref="A1:{letters[width - 1]}{len(rows)}"/>'
        f"<sheetData>{sheet_rows}</sheetData></worksheet>"
    )
    filler = b"<si><t>" + b"A" * (1024 * 1024 - 15) + b"</t></si>"
    shared = (
        f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{main}">'.encode()
        + "".join(f"<si><t>{escape(text)}</t></si>" for text in strings).encode()
        + filler * filler_megabytes
        + b"</sst>"
    )
    styles = (
        f'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{main}">'
        '<numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/></numFmts>'
        '<fonts count="1"><font/></fonts>'
        '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
        '<borders count="1"><border/></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0"/></cellStyleXfs>'
        '<cellXfs count="3"><xf numFmtId="0" xfId="0"/>'
        '<xf numFmtId="14" xfId="0" applyNumberFormat="1"/>'
        '<xf numFmtId="164" xfId="0" applyNumberFormat="1"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    )
    package = "http://schemas.openxmlformats.org/package/2006/relationships"
    parts = {
        "[Content_Types].xml": (
            b'<?xml version="1.0" encoding="UTF-8"?>'
            b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            b'<Default Extension="rels" '
            b'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            b'<Default Extension="xml" ContentType="application/xml"/>'
            b'<Override PartName="/xl/workbook.xml" ContentType="application/'
            b'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            b'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
            b'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            b'<Override PartName="/xl/styles.xml" ContentType="application/'
            b'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{package}">'
            f'<Relationship Id="rId1" Type="{relationships}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'
        ).encode(),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{main}" '
            f'xmlns:r="{relationships}"><workbookPr/><sheets>'
            '<sheet name="Contactos" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ).encode(),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{package}">'
            f'<Relationship Id="rId1" Type="{relationships}/worksheet" '
            'Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{relationships}/sharedStrings" '
            'Target="sharedStrings.xml"/>'
            f'<Relationship Id="rId3" Type="{relationships}/styles" Target="styles.xml"/>'
            "</Relationships>"
        ).encode(),
        "xl/worksheets/sheet1.xml": sheet.encode(),
        "xl/sharedStrings.xml": shared,
        "xl/styles.xml": styles.encode(),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def zipfile_member(content: bytes, name: str) -> bytes:
    import zipfile

    return zipfile.ZipFile(io.BytesIO(content)).read(name)
