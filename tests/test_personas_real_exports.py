"""Clients' own CRM exports over HTTP (tests/crm_exports.py): nothing dropped for a value the
app does not know, channels kept apart, every rejected row named, charts that never cut, a
scope the analyst chooses, imports and drafts deleted, messages in the reader's language."""

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient
from sklearn.metrics import adjusted_rand_score

from blueprints.models import Channel
from personas import services
from personas.models import (
    Contact,
    ContactImport,
    ContactReason,
    ImportRowError,
    Persona,
    Segmentation,
    ServiceProtocol,
    ValueMapping,
)
from tests import crm_exports
from tests.conftest import World

URL = "/api/v1/contact-imports/"
RUNS = "/api/v1/segmentations/"


@pytest.fixture(autouse=True)
def immediate_tasks_and_media(settings: Any, tmp_path: Path) -> None:
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"


def page(world: World, who: str) -> Client:
    client = Client()
    client.force_login(world.people[who])
    return client


def imported(api: APIClient, world: World, content: bytes, name: str = "crm.csv") -> dict:
    file = SimpleUploadedFile(name, content)
    made = api.post(URL, {"workspace": world.workspace.pk, "file": file}, format="multipart")
    assert made.status_code == 201, made.json()
    started = api.post(f"{URL}{made.json()['id']}/start/")
    assert started.status_code == 202, started.json()
    return api.get(f"{URL}{made.json()['id']}/").json()


def test_a_spanish_excel_export_loses_no_contact_for_unknown_demographics(world: World) -> None:
    api = world.client("facilitator")
    body = imported(api, world, crm_exports.spanish_excel(90), "Contactos enero.csv")
    assert (body["encoding"], body["delimiter"]) == ("windows-1252", ";")
    assert (body["status"], body["rows_total"], body["rows_imported"]) == ("done", 90, 90)
    assert body["errors_total"] == 0 and body["errors"] == []
    # "No indica", "N/D", "Prefiero no decirlo", "Desconocido" and "" say nothing was said;
    # "Varios" and "treinta" are kept as written and counted for review.
    assert body["unrecognised"] == {"gender": {"Varios": 10}, "age": {"treinta": 10}}
    contacts = Contact.objects.filter(contact_import_id=body["id"])
    assert contacts.count() == 90
    assert contacts.filter(gender="", gender_raw="").count() == 50
    assert contacts.filter(gender="other").count() == 10
    assert contacts.filter(gender_raw="Varios").count() == 10
    assert contacts.filter(age_band="25-34").count() == 10
    assert contacts.filter(age_band="65+").count() == 10
    assert contacts.filter(age=41).count() == 10  # "41 años"
    assert contacts.filter(age_raw="treinta").count() == 10


def test_channels_are_filed_only_under_their_own_name_or_alias(world: World) -> None:
    api = world.client("facilitator")
    body = imported(api, world, crm_exports.spanish_excel(50))
    contacts = Contact.objects.filter(contact_import_id=body["id"])
    whatsapp = contacts.filter(channel_raw="WhatsApp")
    assert set(whatsapp.values_list("channel", flat=True)) == {world.channel.pk}
    chat = contacts.filter(channel_raw="Chat")
    assert chat.count() == 10 and world.channel.pk not in set(
        chat.values_list("channel", flat=True)
    )
    added = Channel.objects.filter(workspace=world.workspace).exclude(pk=world.channel.pk)
    assert sorted(added.values_list("name", flat=True)) == [
        "Chat", "Email", "Social (Facebook/Instagram)", "Teléfono",
    ]  # fmt: skip
    assert not any(channel.entry.reviewed for channel in added)


def test_a_merged_channel_takes_its_contacts_protocols_and_name_along(world: World) -> None:
    api = world.client("facilitator")
    post = Channel.objects.create(workspace=world.workspace, name="Post", kind="other")
    first = imported(api, world, crm_exports.italian_export(40), "contatti.tsv")
    assert first["rows_imported"] == 40 and first["encoding"] == "utf-8-sig"
    assert first["mapping"]["customer_id"] == "Codice cliente"
    # "dai 35 ai 44 anni" and "oltre 65" are Italian age bands: nothing left unrecognised.
    assert first["unrecognised"] == {}
    bands = Contact.objects.filter(contact_import_id=first["id"]).values_list("age_band")
    assert bands.filter(age_band="35-44").count() == bands.filter(age_band="65+").count() == 10
    posta = Channel.objects.get(workspace=world.workspace, name="Posta")  # not folded into Post
    persona = Persona.objects.create(workspace=world.workspace, name="Anna")
    ServiceProtocol.objects.create(workspace=world.workspace, persona=persona, channel=posta)
    services.channel_merge(source=posta, into=post)
    assert not Channel.objects.filter(pk=posta.pk).exists()
    assert Contact.objects.filter(channel=post).count() == 10
    assert ServiceProtocol.objects.get().channel == post
    assert post.entry.aliases == ["Posta"]
    again = imported(api, world, crm_exports.italian_export(8), "contatti 2.tsv")
    assert Contact.objects.filter(contact_import_id=again["id"], channel=post).count() == 2
    assert not Channel.objects.filter(workspace=world.workspace, name="Posta").exists()


