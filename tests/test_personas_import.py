"""Contact imports over HTTP: detection, mapping, the run, its errors, access and limits.

The files are built here: a Spanish Excel CSV (semicolons, Windows-1252), a UTF-8 CSV with a
BOM, an Italian tab-separated export, an XLSX workbook. Tasks run with Django's immediate
backend, so `start` has finished when it answers.
"""

import io
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from personas import api as persona_api
from personas import runs, services, tabular
from personas.models import Contact, ContactImport, ContactReason
from tests.conftest import PEOPLE, World

URL = "/api/v1/contact-imports/"
MEMBERS = {"facilitator", "alice", "bob", "manager"}

SPANISH = (
    "Cliente;Fecha;Motivo;Submotivo;Canal;Sexo;Edad;Provincia;Lugar de nacimiento\r\n"
    "C-001;05/03/2024;Reclamación;Envase roto;Teléfono;Mujer;34;Madrid;Sevilla\r\n"
    "C-002;2024-03-07;Reclamación;Sabor;WhatsApp;Hombre;51;Barcelona;Girona\r\n"
    "C-001;12/04/2024;Información;Alérgenos;email;F;;Madrid;Sevilla\r\n"
)


@pytest.fixture(autouse=True)
def immediate_tasks_and_media(settings: Any, tmp_path: Path) -> None:
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(client: APIClient, world: World, content: bytes, name: str = "crm.csv") -> Any:
    file = SimpleUploadedFile(name, content)
    return client.post(URL, {"workspace": world.workspace.pk, "file": file}, format="multipart")


def run(client: APIClient, pk: int) -> dict:
    started = client.post(f"{URL}{pk}/start/")
    assert started.status_code == 202, started.json()
    return client.get(f"{URL}{pk}/").json()


def test_a_spanish_excel_csv_is_detected_and_mapped(world: World) -> None:
    response = upload(world.client("facilitator"), world, SPANISH.encode("cp1252"))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["format"], body["delimiter"], body["encoding"]) == ("csv", ";", "windows-1252")
    assert body["columns"][:3] == ["Cliente", "Fecha", "Motivo"]
    assert body["preview"][0][2] == "Reclamación"
    assert len(body["preview"]) == 3
    assert body["mapping"] == {
        "customer_id": "Cliente",
        "contact_date": "Fecha",
        "category": "Motivo",
        "subcategory": "Submotivo",
        "channel": "Canal",
        "gender": "Sexo",
        "age": "Edad",
        "residence": "Provincia",
        "birthplace": "Lugar de nacimiento",
    }
    assert body["status"] == "pending"
    assert Contact.objects.count() == 0


def test_running_an_import_brings_in_contacts_and_new_reasons_unreviewed(world: World) -> None:
    complaints = ContactReason.objects.create(workspace=world.workspace, name="Reclamación")
    api = world.client("facilitator")
    pk = upload(api, world, SPANISH.encode("cp1252")).json()["id"]
    result = run(api, pk)
    assert result["status"] == "done"
    assert (result["rows_total"], result["rows_imported"], result["errors"]) == (3, 3, [])
    assert result["progress"] == 1.0

    first = Contact.objects.get(customer_id="C-001", contact_date=date(2024, 3, 5))
    assert first.category == complaints
    assert (first.subcategory.name, first.subcategory.reviewed) == ("Envase roto", False)
    assert first.subcategory.source == "import"
    assert (first.gender, first.age, first.residence, first.birthplace) == (
        "female",
        34,
        "Madrid",
        "Sevilla",
    )
    # No channel is called "Teléfono": it becomes one of its own, for a person to review.
    assert (first.channel.name, first.channel_raw) == ("Teléfono", "Teléfono")
    assert not first.channel.entry.reviewed
    second = Contact.objects.get(customer_id="C-002")
    assert second.contact_date == date(2024, 3, 7)
    assert second.channel == world.channel  # "WhatsApp", by name
    info = ContactReason.objects.get(name="Información")
    assert (info.parent, info.reviewed, info.source) == (None, False, "import")
    assert ContactReason.objects.filter(workspace=world.workspace).count() == 5


