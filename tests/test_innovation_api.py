"""The innovation API through HTTP: opportunities, service concepts, experiments, data needs
and the roadmap — validation, who may do what, stale versions, computed fields, query counts.

Issue 20's rule: participants create opportunities and data needs (and change their own);
facilitators score, set statuses and the roadmap, and write concepts and experiments;
managers read; outsiders, anonymous visitors and workshop guests get nothing.
"""

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.db import connection
from django.test.utils import CaptureQueriesContext

from innovation import events, services
from innovation.models import DataNeed, Experiment, Iteration, Opportunity, ServiceConcept
from personas.models import ContactReason, Persona
from tests.browser import run_in_own_loop
from tests.conftest import PEOPLE, World, build_world
from tests.factories import make_workspace
from tests.test_workshop_guest_editing import guest_client, guest_in_group
from workshops.models import Output
from workspaces.models import Workspace


def person(world: World, who: str) -> Any:
    return world.people[who]


def persona_of(world: World, name: str = "Careful caller") -> Persona:
    return Persona.objects.get_or_create(workspace=world.workspace, name=name)[0]


def opportunity_of(world: World, who: str = "facilitator", **fields: Any) -> Opportunity:
    fields = {"title": "Nobody calls back", **fields}
    return Opportunity.objects.create(
        workspace=world.workspace, created_by=person(world, who), **fields
    )


def concept_of(world: World) -> ServiceConcept:
    return ServiceConcept.objects.create(
        workspace=world.workspace,
        title="Proactive call-back",
        created_by=person(world, "facilitator"),
    )


def experiment_of(world: World, **fields: Any) -> Experiment:
    return Experiment.objects.create(
        workspace=world.workspace,
        concept=concept_of(world),
        mvp_name="Call-back pilot",
        created_by=person(world, "facilitator"),
        **fields,
    )


def data_need_of(world: World, who: str = "facilitator") -> DataNeed:
    return DataNeed.objects.create(
        workspace=world.workspace,
        persona=persona_of(world),
        item="Best time to call back",
        created_by=person(world, who),
    )


# resource: (model, an object the facilitator made, create payload, update payload)
Spec = tuple[type, Callable[[World], Any], Callable[[World], dict], dict]
SPECS: dict[str, Spec] = {
    "opportunities": (
        Opportunity,
        opportunity_of,
        lambda w: {"workspace": w.workspace.pk, "title": "Wait times on the hotline"},
        {"title": "Nobody ever calls back"},
    ),
    "service-concepts": (
        ServiceConcept,
        concept_of,
        lambda w: {"workspace": w.workspace.pk, "title": "Order tracker"},
        {"title": "Call-back within the hour"},
    ),
    "experiments": (
        Experiment,
        experiment_of,
        lambda w: {"concept": concept_of(w).pk, "mvp_name": "Tracker pilot"},
        {"mvp_name": "Call-back pilot, second round"},
    ),
    "data-needs": (
        DataNeed,
        data_need_of,
        lambda w: {"persona": persona_of(w).pk, "item": "Delivery address quality"},
        {"item": "Best hour to call back"},
    ),
}
PARTICIPANTS_CREATE = {"opportunities", "data-needs"}
MEMBERS = {"facilitator", "alice", "bob", "manager"}
EVERYONE = [*PEOPLE, "guest"]


def client_of(world: World, who: str) -> Any:
    if who == "guest":
        _, participant = guest_in_group(world)
        return guest_client(participant)
    return world.client(who)


def refused(who: str) -> int:
    """What someone who may not write gets, by who they are."""
    return {"anonymous": 401, "outsider": 404}.get(who, 403)


def url(resource: str, pk: int | None = None) -> str:
    return f"/api/v1/{resource}/" + (f"{pk}/" if pk else "")


# --- The access matrix ---------------------------------------------------------------------


@pytest.mark.parametrize("who", EVERYONE)
@pytest.mark.parametrize("resource", SPECS)
def test_reading(world: World, resource: str, who: str) -> None:
    target = SPECS[resource][1](world)
    client = client_of(world, who)
    listed = client.get(url(resource), {"workspace": world.workspace.pk})
    one = client.get(url(resource, target.pk))
    if who in MEMBERS:
        assert listed.status_code == 200
        assert [row["id"] for row in listed.json()["results"]] == [target.pk]
        assert one.status_code == 200 and one.json()["id"] == target.pk
    elif who == "outsider":
        assert listed.json()["results"] == []
        assert one.status_code == 404
    else:  # anonymous 401; a guest is known but may not read outside its blueprint
        assert listed.status_code == one.status_code == (401 if who == "anonymous" else 403)


