"""Actors curated by facilitators: the actors page and `/api/v1/actors/` — add, rename, merge
(lanes and steps re-pointed in one go), delete only when unused — and what each person may do."""

import pytest
from django.test import Client

from blueprints.models import Actor, BlueprintEvent, Lane, Step
from tests import factories
from tests.conftest import World
from tests.test_pages import page_client

pytestmark = pytest.mark.django_db


def actors_url(world: World) -> str:
    return f"/workspaces/{world.workspace.pk}/actors/"


@pytest.mark.parametrize(
    ("who", "status", "forms"),
    [("facilitator", 200, True), ("alice", 200, False), ("manager", 200, False),
     ("outsider", 404, False)],
)  # fmt: skip
def test_everyone_in_the_workspace_reads_the_actors_only_facilitators_change_them(
    world: World, who: str, status: int, forms: bool
) -> None:
    Actor.objects.create(workspace=world.workspace, name="Agent")
    answer = page_client(world, who).get(actors_url(world))
    assert answer.status_code == status
    if status == 200:
        html = answer.content.decode()
        assert 'data-actor="Quality analyst"' in html
        assert ('name="action" value="merge"' in html) is forms
        assert ('name="action" value="add"' in html) is forms


def test_the_page_counts_the_lanes_and_steps_using_each_actor(world: World) -> None:
    Step.objects.filter(pk=world.a.step.pk).update(actor=world.actor)
    html = page_client(world, "facilitator").get(actors_url(world)).content.decode()
    row = html[html.index('data-actor="Quality analyst"') :]
    assert "<td data-lanes>2</td>" in row[:400]  # the backstage lanes of A and B
    assert "<td data-steps>1</td>" in row[:400]


@pytest.mark.parametrize("who", ["alice", "manager"])
def test_participants_and_managers_cannot_change_actors(world: World, who: str) -> None:
    client = page_client(world, who)
    answer = client.post(actors_url(world), {"action": "add", "name": "Sommelier"})
    assert answer.status_code == 403
    merged = world.client(who).post(
        f"/api/v1/actors/{world.actor.pk}/merge/",
        {"into": Actor.objects.create(workspace=world.workspace, name="Agent").pk},
    )
    assert merged.status_code == 403
    assert not Actor.objects.filter(name="Sommelier").exists()
    assert Actor.objects.filter(pk=world.actor.pk).exists()


def test_an_outsider_cannot_see_or_merge_the_actors(world: World) -> None:
    answer = world.client("outsider").post(
        f"/api/v1/actors/{world.actor.pk}/merge/", {"into": world.actor.pk}
    )
    assert answer.status_code == 404
    assert page_client(world, "anonymous").get(actors_url(world)).status_code == 302


def test_a_facilitator_adds_and_renames_an_actor_on_the_page(world: World) -> None:
    client = page_client(world, "facilitator")
    answer = client.post(
        actors_url(world), {"action": "add", "name": "  CRM   system "}, follow=True
    )
    assert "Actor “CRM system” added." in answer.content.decode()
    crm = Actor.objects.get(workspace=world.workspace, name="CRM system")
    answer = client.post(
        actors_url(world), {"action": "rename", "actor": crm.pk, "name": "CRM"}, follow=True
    )
    assert "“CRM system” renamed to “CRM”." in answer.content.decode()
    crm.refresh_from_db()
    assert crm.name == "CRM"
    taken = client.post(
        actors_url(world), {"action": "rename", "actor": crm.pk, "name": "quality ANALYST"},
        follow=True,
    )  # fmt: skip
    assert "already has an actor of that name" in taken.content.decode()
    assert Actor.objects.get(pk=crm.pk).name == "CRM"


def test_a_rename_is_an_event_of_every_blueprint_that_uses_the_actor(
    world: World, api: Client
) -> None:
    unused = factories.make_blueprint(world.workspace, world.team_a, title="Unused")
    answer = api.patch(f"/api/v1/actors/{world.actor.pk}/", {"name": "QA lead"}, format="json")
    assert answer.status_code == 200, answer.content
    events = BlueprintEvent.objects.filter(kind="actor.renamed", object_id=world.actor.pk)
    assert {e.blueprint_id for e in events} == {world.a.blueprint.pk, world.b.blueprint.pk}
    assert all(e.after == {"id": world.actor.pk, "name": "QA lead"} for e in events)
    assert not BlueprintEvent.objects.filter(blueprint=unused, kind="actor.renamed").exists()