def test_a_utf8_csv_with_a_bom_and_iso_dates(world: World) -> None:
    text = (
        "Customer ID,Contact date,Reason,Sub reason,Channel,Gender,Date of birth\n"
        'A1,2024-01-31,Complaints,"Foreign body, glass",Phone,female,1990-06-15\n'
        "A2,2024-02-01T09:30:00,complaints,Taste,web,male,\n"
    )
    api = world.client("facilitator")
    body = upload(api, world, b"\xef\xbb\xbf" + text.encode()).json()
    assert (body["delimiter"], body["encoding"]) == (",", "utf-8-sig")
    assert body["columns"][0] == "Customer ID"
    assert body["mapping"]["birth_date"] == "Date of birth"
    assert body["mapping"]["subcategory"] == "Sub reason"
    result = run(api, body["id"])
    assert (result["rows_imported"], result["errors"]) == (2, [])
    a1 = Contact.objects.get(customer_id="A1")
    assert (a1.birth_date, a1.age, a1.subcategory.name) == (
        date(1990, 6, 15),
        33,
        "Foreign body, glass",
    )
    assert Contact.objects.get(customer_id="A2").category == a1.category  # one "Complaints"


def test_an_italian_tab_separated_export(world: World) -> None:
    text = (
        "Cliente\tData\tMotivo\tSottomotivo\tCanale\tSesso\tEtà\tResidenza\n"
        "I-1\t01/02/2024\tReclamo\tConfezione\tTelefono\tDonna\t40\tMilano\n"
    )
    api = world.client("facilitator")
    body = upload(api, world, text.encode()).json()
    assert (body["delimiter"], body["encoding"]) == ("\t", "utf-8")
    assert body["mapping"]["age"] == "Età"
    assert body["mapping"]["gender"] == "Sesso"
    assert run(api, body["id"])["rows_imported"] == 1
    assert Contact.objects.get().age == 40


def test_bad_rows_are_reported_with_their_line_and_the_rest_imported(world: World) -> None:
    text = (
        "customer;date;reason;note\n"  # line 1
        'C1;05/03/2024;Complaints;"two\nlines"\n'  # lines 2-3
        ";06/03/2024;Complaints;no customer\n"  # line 4
        "C3;31/02/2024;Complaints;no such day\n"  # line 5
        "\n"  # line 6, blank: skipped
        "C4;yesterday;Complaints;\n"  # line 7
        "C5;;Complaints;\n"  # line 8
        "C6;07/03/2024;Complaints;ok\n"  # line 9
    )
    api = world.client("facilitator")
    body = upload(api, world, text.encode()).json()
    result = run(api, body["id"])
    assert result["status"] == "done"
    assert (result["rows_total"], result["rows_imported"], result["errors_total"]) == (6, 2, 4)
    assert [error["line"] for error in result["errors"]] == [4, 5, 7, 8]
    assert result["errors"][0]["message"] == services.EMPTY_CUSTOMER.format(column="customer")
    assert "“31/02/2024”" in result["errors"][1]["message"]
    assert result["errors"][3]["message"] == services.EMPTY_DATE.format(column="date")
    assert set(Contact.objects.values_list("customer_id", flat=True)) == {"C1", "C6"}


def test_a_merged_node_catches_the_next_import_of_its_raw_value(world: World) -> None:
    api = world.client("facilitator")
    text = "customer,date,reason\nC1,05/03/2024,Queja\n"
    run(api, upload(api, world, text.encode()).json()["id"])
    queja = ContactReason.objects.get(name="Queja", reviewed=False)
    complaints = ContactReason.objects.create(workspace=world.workspace, name="Complaints")
    merged = api.post(f"/api/v1/contact-reasons/{queja.pk}/merge/", {"into": complaints.pk})
    assert merged.status_code == 200
    run(api, upload(api, world, text.replace("C1", "C2").encode()).json()["id"])
    assert not ContactReason.objects.filter(name="Queja").exists()
    assert set(Contact.objects.values_list("category", flat=True)) == {complaints.pk}


def test_a_crash_leaves_nothing_half_written(world: World, monkeypatch: Any) -> None:
    monkeypatch.setattr(services, "BATCH_SIZE", 2)
    real = runs.Batch.commit
    calls = []

    def failing_commit(batch: runs.Batch) -> None:
        calls.append(batch.count)
        if len(calls) == 2:  # on PostgreSQL its contacts are in the database by now
            raise RuntimeError("disk full")
        real(batch)

    monkeypatch.setattr(runs.Batch, "commit", failing_commit)
    rows = "".join(f"C{i},05/03/2024,Reason {i}\n" for i in range(5))
    api = world.client("facilitator")
    body = upload(api, world, ("customer,date,reason\n" + rows).encode()).json()
    result = run(api, body["id"])
    assert result["status"] == "failed"
    assert result["rows_imported"] == 0
    assert result["errors"][0] == {
        "line": None,
        "message": services.IMPORT_CRASHED.format(error="RuntimeError"),
        "raw": "",
    }
    assert Contact.objects.count() == 0
    assert not ContactReason.objects.exists()
    monkeypatch.setattr(runs.Batch, "commit", real)
    again = run(api, body["id"])  # a failed import can start again
    assert (again["status"], again["rows_imported"]) == ("done", 5)


