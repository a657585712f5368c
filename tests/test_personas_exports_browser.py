"""A client's own exports in a real Chromium: uploading a Spanish Excel file with broken rows,
reviewing and merging the channels it brought, choosing what a segmentation covers, the
protocol grid, and deleting the import again."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, expect

from blueprints.models import Channel
from personas.models import Contact, ContactImport, Persona, Segmentation, ServiceProtocol
from tests import crm_exports
from tests.browser import WatchedPage, log_in
from workspaces.models import Workspace

pytestmark = pytest.mark.browser
PASSWORD = "frontstage"


@pytest.fixture
def demo(transactional_db: None, settings: Any, tmp_path: Path) -> Workspace:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DEMO_CONTACTS = True
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    call_command("seed_demo", verbosity=0)
    return Workspace.objects.get()


@pytest.fixture
def watched(browser: Browser) -> Iterator[WatchedPage]:
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-GB")
    yield WatchedPage(context.new_page())
    context.close()


def broken_spanish_export(tmp_path: Path) -> Path:
    rows = crm_exports.spanish_excel(60).decode("cp1252").splitlines()
    rows += [";05/03/2024;Reclamación;Envase roto;Chat;Mujer;34;Madrid;Madrid"] * 3
    rows += ["ES-99999;05/03/2024"]
    path = tmp_path / "Contactos marzo.csv"
    path.write_bytes(("\r\n".join(rows) + "\r\n").encode("cp1252"))
    return path


def test_an_analyst_imports_reviews_channels_segments_and_deletes(
    demo: Workspace, live_server: Any, watched: WatchedPage, tmp_path: Path
) -> None:
    page, base = watched.page, live_server.url
    log_in(page, base, "facilitator", PASSWORD)
    page.goto(f"{base}/workspaces/{demo.pk}/contacts/import/")
    page.get_by_label("CRM export (CSV or XLSX)").set_input_files(broken_spanish_export(tmp_path))
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Contactos marzo.csv")
    page.get_by_role("button", name="Start import").click()
    expect(page.locator("[data-status]")).to_have_text("Done")
    expect(page.get_by_text("60 of 64 rows imported, 4 with errors.")).to_be_visible()
    errors = page.locator("details.import-errors")
    expect(errors).to_contain_text("The customer id (Nº Cliente) is empty.")
    expect(errors).to_contain_text("This row has 2 values where the header has 9")
    expect(errors).to_contain_text("ES-99999;05/03/2024")
    expect(page.locator(".unrecognised-report")).to_contain_text("“Varios”")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download every row not imported (CSV)").click()
    assert "ES-99999" in Path(download.value.path()).read_text()
    watched.screenshot("import-with-errors")
    contact_import = ContactImport.objects.get(file_name="Contactos marzo.csv")

    # Channels: "Chat" stayed apart from the demo's "Live chat" and "WhatsApp".
    page.goto(f"{base}/workspaces/{demo.pk}/channels/")
    chat = page.locator("tr[data-channel='Chat']")
    expect(chat).to_contain_text("from import, not reviewed")
    watched.screenshot("channels-review")
    social = page.locator("tr[data-channel='Social (Facebook/Instagram)']")
    social.get_by_label("Merge “Social (Facebook/Instagram)” into").select_option(
        "Social media (Instagram/Facebook)"
    )
    social.get_by_role("button", name="Merge").click()
    expect(page.get_by_text("“Social (Facebook/Instagram)” merged into")).to_be_visible()
    merged = page.locator("tr[data-channel='Social media (Instagram/Facebook)']")
    expect(merged).to_contain_text("Social (Facebook/Instagram)")  # now one of its names
    # "Teléfono" is the Spanish name of the demo's "Phone": filed there, no new channel.
    expect(page.locator("tr[data-channel='Teléfono']")).to_have_count(0)
    chat.get_by_label("New name for “Chat”").fill("Chat (web)")
    chat.get_by_role("button", name="Rename").click()
    expect(page.locator("tr[data-channel='Chat (web)']")).not_to_contain_text("not reviewed")
    assert not Channel.objects.filter(name="Social (Facebook/Instagram)").exists()
    assert Contact.objects.filter(channel__name="Chat (web)").count() == 12

    # A segmentation of this import only.
    page.goto(f"{base}/workspaces/{demo.pk}/personas/")
    page.get_by_label("Contactos marzo.csv (60)").check()
    page.get_by_label("Leave out the demo contacts").check()
    page.get_by_label("Number of segments").fill("3")
    page.get_by_role("button", name="Run segmentation").click()
    expect(page.get_by_text("Segmentation started.")).to_be_visible()
    run = Segmentation.objects.latest("pk")
    assert run.scope == {"imports": [contact_import.pk], "exclude_demo": True}
    page.reload()
    expect(page.locator(".run-scope")).to_contain_text("Contactos marzo.csv")

    # The protocol grid reads every persona's protocols.
    page.goto(f"{base}/workspaces/{demo.pk}/protocols/")
    grid = page.locator("table.protocol-grid")
    expect(grid).to_contain_text("Warm, patient, personal")
    expect(grid.locator("tbody tr")).to_have_count(Persona.objects.filter(archived=False).count())
    assert ServiceProtocol.objects.exists()

    # Deleting the import takes its contacts and marks the run out of date.
    page.goto(f"{base}/contact-imports/{contact_import.pk}/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete import").click()
    expect(page.get_by_text("“Contactos marzo.csv” and its contacts deleted.")).to_be_visible()
    assert not Contact.objects.filter(contact_import_id=contact_import.pk).exists()
    assert Segmentation.objects.get(pk=run.pk).stale
    assert not watched.page_errors()
