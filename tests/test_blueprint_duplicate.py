"""POST /api/v1/blueprints/{id}/duplicate/: the same phases, lanes, steps and links, new ids."""

from typing import Any

from django.test import Client

from blueprints.models import Blueprint, BlueprintEvent, Link, Step
from tests import factories
from tests.conftest import World


def duplicate(world: World, who: str, blueprint: Blueprint, **body: Any) -> Any:
    url = f"/api/v1/blueprints/{blueprint.pk}/duplicate/"
    return world.client(who).post(url, body, format="json")


def contents(blueprint: Blueprint) -> dict[str, Any]:
    """A blueprint's content by names and places, without ids."""
    steps = Step.objects.filter(blueprint=blueprint).select_related("lane", "phase")
    return {
        "phases": list(blueprint.phases.order_by("position").values_list("name", "position")),
        "lanes": list(
            blueprint.lanes.order_by("position").values_list("name", "band", "actor", "position")
        ),
        "steps": sorted(
            (
                s.lane.name,
                s.phase.name,
                s.position,
                s.title,
                s.description,
                s.kind,
                s.channel_id,
                s.actor_id,
                s.emotion,
                s.evidence,
                s.data_captured,
                s.data_recorded_in,
                s.data_stage,
            )
            for s in steps
        ),  # fmt: skip
        "links": sorted(
            (link.source.title, link.target.title, link.kind, link.label)
            for link in Link.objects.filter(blueprint=blueprint).select_related("source", "target")
        ),
    }


def test_a_participant_duplicates_their_teams_blueprint(world: World) -> None:
    original = world.a.blueprint
    Step.objects.filter(pk=world.a.step.pk).update(
        description="Angry", emotion=-2, channel=world.channel, data_captured="Batch code"
    )
    response = duplicate(world, "alice", original)
    assert response.status_code == 201, response.content
    body = response.json()
    copy = Blueprint.objects.get(pk=body["id"])
    assert (body["title"], body["team"], body["kind"]) == ("Copy of A", world.team_a.pk, "team")
    assert contents(copy) == contents(original)
    assert not set(copy.steps.values_list("pk", flat=True)) & set(
        original.steps.values_list("pk", flat=True)
    )
    assert Link.objects.filter(blueprint=copy, source__blueprint=original).count() == 0
    created = BlueprintEvent.objects.get(blueprint=copy)
    assert (created.kind, created.actor) == ("blueprint.created", world.people["alice"])


def test_a_duplicate_may_get_its_own_title(world: World) -> None:
    response = duplicate(world, "alice", world.a.blueprint, title="Complaints, second try")
    assert response.json()["title"] == "Complaints, second try"


def test_the_facilitator_copies_the_global_blueprint_for_a_team(world: World) -> None:
    response = duplicate(world, "facilitator", world.glob.blueprint, team=world.team_b.pk)
    assert response.status_code == 201
    copy = Blueprint.objects.get(pk=response.json()["id"])
    assert (copy.kind, copy.team_id) == ("team", world.team_b.pk)
    assert contents(copy) == contents(world.glob.blueprint)


def test_the_global_blueprint_copied_without_a_team_is_refused(world: World) -> None:
    response = duplicate(world, "facilitator", world.glob.blueprint)
    assert response.status_code == 400
    assert "team" in response.json()


def test_a_participant_cannot_copy_into_another_team(world: World) -> None:
    response = duplicate(world, "alice", world.a.blueprint, team=world.team_b.pk)
    assert response.status_code == 403
    assert Blueprint.objects.count() == 3


def test_a_manager_cannot_duplicate(world: World) -> None:
    assert duplicate(world, "manager", world.a.blueprint).status_code == 403


def test_outsiders_see_no_blueprint_to_duplicate(world: World) -> None:
    assert duplicate(world, "outsider", world.a.blueprint).status_code == 404


def test_a_team_of_another_workspace_looks_absent(world: World) -> None:
    elsewhere = factories.make_workspace("Elsewhere", facilitator=[world.people["facilitator"]])
    team = factories.make_team(elsewhere, "Theirs")
    response = duplicate(world, "facilitator", world.a.blueprint, team=team.pk)
    assert response.status_code == 400
    assert Blueprint.objects.count() == 3


def test_a_long_title_is_cut_to_fit(world: World) -> None:
    Blueprint.objects.filter(pk=world.a.blueprint.pk).update(title="x" * 200)
    response = duplicate(world, "alice", world.a.blueprint)
    assert response.status_code == 201
    assert len(response.json()["title"]) == 200


# --- the page's form ---------------------------------------------------------------------


def page_client(world: World, who: str) -> Client:
    client = Client()
    client.force_login(world.people[who])
    return client


def test_the_duplicate_form_lands_in_the_copys_editor(world: World) -> None:
    client = page_client(world, "alice")
    page = client.get(f"/blueprints/{world.a.blueprint.pk}/")
    assert b'action="/blueprints/%d/duplicate/"' % world.a.blueprint.pk in page.content
    response = client.post(f"/blueprints/{world.a.blueprint.pk}/duplicate/", {"title": ""})
    copy = Blueprint.objects.exclude(pk__in=[world.a.blueprint.pk, world.b.blueprint.pk]).get(
        kind="team", title="Copy of A"
    )
    assert response.status_code == 302 and response["Location"] == f"/blueprints/{copy.pk}/"
    assert contents(copy) == contents(world.a.blueprint)
    assert "This is your copy of “A”" in client.get(response["Location"]).content.decode()


def test_the_manager_is_offered_no_duplicate_and_cannot_post_one(world: World) -> None:
    client = page_client(world, "manager")
    page = client.get(f"/blueprints/{world.a.blueprint.pk}/")
    assert b"/duplicate/" not in page.content
    response = client.post(f"/blueprints/{world.a.blueprint.pk}/duplicate/", {})
    assert response.status_code in (302, 403)
    assert Blueprint.objects.count() == 3


def test_someone_elses_blueprint_cannot_be_duplicated_from_a_page(world: World) -> None:
    response = page_client(world, "outsider").post(f"/blueprints/{world.a.blueprint.pk}/duplicate/")
    assert response.status_code == 404
