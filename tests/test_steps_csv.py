"""A blueprint's steps as a spreadsheet: `GET` and `POST /api/v1/blueprints/{id}/steps.csv`.

Out in the reader's language and formula-safe; in from what Excel writes in Spain (Windows-1252,
semicolons, Spanish headers and labels) or an XLSX workbook, with problems reported by line and
nothing written unless the whole file is right.
"""

import csv
import io
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from rest_framework.test import APIClient

from blueprints.models import (
    BAND_ORDER,
    Actor,
    Blueprint,
    BlueprintEvent,
    Channel,
    Lane,
    Phase,
    Step,
)
from tests import factories
from tests.conftest import World


def url(blueprint: Blueprint) -> str:
    return f"/api/v1/blueprints/{blueprint.pk}/steps.csv"


def table(content: bytes, delimiter: str) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=delimiter))


def upload(
    client: APIClient, blueprint: Blueprint, content: bytes, name: str = "steps.csv", **fields: Any
) -> Any:
    body = {"file": SimpleUploadedFile(name, content)} | fields
    return client.post(url(blueprint), body, format="multipart")


def steps_of(blueprint: Blueprint, language: str = "en") -> list[tuple]:
    """The steps as the spreadsheet shows them, cell by cell, each cell in its order (lanes
    new to a blueprint come in band order, not necessarily in the same order within a band)."""
    steps = blueprint.steps.select_related("phase", "lane", "channel", "actor")
    return [
        (
            s.phase.name,
            s.lane.band,
            s.lane.display_name(language),
            s.title,
            s.description,
            s.kind,
            s.channel and s.channel.name,
            s.actor and s.actor.name,
            s.emotion,
            s.evidence,
            s.data_captured,
            s.data_recorded_in,
            s.data_stage,
        )  # fmt: skip
        for s in sorted(
            steps,
            key=lambda s: (
                s.phase.position,
                BAND_ORDER[s.lane.band],
                s.lane.display_name(language),
                s.position,
            ),
        )
    ]


def counts() -> dict[str, int]:
    models = (Phase, Lane, Step, Actor, Channel, BlueprintEvent)
    return {model.__name__: model.objects.count() for model in models}


# --- out --------------------------------------------------------------------------------------


def test_the_export_is_one_row_per_step_in_english_with_commas(world: World) -> None:
    response = world.client("manager").get(url(world.a.blueprint) + "?download=1")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].endswith('-steps.csv"')
    rows = table(response.content, ",")
    assert rows[0][:4] == ["Phase", "Band", "Lane", "Title"]
    assert rows[1][:6] == [
        "Contact",
        "Customer actions",
        "Consumer",
        "Calls about a flat bottle",
        "",
        "Action",
    ]
    assert len(rows) == 3


def test_the_export_speaks_spanish_with_semicolons(world: World) -> None:
    world.a.step.kind = "pain_point"
    world.a.step.save(update_fields=["kind"])
    response = world.client("alice").get(url(world.a.blueprint) + "?lang=es")
    rows = table(response.content, ";")
    assert rows[0][:4] == ["Fase", "Franja", "Carril", "Título"]
    assert rows[1][1] == "Acciones del cliente"
    assert rows[1][5] == "Punto de dolor"


def test_formulas_stay_text(world: World) -> None:
    factories.make_step(world.a.lane, world.a.phase, '=HYPERLINK("http://evil")', description="+1")
    rows = table(world.client("alice").get(url(world.a.blueprint)).content, ",")
    assert ['\'=HYPERLINK("http://evil")', "'+1"] in [row[3:5] for row in rows]


def test_only_members_read_it(world: World) -> None:
    assert world.client("outsider").get(url(world.a.blueprint)).status_code == 404
    assert world.client("anonymous").get(url(world.a.blueprint)).status_code == 401


# --- round trip ---------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["es", "en"])
def test_every_demo_blueprint_comes_back_through_the_spreadsheet(db: None, language: str) -> None:
    call_command("seed_demo", stdout=io.StringIO())
    client = APIClient()
    client.force_authenticate(factories.User.objects.get(username="facilitator"))
    for original in Blueprint.objects.filter(kind="team"):
        content = client.get(url(original) + f"?lang={language}").content
        empty = factories.make_blueprint(original.workspace, original.team, title="Copy")
        response = upload(client, empty, content)
        assert response.status_code == 201, response.content
        assert response.json()["steps"] == original.steps.count()
        assert steps_of(empty, language) == steps_of(original, language)


# --- in -------------------------------------------------------------------------------------------

SPANISH_EXCEL = (
    "Fase;Carril;Franja;Título;Descripción;Tipo;Canal;Emoción del cliente;Evidencia;"
    "Notas internas\r\n"
    'Contact;Consumer;;Llama por una botella sin gas;Dice que "no tiene burbujas";Punto de dolor;'
    "Teléfono;-1;Supuesto;no importar\r\n"
    "Resolución;Agente de atención;Acciones visibles (frontstage);Abre la incidencia;;Acción;;"
    "0;observado;\r\n"
    'Resolución;Consumer;;Recibe la respuesta;"Dos\r\nlíneas";touchpoint;Teléfono;2;;\r\n'
).encode("windows-1252")


