"""A facilitator reviews the channel names an Italian export brought, on its import page in
a real Chromium: "Posta" filed under the existing "Post" by typing its name, "Chat" kept,
and the channels page shows what each name files under from now on."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import Browser, expect

from blueprints.models import Channel
from personas.models import Contact, ContactImport
from tests import crm_exports
from tests.browser import WatchedPage, log_in
from tests.conftest import World

pytestmark = pytest.mark.browser


@pytest.fixture
def watched(browser: Browser) -> Iterator[WatchedPage]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    yield WatchedPage(context.new_page())
    context.close()


def italian_import(world: World) -> ContactImport:
    Channel.objects.create(workspace=world.workspace, name="Post", kind="other")
    api = world.client("facilitator")
    file = SimpleUploadedFile("contatti.tsv", crm_exports.italian_export(40))
    made = api.post(
        "/api/v1/contact-imports/",
        {"workspace": world.workspace.pk, "file": file},
        format="multipart",
    )
    assert api.post(f"/api/v1/contact-imports/{made.json()['id']}/start/").status_code == 202
    return ContactImport.objects.get(pk=made.json()["id"], status="done")


def test_a_facilitator_files_and_keeps_the_channel_names_of_an_import(
    committed_world: World, live_server: Any, watched: WatchedPage
) -> None:
    contact_import = italian_import(committed_world)
    page, base = watched.page, live_server.url
    log_in(page, base, "facilitator", "secret-pass-123")
    page.goto(f"{base}/contact-imports/{contact_import.pk}/")
    review = page.locator("section[aria-labelledby='channel-review-title']")
    expect(review.locator("[data-raw-channel]")).to_have_count(3)  # Chat, Posta, Telefono
    expect(review.locator("li[data-raw-channel='Posta']")).to_contain_text("(10)")
    watched.screenshot("import-channel-review")

    posta = review.locator("li[data-raw-channel='Posta']")
    posta.get_by_label("File “Posta” under").fill("Post")
    posta.get_by_role("button", name="File under").click()
    expect(page.get_by_text("“Posta” filed under “Post”")).to_be_visible()
    expect(review.locator("li[data-raw-channel='Posta']")).to_have_count(0)

    telefono = review.locator("li[data-raw-channel='Telefono']")
    telefono.get_by_label("File “Telefono” under").fill("Phone")
    telefono.get_by_role("button", name="File under").click()
    expect(page.get_by_text("“Telefono” is now the channel “Phone”")).to_be_visible()

    review.locator("li[data-raw-channel='Chat']").get_by_role(
        "button", name="Keep as it is"
    ).click()
    expect(page.get_by_text("“Chat” kept as a channel.")).to_be_visible()
    expect(page.locator("#channel-review-title")).to_have_count(0)  # nothing left to review

    page.get_by_role("link", name="Explore the contacts").wait_for()
    page.goto(f"{base}/workspaces/{committed_world.workspace.pk}/channels/")
    expect(page.locator("tr[data-channel='Post']")).to_contain_text("Posta")
    expect(page.locator("tr[data-channel='Phone']")).to_contain_text("Telefono")
    expect(page.locator("[data-unreviewed]")).to_have_count(0)
    assert Contact.objects.filter(channel__name="Post", channel_raw="Posta").count() == 10
    assert Contact.objects.filter(channel__name="Phone").count() == 10
    assert not Channel.objects.filter(name__in=["Posta", "Telefono"]).exists()
    assert watched.errors == []
