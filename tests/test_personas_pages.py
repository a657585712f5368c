"""Persona, taxonomy, import and explore pages through Django's test client: access, forms."""

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from personas import services
from personas.models import Contact, ContactImport, ContactReason, Persona, ServiceProtocol
from tests.conftest import World


@pytest.fixture(autouse=True)
def immediate_tasks_and_media(settings: Any, tmp_path: Path) -> None:
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def persona(world: World) -> Persona:
    services.taxonomy_seed(workspace=world.workspace)
    services.demo_contacts_seed(workspace=world.workspace, customers=200)
    page(world, "facilitator").post(f"/workspaces/{world.workspace.pk}/personas/", {"k": "4"})
    return Persona.objects.order_by("segment__number").first()


def page(world: World, who: str) -> Client:
    client = Client()
    if world.people[who] is not None:
        client.force_login(world.people[who])
    return client


def urls(world: World, persona: Persona) -> list[str]:
    pk = world.workspace.pk
    contact_import = ContactImport.objects.create(workspace=world.workspace, file_name="a.csv")
    return [
        f"/personas/{persona.pk}/",
        f"/workspaces/{pk}/personas/",
        f"/workspaces/{pk}/taxonomy/",
        f"/workspaces/{pk}/contacts/",
        f"/workspaces/{pk}/contacts/import/",
        f"/contact-imports/{contact_import.pk}/",
    ]


def test_members_read_every_page_outsiders_get_404_anonymous_the_login(
    world: World, persona: Persona
) -> None:
    for url in urls(world, persona):
        assert page(world, "manager").get(url).status_code == 200, url
        assert page(world, "outsider").get(url).status_code == 404, url
        anonymous = page(world, "anonymous").get(url)
        assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_the_index_runs_a_segmentation_and_lists_the_drafted_personas(
    world: World, persona: Persona
) -> None:
    html = page(world, "alice").get(f"/workspaces/{world.workspace.pk}/personas/").content
    html = html.decode()
    assert Persona.objects.count() == 4
    for drafted in Persona.objects.all():
        assert f'href="/personas/{drafted.pk}/"' in html
    assert "Stability (ARI)" in html and "Download each customer" in html
    assert "Run segmentation" not in html  # participants read only


def test_the_persona_page_shows_evidence_beside_each_attribute(
    world: World, persona: Persona
) -> None:
    html = page(world, "manager").get(f"/personas/{persona.pk}/").content.decode()
    assert persona.name in html
    assert html.count('class="evidence-cell"') == 9
    assert "of all customers" in html and "Read-only" in html
    assert "Edit profile" not in html and "Add a protocol" not in html


def test_a_drafted_gender_reads_in_the_readers_language_and_a_typed_one_as_typed(
    world: World, persona: Persona
) -> None:
    persona.gender = "Female"  # as a run started in English drafts it
    persona.save(update_fields=["gender"])
    client = page(world, "manager")
    html = client.get(f"/personas/{persona.pk}/", HTTP_ACCEPT_LANGUAGE="pt-br").content.decode()
    assert "<td>Feminino</td>" in html and "<td>Female</td>" not in html
    persona.gender = "Non-binary and proud"
    persona.save(update_fields=["gender"])
    html = client.get(f"/personas/{persona.pk}/", HTTP_ACCEPT_LANGUAGE="pt-br").content.decode()
    assert "Non-binary and proud" in html


def test_a_facilitator_edits_the_profile_with_the_form(world: World, persona: Persona) -> None:
    client = page(world, "facilitator")
    form = {
        "name": "Giulia <b>the caller</b>",
        "quote": "Listen",
        "gender": "Woman",
        "needs": "A call back\n\n  Someone who knows the product  ",
        "preferred_channels": [world.channel.pk],
        "blueprints": [world.a.blueprint.pk],
        "steps": [world.a.step.pk],
        "version": persona.version,
    }
    response = client.post(f"/personas/{persona.pk}/", form)
    assert response.status_code == 302
    persona.refresh_from_db()
    assert persona.needs == ["A call back", "Someone who knows the product"]
    assert {"name", "gender", "needs", "preferred_channels"} <= set(persona.edited_fields)
    assert list(persona.steps.all()) == [world.a.step]
    html = client.get(f"/personas/{persona.pk}/").content.decode()
    assert "Giulia &lt;b&gt;the caller&lt;/b&gt;" in html and "<b>the caller" not in html
    stale = client.post(f"/personas/{persona.pk}/", {**form, "quote": "Old", "version": 1})
    assert stale.status_code == 302
    persona.refresh_from_db()
    assert persona.quote == "Listen"
    assert page(world, "alice").post(f"/personas/{persona.pk}/", form).status_code == 403


def test_protocols_are_added_edited_and_deleted_on_the_persona_page(
    world: World, persona: Persona
) -> None:
    client = page(world, "facilitator")
    reason = ContactReason.objects.get(workspace=world.workspace, name="Complaints")
    added = client.post(
        f"/personas/{persona.pk}/protocols/",
        {
            "new-contact_reason": reason.pk,
            "new-tone": "Warm",
            "new-target_response_minutes": "120",
            "new-script": "Say thanks",
        },
    )
    assert added.status_code == 302
    protocol = ServiceProtocol.objects.get()
    assert (protocol.contact_reason, protocol.tone, protocol.workspace) == (
        reason,
        "Warm",
        world.workspace,
    )
    html = client.get(f"/personas/{persona.pk}/").content.decode()
    assert "2 hours" in html and "Say thanks" in html
    neither = client.post(f"/personas/{persona.pk}/protocols/", {"new-tone": "x"})
    assert neither.status_code == 400
    edited = client.post(
        f"/protocols/{protocol.pk}/",
        {f"p{protocol.pk}-channel": world.channel.pk, f"p{protocol.pk}-tone": "Calm"},
    )
    assert edited.status_code == 302
    protocol.refresh_from_db()
    assert (protocol.contact_reason, protocol.channel, protocol.tone) == (
        None,
        world.channel,
        "Calm",
    )
    assert (
        page(world, "manager").post(f"/protocols/{protocol.pk}/", {"delete": "1"}).status_code
        == 403
    )
    assert client.post(f"/protocols/{protocol.pk}/", {"delete": "1"}).status_code == 302
    assert not ServiceProtocol.objects.exists()