@pytest.mark.parametrize("who", EVERYONE)
@pytest.mark.parametrize("resource", SPECS)
def test_creating(world: World, resource: str, who: str) -> None:
    model, _, payload_of, _ = SPECS[resource]
    payload = payload_of(world)
    client = client_of(world, who)
    before = model.objects.count()
    response = client.post(url(resource), payload, format="json")
    may = who == "facilitator" or (who in ("alice", "bob") and resource in PARTICIPANTS_CREATE)
    if may:
        assert response.status_code == 201, response.json()
        created = model.objects.get(pk=response.json()["id"])
        assert created.workspace == world.workspace
        assert created.created_by == person(world, who)
        assert response.json()["version"] == 1
    else:
        # An outsider names a workspace (or concept, persona) it cannot see: bad input.
        expected = 400 if who == "outsider" else refused(who)
        assert response.status_code == expected
        assert model.objects.count() == before


@pytest.mark.parametrize("who", EVERYONE)
@pytest.mark.parametrize("resource", SPECS)
def test_changing_what_a_facilitator_made(world: World, resource: str, who: str) -> None:
    model, target_of, _, changes = SPECS[resource]
    target = target_of(world)
    response = client_of(world, who).patch(url(resource, target.pk), changes, format="json")
    field, value = next(iter(changes.items()))
    stored = getattr(model.objects.get(pk=target.pk), field)
    if who == "facilitator":
        assert response.status_code == 200, response.json()
        assert stored == value
        assert response.json()["version"] == 2
    else:
        assert response.status_code == refused(who)
        assert stored != value


@pytest.mark.parametrize("who", EVERYONE)
@pytest.mark.parametrize("resource", SPECS)
def test_deleting(world: World, resource: str, who: str) -> None:
    model, target_of, _, _ = SPECS[resource]
    target = target_of(world)
    response = client_of(world, who).delete(url(resource, target.pk))
    if who == "facilitator":
        assert response.status_code == 204
        assert not model.objects.filter(pk=target.pk).exists()
    else:
        assert response.status_code == refused(who)
        assert model.objects.filter(pk=target.pk).exists()


@pytest.mark.parametrize("resource", sorted(PARTICIPANTS_CREATE))
def test_a_participant_changes_and_deletes_their_own_but_not_a_colleagues(
    world: World, resource: str
) -> None:
    model, _, payload_of, changes = SPECS[resource]
    alice, bob = world.client("alice"), world.client("bob")
    mine = alice.post(url(resource), payload_of(world), format="json").json()
    assert bob.patch(url(resource, mine["id"]), changes, format="json").status_code == 403
    assert bob.delete(url(resource, mine["id"])).status_code == 403
    changed = alice.patch(url(resource, mine["id"]), changes, format="json")
    assert changed.status_code == 200
    assert changed.json()[next(iter(changes))] == next(iter(changes.values()))
    assert alice.delete(url(resource, mine["id"])).status_code == 204
    assert not model.objects.filter(pk=mine["id"]).exists()


# --- What only facilitators set ------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"customer_value": 90},
        {"effort": 2},
        {"status": "solved"},
        {"horizon": "now"},
        {"due_date": "2026-06-30"},
    ],
)
def test_a_participant_may_not_score_set_a_status_or_the_roadmap(
    world: World, changes: dict
) -> None:
    alice = world.client("alice")
    payload = {"workspace": world.workspace.pk, "title": "Labels are hard to read", **changes}
    refused_create = alice.post(url("opportunities"), payload, format="json")
    assert refused_create.status_code == 403
    assert "Only a facilitator scores" in refused_create.json()["detail"]
    assert next(iter(changes)) in refused_create.json()["detail"]
    assert not Opportunity.objects.filter(title="Labels are hard to read").exists()

    own = opportunity_of(world, "alice")
    assert alice.patch(url("opportunities", own.pk), changes, format="json").status_code == 403
    own.refresh_from_db()
    assert (own.customer_value, own.effort, own.status, own.horizon) == (None, None, "open", "none")
    # Sending a value unchanged (a whole form posted back) is no attempt to set it.
    same = alice.patch(url("opportunities", own.pk), {"status": "open", "title": "Labels"})
    assert same.status_code == 200