def test_brazilian_and_workbook_exports_keep_every_contact(world: World) -> None:
    api = world.client("facilitator")
    brazil = imported(api, world, crm_exports.brazilian_export(30), "contatos.csv")
    assert (brazil["delimiter"], brazil["rows_imported"]) == (",", 30)
    assert brazil["unrecognised"] == {"age": {"N/I": 10}}
    contacts = Contact.objects.filter(contact_import_id=brazil["id"])
    assert contacts.filter(residence="São Paulo, SP").count() == 15
    assert contacts.filter(age_band="35-44").count() == 10
    book = imported(api, world, crm_exports.spanish_workbook(20), "contactos.xlsx")
    assert (book["format"], book["rows_total"], book["rows_imported"]) == ("xlsx", 20, 20)


def test_every_rejected_row_is_named_with_its_line_and_content(world: World) -> None:
    header = "Cliente;Fecha;Motivo;Canal"
    rows = [f"C{i};05/03/2024;Reclamación;Teléfono" for i in range(10)]
    rows += [f";05/03/2024;Reclamación;Teléfono{i}" for i in range(1200)]  # no customer
    rows += ["C-short;05/03/2024", "C-long;05/03/2024;Reclamación;Teléfono;x;y"]
    rows += ["C-nodate;;Reclamación;Teléfono", "C-noreason;06/03/2024;;Teléfono"]
    rows += ["C-last;07/03/2024;Información;Chat"]
    content = ("\r\n".join([header, *rows]) + "\r\n").encode("cp1252")
    api = world.client("facilitator")
    body = imported(api, world, content)
    assert (body["rows_total"], body["rows_imported"], body["errors_total"]) == (1215, 11, 1204)
    assert len(body["errors"]) == 1000
    assert ImportRowError.objects.filter(contact_import_id=body["id"]).count() == 1204
    answer = api.get(f"{URL}{body['id']}/errors.csv")
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(b"".join(answer.streaming_content).decode())))
    assert lines[0] == ["Line", "Problem", "Row as in the file"]
    by_line = {int(line): (message, raw) for line, message, raw in lines[1:]}
    assert len(by_line) == 1204
    assert by_line[12] == (
        "The customer id (Cliente) is empty.",
        ";05/03/2024;Reclamación;Teléfono0",
    )
    short, long = by_line[1212], by_line[1213]
    assert short[0].startswith("This row has 2 values where the header has 4")
    assert long[0].startswith("This row has 6 values where the header has 4")
    assert by_line[1214][0] == "The contact date (Fecha) is empty."
    assert by_line[1215][0] == "The contact reason (Motivo) is empty."
    assert world.client("outsider").get(f"{URL}{body['id']}/errors.csv").status_code == 404


def test_import_messages_read_in_the_readers_language(world: World) -> None:
    api = world.client("facilitator")
    content = "Cliente;Fecha;Motivo\r\n;05/03/2024;Reclamación\r\nC1;05/03/2024;Reclamación\r\n"
    body = imported(api, world, content.encode("cp1252"))
    for language, text in [
        ("es", "El id de cliente (Cliente) está vacío."),
        ("it", "L'id cliente (Cliente) è vuoto."),
        ("pt-br", "O id do cliente (Cliente) está vazio."),
    ]:
        answer = api.get(f"{URL}{body['id']}/", HTTP_ACCEPT_LANGUAGE=language).json()
        assert answer["errors"][0]["message"] == text


def test_a_headers_only_file_fails_with_a_message_and_offers_no_segmentation(
    world: World,
) -> None:
    api = world.client("facilitator")
    body = imported(api, world, "Cliente;Fecha;Motivo\r\n".encode("cp1252"))
    assert (body["status"], body["rows_total"]) == ("failed", 0)
    assert body["errors"][0]["message"] == services.HEADER_ONLY
    html = page(world, "facilitator").get(f"/contact-imports/{body['id']}/").content.decode()
    assert "Segment them into personas" not in html and services.HEADER_ONLY in html


