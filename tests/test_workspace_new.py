"""Creating a workspace in the browser: whoever creates it facilitates it."""

from django.test import Client

from tests.conftest import World
from workspaces.models import Membership, Workspace


def page(world: World, who: str) -> Client:
    client = Client()
    client.force_login(world.people[who])
    return client


def test_a_facilitator_creates_another_workspace_and_facilitates_it(world: World) -> None:
    client = page(world, "facilitator")
    assert "New workspace" in client.get("/").content.decode()
    form = client.get("/workspaces/new/")
    assert form.status_code == 200
    made = client.post(
        "/workspaces/new/", {"name": "  Fonte  Alpina ", "client": "Fonte Alpina S.p.A."}
    )
    assert made.status_code == 302 and made["Location"] == "/"
    workspace = Workspace.objects.get(name="Fonte Alpina")
    membership = Membership.objects.get(workspace=workspace)
    assert (membership.user, membership.role) == (world.people["facilitator"], "facilitator")
    home = client.get("/").content.decode()
    assert "Fonte Alpina" in home and "created: you facilitate it" in home


def test_a_workspace_needs_a_name_and_a_signed_in_person(world: World) -> None:
    client = page(world, "facilitator")
    blank = client.post("/workspaces/new/", {"name": "   "})
    assert blank.status_code == 400
    assert Workspace.objects.count() == 2
    anonymous = Client().get("/workspaces/new/")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
