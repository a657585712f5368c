"""The blueprint page's book link in real Chromium: the book is built in the background, the
page shows the build's progress beside the link, then downloads the PDF once it is ready."""

from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect
from pypdf import PdfReader

from book.models import BookBuild
from tests.browser import WatchedPage, log_in
from tests.conftest import World, build_world
from tests.servers import task_worker_wanted

pytestmark = pytest.mark.browser


@pytest.fixture
def live_world(transactional_db: None, settings: Any, tmp_path: Path) -> World:
    if not task_worker_wanted():  # else the folder this process shares with its db_worker
        settings.RENDER_CACHE_DIR = tmp_path / "render-cache"
    return build_world()


@pytest.fixture
def watched(browser: Browser) -> Iterator[WatchedPage]:
    context = browser.new_context(
        viewport={"width": 1400, "height": 900}, locale="en-GB", accept_downloads=True
    )
    yield WatchedPage(context.new_page())
    context.close()


def test_the_book_link_shows_the_build_then_downloads_the_book(
    live_world: World, live_server: Any, watched: WatchedPage
) -> None:
    page, blueprint = watched.page, live_world.a.blueprint
    log_in(page, live_server.url, "manager", "secret-pass-123")
    page.goto(f"{live_server.url}/blueprints/{blueprint.pk}/")
    progress = page.locator("[data-book-progress]")
    expect(progress).to_be_hidden()
    with page.expect_download(timeout=180_000) as download_info:
        page.get_by_role("link", name="Export PDF").click()
        # The request did not wait for the book: the page says it is being built.
        expect(progress).to_contain_text("Building the book…")
    download = download_info.value
    expect(progress).to_contain_text("The book is ready.")
    expect(progress.get_by_role("link", name="Download the book")).to_be_visible()
    assert download.suggested_filename == f"a-{blueprint.pk}-book.pdf"
    content = Path(download.path()).read_bytes()
    text = " ".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages)
    assert "Calls about a flat bottle" in text
    assert BookBuild.objects.get(blueprint=blueprint, language="en").state == "done"
    watched.screenshot("book-link-ready")

    # Ready now: the next click downloads at once.
    with page.expect_download(timeout=30_000) as again:
        page.get_by_role("link", name="Export PDF").click()
    assert Path(again.value.path()).read_bytes() == content
    assert watched.page_errors() == [] or all("WebSocket" in e for e in watched.page_errors())