def test_merging_moves_every_lane_and_step_and_deletes_the_merged_actor(
    world: World, api: Client
) -> None:
    analyst = world.actor
    lead = Actor.objects.create(workspace=world.workspace, name="Quality lead")
    Step.objects.filter(pk__in=[world.a.step.pk, world.b.other_step.pk]).update(actor=analyst)
    lanes = set(Lane.objects.filter(actor=analyst).values_list("pk", flat=True))
    steps = set(Step.objects.filter(actor=analyst).values_list("pk", flat=True))
    assert len(lanes) == 2 and len(steps) == 2

    answer = api.post(f"/api/v1/actors/{analyst.pk}/merge/", {"into": lead.pk}, format="json")

    assert answer.status_code == 200, answer.content
    assert answer.json()["name"] == "Quality lead"
    assert not Actor.objects.filter(pk=analyst.pk).exists()
    assert set(Lane.objects.filter(actor=lead).values_list("pk", flat=True)) == lanes
    assert set(Step.objects.filter(actor=lead).values_list("pk", flat=True)) == steps
    kinds = BlueprintEvent.objects.filter(blueprint=world.a.blueprint).values_list(
        "kind", flat=True
    )
    assert {"lane.updated", "step.updated", "actor.merged"} <= set(kinds)


def test_merging_into_itself_or_another_workspaces_actor_is_refused(
    world: World, api: Client
) -> None:
    itself = api.post(f"/api/v1/actors/{world.actor.pk}/merge/", {"into": world.actor.pk})
    assert itself.status_code == 400
    assert "into" in itself.json()
    elsewhere = Actor.objects.create(
        workspace=factories.make_workspace("Other"), name="Somebody else's"
    )
    foreign = api.post(f"/api/v1/actors/{world.actor.pk}/merge/", {"into": elsewhere.pk})
    assert foreign.status_code == 400
    assert Lane.objects.filter(actor=world.actor).count() == 2


def test_an_actor_in_use_is_not_deleted_and_the_answer_says_where(
    world: World, api: Client
) -> None:
    answer = api.delete(f"/api/v1/actors/{world.actor.pk}/")
    assert answer.status_code == 409
    detail = answer.json()["detail"]
    assert "2 lane(s)" in detail and "A, B" in detail
    page = page_client(world, "facilitator").post(
        actors_url(world), {"action": "delete", "actor": world.actor.pk}, follow=True
    )
    assert "still used by 2 lane(s)" in page.content.decode()
    assert Actor.objects.filter(pk=world.actor.pk).exists()
    assert Lane.objects.filter(actor=world.actor).count() == 2


def test_an_unused_actor_is_deleted(world: World, api: Client) -> None:
    spare = Actor.objects.create(workspace=world.workspace, name="Spare")
    assert api.delete(f"/api/v1/actors/{spare.pk}/").status_code == 204
    assert not Actor.objects.filter(pk=spare.pk).exists()


def test_script_in_an_actor_name_is_shown_as_text(world: World) -> None:
    client = page_client(world, "facilitator")
    name = '<script>alert(1)</script>"]; node ['
    client.post(actors_url(world), {"action": "add", "name": name})
    assert Actor.objects.filter(name=name).exists()
    html = client.get(actors_url(world)).content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_nonsense_from_a_client_gets_a_400_never_a_500(world: World, api: Client) -> None:
    client = page_client(world, "facilitator")
    nonsense = [
        {"action": "merge", "actor": "x"},
        {"action": "explode", "actor": world.actor.pk},
        {"action": "merge", "actor": world.actor.pk, "into": "9" * 30},
        {"action": "add", "name": "   "},
        {"action": "add", "name": "x" * 500},
    ]
    for data in nonsense:
        answer = client.post(actors_url(world), data, HTTP_ACCEPT="application/json")
        assert answer.status_code == 400, data
    bad = api.post(f"/api/v1/actors/{world.actor.pk}/merge/", {"into": "nope"})
    assert bad.status_code == 400


def test_undo_on_a_blueprint_skips_the_rename_it_only_heard_of(world: World, api: Client) -> None:
    step = world.a.step
    api.patch(f"/api/v1/steps/{step.pk}/", {"title": "Wrong"}, format="json")
    api.patch(f"/api/v1/actors/{world.actor.pk}/", {"name": "QA lead"}, format="json")
    undone = api.post(f"/api/v1/blueprints/{world.a.blueprint.pk}/undo/")
    assert undone.status_code == 200, undone.content
    assert undone.json()["kind"] == "step.updated"
    assert Step.objects.get(pk=step.pk).title == "Calls about a flat bottle"
    assert Actor.objects.get(pk=world.actor.pk).name == "QA lead"