def test_a_spanish_excel_file_adds_its_steps(world: World) -> None:
    blueprint = world.a.blueprint
    before = Step.objects.filter(blueprint=blueprint).count()
    response = upload(world.client("alice"), blueprint, SPANISH_EXCEL)
    assert response.status_code == 201, response.content
    answer = response.json()
    assert answer["detected"]["encoding"] == "windows-1252"
    assert answer["detected"]["delimiter"] == ";"
    assert answer["mapping"]["title"] == "Título"
    assert "Notas internas" not in answer["mapping"].values()
    assert (answer["steps"], answer["new_phases"], answer["new_lanes"]) == (
        3,
        ["Resolución"],
        ["Agente de atención"],
    )
    assert answer["new_channels"] == ["Teléfono"]
    assert Step.objects.filter(blueprint=blueprint).count() == before + 3
    pain = Step.objects.get(title="Llama por una botella sin gas")
    assert (pain.lane, pain.phase, pain.kind, pain.emotion, pain.evidence) == (
        world.a.lane,
        world.a.phase,
        "pain_point",
        -1,
        "assumed",
    )
    assert pain.description == 'Dice que "no tiene burbujas"'
    assert pain.position == 1  # after the step already in its cell
    assert Step.objects.get(title="Recibe la respuesta").description == "Dos\r\nlíneas"
    agent = Lane.objects.get(blueprint=blueprint, name="Agente de atención")
    assert agent.band == "frontstage"
    [event] = BlueprintEvent.objects.filter(blueprint=blueprint, kind="steps.imported")
    assert event.after["count"] == 3 and event.actor == world.people["alice"]


def test_an_xlsx_workbook_is_read_too(world: World) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Fase", "Carril", "Título", "Emoción del cliente"])
    sheet.append(["Contact", "Consumer", "Escribe por WhatsApp", 1.0])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = upload(world.client("facilitator"), world.a.blueprint, buffer.getvalue(), "s.xlsx")
    assert response.status_code == 201, response.content
    assert Step.objects.get(title="Escribe por WhatsApp").emotion == 1


def test_problems_are_reported_by_line_and_nothing_is_written(world: World) -> None:
    content = (
        b"Phase,Lane,Title,Kind,Customer emotion,Band\n"
        b"Contact,Consumer,Fine,action,0,\n"
        b"Contact,Consumer,Bad kind,banana,0,\n"
        b"Contact,Consumer,,action,0,\n"
        b"Contact,Consumer,Too happy,action,5,\n"
        b"Contact,Brand new lane,No band,action,0,\n"
        b"Contact,Consumer,Wrong band,action,0,Backstage\n"
    )
    before = counts()
    response = upload(world.client("alice"), world.a.blueprint, content)
    assert response.status_code == 400
    lines = {row["line"]: row["message"] for row in response.json()["rows"]}
    assert set(lines) == {3, 4, 5, 6, 7}
    assert "banana" in lines[3] and lines[3].startswith("Kind:")
    assert lines[4].startswith("Title:")
    assert "5" in lines[5]
    assert "Brand new lane" in lines[6]
    assert "Customer actions" in lines[7]
    assert counts() == before


def test_a_mapping_names_the_columns(world: World) -> None:
    content = b"When,Who,What\nContact,Consumer,Tweets a photo\n"
    client = world.client("alice")
    guessed = upload(client, world.a.blueprint, content)
    assert guessed.status_code == 400
    assert "file" in guessed.json()
    mapping = '{"phase": "When", "lane": "Who", "title": "What"}'
    response = upload(client, world.a.blueprint, content, mapping=mapping)
    assert response.status_code == 201, response.content
    assert Step.objects.filter(title="Tweets a photo").exists()
    wrong = upload(client, world.a.blueprint, content, mapping='{"title": "Nowhere"}')
    assert wrong.status_code == 400


def test_a_dry_run_says_what_would_be_added(world: World) -> None:
    before = counts()
    response = upload(world.client("alice"), world.a.blueprint, SPANISH_EXCEL, dry_run="true")
    assert response.status_code == 200
    assert response.json()["dry_run"] is True
    assert response.json()["steps"] == 3
    assert counts() == before


@pytest.mark.parametrize(("who", "status"), [("manager", 403), ("bob", 403), ("outsider", 404)])
def test_only_writers_import(world: World, who: str, status: int) -> None:
    before = counts()
    assert upload(world.client(who), world.a.blueprint, SPANISH_EXCEL).status_code == status
    assert counts() == before


@pytest.mark.parametrize(
    "content", [b"", b"\x00\x01\x02binary", b"PK\x03\x04 broken workbook", b"Phase,Lane,Title\n"]
)
def test_a_file_that_is_no_table_answers_400(world: World, content: bytes) -> None:
    response = upload(world.client("alice"), world.a.blueprint, content)
    assert response.status_code == 400
    assert "file" in response.json()


def test_old_mac_line_endings_are_lines_too(world: World) -> None:
    content = b"Phase,Lane,Title\rContact,Consumer,Old Mac\rContact,Consumer,Second\r"
    response = upload(world.client("alice"), world.a.blueprint, content)
    assert response.status_code == 201, response.content
    assert response.json()["steps"] == 2
