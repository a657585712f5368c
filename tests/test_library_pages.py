"""Pages: "New blueprint" from a template or a file, and "Save as template"."""

import json

from django.core.files.uploadedfile import SimpleUploadedFile

from blueprints.models import Blueprint, BlueprintTemplate
from tests.conftest import World
from tests.test_interchange import exported
from tests.test_pages import page_client


def new_url(world: World) -> str:
    return f"/workspaces/{world.workspace.pk}/blueprints/new/"


def test_members_who_may_add_blueprints_find_the_page(world: World) -> None:
    assert new_url(world) in page_client(world, "alice").get("/").content.decode()
    assert new_url(world) not in page_client(world, "manager").get("/").content.decode()
    page = page_client(world, "alice").get(new_url(world)).content.decode()
    assert 'value="hotel-stay"' in page and 'value="blank"' in page
    assert "Bitner" in page and "10.2307/41166446" in page
    assert world.team_a.name in page and world.team_b.name not in page  # her team only
    assert page_client(world, "manager").get(new_url(world)).status_code == 403
    assert page_client(world, "outsider").get(new_url(world)).status_code == 404
    assert page_client(world, "anonymous").get(new_url(world)).status_code == 302


def test_a_template_becomes_a_new_blueprint(world: World) -> None:
    form = {"team": world.team_a.pk, "title": "Our hotel", "start": "hotel-stay"}
    response = page_client(world, "alice").post(new_url(world), form)
    blueprint = Blueprint.objects.get(title="Our hotel")
    assert response.status_code == 302
    assert response["Location"] == f"/blueprints/{blueprint.pk}/"
    assert blueprint.team == world.team_a and blueprint.steps.count() > 20


def test_a_file_becomes_a_new_blueprint(world: World) -> None:
    document = exported(world.client("alice"), world.a.blueprint)
    upload = SimpleUploadedFile("a.json", json.dumps(document).encode(), "application/json")
    form = {"team": world.team_a.pk, "start": "file", "file": upload}
    response = page_client(world, "alice").post(new_url(world), form)
    assert response.status_code == 302
    assert Blueprint.objects.filter(title="A").count() == 2


def test_a_broken_file_is_refused_on_the_form_and_nothing_is_made(world: World) -> None:
    before = Blueprint.objects.count()
    client = page_client(world, "alice")
    for content in (b"{not json", json.dumps({"format": "frontstage.blueprint"}).encode()):
        upload = SimpleUploadedFile("a.json", content, "application/json")
        form = {"team": world.team_a.pk, "start": "file", "file": upload}
        response = client.post(new_url(world), form)
        assert response.status_code == 400
        assert 'class="errorlist' in response.content.decode()
    assert "$.version" in response.content.decode()
    assert Blueprint.objects.count() == before


def test_facilitators_keep_a_blueprint_as_a_template(world: World) -> None:
    page = f"/blueprints/{world.a.blueprint.pk}/"
    assert "data-save-template" in page_client(world, "facilitator").get(page).content.decode()
    assert "data-save-template" not in page_client(world, "alice").get(page).content.decode()
    save = f"/blueprints/{world.a.blueprint.pk}/save-template/"
    refused = page_client(world, "alice").post(save, {"name": "Mine"})
    assert refused.status_code == 302 and not BlueprintTemplate.objects.exists()
    response = page_client(world, "facilitator").post(save, {"name": "Complaint flow"})
    assert response.status_code == 302
    template = BlueprintTemplate.objects.get()
    assert template.name == "Complaint flow" and template.workspace == world.workspace
    page = page_client(world, "alice").get(new_url(world)).content.decode()
    assert f'value="saved-{template.pk}"' in page