def test_an_xlsx_workbook(world: World) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Código cliente", "Data do contato", "Motivo", "Gênero", "Idade"])
    sheet.append([1234, datetime(2024, 5, 2, 10, 30), "Reclamação", "Feminino", 29.0])
    sheet.append([None, None, None, None, None])
    sheet.append([1235, "03/05/2024", "Elogio", "M", None])
    stream = io.BytesIO()
    workbook.save(stream)
    api = world.client("facilitator")
    body = upload(api, world, stream.getvalue(), "crm.xlsx").json()
    assert body["format"] == "xlsx"
    assert body["preview"][0][:3] == ["1234", "2024-05-02", "Reclamação"]
    assert body["mapping"]["customer_id"] == "Código cliente"
    assert body["mapping"]["contact_date"] == "Data do contato"
    result = run(api, body["id"])
    assert (result["rows_total"], result["rows_imported"]) == (2, 2), result["errors"]
    first = Contact.objects.get(customer_id="1234")
    assert (first.contact_date, first.gender, first.age) == (date(2024, 5, 2), "female", 29)


def test_the_mapping_is_validated(world: World) -> None:
    api = world.client("facilitator")
    pk = upload(api, world, SPANISH.encode("cp1252")).json()["id"]
    bad = api.patch(f"{URL}{pk}/", {"mapping": {"shoe_size": "Cliente", "age": "Nope"}})
    assert bad.status_code == 400
    assert bad.json()["mapping"] == [
        persona_api.UNKNOWN_FIELD.format(name="shoe_size", fields=", ".join(tabular.FIELDS)),
        "The file has no column “Nope”.",
    ]
    twice = api.patch(f"{URL}{pk}/", {"mapping": {"customer_id": "Cliente", "age": "Cliente"}})
    assert twice.status_code == 400
    ok = api.patch(f"{URL}{pk}/", {"mapping": {"customer_id": "Cliente", "residence": ""}})
    assert ok.status_code == 200
    assert ok.json()["mapping"] == {"customer_id": "Cliente"}
    missing = api.post(f"{URL}{pk}/start/")
    assert missing.status_code == 400
    assert missing.json() == {"mapping": ["Map a column to contact_date before starting."]}
    assert ContactImport.objects.get(pk=pk).status == "pending"


def test_choosing_another_delimiter_reads_the_file_again(world: World) -> None:
    api = world.client("facilitator")
    pk = upload(api, world, b"a;b,c\n1;2,3\n").json()["id"]
    response = api.patch(f"{URL}{pk}/", {"delimiter": ","})
    assert response.status_code == 200
    assert response.json()["columns"] == ["a;b", "c"]


def test_a_done_import_neither_restarts_nor_changes(world: World) -> None:
    api = world.client("facilitator")
    pk = upload(api, world, SPANISH.encode("cp1252")).json()["id"]
    run(api, pk)
    assert api.post(f"{URL}{pk}/start/").status_code == 409
    assert api.patch(f"{URL}{pk}/", {"mapping": {}}).status_code == 409


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "The submitted file is empty."),
        (b"\x00\x01\x02binary\x00", tabular.BINARY_FILE),
        (b"PK\x03\x04 not really a workbook", tabular.BAD_WORKBOOK),
        ("\ufeffa,b\n".encode("utf-16"), tabular.UTF16_FILE),
    ],
)
def test_unreadable_files_are_bad_input(world: World, content: bytes, message: str) -> None:
    response = upload(world.client("facilitator"), world, content)
    assert response.status_code == 400
    assert response.json() == {"file": [message]}
    assert not ContactImport.objects.exists()


def test_an_upload_over_the_limit_answers_413(world: World, settings: Any) -> None:
    settings.MAX_UPLOAD_BYTES = 10_000
    response = upload(world.client("facilitator"), world, b"customer,date\n" + b"x" * 20_000)
    assert response.status_code == 413
    assert not ContactImport.objects.exists()


