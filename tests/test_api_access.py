"""The access rules as a matrix: every resource × every kind of user × every operation."""

from collections.abc import Callable
from typing import Any

import pytest

from blueprints.models import Actor, Blueprint, Channel, Lane, Link, Phase, Step
from tests.conftest import PEOPLE, World
from workspaces.models import Team, Workspace

# resource: (model, the object written in team A's reach, create payload, update payload)
Spec = tuple[type, Callable[[World], Any], Callable[[World], dict], dict]

SPECS: dict[str, Spec] = {
    "workspaces": (
        Workspace,
        lambda w: w.workspace,
        lambda w: {"name": "New engagement"},
        {"name": "Renamed"},
    ),
    "teams": (
        Team,
        lambda w: w.team_a,
        lambda w: {"workspace": w.workspace.pk, "name": "Legal"},
        {"name": "Service centre (Madrid)"},
    ),
    "actors": (
        Actor,
        lambda w: w.actor,
        lambda w: {"workspace": w.workspace.pk, "name": "Lab technician"},
        {"name": "Senior quality analyst"},
    ),
    "channels": (
        Channel,
        lambda w: w.channel,
        lambda w: {"workspace": w.workspace.pk, "name": "Instagram", "kind": "social"},
        {"name": "WhatsApp Business"},
    ),
    "blueprints": (
        Blueprint,
        lambda w: w.a.blueprint,
        lambda w: {"workspace": w.workspace.pk, "title": "Returns", "team": w.team_a.pk},
        {"title": "Complaints, end to end"},
    ),
    "phases": (
        Phase,
        lambda w: w.a.phase,
        lambda w: {"blueprint": w.a.blueprint.pk, "name": "Follow-up"},
        {"name": "First contact"},
    ),
    "lanes": (
        Lane,
        lambda w: w.a.lane,
        lambda w: {"blueprint": w.a.blueprint.pk, "name": "Agent", "band": "frontstage"},
        {"name": "Consumer (adult)"},
    ),
    "steps": (
        Step,
        lambda w: w.a.step,
        lambda w: {
            "blueprint": w.a.blueprint.pk,
            "lane": w.a.lane.pk,
            "phase": w.a.phase.pk,
            "title": "Sends a photo of the label",
        },
        {"title": "Calls about a flat bottle of tonic"},
    ),
    "links": (
        Link,
        lambda w: w.a.link,
        lambda w: {
            "blueprint": w.a.blueprint.pk,
            "source": w.a.other_step.pk,
            "target": w.a.step.pk,
            "kind": "information",
        },
        {"label": "batch code"},
    ),
}

# Who may change things in team A's reach (the rest of the members get 403).
WRITERS = {name: {"facilitator"} for name in SPECS}
WRITERS.update(
    {r: {"facilitator", "alice"} for r in ["blueprints", "phases", "lanes", "steps", "links"]}
)
CREATORS = dict(WRITERS)
CREATORS["actors"] = {"facilitator", "alice", "bob"}
CREATORS["workspaces"] = {"facilitator", "outsider"}  # who facilitates somewhere
MEMBERS = {"facilitator", "alice", "bob", "manager"}


def url(resource: str, pk: int | None = None) -> str:
    return f"/api/v1/{resource}/" + (f"{pk}/" if pk else "")


@pytest.mark.parametrize("who", PEOPLE)
@pytest.mark.parametrize("resource", SPECS)
def test_list(world: World, resource: str, who: str) -> None:
    response = world.client(who).get(url(resource))
    if who == "anonymous":
        assert response.status_code == 401
        return
    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    target = SPECS[resource][1](world)
    assert (target.pk in ids) == (who in MEMBERS)


@pytest.mark.parametrize("who", PEOPLE)
@pytest.mark.parametrize("resource", SPECS)
def test_retrieve(world: World, resource: str, who: str) -> None:
    target = SPECS[resource][1](world)
    response = world.client(who).get(url(resource, target.pk))
    expected = 200 if who in MEMBERS else 401 if who == "anonymous" else 404
    assert response.status_code == expected


@pytest.mark.parametrize("who", PEOPLE)
@pytest.mark.parametrize("resource", SPECS)
def test_update(world: World, resource: str, who: str) -> None:
    model, target_of, _, changes = SPECS[resource]
    target = target_of(world)
    response = world.client(who).patch(url(resource, target.pk), changes, format="json")
    field, value = next(iter(changes.items()))
    stored = getattr(model.objects.get(pk=target.pk), field)
    if who in WRITERS[resource]:
        assert response.status_code == 200, response.json()
        assert stored == value
    else:
        expected = 401 if who == "anonymous" else 404 if who == "outsider" else 403
        assert response.status_code == expected
        assert stored != value