def test_charts_show_every_month_and_say_how_many_rows_are_not_shown(world: World) -> None:
    api = world.client("facilitator")
    imported(api, world, crm_exports.two_year_export())
    stats = api.get(f"/api/v1/workspaces/{world.workspace.pk}/contact-stats/").json()
    months = [row["month"] for row in stats["by_month"]]
    assert months[0] == "2023-01" and months[-1] == "2024-12" and len(months) == 24
    assert {row["month"]: row["count"] for row in stats["by_month"]}["2023-05"] == 0
    assert len(stats["by_subcategory"]) == 25
    client = page(world, "facilitator")
    html = client.get(f"/workspaces/{world.workspace.pk}/contacts/").content.decode()
    assert "and 10 more — show all" in html  # subcategories: 25, 15 shown
    assert "and 15 more — show all" in html  # residence: 30 provinces
    assert html.count('class="column-item"') == 24
    every = client.get(f"/workspaces/{world.workspace.pk}/contacts/?all=residence").content
    assert "Provincia 29" in every.decode()


def test_unknown_values_are_mapped_once_and_remembered(world: World) -> None:
    api = world.client("facilitator")
    body = imported(api, world, crm_exports.spanish_excel(18))
    mapped = page(world, "facilitator").post(
        f"/contact-imports/{body['id']}/",
        {"action": "map", "field": "gender", "raw": "Varios", "value": "other"},
    )
    assert mapped.status_code == 302
    assert not Contact.objects.filter(gender_raw="Varios").exists()
    assert ValueMapping.objects.get().value == "other"
    again = imported(api, world, crm_exports.spanish_excel(18))
    assert "gender" not in again["unrecognised"]
    contacts = Contact.objects.filter(contact_import_id=again["id"])
    assert contacts.filter(gender="other").count() == 4  # "Otro" twice, "Varios" twice
    refused = page(world, "facilitator").post(
        f"/contact-imports/{body['id']}/",
        {"action": "map", "field": "gender", "raw": "x", "value": "robot"},
        HTTP_ACCEPT="application/json",
    )
    assert refused.status_code == 400


def test_deleting_an_import_takes_what_it_alone_brought(world: World) -> None:
    api = world.client("facilitator")
    keep = imported(api, world, crm_exports.spanish_excel(30))
    gone = imported(api, world, crm_exports.italian_export(20), "it.tsv")
    run = api.post(RUNS, {"workspace": world.workspace.pk, "imports": [gone["id"]]}, format="json")
    assert run.status_code == 202, run.json()
    reclamo = ContactReason.objects.get(workspace=world.workspace, name="Reclamo")
    assert world.client("manager").delete(f"{URL}{gone['id']}/").status_code == 403
    assert api.delete(f"{URL}{gone['id']}/").status_code == 204
    assert not Contact.objects.filter(contact_import_id=gone["id"]).exists()
    assert Contact.objects.filter(contact_import_id=keep["id"]).count() == 30
    assert not ContactReason.objects.filter(pk=reclamo.pk).exists()
    assert ContactReason.objects.filter(workspace=world.workspace, name="Reclamación").exists()
    assert not Channel.objects.filter(workspace=world.workspace, name="Posta").exists()
    assert Channel.objects.filter(workspace=world.workspace, name="Chat").exists()  # both
    assert Segmentation.objects.get(pk=run.json()["id"]).stale


def test_a_segmentation_covers_the_scope_the_analyst_chose(world: World) -> None:
    api = world.client("facilitator")
    services.taxonomy_seed(workspace=world.workspace)
    services.demo_contacts_seed(workspace=world.workspace, customers=300)
    planted, _groups = crm_exports.planted_export(per_group=30)
    ours = imported(api, world, planted, "planted.csv")
    body = {"workspace": world.workspace.pk, "exclude_demo": True, "k": 4}
    run = api.post(RUNS, body, format="json")
    assert run.status_code == 202, run.json()
    done = api.get(f"{RUNS}{run.json()['id']}/").json()
    assert done["scope"] == {"exclude_demo": True}
    assert done["metrics"]["customers"] == 120
    dated = {**body, "imports": [ours["id"]], "date_from": "2024-06-01", "date_to": "2024-03-01"}
    refused = api.post(RUNS, dated, format="json")
    assert refused.status_code == 400 and "date_to" in refused.json()