def test_the_taxonomy_editor_adds_renames_and_merges_unreviewed_values(world: World) -> None:
    services.taxonomy_seed(workspace=world.workspace)
    complaints = ContactReason.objects.get(workspace=world.workspace, name="Complaints")
    stray = ContactReason.objects.create(
        workspace=world.workspace, parent=complaints, name="Envase roto", reviewed=False
    )
    packaging = ContactReason.objects.get(parent=complaints, name="Packaging")
    Contact.objects.create(
        workspace=world.workspace, customer_id="C1", category=complaints, subcategory=stray
    )
    client, url = page(world, "facilitator"), f"/workspaces/{world.workspace.pk}/taxonomy/"
    html = client.get(url).content.decode()
    assert "1 value from imports to review" in html and "Envase roto" in html
    client.post(url, {"action": "merge", "node": stray.pk, "into": packaging.pk})
    assert not ContactReason.objects.filter(pk=stray.pk).exists()
    assert Contact.objects.get().subcategory == packaging
    client.post(url, {"action": "add", "parent": complaints.pk, "name": "  Label  error "})
    assert ContactReason.objects.filter(parent=complaints, name="Label error").exists()
    client.post(url, {"action": "rename", "node": packaging.pk, "name": "Packaging and caps"})
    packaging.refresh_from_db()
    assert packaging.name == "Packaging and caps"
    duplicate = client.post(url, {"action": "add", "parent": complaints.pk, "name": "price"})
    assert duplicate.status_code == 302
    assert ContactReason.objects.filter(parent=complaints, name__iexact="price").count() == 1
    followed = client.get(url).content.decode()
    assert "already a node with this name" in followed
    refused = page(world, "manager").post(url, {"action": "add", "name": "Nope"})
    assert refused.status_code == 403


def test_a_csv_is_uploaded_mapped_and_imported_from_the_browser_forms(world: World) -> None:
    client = page(world, "facilitator")
    text = "Cliente;Fecha;Motivo;Canal\r\nC1;05/03/2024;Reclamación;WhatsApp\r\nC2;x;Info;Web\r\n"
    upload = SimpleUploadedFile("crm.csv", text.encode("cp1252"))
    response = client.post(f"/workspaces/{world.workspace.pk}/contacts/import/", {"file": upload})
    assert response.status_code == 302
    contact_import = ContactImport.objects.get()
    html = client.get(response["Location"]).content.decode()
    assert "semicolon" in html and "Reclamación" in html and "Start import" in html
    started = client.post(
        response["Location"],
        {"map_customer_id": "Cliente", "map_contact_date": "Fecha", "map_category": "Motivo"},
    )
    assert started.status_code == 302
    contact_import.refresh_from_db()
    assert (contact_import.status, contact_import.rows_imported) == ("done", 1)
    assert contact_import.mapping == {
        "customer_id": "Cliente",
        "contact_date": "Fecha",
        "category": "Motivo",
    }
    html = client.get(response["Location"]).content.decode()
    assert "is not a date" in html and "Start import" not in html
    binary = SimpleUploadedFile("x.csv", b"\x00\x01\x02" * 100)
    bad = client.post(f"/workspaces/{world.workspace.pk}/contacts/import/", {"file": binary})
    assert bad.status_code == 400 and "binary" in bad.content.decode()


def test_the_explore_page_charts_the_contacts(world: World) -> None:
    services.taxonomy_seed(workspace=world.workspace)
    services.demo_contacts_seed(workspace=world.workspace, customers=50)
    html = page(world, "bob").get(f"/workspaces/{world.workspace.pk}/contacts/").content
    html = html.decode()
    total = Contact.objects.count()
    assert f"<dd>{total:,}</dd>" in html
    for title in ("By category", "By subcategory", "By channel", "By month", "Gender", "Age"):
        assert title in html
    assert "Complaints" in html and "2024-01" in html and 'class="bar"' in html


def test_the_persona_page_links_the_steps_and_workshop_outputs_attached_to_it(
    world: World,
) -> None:
    from workshops.models import Output, Workshop

    persona = Persona.objects.create(workspace=world.workspace, name="Lucía")
    persona.steps.add(world.a.step)
    workshop = Workshop.objects.create(workspace=world.workspace, title="Information <b>day</b>")
    Output.objects.create(workshop=workshop, title="Call back within a day", persona=persona)
    Output.objects.create(workshop=workshop, title="Not about her")  # attached to nothing
    html = page(world, "manager").get(f"/personas/{persona.pk}/").content.decode()
    assert f'href="/blueprints/{world.a.blueprint.pk}/#step-{world.a.step.pk}"' in html
    assert f'<a href="/workshops/{workshop.pk}/">Information &lt;b&gt;day&lt;/b&gt;</a>' in html
    assert "Call back within a day" in html and "Not about her" not in html
    other = Persona.objects.create(workspace=world.workspace, name="Marco")
    assert (
        "persona-outputs-title"
        not in page(world, "manager").get(f"/personas/{other.pk}/").content.decode()
    )