@pytest.mark.parametrize("who", PEOPLE)
@pytest.mark.parametrize("resource", SPECS)
def test_delete(world: World, resource: str, who: str) -> None:
    model, target_of, _, _ = SPECS[resource]
    target = target_of(world)
    if resource == "actors":  # only an unused actor is deleted (tests/test_actors.py)
        Lane.objects.filter(actor=target).update(actor=None)
    response = world.client(who).delete(url(resource, target.pk))
    exists = model.objects.filter(pk=target.pk).exists()
    if who in WRITERS[resource]:
        assert response.status_code == 204
        assert not exists
    else:
        expected = 401 if who == "anonymous" else 404 if who == "outsider" else 403
        assert response.status_code == expected
        assert exists


@pytest.mark.parametrize("who", PEOPLE)
@pytest.mark.parametrize("resource", SPECS)
def test_create(world: World, resource: str, who: str) -> None:
    model, _, payload_of, _ = SPECS[resource]
    before = model.objects.count()
    response = world.client(who).post(url(resource), payload_of(world), format="json")
    if who in CREATORS[resource]:
        assert response.status_code == 201, response.json()
        assert model.objects.count() == before + 1
    else:
        # An outsider names a workspace or blueprint it cannot see: that is bad input (400).
        expected = 401 if who == "anonymous" else 400 if who == "outsider" else 403
        assert response.status_code == expected
        assert model.objects.count() == before


@pytest.mark.parametrize("resource", ["blueprints", "phases", "lanes", "steps", "links"])
def test_participants_write_only_their_own_teams_blueprints(world: World, resource: str) -> None:
    targets = {
        "blueprints": world.b.blueprint,
        "phases": world.b.phase,
        "lanes": world.b.lane,
        "steps": world.b.step,
        "links": world.b.link,
    }
    changes = SPECS[resource][3]
    alice = world.client("alice")
    assert alice.patch(url(resource, targets[resource].pk), changes).status_code == 403
    assert (
        world.client("bob").patch(url(resource, targets[resource].pk), changes).status_code == 200
    )


@pytest.mark.parametrize("who", ["alice", "bob"])
def test_participants_cannot_change_the_global_blueprint(world: World, who: str) -> None:
    client = world.client(who)
    step = world.glob.step
    assert client.patch(url("steps", step.pk), {"title": "Mine"}).status_code == 403
    payload = {
        "blueprint": world.glob.blueprint.pk,
        "lane": world.glob.lane.pk,
        "phase": world.glob.phase.pk,
        "title": "Sneaked in",
    }
    assert client.post(url("steps"), payload).status_code == 403
    assert not Step.objects.filter(title="Sneaked in").exists()


def test_creating_a_workspace_makes_its_creator_the_facilitator(world: World) -> None:
    response = world.client("outsider").post(url("workspaces"), {"name": "Bottling plant"})
    assert response.status_code == 201
    assert response.json()["role"] == "facilitator"
    workspace = Workspace.objects.get(pk=response.json()["id"])
    assert workspace.memberships.get().user == world.people["outsider"]


def test_lists_filter_by_parent(world: World) -> None:
    api = world.client("manager")
    steps = api.get(url("steps"), {"blueprint": world.b.blueprint.pk}).json()["results"]
    assert {s["id"] for s in steps} == {world.b.step.pk, world.b.other_step.pk}
    blueprints = api.get(url("blueprints"), {"workspace": world.workspace.pk}).json()
    assert blueprints["count"] == 3
    assert api.get(url("steps"), {"blueprint": "abc"}).status_code == 400


def test_token_auth(world: World, client: Any) -> None:
    user = world.people["alice"]
    response = client.post(
        "/api/v1/auth/token/", {"username": "alice", "password": "secret-pass-123"}
    )
    assert response.status_code == 200
    token = response.json()["token"]
    me = client.get(url("workspaces"), HTTP_AUTHORIZATION=f"Token {token}")
    assert me.status_code == 200
    assert me.json()["results"][0]["role"] == "participant"
    assert user.auth_token.key == token
    wrong = client.post("/api/v1/auth/token/", {"username": "alice", "password": "nope"})
    assert wrong.status_code == 400
    bad = client.get(url("workspaces"), HTTP_AUTHORIZATION="Token not-a-token")
    assert bad.status_code == 401


def test_members_are_managed_by_facilitators(world: World) -> None:
    """Adding someone is an invitation they accept (tests/test_invitations.py)."""
    path = f"/api/v1/workspaces/{world.workspace.pk}/members/"
    newcomer = {"invitee": "outsider", "role": "manager"}
    assert world.client("manager").post(path, newcomer).status_code == 403
    response = world.client("facilitator").post(path, newcomer)
    assert response.status_code == 201
    assert {"invitee": "outsider", "role": "manager"}.items() <= response.json().items()
    assert world.client("outsider").get(url("workspaces", world.workspace.pk)).status_code == 404
    members = world.client("manager").get(path).json()
    assert "outsider" not in {m["username"] for m in members}
