"""Workshop outputs attached to steps appear in the blueprint's PDF book, with their persona."""

from io import BytesIO

from pypdf import PdfReader

from blueprints import merging
from personas.models import Persona
from tests.conftest import World
from workshops import services
from workshops.models import Output


def book_text(world: World, blueprint_id: int) -> str:
    answer = world.client("manager").get(
        f"/api/v1/blueprints/{blueprint_id}/book.pdf", HTTP_PREFER="wait=600"
    )
    assert answer.status_code == 200
    pages = PdfReader(BytesIO(answer.content)).pages
    return "\n".join(page.extract_text() for page in pages)


def test_the_outputs_attached_to_a_blueprint_are_in_its_book(world: World) -> None:
    workshop = services.workshop_create(workspace=world.workspace, template="blueprint")
    persona = Persona.objects.create(workspace=world.workspace, name="Careful Carla")
    Output.objects.create(
        workshop=workshop,
        title="Print the batch code next to the careline",
        detail="Agreed by three teams",
        step=world.a.step,
        persona=persona,
        votes=7,
    )
    Output.objects.create(workshop=workshop, title="Not about this blueprint", step=world.b.step)
    text = " ".join(book_text(world, world.a.blueprint.pk).split())
    assert "Workshop outputs" in text
    assert "Print the batch code next to the careline" in text
    assert workshop.title in text
    assert "Careful Carla" in text  # the persona the output is attached to
    assert "Not about this blueprint" not in text


def test_a_blueprint_without_outputs_says_none_yet(world: World) -> None:
    text = " ".join(book_text(world, world.a.blueprint.pk).split())
    assert "Workshop outputs" in text and "Print the batch code" not in text


def test_a_global_book_shows_the_outputs_of_the_team_steps_merged_into_it(world: World) -> None:
    workshop = services.workshop_create(workspace=world.workspace, template="blueprint")
    Output.objects.create(workshop=workshop, title="Call back within a day", step=world.a.step)
    global_blueprint = merging.blueprint_merge(workspace=world.workspace, user=None).blueprint
    rows = services.workshop_outputs_for_blueprint(global_blueprint)
    assert [row["title"] for row in rows] == ["Call back within a day"]
    global_step = global_blueprint.steps.get(pk=rows[0]["step_id"])
    assert world.a.step in global_step.sources.all()  # shown on the global card it became
    assert rows[0]["step"] == global_step.title