def test_a_participant_may_not_set_a_data_needs_status(world: World) -> None:
    alice = world.client("alice")
    own = data_need_of(world, "alice")
    response = alice.patch(url("data-needs", own.pk), {"status": "available"}, format="json")
    assert response.status_code == 403
    own.refresh_from_db()
    assert own.status == "proposed"


def test_a_facilitator_scores_and_value_is_their_mean(world: World) -> None:
    own = opportunity_of(world, "alice")
    response = world.client("facilitator").patch(
        url("opportunities", own.pk),
        {"customer_value": 85, "business_value": 40, "effort": 2, "status": "in_progress"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["value"] == 62.5
    assert world.client("manager").get(url("opportunities", own.pk)).json()["value"] == 62.5
    unscored = world.client("alice").get(url("opportunities", opportunity_of(world).pk))
    assert unscored.json()["value"] is None


# --- Bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"customer_value": 101}, "customer_value"),
        ({"business_value": -1}, "business_value"),
        ({"effort": 0}, "effort"),
        ({"effort": 6}, "effort"),
        ({"status": "done"}, "status"),
        ({"horizon": "someday"}, "horizon"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"customer_value": "lots"}, "customer_value"),
        ({"steps": ["abc"]}, "steps"),
        ({"steps": [10**30]}, "steps"),
    ],
)
def test_opportunities_refuse_bad_input_with_field_messages(
    world: World, payload: dict, field: str
) -> None:
    body = {"workspace": world.workspace.pk, "title": "Wait times", **payload}
    response = world.client("facilitator").post(url("opportunities"), body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert Opportunity.objects.count() == 0


def test_links_to_another_workspace_look_absent(world: World) -> None:
    elsewhere = make_workspace("Elsewhere", facilitator=[person(world, "facilitator")])
    foreign = Persona.objects.create(workspace=elsewhere, name="Stranger")
    reason = ContactReason.objects.create(workspace=elsewhere, name="Complaints")
    body = {
        "workspace": world.workspace.pk,
        "title": "Wait times",
        "personas": [foreign.pk],
        "contact_reasons": [reason.pk],
    }
    response = world.client("facilitator").post(url("opportunities"), body, format="json")
    assert response.status_code == 400
    elsewhere_only = ["Must belong to the same workspace."]
    assert response.json() == {"personas": elsewhere_only, "contact_reasons": elsewhere_only}
    stranger_need = {"persona": foreign.pk, "item": "Age", "channel": world.channel.pk}
    response = world.client("facilitator").post(url("data-needs"), stranger_need, format="json")
    assert response.status_code == 400 and "channel" in response.json()


def test_an_owner_must_be_a_member_of_the_workspace(world: World) -> None:
    target = opportunity_of(world)
    api = world.client("facilitator")
    stranger = api.patch(
        url("opportunities", target.pk), {"owner": person(world, "outsider").pk}, format="json"
    )
    assert stranger.status_code == 400 and "owner" in stranger.json()
    manager = person(world, "manager")
    ok = api.patch(url("opportunities", target.pk), {"owner": manager.pk}, format="json")
    assert ok.status_code == 200 and ok.json()["owner"] == manager.pk


def test_experiments_need_a_result_for_a_verdict_and_dates_in_order(world: World) -> None:
    experiment = experiment_of(world, baseline="40", target="60")
    api = world.client("facilitator")
    verdict = api.patch(url("experiments", experiment.pk), {"status": "validated"}, format="json")
    assert verdict.status_code == 400
    assert verdict.json() == {
        "result": ["Record a result before calling the experiment validated or invalidated."]
    }
    dates = api.patch(
        url("experiments", experiment.pk),
        {"start_date": "2026-03-10", "end_date": "2026-03-01"},
        format="json",
    )
    assert dates.status_code == 400 and list(dates.json()) == ["end_date"]
    too_precise = api.patch(url("experiments", experiment.pk), {"result": "1.23456"})
    assert too_precise.status_code == 400 and "result" in too_precise.json()
    experiment.refresh_from_db()
    assert (experiment.status, experiment.start_date, experiment.version) == ("planned", None, 1)


def test_script_and_dot_in_text_come_back_as_typed(world: World) -> None:
    text = '<script>alert(1)</script> "]; node ['
    body = {"workspace": world.workspace.pk, "title": text, "description": text}
    response = world.client("alice").post(url("opportunities"), body, format="json")
    assert response.status_code == 201
    assert response.json()["title"] == text
    assert Opportunity.objects.get().description == text


# --- Versions, computed fields ----------------------------------------------------------------


def test_a_stale_version_answers_409_with_the_current_object(world: World) -> None:
    target = opportunity_of(world)
    api = world.client("facilitator")
    first = api.patch(url("opportunities", target.pk), {"title": "A", "version": 1}, format="json")
    assert first.status_code == 200 and first.json()["version"] == 2
    stale = api.patch(url("opportunities", target.pk), {"title": "B", "version": 1}, format="json")
    assert stale.status_code == 409
    assert stale.json()["current"]["title"] == "A"
    assert stale.json()["current"]["version"] == 2
    target.refresh_from_db()
    assert target.title == "A"
    need = data_need_of(world)
    api.patch(url("data-needs", need.pk), {"why": "To call when they are home"}, format="json")
    stale = api.patch(url("data-needs", need.pk), {"why": "x", "version": 1}, format="json")
    assert stale.status_code == 409


@pytest.mark.parametrize(
    ("baseline", "target", "result", "met"),
    [(40, 60, 64.5, True), (40, 60, 52, False), (12, 8, 7, True), (12, 8, 9.5, False)],
)
def test_met_says_whether_the_result_reached_the_target(
    world: World, baseline: float, target: float, result: float, met: bool
) -> None:
    concept = concept_of(world)
    body = {
        "concept": concept.pk,
        "mvp_name": "Tracker",
        "metric": "Share of orders tracked without a call",
        "baseline": baseline,
        "target": target,
        "result": result,
        "status": "validated" if met else "invalidated",
    }
    response = world.client("facilitator").post(url("experiments"), body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["met"] is met
    assert response.json()["result"] == result
    assert response.json()["workspace"] == world.workspace.pk


def test_a_concept_keeps_its_storyboard_in_order(world: World) -> None:
    api = world.client("facilitator")
    frames = [{"title": "Consumer calls"}, {"title": "Agent books a call-back", "description": "…"}]
    body = {
        "workspace": world.workspace.pk,
        "title": "Call-back",
        "personas": [persona_of(world).pk],
        "opportunities": [opportunity_of(world).pk],
        "storyboard": frames,
        "to_be_blueprint": world.glob.blueprint.pk,
    }
    created = api.post(url("service-concepts"), body, format="json").json()
    assert [f["title"] for f in created["storyboard"]] == [
        "Consumer calls",
        "Agent books a call-back",
    ]
    frames.reverse()
    changed = api.patch(
        url("service-concepts", created["id"]), {"storyboard": frames}, format="json"
    )
    assert [f["title"] for f in changed.json()["storyboard"]][0] == "Agent books a call-back"
    untitled = api.patch(
        url("service-concepts", created["id"]),
        {"storyboard": [{"description": "?"}]},
        format="json",
    )
    assert untitled.status_code == 400 and "storyboard" in untitled.json()
    assert ServiceConcept.objects.get(pk=created["id"]).storyboard.count() == 2
    experiment = Experiment.objects.create(
        workspace=world.workspace, concept_id=created["id"], mvp_name="Pilot"
    )
    refused_delete = api.delete(url("service-concepts", created["id"]))
    assert refused_delete.status_code == 409
    assert Experiment.objects.filter(pk=experiment.pk).exists()


# --- Creating from a pain point or a workshop output ------------------------------------------


def test_a_participant_makes_an_opportunity_from_a_pain_point(world: World) -> None:
    step = world.b.step
    persona = persona_of(world)
    persona.steps.add(step)
    response = world.client("alice").post(url("opportunities") + "from-step/", {"step": step.pk})
    assert response.status_code == 201
    body = response.json()
    assert (body["title"], body["steps"], body["personas"]) == (step.title, [step.pk], [persona.pk])
    listed = world.client("manager").get(url("opportunities"), {"step": step.pk}).json()
    assert [row["id"] for row in listed["results"]] == [body["id"]]
    assert (
        world.client("manager")
        .post(url("opportunities") + "from-step/", {"step": step.pk})
        .status_code
        == 403
    )
    assert (
        world.client("outsider")
        .post(url("opportunities") + "from-step/", {"step": step.pk})
        .status_code
        == 400
    )


def test_an_opportunity_from_a_workshop_output_carries_its_links(world: World) -> None:
    from workshops import services as workshop_services

    workshop = workshop_services.workshop_create(workspace=world.workspace, template="blueprint")
    reason = ContactReason.objects.create(workspace=world.workspace, name="Complaints")
    output = Output.objects.create(
        workshop=workshop,
        title="Call people back before they call again",
        step=world.a.step,
        persona=persona_of(world),
        category=reason,
    )
    response = world.client("bob").post(
        url("opportunities") + "from-output/", {"output": output.pk}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["workshop_outputs"] == [output.pk]
    assert body["contact_reasons"] == [reason.pk]
    assert body["steps"] == [world.a.step.pk]


# --- The iteration log --------------------------------------------------------------------


def test_the_iteration_log_of_an_experiment(world: World) -> None:
    experiment = experiment_of(world)
    api = world.client("facilitator")
    path = url("experiments", experiment.pk) + "iterations/"
    added = api.post(path, {"text": "Second script: ask for the best hour", "date": "2026-04-02"})
    assert added.status_code == 201
    assert added.json()["author_name"] == "facilitator"
    assert api.post(path, {"text": "  "}).status_code == 400
    assert world.client("alice").post(path, {"text": "Mine"}).status_code == 403
    shown = api.get(url("experiments", experiment.pk)).json()
    assert [i["text"] for i in shown["iterations"]] == ["Second script: ask for the best hour"]
    assert shown["version"] == 2
    gone = api.delete(path + f"{added.json()['id']}/")
    assert gone.status_code == 204
    assert not Iteration.objects.exists()


# --- The roadmap --------------------------------------------------------------------------


def roadmap_url(workspace: Workspace) -> str:
    return f"/api/v1/workspaces/{workspace.pk}/roadmap/"


def test_the_roadmap_answers_three_columns_in_order(world: World) -> None:
    first = opportunity_of(world, title="First", horizon="now", roadmap_position=0)
    experiment = experiment_of(world, horizon="now", roadmap_position=1)
    need = data_need_of(world)
    DataNeed.objects.filter(pk=need.pk).update(horizon="later", owner=person(world, "manager"))
    opportunity_of(world, title="Not placed")
    answer = world.client("manager").get(roadmap_url(world.workspace))
    assert answer.status_code == 200
    roadmap = answer.json()
    assert list(roadmap) == ["now", "next", "later"]
    assert [(e["type"], e["id"]) for e in roadmap["now"]] == [
        ("opportunity", first.pk),
        ("experiment", experiment.pk),
    ]
    assert roadmap["next"] == []
    later = roadmap["later"][0]
    assert later["type"] == "data_need" and later["title"] == "Best time to call back"
    assert later["context"] == "Careful caller" and later["owner_name"] == "manager"
    assert {"id", "title", "owner", "due_date", "status", "position", "version"} <= set(later)
    assert world.client("outsider").get(roadmap_url(world.workspace)).status_code == 404
    assert world.client("anonymous").get(roadmap_url(world.workspace)).status_code == 401


def test_a_facilitator_drags_items_between_columns(world: World) -> None:
    a = opportunity_of(world, title="A", horizon="now", roadmap_position=0)
    b = opportunity_of(world, title="B", horizon="now", roadmap_position=1)
    need = data_need_of(world)
    api = world.client("facilitator")
    moved = api.post(
        roadmap_url(world.workspace),
        {"type": "data_need", "id": need.pk, "horizon": "now", "position": 1},
        format="json",
    )
    assert moved.status_code == 200
    assert [e["title"] for e in moved.json()["now"]] == ["A", "Best time to call back", "B"]
    assert [e["position"] for e in moved.json()["now"]] == [0, 1, 2]
    to_next = api.post(
        roadmap_url(world.workspace), {"type": "opportunity", "id": a.pk, "horizon": "next"}
    )
    assert [e["title"] for e in to_next.json()["now"]] == ["Best time to call back", "B"]
    assert [e["title"] for e in to_next.json()["next"]] == ["A"]
    off = api.post(
        roadmap_url(world.workspace), {"type": "opportunity", "id": b.pk, "horizon": "none"}
    )
    assert [e["title"] for e in off.json()["now"]] == ["Best time to call back"]
    a.refresh_from_db()
    assert (a.horizon, a.version) == ("next", 2)
    # A stale card, an unknown item, a participant, a manager.
    stale = {"type": "opportunity", "id": a.pk, "horizon": "later", "version": 1}
    assert api.post(roadmap_url(world.workspace), stale, format="json").status_code == 409
    unknown = {"type": "experiment", "id": a.pk, "horizon": "now"}
    assert api.post(roadmap_url(world.workspace), unknown).status_code == 400
    for who in ("alice", "manager"):
        attempt = world.client(who).post(
            roadmap_url(world.workspace), {"type": "opportunity", "id": a.pk, "horizon": "now"}
        )
        assert attempt.status_code == 403
    a.refresh_from_db()
    assert a.horizon == "next"


def test_a_horizon_set_on_the_item_puts_it_at_the_end_of_its_column(world: World) -> None:
    opportunity_of(world, title="A", horizon="next", roadmap_position=4)
    late = opportunity_of(world, title="B")
    api = world.client("facilitator")
    api.patch(url("opportunities", late.pk), {"horizon": "next"}, format="json")
    late.refresh_from_db()
    assert late.roadmap_position == 5


# --- Live news and query counts -------------------------------------------------------------


def test_a_change_is_announced_to_the_workspace_after_commit(transactional_db: None) -> None:
    world = build_world()  # committed rows: the request runs on a thread of its own
    layer = get_channel_layer()

    def propose() -> Any:
        return world.client("alice").post(
            url("opportunities"), {"workspace": world.workspace.pk, "title": "Wait"}
        )

    async def scenario() -> tuple[dict, Any]:
        # On a loop of its own: once a browser test ran, the test thread holds Playwright's.
        channel = await layer.new_channel()
        await layer.group_add(events.group_name(world.workspace.pk), channel)
        response = await database_sync_to_async(propose)()
        return await asyncio.wait_for(layer.receive(channel), 5), response

    message, response = run_in_own_loop(scenario)
    assert response.status_code == 201
    assert message["type"] == "innovation.event"
    assert message["event"]["kind"] == "opportunity.created"
    assert message["event"]["id"] == response.json()["id"]


@pytest.mark.parametrize("resource", SPECS)
def test_lists_cost_the_same_queries_however_many_rows(world: World, resource: str) -> None:
    target_of = SPECS[resource][1]
    target_of(world)
    api = world.client("manager")
    with CaptureQueriesContext(connection) as one:
        assert api.get(url(resource)).json()["count"] == 1
    for _ in range(4):
        made = target_of(world)
    if isinstance(made, Opportunity):
        made.steps.set([world.a.step, world.b.step])
        made.personas.add(persona_of(world))
    if isinstance(made, Experiment):
        services.iteration_add(experiment=made, text="Tried", actor=person(world, "facilitator"))
    with CaptureQueriesContext(connection) as five:
        assert api.get(url(resource)).json()["count"] == 5
    assert len(five) == len(one) == LIST_QUERIES[resource]


def test_the_roadmap_costs_the_same_queries_however_full(world: World) -> None:
    opportunity_of(world, horizon="now")
    api = world.client("manager")
    with CaptureQueriesContext(connection) as one:
        api.get(roadmap_url(world.workspace))
    for index in range(3):
        opportunity_of(world, title=f"More {index}", horizon="next", owner=person(world, "manager"))
        experiment_of(world, horizon="later")
        DataNeed.objects.filter(pk=data_need_of(world).pk).update(horizon="now")
    with CaptureQueriesContext(connection) as many:
        roadmap = api.get(roadmap_url(world.workspace)).json()
    assert sum(len(column) for column in roadmap.values()) == 10
    # The workspace (membership joined in), then one query per item type.
    assert len(many) == len(one) == 4


# The count, the page (membership joined in), and one query per list inside a row.
LIST_QUERIES = {"opportunities": 6, "service-concepts": 5, "experiments": 3, "data-needs": 2}


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/opportunities/", "[1, 2]"),
        ("/api/v1/opportunities/", '{"title": '),
        ("/api/v1/opportunities/", '{"title": "A", "steps": 5}'),
        ("/api/v1/service-concepts/", '{"title": "A", "storyboard": "frames"}'),
        ("/api/v1/service-concepts/", '{"title": "A", "storyboard": [1]}'),
        ("/api/v1/experiments/", '{"mvp_name": "A", "baseline": "NaN"}'),
        ("/api/v1/experiments/", '{"mvp_name": "A", "start_date": "31/02/2026"}'),
        ("/api/v1/opportunities/from-step/", '{"step": null}'),
        ("/api/v1/opportunities/from-output/", '{"output": "x"}'),
        ("roadmap", '{"type": "persona", "id": 1, "horizon": "now"}'),
        ("roadmap", '{"type": "opportunity", "id": -1, "horizon": "now", "position": -3}'),
    ],
)
def test_malformed_bodies_answer_400(world: World, path: str, body: str) -> None:
    if path == "roadmap":
        path = roadmap_url(world.workspace)
    response = world.client("facilitator").post(path, body, content_type="application/json")
    assert response.status_code == 400, response.content
