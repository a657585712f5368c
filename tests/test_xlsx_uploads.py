"""An XLSX upload is looked at without reading the workbook: detection streams the first
sheet's first rows and only the shared strings they use (frontstage/xlsx_head.py), so a
workbook of hundreds of MB of strings costs what its first rows cost; the preview shows the
values the background import stores."""

import io
import tracemalloc
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from frontstage import tabular
from personas.models import Contact, ContactImport
from tests import crm_exports
from tests.conftest import World

URL = "/api/v1/contact-imports/"
HEADER = ["Nº Cliente", "Fecha contacto", "Fecha de nacimiento", "Motivo", "Edad", "VIP"]
ROWS = [
    HEADER,
    ["ES-001", date(2024, 3, 5), date(1990, 12, 31), "Reclamación", 41, True],
    ["ES-002", date(2024, 2, 29), date(1985, 1, 2), "inline:Consulta <b>", 39.0, False],
    ["ES-003", date(2023, 12, 1), None, "Reclamación", 65, True],
]
MB = 1024 * 1024


@pytest.fixture(autouse=True)
def immediate_tasks_and_media(settings: Any, tmp_path: Path) -> None:
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"


def peak_growth(action: Any) -> tuple[Any, int]:
    """What `action()` returns and the most memory Python allocated meanwhile."""
    tracemalloc.start()
    try:
        result = action()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def post(api: Any, world: World, content: bytes) -> Any:
    file = SimpleUploadedFile("contactos.xlsx", content)
    return api.post(URL, {"workspace": world.workspace.pk, "file": file}, format="multipart")


def test_the_preview_reads_only_the_strings_it_shows(world: World) -> None:
    content = crm_exports.shared_strings_workbook(ROWS, filler_megabytes=60)
    assert len(content) < 2 * MB  # 60 MB of strings that pack into little
    api = world.client("facilitator")
    assert post(api, world, crm_exports.shared_strings_workbook(ROWS)).status_code == 201
    answer, peak = peak_growth(lambda: post(api, world, content))  # the code is loaded now
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["columns"] == HEADER
    assert body["preview"][0] == ["ES-001", "2024-03-05", "1990-12-31", "Reclamación", "41", "True"]
    assert body["preview"][1][3] == "Consulta <b>"
    assert peak < 20 * MB, f"{peak / MB:.0f} MB"  # the strings part alone unpacks to 60 MB


def test_detection_stays_bounded_on_hundreds_of_mb_of_shared_strings() -> None:
    content = crm_exports.shared_strings_workbook(ROWS, filler_megabytes=300)
    rows, peak = peak_growth(lambda: tabular.xlsx_head_rows(io.BytesIO(content)))
    assert [values for _line, values in rows][0] == HEADER
    assert rows[1][1][3] == "Reclamación"
    assert peak < 20 * MB, f"{peak / MB:.0f} MB"


def test_a_shared_strings_bomb_upload_answers_400_without_parsing(world: World) -> None:
    content = crm_exports.shared_strings_workbook(ROWS, filler_megabytes=300)
    api = world.client("facilitator")
    assert post(api, world, b"PK\x03\x04 not a zip").status_code == 400  # loads the code
    answer, peak = peak_growth(lambda: post(api, world, content))
    assert answer.status_code == 400
    assert "unpacks to more than 64 MB" in answer.json()["file"][0]
    assert peak < 20 * MB, f"{peak / MB:.0f} MB"
    assert not ContactImport.objects.exists()


def test_strings_needed_beyond_the_budget_answer_400(world: World, settings: Any) -> None:
    rows = [HEADER, ["ES-001", date(2024, 3, 5), None, "Reclamación", 41, True]]
    content = crm_exports.shared_strings_workbook(rows, filler_megabytes=40)
    # the header's strings come first; make the first row use one after 40 MB of filler
    content = crm_exports.rebuilt_workbook(
        content,
        {
            "xl/worksheets/sheet1.xml": crm_exports.zipfile_member(
                content, "xl/worksheets/sheet1.xml"
            ).replace(b'<c r="A2" t="s"><v>6</v></c>', b'<c r="A2" t="s"><v>45</v></c>')
        },
    )
    answer = post(world.client("facilitator"), world, content)
    assert answer.status_code == 400
    assert "too large to read" in answer.json()["file"][0]
    assert not ContactImport.objects.exists()


def test_dates_and_numbers_in_the_preview_are_what_the_import_stores(world: World) -> None:
    api = world.client("facilitator")
    body = post(api, world, crm_exports.shared_strings_workbook(ROWS)).json()
    assert body["mapping"]["birth_date"] == "Fecha de nacimiento"
    assert api.post(f"{URL}{body['id']}/start/").status_code == 202
    stored = {
        contact.customer_id: contact
        for contact in Contact.objects.filter(contact_import=body["id"])
    }
    assert len(stored) == 3
    for row in body["preview"]:
        contact = stored[row[0]]
        assert row[1] == contact.contact_date.isoformat()
        assert row[2] == (contact.birth_date.isoformat() if contact.birth_date else "")
        assert row[4] == (str(contact.age) if contact.age is not None else contact.age_raw)
    assert stored["ES-002"].contact_date == date(2024, 2, 29)


def test_the_preview_equals_what_openpyxl_reads(world: World) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Código cliente", "Data do contato", "Motivo", None, "Idade"])
    sheet.append([1234, date(2024, 5, 2), "Reclamação", None, 29.0])
    sheet.append([None] * 5)
    sheet.append([1235, "03/05/2024", "Elogio", True, None])
    sheet["B4"].number_format = "yyyy-mm-dd h:mm"
    buffer = io.BytesIO()
    workbook.save(buffer)
    workbook.epoch = CALENDAR_MAC_1904  # dates counted from 1904, as old Mac Excel did
    mac = io.BytesIO()
    workbook.save(mac)
    empty_strings = crm_exports.shared_strings_workbook([["", ""], *ROWS])
    contents = (buffer.getvalue(), mac.getvalue(), crm_exports.shared_strings_workbook(ROWS))
    for content in (*contents, empty_strings):
        streamed = tabular.xlsx_head_rows(io.BytesIO(content))
        whole = list(tabular.iter_xlsx_rows(io.BytesIO(content)))
        assert streamed == whole[: len(streamed)] and len(streamed) == min(len(whole), 6)


@pytest.mark.parametrize(
    "content",
    [
        b"PK\x03\x04" + b"\x00" * 200,  # a zip's signature and nothing else
        crm_exports.shared_strings_workbook(ROWS)[:-300],  # cut short
        crm_exports.rebuilt_workbook(
            crm_exports.shared_strings_workbook(ROWS),
            {"xl/worksheets/sheet1.xml": b"<worksheet><sheetData><row r="},
        ),
    ],
    ids=["signature only", "truncated", "broken sheet xml"],
)
def test_a_malformed_workbook_is_a_clear_400(world: World, content: bytes) -> None:
    answer = post(world.client("facilitator"), world, content)
    assert answer.status_code == 400
    assert answer.json()["file"] == [str(tabular.BAD_WORKBOOK)]
    assert not ContactImport.objects.exists()