def test_planted_groups_come_back_despite_missing_and_unknown_demographics(
    world: World,
) -> None:
    api = world.client("facilitator")
    content, groups = crm_exports.planted_export(per_group=60)
    body = imported(api, world, content, "planted.csv")
    assert body["rows_imported"] == body["rows_total"]  # no contact lost
    assert body["unrecognised"]["gender"] and body["unrecognised"]["age"]
    run = api.post(RUNS, {"workspace": world.workspace.pk, "k": 4}, format="json").json()
    answer = api.get(f"{RUNS}{run['id']}/assignments.csv")
    rows = list(csv.reader(io.StringIO(b"".join(answer.streaming_content).decode())))[1:]
    found = {customer: segment for customer, segment in rows}
    customers = sorted(groups)
    score = adjusted_rand_score([groups[c] for c in customers], [found[c] for c in customers])
    assert score >= 0.9, score


def test_protocols_for_a_reason_on_a_channel_and_a_readable_refusal(world: World) -> None:
    api = world.client("facilitator")
    persona = Persona.objects.create(workspace=world.workspace, name="Anna")
    services.taxonomy_seed(workspace=world.workspace)
    reason = ContactReason.objects.get(workspace=world.workspace, name="Complaints")
    body = {"persona": persona.pk, "contact_reason": reason.pk, "channel": world.channel.pk}
    assert api.post("/api/v1/protocols/", body, format="json").status_code == 201
    twice = api.post("/api/v1/protocols/", body, format="json")
    assert twice.status_code == 400
    assert twice.json() == {"detail": str(services.PROTOCOL_TWICE)}
    neither = api.post("/api/v1/protocols/", {"persona": persona.pk}, format="json")
    assert neither.json() == {"detail": str(services.REASON_OR_CHANNEL)}
    grid = page(world, "manager").get(f"/workspaces/{world.workspace.pk}/protocols/")
    assert "Complaints on WhatsApp" in grid.content.decode()
    html = page(world, "manager").get(f"/personas/{persona.pk}/").content.decode()
    assert 'Complaints <span class="badge">WhatsApp</span>' in html


def test_stale_drafts_and_personas_are_archived_or_deleted(world: World) -> None:
    api = page(world, "facilitator")
    kept = Persona.objects.create(workspace=world.workspace, name="Kept", matched=False,
                                  edited_fields=["name"])  # fmt: skip
    Persona.objects.create(workspace=world.workspace, name="Stale draft", matched=False)
    url = f"/workspaces/{world.workspace.pk}/personas/"
    assert api.post(url, {"action": "delete_stale"}).status_code == 302
    assert list(Persona.objects.values_list("name", flat=True)) == ["Kept"]
    api.post(url, {"action": "archive", "persona": kept.pk})
    kept.refresh_from_db()
    assert kept.archived
    api.get(url)  # the message saying so
    assert "persona-card" not in api.get(url).content.decode()
    assert "Kept" in api.get(f"{url}?archived=1").content.decode()
    api.post(url, {"action": "delete", "persona": kept.pk})
    assert not Persona.objects.exists()


def test_drafted_sentences_are_worded_again_in_the_readers_language(world: World) -> None:
    api = world.client("facilitator")
    content, _groups = crm_exports.planted_export(per_group=25)
    imported(api, world, content)
    api.post(
        RUNS, {"workspace": world.workspace.pk, "k": 4}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    persona = Persona.objects.filter(workspace=world.workspace).first()
    assert persona.habits[0].startswith("Gets in touch by ")
    client = page(world, "facilitator")
    answer = client.post(
        f"/personas/{persona.pk}/", {"action": "reword"}, HTTP_ACCEPT_LANGUAGE="es"
    )
    assert answer.status_code == 302
    persona.refresh_from_db()
    assert persona.habits[0].startswith("Contacta por "), persona.habits


def test_crafted_workbooks_are_refused_before_anything_is_parsed(world: World) -> None:
    api = world.client("facilitator")
    for content, message in [
        (crm_exports.shared_strings_bomb(80), "unpacks to more than 64 MB"),
        (crm_exports.endless_sheet(3_000_000), "claims 3,000,000 rows, more than Excel allows"),
    ]:
        file = SimpleUploadedFile("crafted.xlsx", content)
        answer = api.post(URL, {"workspace": world.workspace.pk, "file": file}, format="multipart")
        assert answer.status_code == 400
        assert message in answer.json()["file"][0]
    assert not ContactImport.objects.exists()
