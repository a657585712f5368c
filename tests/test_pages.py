"""Pages through Django's test client: who sees what, and nothing unescaped."""

from django.test import Client

from tests.conftest import World


def page_client(world: World, who: str) -> Client:
    client = Client()
    if world.people[who] is not None:
        client.force_login(world.people[who])
    return client


def test_anonymous_people_are_sent_to_the_login_page(world: World) -> None:
    response = page_client(world, "anonymous").get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    blueprint = page_client(world, "anonymous").get(f"/blueprints/{world.a.blueprint.pk}/")
    assert blueprint.status_code == 302


def test_the_login_page_has_a_labelled_form(client: Client) -> None:
    html = client.get("/accounts/login/").content.decode()
    assert 'for="id_username"' in html and 'for="id_password"' in html


def test_home_lists_only_my_workspaces_and_their_blueprints(world: World) -> None:
    html = page_client(world, "alice").get("/").content.decode()
    assert "Aurora Beverages" in html and "Someone else&#x27;s" not in html
    for title in ("A", "B", "Global"):
        assert f">{title}</a>" in html
    outsider = page_client(world, "outsider").get("/").content.decode()
    assert "Aurora Beverages" not in outsider


def test_outsiders_get_404_for_a_blueprint(world: World) -> None:
    response = page_client(world, "outsider").get(f"/blueprints/{world.a.blueprint.pk}/")
    assert response.status_code == 404


def test_members_see_every_step_and_the_derived_lines(world: World) -> None:
    html = page_client(world, "manager").get(f"/blueprints/{world.a.blueprint.pk}/").content
    html = html.decode()
    assert world.a.step.title in html and world.a.other_step.title in html
    assert "Line of interaction" in html and "Line of visibility" in html
    assert "Read-only" in html


def test_editors_are_not_told_the_page_is_read_only(world: World) -> None:
    html = page_client(world, "alice").get(f"/blueprints/{world.a.blueprint.pk}/").content
    assert b"Read-only" not in html
    other = page_client(world, "alice").get(f"/blueprints/{world.b.blueprint.pk}/").content
    assert b"Read-only" in other


def test_the_page_follows_the_browsers_language(world: World) -> None:
    client = page_client(world, "alice")
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="it").content.decode()
    assert '<html lang="it">' in html


def test_home_costs_the_same_queries_however_many_workspaces(world: World) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests import factories

    client = page_client(world, "manager")
    with CaptureQueriesContext(connection) as one:
        client.get("/")
    for index in range(5):
        factories.make_workspace(f"Plant {index}", manager=[world.people["manager"]])
    with CaptureQueriesContext(connection) as six:
        html = client.get("/").content.decode()
    assert "Plant 4" in html
    assert len(six) == len(one)
