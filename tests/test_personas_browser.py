"""Persona pages in a real Chromium, on the demo workspace: profile and evidence, protocols,
the taxonomy editor, a CSV upload with its progress bar, the charts, the read-only view."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, expect

from personas.models import Contact, ContactImport, ContactReason, Persona, ServiceProtocol
from tests.browser import WatchedPage, log_in
from workspaces.models import Workspace

pytestmark = pytest.mark.browser
PASSWORD = "frontstage"


@pytest.fixture
def demo(transactional_db: None, settings: Any) -> Workspace:
    # Uploads go to the test process's media folder (conftest), which a db_worker reads too.
    settings.DEMO_CONTACTS = True
    call_command("seed_demo", verbosity=0)
    return Workspace.objects.get()


@pytest.fixture
def watched(browser: Browser) -> Iterator[WatchedPage]:
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-GB")
    yield WatchedPage(context.new_page())
    context.close()


def test_a_facilitator_refines_a_persona_beside_its_evidence(
    demo: Workspace, live_server: Any, watched: WatchedPage
) -> None:
    page, base = watched.page, live_server.url
    log_in(page, base, "facilitator", PASSWORD)
    page.goto(f"{base}/workspaces/{demo.pk}/personas/")
    expect(page.get_by_role("heading", name="Personas", exact=True)).to_be_visible()
    expect(page.locator("article.persona-card")).to_have_count(Persona.objects.count())
    watched.screenshot("personas-index")
    page.get_by_role("link", name="Giulia, the careful caller").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Giulia, the careful caller")
    gender_row = page.get_by_role("row", name="Gender")
    expect(gender_row).to_contain_text("of all customers")
    expect(page.get_by_role("row", name="Preferred channels")).to_contain_text("Phone")
    expect(page.locator("table.protocols")).to_contain_text("Warm, patient, personal")
    watched.screenshot("persona-profile")

    page.get_by_text("Edit profile").click()
    page.get_by_label("Quote").fill("Thirty years of your water. Listen to me.")
    page.get_by_label("Desires").fill("A call back\nTo be recognised")
    page.get_by_role("button", name="Save persona").click()
    expect(page.get_by_text("Persona saved.")).to_be_visible()
    expect(page.locator("blockquote.quote")).to_contain_text("Thirty years of your water")
    persona = Persona.objects.get(name="Giulia, the careful caller")
    assert persona.desires == ["A call back", "To be recognised"]

    page.get_by_text("Add a protocol").click()
    form = page.locator("details.add-protocol form")
    form.get_by_label("Channel", exact=True).select_option(label="Phone")
    form.get_by_label("Tone").fill("Calm and slow")
    form.get_by_label("Target response time (minutes)").fill("30")
    form.get_by_role("button", name="Add protocol").click()
    expect(page.locator("table.protocols")).to_contain_text("Calm and slow")
    expect(page.locator("table.protocols")).to_contain_text("30 minutes")
    assert ServiceProtocol.objects.filter(persona=persona).count() == 2
    watched.screenshot("persona-protocol-added")
    assert watched.errors == []


def test_a_manager_reads_the_persona_without_any_form(
    demo: Workspace, live_server: Any, watched: WatchedPage
) -> None:
    page, base = watched.page, live_server.url
    log_in(page, base, "manager", PASSWORD)
    persona = Persona.objects.order_by("id").first()
    page.goto(f"{base}/personas/{persona.pk}/")
    expect(page.get_by_text("Read-only", exact=True)).to_be_visible()
    expect(page.locator("form[method=post][enctype]")).to_have_count(0)
    expect(page.get_by_text("Add a protocol")).to_have_count(0)
    page.goto(f"{base}/workspaces/{demo.pk}/personas/")
    expect(page.get_by_role("button", name="Run segmentation")).to_have_count(0)
    assert watched.errors == []


def test_the_taxonomy_editor_merges_an_unreviewed_import_value(
    demo: Workspace, live_server: Any, watched: WatchedPage
) -> None:
    complaints = ContactReason.objects.get(workspace=demo, name="Complaints")
    stray = ContactReason.objects.create(
        workspace=demo, parent=complaints, name="Botella rota", reviewed=False, source="import"
    )
    Contact.objects.create(workspace=demo, customer_id="X1", category=complaints, subcategory=stray)
    page, base = watched.page, live_server.url
    log_in(page, base, "facilitator", PASSWORD)
    page.goto(f"{base}/workspaces/{demo.pk}/taxonomy/")
    expect(page.get_by_role("heading", name="1 value from imports to review")).to_be_visible()
    watched.screenshot("taxonomy-review")
    page.get_by_label("Merge “Botella rota” into").select_option(label="Complaints › Packaging")
    page.locator(".review-list").get_by_role("button", name="Merge").click()
    expect(page.get_by_text("“Botella rota” merged into “Packaging”.")).to_be_visible()
    expect(page.locator(".unreviewed")).to_have_count(0)
    assert Contact.objects.get(customer_id="X1").subcategory.name == "Packaging"

    page.get_by_label("New subcategory of Feedback").fill("Recipe idea")
    page.get_by_label("New subcategory of Feedback").press("Enter")
    expect(page.get_by_text("“Recipe idea” added.")).to_be_visible()
    section = page.locator("section.category", has_text="Feedback")
    section.get_by_text("Rename Suggestion").click()
    section.get_by_label("New name for Suggestion").fill("Product suggestion")
    section.get_by_label("New name for Suggestion").press("Enter")
    expect(page.get_by_text("Renamed to “Product suggestion”.")).to_be_visible()
    assert watched.errors == []


def test_a_csv_upload_maps_columns_and_follows_the_progress_bar(
    demo: Workspace, live_server: Any, watched: WatchedPage, tmp_path: Path
) -> None:
    rows = ["Cliente;Fecha;Motivo;Canal;Sexo;Edad"]
    rows += [
        f"N{i:05d};{1 + i % 28:02d}/03/2024;Reclamación;Teléfono;F;{20 + i % 50}"
        for i in range(3000)
    ]
    rows.append("N99999;31/02/2024;Reclamación;Teléfono;F;30")
    path = tmp_path / "export.csv"
    path.write_bytes(("\r\n".join(rows) + "\r\n").encode("cp1252"))
    page, base = watched.page, live_server.url
    log_in(page, base, "facilitator", PASSWORD)
    page.goto(f"{base}/workspaces/{demo.pk}/contacts/import/")
    page.get_by_label("CRM export (CSV or XLSX)").set_input_files(str(path))
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("export.csv")
    expect(page.get_by_text("Delimiter: semicolon")).to_be_visible()
    expect(page.get_by_label("Customer id *")).to_have_value("Cliente")
    expect(page.get_by_label("Contact date *")).to_have_value("Fecha")
    page.get_by_label("Gender").select_option("Sexo")
    watched.screenshot("import-mapping")
    page.get_by_role("button", name="Start import").click()
    expect(page.locator("[data-status]")).to_have_text("Done", timeout=30000)
    expect(page.locator("#import-progress")).to_have_attribute("value", "1.0")
    expect(page.get_by_text("3,000 of 3,001 rows imported, 1 with errors.")).to_be_visible()
    # One rejected row: the list is short enough to stand open, its line named.
    expect(page.get_by_text("1 row not imported")).to_be_visible()
    expect(page.get_by_role("cell", name="3002", exact=True)).to_be_visible()
    watched.screenshot("import-done")
    contact_import = ContactImport.objects.get(file_name="export.csv")
    assert contact_import.rows_imported == 3000
    assert Contact.objects.filter(contact_import=contact_import, gender="female").count() == 3000
    assert watched.errors == []


def test_the_explore_page_draws_its_charts(
    demo: Workspace, live_server: Any, watched: WatchedPage
) -> None:
    page, base = watched.page, live_server.url
    log_in(page, base, "participant", PASSWORD)
    page.goto(f"{base}/workspaces/{demo.pk}/contacts/")
    for title in ("By category", "By subcategory", "By channel", "By month", "Gender", "Age"):
        expect(page.get_by_role("region", name=title).first).to_be_visible()
    bars = page.get_by_role("region", name="By category").locator(".bar")
    expect(bars).to_have_count(6)
    widths = [box["width"] for box in (bar.bounding_box() for bar in bars.all()) if box]
    assert widths == sorted(widths, reverse=True) and widths[-1] > 0
    expect(page.locator(".column-item")).to_have_count(12)
    watched.screenshot("contacts-explore")
    assert watched.errors == []


def test_a_segmentation_runs_in_the_background_and_the_page_follows_it(
    demo: Workspace, live_server: Any, watched: WatchedPage
) -> None:
    page, base = watched.page, live_server.url
    log_in(page, base, "facilitator", PASSWORD)
    page.goto(f"{base}/workspaces/{demo.pk}/personas/")
    page.get_by_label("Number of segments").fill("4")
    page.get_by_role("button", name="Run segmentation").click()
    expect(page.get_by_text("Segmentation started.")).to_be_visible()
    expect(page.get_by_text("Latest run", exact=False)).to_contain_text("4 segments", timeout=60000)
    expect(page.locator("[data-progress-url]")).to_have_count(0)
    rows = page.locator("table.segments tbody tr")
    expect(rows).to_have_count(4)
    watched.screenshot("personas-rerun")
    assert watched.errors == []
