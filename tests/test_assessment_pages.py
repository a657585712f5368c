"""The Assessment tab's page: the whole page without script, the fragment the tab loads."""

import pytest
from django.test import Client

from tests.conftest import World
from tests.test_workshop_guest_editing import guest_client, guest_in_group

pytestmark = pytest.mark.django_db


def page_client(world: World, who: str) -> Client:
    client = Client()
    user = world.people[who]
    if user is not None:
        client.force_login(user)
    return client


def url(world: World, fragment: bool = False) -> str:
    return f"/blueprints/{world.a.blueprint.pk}/assessment/" + ("?fragment=1" if fragment else "")


@pytest.mark.parametrize("who", ["facilitator", "alice", "bob", "manager"])
def test_every_member_reads_the_assessment(world: World, who: str) -> None:
    response = page_client(world, who).get(url(world))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Consumer-data practices" in text and "Design review" in text
    assert "The customer does nothing in the phase “Resolution”." in text
    assert response["Cache-Control"] == "no-store"


def test_outsiders_get_404_and_anonymous_the_login(world: World) -> None:
    assert page_client(world, "outsider").get(url(world)).status_code == 404
    response = page_client(world, "anonymous").get(url(world))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_fragment_is_the_content_alone(world: World) -> None:
    response = page_client(world, "manager").get(url(world, fragment=True))
    text = response.content.decode()
    assert text.lstrip().startswith('<div class="assessment-body"')
    assert "<html" not in text


def test_only_those_who_may_change_the_blueprint_see_the_dismiss_form(world: World) -> None:
    assert "data-dismiss-form" in page_client(world, "alice").get(url(world)).content.decode()
    assert "data-dismiss-form" not in page_client(world, "bob").get(url(world)).content.decode()
    manager = page_client(world, "manager").get(url(world)).content.decode()
    assert "data-dismiss-form" not in manager


def test_the_blueprint_page_has_the_tab(world: World) -> None:
    text = page_client(world, "manager").get(f"/blueprints/{world.a.blueprint.pk}/").content
    assert b'data-side-tab="assessment"' in text
    assert f'href="{url(world)}"'.encode() in text  # without script, the tab is a link


def test_titles_stay_text(world: World) -> None:
    step = world.a.step
    step.title = '<script>window.pwned = 1</script>"'
    step.save(update_fields=["title"])
    text = page_client(world, "manager").get(url(world)).content.decode()
    assert "<script>window.pwned" not in text
    assert "&lt;script&gt;window.pwned = 1&lt;/script&gt;" in text


def test_the_page_follows_the_language(world: World) -> None:
    response = page_client(world, "manager").get(url(world), HTTP_ACCEPT_LANGUAGE="it")
    text = response.content.decode()
    assert "Pratiche sui dati dei consumatori" in text and "Revisione del progetto" in text


def test_a_workshop_guest_reads_the_assessment_of_their_blueprint_only(world: World) -> None:
    _, participant = guest_in_group(world)
    client = guest_client(participant)
    page = client.get(url(world))
    assert page.status_code == 200
    assert "data-dismiss-form" not in page.content.decode()  # dismissing is for members
    assert client.get(f"/blueprints/{world.b.blueprint.pk}/assessment/").status_code == 404
    crossing = f"link:{world.a.step.pk}-{world.a.other_step.pk}-handoff"
    body = {"rule": "band_crossing", "key": crossing, "reason": "Fine."}
    answer = client.post(f"/api/v1/blueprints/{world.a.blueprint.pk}/audit/dismissals/", body)
    assert answer.status_code in (401, 403)