@pytest.mark.parametrize("who", PEOPLE)
def test_only_facilitators_upload(world: World, who: str) -> None:
    response = upload(world.client(who), world, SPANISH.encode("cp1252"))
    expected = {"facilitator": 201, "anonymous": 401, "outsider": 400}.get(who, 403)
    assert response.status_code == expected
    assert ContactImport.objects.exists() == (who == "facilitator")


@pytest.mark.parametrize("who", PEOPLE)
def test_members_follow_an_import_and_only_facilitators_drive_it(world: World, who: str) -> None:
    pk = upload(world.client("facilitator"), world, SPANISH.encode("cp1252")).json()["id"]
    client = world.client(who)
    read = 200 if who in MEMBERS else 401 if who == "anonymous" else 404
    write = {"facilitator": 200, "anonymous": 401, "outsider": 404}.get(who, 403)
    assert client.get(f"{URL}{pk}/").status_code == read
    listed = client.get(URL, {"workspace": world.workspace.pk})
    if who != "anonymous":
        assert (pk in {row["id"] for row in listed.json()["results"]}) == (who in MEMBERS)
    assert client.patch(f"{URL}{pk}/", {"mapping": {}}).status_code == write
    started = client.post(f"{URL}{pk}/start/")
    assert started.status_code == (400 if who == "facilitator" else write)  # mapping emptied
    deleted = client.delete(f"{URL}{pk}/")
    assert deleted.status_code == (204 if who == "facilitator" else write)
    assert ContactImport.objects.filter(pk=pk).exists() == (who != "facilitator")


def test_contact_stats_count_finished_imports_only(world: World) -> None:
    api = world.client("facilitator")
    pk = upload(api, world, SPANISH.encode("cp1252")).json()["id"]
    stats_url = f"/api/v1/workspaces/{world.workspace.pk}/contact-stats/"
    assert api.get(stats_url).json()["total"] == 0
    run(api, pk)
    stats = api.get(stats_url).json()
    assert stats["total"] == 3
    assert {(row["name"], row["count"]) for row in stats["by_category"]} == {
        ("Reclamación", 2),
        ("Información", 1),
    }
    assert stats["by_month"] == [{"month": "2024-03", "count": 2}, {"month": "2024-04", "count": 1}]
    assert {row["name"]: row["count"] for row in stats["by_channel"]} == {
        "Teléfono": 1,
        "WhatsApp": 1,
        "email": 1,
    }
    assert world.client("manager").get(stats_url).status_code == 200
    assert world.client("outsider").get(stats_url).status_code == 404
    assert api.get(stats_url, {"import": 999999}).status_code == 400


# --- the pure pieces -------------------------------------------------------------------------


def test_encodings_are_told_apart() -> None:
    detect = lambda data: tabular.detect_encoding(io.BytesIO(data))  # noqa: E731
    assert detect("a;b\nñ;ó\n".encode()) == "utf-8"
    assert detect(b"\xef\xbb\xbfa;b\n") == "utf-8-sig"
    assert detect("a;b\nReclamación;€\n".encode("cp1252")) == "windows-1252"
    assert detect(b"a;b\n\x81\xe9;x\n") == "latin-1"  # 0x81: no character in Windows-1252
    # A non-UTF-8 byte far past the first lines still decides.
    assert detect(b"a,b\n" + b"x,y\n" * 400_000 + "é,ü\n".encode("latin-1")) == "windows-1252"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("05/03/2024", date(2024, 3, 5)),
        ("5-3-2024", date(2024, 3, 5)),
        ("05.03.24", date(2024, 3, 5)),
        ("2024-03-05", date(2024, 3, 5)),
        ("2024-03-05T10:22:00Z", date(2024, 3, 5)),
        ("05/03/2024 10:22", date(2024, 3, 5)),
        ("31/02/2024", None),
        ("March 5", None),
        ("", None),
    ],
)
def test_dates_are_day_month_year_or_iso(text: str, expected: date | None) -> None:
    assert tabular.parse_date(text) == expected


def test_mapping_suggestions_prefer_the_longest_known_name() -> None:
    columns = ["ID Cliente", "Fecha de nacimiento", "Fecha del contacto", "Canal", "Sesso"]
    assert tabular.suggest_mapping(columns) == {
        "customer_id": "ID Cliente",
        "contact_date": "Fecha del contacto",
        "channel": "Canal",
        "gender": "Sesso",
        "birth_date": "Fecha de nacimiento",
    }
