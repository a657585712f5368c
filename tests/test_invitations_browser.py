"""An invitation in real Chromium: the facilitator invites on the members page, the person
invited finds it on their home page, accepts, and the workspace is theirs."""

from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, BrowserContext, expect

from tests import factories
from tests.browser import WatchedPage, log_in

pytestmark = pytest.mark.browser
PASSWORD = "secret-pass-123"


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    made = [
        browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
        for _ in range(2)
    ]
    yield made
    for context in made:
        context.close()


def test_a_facilitator_invites_and_the_invitee_accepts(
    transactional_db: None, live_server: object, contexts: list[BrowserContext]
) -> None:
    base = live_server.url
    facilitator = factories.make_user("facilitator")
    factories.make_workspace("Aurora Beverages", facilitator=[facilitator])
    invitee = User.objects.create_user("lucia", email="lucia@example.org", password=PASSWORD)

    host = WatchedPage(contexts[0].new_page())
    log_in(host.page, base, "facilitator", PASSWORD)
    host.page.get_by_role("link", name="Members").click()
    expect(host.page.get_by_role("heading", name="Members", level=1)).to_be_visible()
    host.page.get_by_label("Username or e-mail address").fill("Lucia@Example.org")
    host.page.get_by_label("Role").select_option("participant")
    host.page.get_by_role("button", name="Invite").click()
    expect(host.page.get_by_text("Lucia@Example.org is invited")).to_be_visible()
    link = host.page.get_by_label("Link for Lucia@Example.org")
    expect(link).to_have_value(f"{base}/invitations/" + link.input_value().rsplit("/", 2)[1] + "/")
    host.screenshot("invitation-members")

    guest = WatchedPage(contexts[1].new_page())
    log_in(guest.page, base, "lucia", PASSWORD)
    expect(guest.page.get_by_text("You are not a member of any workspace yet.")).to_be_visible()
    expect(guest.page.get_by_role("link", name="New workspace")).to_have_count(0)
    guest.page.get_by_role("link", name="Aurora Beverages").click()
    expect(guest.page.get_by_text("facilitator invites you to the workspace")).to_be_visible()
    guest.screenshot("invitation-page")
    guest.page.get_by_role("button", name="Accept").click()
    expect(guest.page.get_by_text("You are now a member of “Aurora Beverages”.")).to_be_visible()
    expect(guest.page.get_by_role("heading", name="Aurora Beverages", level=2)).to_be_visible()
    assert invitee.memberships.get().role == "participant"

    host.page.reload()
    expect(host.page.get_by_text("No invitation is waiting.")).to_be_visible()
    expect(host.page.locator(".member-list")).to_contain_text("lucia")
    assert host.page_errors() == [] and guest.page_errors() == []
