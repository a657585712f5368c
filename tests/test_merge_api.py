"""Merging over HTTP: POST /api/v1/workspaces/{id}/merge/, its report and the decisions.

Most tests use the demo workspace (`seed_demo`, five team blueprints); access and a few
precise cases use the `world` fixture (two small team blueprints and a hand-made global one).
"""

import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import transaction
from rest_framework.test import APIClient

from blueprints.merge_api import FACILITATORS_ONLY, NOT_MERGED_YET
from blueprints.models import Blueprint, Lane, MergeDecision, Phase, PhaseMapping, Step
from tests import factories
from tests.conftest import World
from workspaces.models import Workspace


def client_of(username: str) -> APIClient:
    client = APIClient()
    client.force_authenticate(User.objects.get(username=username))
    return client


@pytest.fixture(scope="class")
def seeded_demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """The demo's team blueprints with each team's own phase names (no phase mapping yet),
    seeded once for the tests of a class, in a transaction of its own that is rolled back after
    them; each test runs in a savepoint inside it (pytest-django's `db`), rolled back too."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", stdout=io.StringIO())
        PhaseMapping.objects.all().delete()
        yield
        transaction.set_rollback(True)


@pytest.fixture
def demo(seeded_demo: None, db: None) -> Workspace:
    return Workspace.objects.get(memberships__user__username="facilitator")


@pytest.fixture
def facilitator(demo: Workspace) -> APIClient:
    return client_of("facilitator")


def merged(client: APIClient, workspace: Workspace) -> dict[str, Any]:
    response = client.post(f"/api/v1/workspaces/{workspace.pk}/merge/")
    assert response.status_code == 200, response.content
    return response.json()


def without_report(body: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in body.items() if key != "merge"}


def team_steps(workspace: Workspace) -> set[int]:
    steps = Step.objects.filter(blueprint__workspace=workspace, blueprint__kind="team")
    return set(steps.values_list("pk", flat=True))


def global_step_of(body: dict[str, Any], team_step: int) -> dict[str, Any]:
    return next(step for step in body["steps"] if team_step in step["sources"])


def demo_step(title: str) -> Step:
    return Step.objects.get(blueprint__kind="team", title=title)


# --- merging -------------------------------------------------------------------------------


def test_the_demo_phase_mapping_aligns_the_teams_on_one_journey(db: None) -> None:
    call_command("seed_demo", stdout=io.StringIO())
    workspace = Workspace.objects.get(memberships__user__username="facilitator")
    body = merged(client_of("facilitator"), workspace)
    names = [phase["name"] for phase in body["phases"]]
    # Phases only some teams have ("Before contact") still come in the teams' own order.
    assert names == ["Before contact", "Contact", "Triage", "Resolution", "Follow-up", "Closure"]
    assert len(body["merge"]["suggestions"]) == 1
    assert body["merge"]["conflicts"][0]["field"] == "emotion"


def cell_titles(body: dict[str, Any], lane: int, phase: int) -> list[str]:
    steps = [s for s in body["steps"] if (s["lane"], s["phase"]) == (lane, phase)]
    return [s["title"] for s in sorted(steps, key=lambda s: s["position"])]


def suggestion_setup(facilitator: APIClient, demo: Workspace) -> tuple[Step, Step]:
    """Quality's "Intake" merged into "Contact", with a card close to one of the centre's."""
    intake = Phase.objects.get(blueprint__kind="team", name="Intake")
    response = facilitator.post(
        f"/api/v1/workspaces/{demo.pk}/phase-mappings/", {"phase": intake.pk, "name": "Contact"}
    )
    assert response.status_code == 201, response.content
    notices = demo_step("Notices an off taste and looks for help")
    consumer = Lane.objects.get(blueprint=intake.blueprint, band="customer")
    similar = factories.make_step(
        consumer, intake, "Notices an off taste and looks for some help", kind="touchpoint"
    )
    return notices, similar


class TestOnTheDemo:
    """The demo, seeded once for the class (see `seeded_demo`); every test meets it pristine."""

    def test_it_answers_with_the_global_blueprint_as_its_detail_shows_it(
        self, demo: Workspace, facilitator: APIClient
    ) -> None:
        body = merged(facilitator, demo)
        blueprint = Blueprint.objects.get(workspace=demo, kind="global")
        assert body["id"] == blueprint.pk and body["kind"] == "global" and body["team"] is None
        detail = facilitator.get(f"/api/v1/blueprints/{blueprint.pk}/").json()
        assert without_report(body) == detail
        assert body["merge"]["blueprint"] == blueprint.pk
        assert body["merge"]["team_blueprints"] == 5

    def test_every_team_step_is_a_source_of_exactly_one_global_step(
        self, demo: Workspace, facilitator: APIClient
    ) -> None:
        body = merged(facilitator, demo)
        sources = [
            source for step in body["steps"] if step["sources"] for source in step["sources"]
        ]
        assert sorted(sources) == sorted(team_steps(demo))
        global_steps = Step.objects.filter(blueprint__workspace=demo, blueprint__kind="global")
        assert set(global_steps.values_list("sources", flat=True)) == team_steps(demo)

    def test_the_global_blueprint_keeps_the_demo_structure(
        self, demo: Workspace, facilitator: APIClient
    ) -> None:
        body = merged(facilitator, demo)
        bands = [lane["band"] for lane in body["lanes"]]
        order = ["evidence", "customer", "frontstage", "backstage", "support"]
        assert bands == sorted(bands, key=order.index)
        phase_names = [phase["name"] for phase in body["phases"]]
        assert phase_names[0] in {"Contact", "Intake", "Discover", "Order", "Request"}
        assert len(phase_names) == len({name.casefold() for name in phase_names})
        # One consumer lane for the five teams: lanes align by band and actor.
        assert [lane["name"] for lane in body["lanes"]].count("Consumer") == 1
        ids = {step["id"] for step in body["steps"]}
        assert all(link["source"] in ids and link["target"] in ids for link in body["links"])
        assert len(body["links"]) == sum(1 for _ in body["links"])

    def test_merging_again_keeps_every_id_and_the_same_json(
        self, demo: Workspace, facilitator: APIClient
    ) -> None:
        first = merged(facilitator, demo)
        again = merged(facilitator, demo)
        assert without_report(again) == without_report(first)
        changes = again["merge"]["changes"]
        assert all(not entries for kind in changes.values() for entries in kind.values())
        assert again["merge"]["id"] == first["merge"]["id"] + 1

    def test_a_team_edit_shows_up_in_the_next_merge_with_a_report_of_the_change(
        self, demo: Workspace, facilitator: APIClient
    ) -> None:
        first = merged(facilitator, demo)
        queue = demo_step("Waits in the phone queue")
        participant = client_of("participant")  # Consumer Service Centre team
        response = participant.patch(f"/api/v1/steps/{queue.pk}/", {"title": "Waits 20 minutes"})
        assert response.status_code == 200
        notices = demo_step("Notices an off taste and looks for help")
        assert participant.delete(f"/api/v1/steps/{notices.pk}/").status_code == 204
        created = participant.post(
            "/api/v1/steps/",
            {
                "blueprint": queue.blueprint_id,
                "lane": queue.lane_id,
                "phase": queue.phase_id,
                "title": "Hangs up and writes an e-mail",
            },
        )
        assert created.status_code == 201

        again = merged(facilitator, demo)
        before, after = global_step_of(first, queue.pk), global_step_of(again, queue.pk)
        assert after["id"] == before["id"]
        assert after["title"] == "Waits 20 minutes" and after["version"] == before["version"] + 1
        changes = again["merge"]["changes"]["steps"]
        assert changes["updated"] == [
            {
                "id": before["id"],
                "name": "Waits 20 minutes",
                "fields": {
                    "title": {"before": "Waits in the phone queue", "after": "Waits 20 minutes"}
                },
            }
        ]
        removed = global_step_of(first, notices.pk)
        assert changes["removed"] == [{"id": removed["id"], "name": removed["title"]}]
        added = global_step_of(again, created.json()["id"])
        assert changes["added"] == [{"id": added["id"], "name": "Hangs up and writes an e-mail"}]
        assert not Step.objects.filter(pk=removed["id"]).exists()

    def test_a_facilitator_edit_on_the_global_blueprint_survives_a_re_merge(
        self, demo: Workspace, facilitator: APIClient
    ) -> None:
        first = merged(facilitator, demo)
        queue = demo_step("Waits in the phone queue")
        target = global_step_of(first, queue.pk)
        edit = {"title": "Waits too long in the queue", "emotion": -2}
        assert facilitator.patch(f"/api/v1/steps/{target['id']}/", edit).status_code == 200
        # The team changes the same title and the description: the title stays the facilitator's.
        client_of("participant").patch(
            f"/api/v1/steps/{queue.pk}/", {"title": "Waits in a queue", "description": "Music."}
        )

        again = merged(facilitator, demo)
        step = global_step_of(again, queue.pk)
        assert step["id"] == target["id"]
        assert (step["title"], step["emotion"], step["description"]) == (
            "Waits too long in the queue",
            -2,
            "Music.",
        )
        preserved = again["merge"]["preserved"]
        assert {"type": "step", "id": target["id"], "fields": ["title"]} in preserved
        assert merged(facilitator, demo)["steps"] == again["steps"]

    def test_a_merged_step_deleted_from_the_global_blueprint_stays_deleted(
        self, demo: Workspace, facilitator: APIClient
    ) -> None:
        first = merged(facilitator, demo)
        queue = demo_step("Waits in the phone queue")
        target = global_step_of(first, queue.pk)
        assert facilitator.delete(f"/api/v1/steps/{target['id']}/").status_code == 204

        again = merged(facilitator, demo)
        assert all(queue.pk not in step["sources"] for step in again["steps"])
        assert len(again["steps"]) == len(first["steps"]) - 1
        assert again["merge"]["dismissed"] == [target["title"]]
        # The team's own step is untouched, and the next merge changes nothing more.
        assert Step.objects.filter(pk=queue.pk).exists()
        assert merged(facilitator, demo)["steps"] == again["steps"]

    def test_undoing_the_delete_brings_the_merged_step_back_for_good(
        self, demo: Workspace, facilitator: APIClient
    ) -> None:
        first = merged(facilitator, demo)
        queue = demo_step("Waits in the phone queue")
        target = global_step_of(first, queue.pk)
        blueprint = first["id"]
        facilitator.delete(f"/api/v1/steps/{target['id']}/")
        assert facilitator.post(f"/api/v1/blueprints/{blueprint}/undo/").status_code == 200

        again = merged(facilitator, demo)
        back = [step for step in again["steps"] if queue.pk in step["sources"]]
        assert [step["id"] for step in back] == [target["id"]]
        assert len(again["steps"]) == len(first["steps"])
        assert again["merge"]["dismissed"] == []

    def test_rows_added_by_hand_on_the_global_blueprint_stay(
        self, demo: Workspace, facilitator: APIClient
    ) -> None:
        first = merged(facilitator, demo)
        blueprint = first["id"]
        phase = facilitator.post(
            "/api/v1/phases/", {"blueprint": blueprint, "name": "Insight", "position": 1}
        ).json()
        lane = facilitator.post(
            "/api/v1/lanes/",
            {"blueprint": blueprint, "name": "Data office", "band": "support", "position": 0},
        ).json()
        first_cell = first["steps"][0]
        note = facilitator.post(
            "/api/v1/steps/",
            {
                "blueprint": blueprint,
                "lane": first_cell["lane"],
                "phase": first_cell["phase"],
                "title": "Ask Legal about retention",
                "kind": "note",
                "position": 0,
            },
        ).json()
        elsewhere = facilitator.post(
            "/api/v1/steps/",
            {
                "blueprint": blueprint,
                "lane": lane["id"],
                "phase": phase["id"],
                "title": "Dashboards",
            },
        ).json()

        again = merged(facilitator, demo)
        by_id = {step["id"]: step for step in again["steps"]}
        assert by_id[note["id"]]["sources"] == [] and by_id[note["id"]]["position"] == 0
        assert by_id[elsewhere["id"]]["lane"] == lane["id"]
        assert [p["id"] for p in again["phases"]][1] == phase["id"]
        assert again["lanes"][0]["id"] == lane["id"]
        assert without_report(merged(facilitator, demo)) == without_report(again)

    def test_a_step_moved_by_hand_stays_where_the_facilitator_put_it(
        self, demo: Workspace, facilitator: APIClient
    ) -> None:
        first = merged(facilitator, demo)
        queue = demo_step("Waits in the phone queue")
        target = global_step_of(first, queue.pk)
        other_phase = next(p["id"] for p in first["phases"] if p["id"] != target["phase"])
        moved = facilitator.patch(f"/api/v1/steps/{target['id']}/", {"phase": other_phase})
        assert moved.status_code == 200
        again = merged(facilitator, demo)
        assert global_step_of(again, queue.pk)["phase"] == other_phase
        assert {"type": "step", "id": target["id"], "fields": ["phase"]} in again["merge"][
            "preserved"
        ]

    def test_the_global_order_follows_the_teams_and_keeps_hand_made_cards_in_place(
        self, demo: Workspace, facilitator: APIClient
    ) -> None:
        queue = demo_step("Waits in the phone queue")
        notices = demo_step("Notices an off taste and looks for help")
        first = merged(facilitator, demo)
        cell = global_step_of(first, queue.pk)
        lane, phase = cell["lane"], cell["phase"]
        assert cell_titles(first, lane, phase) == [notices.title, queue.title]
        note = facilitator.post(
            "/api/v1/steps/",
            {"blueprint": first["id"], "lane": lane, "phase": phase, "title": "Ask", "position": 1},
        ).json()
        participant = client_of("participant")
        reorder = {"lane": queue.lane_id, "phase": queue.phase_id, "order": [queue.pk, notices.pk]}
        assert participant.post("/api/v1/steps/reorder/", reorder).status_code == 200
        participant.post(
            "/api/v1/steps/",
            {
                "blueprint": queue.blueprint_id,
                "lane": queue.lane_id,
                "phase": queue.phase_id,
                "title": "Gives up",
            },
        )

        again = merged(facilitator, demo)
        # The teams' order wins; the hand-made card stays behind the card it followed.
        assert cell_titles(again, lane, phase) == [queue.title, notices.title, "Ask", "Gives up"]
        assert global_step_of(again, queue.pk)["id"] == cell["id"]
        assert next(s for s in again["steps"] if s["id"] == note["id"])["sources"] == []

    def test_likely_matches_are_suggested_and_not_merged(
        self, demo: Workspace, facilitator: APIClient
    ) -> None:
        notices, similar = suggestion_setup(facilitator, demo)
        body = merged(facilitator, demo)
        suggestion = next(s for s in body["merge"]["suggestions"] if s["steps"][0] == notices.pk)
        assert suggestion["steps"] == [notices.pk, similar.pk]
        assert suggestion["global_steps"] == [
            global_step_of(body, notices.pk)["id"],
            global_step_of(body, similar.pk)["id"],
        ]
        assert 0.85 <= suggestion["score"] <= 1
        assert global_step_of(body, notices.pk) != global_step_of(body, similar.pk)

    def test_a_phase_mapping_merges_a_team_phase_into_a_global_phase(
        self, demo: Workspace, facilitator: APIClient
    ) -> None:
        before = merged(facilitator, demo)
        intake = Phase.objects.get(blueprint__kind="team", name="Intake")
        facilitator.post(
            f"/api/v1/workspaces/{demo.pk}/phase-mappings/", {"phase": intake.pk, "name": "contact"}
        )
        after = merged(facilitator, demo)
        assert len(after["phases"]) == len(before["phases"]) - 1
        reports = demo_step("Reports a foreign body in a can")
        notices = demo_step("Notices an off taste and looks for help")
        assert (
            global_step_of(after, reports.pk)["phase"] == global_step_of(after, notices.pk)["phase"]
        )
        removed = after["merge"]["changes"]["phases"]["removed"]
        assert [entry["name"] for entry in removed] == ["Intake"]

    def test_an_accepted_suggestion_merges_the_two_steps(
        self, demo: Workspace, facilitator: APIClient
    ) -> None:
        notices, similar = suggestion_setup(facilitator, demo)
        first = merged(facilitator, demo)
        kept = global_step_of(first, notices.pk)
        response = facilitator.post(
            f"/api/v1/workspaces/{demo.pk}/merge-decisions/",
            {"steps": [similar.pk, notices.pk], "verdict": "accepted"},
        )
        assert response.status_code == 201
        assert response.json()["steps"] == [notices.pk, similar.pk]

        body = merged(facilitator, demo)
        step = global_step_of(body, notices.pk)
        assert step["sources"] == [notices.pk, similar.pk] and step["id"] == kept["id"]
        assert all(s["steps"] != [notices.pk, similar.pk] for s in body["merge"]["suggestions"])
        conflicts = [c for c in body["merge"]["conflicts"] if c["step"] == step["id"]]
        assert {c["field"] for c in conflicts} == {"kind", "emotion"}  # touchpoint, default emotion

    def test_a_rejected_suggestion_is_never_suggested_again(
        self, demo: Workspace, facilitator: APIClient
    ) -> None:
        notices, similar = suggestion_setup(facilitator, demo)
        response = facilitator.post(
            f"/api/v1/workspaces/{demo.pk}/merge-decisions/",
            {"steps": [notices.pk, similar.pk], "verdict": "rejected"},
        )
        assert response.status_code == 201
        body = merged(facilitator, demo)
        assert all(notices.pk not in s["steps"] for s in body["merge"]["suggestions"])
        assert global_step_of(body, notices.pk) != global_step_of(body, similar.pk)

        decision = response.json()["id"]
        url = f"/api/v1/workspaces/{demo.pk}/merge-decisions/{decision}/"
        assert facilitator.delete(url).status_code == 204
        body = merged(facilitator, demo)
        assert any(s["steps"] == [notices.pk, similar.pk] for s in body["merge"]["suggestions"])

    def test_a_new_verdict_on_the_same_pair_replaces_the_old_one(
        self, demo: Workspace, facilitator: APIClient
    ) -> None:
        notices, similar = suggestion_setup(facilitator, demo)
        url = f"/api/v1/workspaces/{demo.pk}/merge-decisions/"
        facilitator.post(url, {"steps": [notices.pk, similar.pk], "verdict": "rejected"})
        response = facilitator.post(url, {"steps": [similar.pk, notices.pk], "verdict": "accepted"})
        assert response.status_code == 200 and response.json()["verdict"] == "accepted"
        assert MergeDecision.objects.get().verdict == "accepted"
        listing = facilitator.get(url).json()
        assert listing["count"] == 1 and listing["results"][0]["steps"] == [notices.pk, similar.pk]

    def test_the_last_report_can_be_read_again(
        self, demo: Workspace, facilitator: APIClient
    ) -> None:
        url = f"/api/v1/workspaces/{demo.pk}/merge/"
        response = facilitator.get(url)
        assert response.status_code == 404 and response.json() == {"detail": NOT_MERGED_YET}
        body = merged(facilitator, demo)
        assert facilitator.get(url).json() == body["merge"]
        assert client_of("manager").get(url).json() == body["merge"]

    def test_a_re_merge_with_nothing_changed_takes_few_queries(
        self, demo: Workspace, facilitator: APIClient, django_assert_max_num_queries: Any
    ) -> None:
        merged(facilitator, demo)
        with django_assert_max_num_queries(40):
            merged(facilitator, demo)


def test_conflicts_list_the_values_of_every_source(world: World) -> None:
    world.glob.blueprint.delete()  # its hand-made cards would be adopted with their values
    Step.objects.filter(pk=world.a.step.pk).update(emotion=-2)
    Step.objects.filter(pk=world.b.step.pk).update(emotion=1, channel=world.channel)
    body = merged(world.client("facilitator"), world.workspace)
    step = global_step_of(body, world.a.step.pk)
    assert step["sources"] == [world.a.step.pk, world.b.step.pk]
    assert body["merge"]["conflicts"] == [
        {
            "step": step["id"],
            "title": "Calls about a flat bottle",
            "field": "emotion",
            "chosen": -2,
            "values": [
                {"source": world.a.step.pk, "team": world.team_a.pk, "value": -2},
                {"source": world.b.step.pk, "team": world.team_b.pk, "value": 1},
            ],
        }
    ]  # only one team names a channel: that is no conflict
    assert step["channel"] == world.channel.pk


def test_editing_the_field_on_the_global_step_settles_its_conflict(world: World) -> None:
    world.glob.blueprint.delete()
    Step.objects.filter(pk=world.a.step.pk).update(emotion=-2, kind="action")
    Step.objects.filter(pk=world.b.step.pk).update(emotion=1, kind="pain_point")
    facilitator = world.client("facilitator")
    path = f"/api/v1/workspaces/{world.workspace.pk}/merge/"
    step = global_step_of(merged(facilitator, world.workspace), world.a.step.pk)
    assert step["emotion"] == -2 and step["kind"] == "action"
    edit = {"emotion": 1, "title": "Calls about a bottle", "version": step["version"]}
    assert facilitator.patch(f"/api/v1/steps/{step['id']}/", edit).status_code == 200

    # Settled at once, before any re-merge; the kind conflict stays open, as the card is now.
    for body in (facilitator.get(path).json(), merged(facilitator, world.workspace)["merge"]):
        assert [(c["field"], c["title"], c["chosen"]) for c in body["conflicts"]] == [
            ("kind", "Calls about a bottle", "action")
        ]
    assert Step.objects.get(pk=step["id"]).emotion == 1

    # A newer disagreement on the other field reopens nothing that was settled.
    Step.objects.filter(pk=world.b.step.pk).update(emotion=2)
    assert [c["field"] for c in merged(facilitator, world.workspace)["merge"]["conflicts"]] == [
        "kind"
    ]


def test_the_merged_global_blueprint_is_named_in_the_reader_language(world: World) -> None:
    world.glob.blueprint.delete()
    facilitator = world.client("facilitator")
    glob = merged(facilitator, world.workspace)
    assert glob["title"] == "Global blueprint"
    path = f"/api/v1/blueprints/{glob['id']}/"
    portuguese = facilitator.get(path, headers={"accept-language": "pt-br"}).json()
    assert portuguese["title"] == "Blueprint global"
    blank = facilitator.patch(path, {"title": "", "version": glob["version"]})
    assert blank.status_code == 400 and "title" in blank.json()
    typed = {"title": "Global blueprint", "version": glob["version"]}
    assert facilitator.patch(path, typed).status_code == 200  # typed: kept as typed
    assert facilitator.get(path, headers={"accept-language": "pt-br"}).json()["title"] == (
        "Global blueprint"
    )
    merged(facilitator, world.workspace)
    assert Blueprint.objects.get(pk=glob["id"]).title == "Global blueprint"


def test_rows_made_by_hand_are_adopted_rather_than_doubled(world: World) -> None:
    Step.objects.filter(pk=world.a.step.pk).update(description="From team A")
    body = merged(world.client("facilitator"), world.workspace)
    assert body["id"] == world.glob.blueprint.pk
    assert [phase["id"] for phase in body["phases"]] == [
        world.glob.phase.pk,
        Phase.objects.get(blueprint=world.glob.blueprint, name="Resolution").pk,
    ]
    step = global_step_of(body, world.a.step.pk)
    assert step["id"] == world.glob.step.pk and step["lane"] == world.glob.lane.pk
    assert step["sources"] == [world.a.step.pk, world.b.step.pk]
    assert step["description"] == ""  # what the facilitator wrote (nothing) stays theirs
    # The hand-made "Quality analyst" lane has no actor: the teams' lane (with one) is another.
    analysts = [lane for lane in body["lanes"] if lane["name"] == "Quality analyst"]
    assert [lane["actor"] for lane in analysts] == [None, world.actor.pk]
    checks = global_step_of(body, world.a.other_step.pk)
    assert checks["id"] != world.glob.other_step.pk and checks["lane"] == analysts[1]["id"]
    links = {(link["source"], link["target"]): link["id"] for link in body["links"]}
    assert links == {
        (world.glob.step.pk, world.glob.other_step.pk): world.glob.link.pk,
        (world.glob.step.pk, checks["id"]): links[(world.glob.step.pk, checks["id"])],
    }


def test_a_phase_the_teams_dropped_goes_unless_something_is_left_in_it(world: World) -> None:
    client = world.client("facilitator")
    for parts in (world.a, world.b):
        factories.make_step(parts.lane, factories.make_phase(parts.blueprint, "Survey"), "Rates")
    body = merged(client, world.workspace)
    survey = next(phase for phase in body["phases"] if phase["name"] == "Survey")
    client.post(
        "/api/v1/steps/",
        {
            "blueprint": body["id"],
            "lane": body["lanes"][0]["id"],
            "phase": survey["id"],
            "title": "Ours",
        },
    )
    Phase.objects.filter(name="Survey", blueprint__kind="team").delete()
    body = merged(client, world.workspace)
    assert survey["id"] in [phase["id"] for phase in body["phases"]]
    assert body["merge"]["changes"]["phases"]["kept"] == [{"id": survey["id"], "name": "Survey"}]
    Step.objects.filter(title="Ours").delete()
    body = merged(client, world.workspace)
    assert survey["id"] not in [phase["id"] for phase in body["phases"]]
    assert body["merge"]["changes"]["phases"]["removed"] == [{"id": survey["id"], "name": "Survey"}]


def test_a_workspace_without_team_blueprints_merges_into_an_empty_global_blueprint(
    world: World,
) -> None:
    client = world.client("facilitator")
    merged(client, world.workspace)
    Blueprint.objects.filter(workspace=world.workspace, kind="team").delete()
    body = merged(client, world.workspace)
    # Only what the facilitator made by hand is left.
    assert [step["id"] for step in body["steps"]] == [world.glob.other_step.pk]
    assert body["merge"]["counts"] == {
        "phases": 0, "lanes": 0, "steps": 0, "links": 0, "sources": 0
    }  # fmt: skip


# --- access --------------------------------------------------------------------------------

MERGE_ACCESS = {
    "facilitator": 200,
    "alice": 403,
    "bob": 403,
    "manager": 403,
    "outsider": 404,
    "anonymous": 401,
}


@pytest.mark.parametrize(("who", "status"), MERGE_ACCESS.items())
def test_only_facilitators_merge(world: World, who: str, status: int) -> None:
    response = world.client(who).post(f"/api/v1/workspaces/{world.workspace.pk}/merge/")
    assert response.status_code == status
    if status == 403:
        assert response.json() == {"detail": FACILITATORS_ONLY}
    merged_runs = world.workspace.merge_runs.count()
    assert merged_runs == (1 if status == 200 else 0)


@pytest.mark.parametrize(
    ("who", "status"),
    {"facilitator": 200, "alice": 200, "manager": 200, "outsider": 404, "anonymous": 401}.items(),
)
def test_members_read_the_last_report(world: World, who: str, status: int) -> None:
    merged(world.client("facilitator"), world.workspace)
    url = f"/api/v1/workspaces/{world.workspace.pk}/merge/"
    assert world.client(who).get(url).status_code == status


@pytest.mark.parametrize(("who", "status"), {**MERGE_ACCESS, "facilitator": 201}.items())
def test_only_facilitators_decide(world: World, who: str, status: int) -> None:
    pair = [world.a.step.pk, world.b.other_step.pk]
    response = world.client(who).post(
        f"/api/v1/workspaces/{world.workspace.pk}/merge-decisions/",
        {"steps": pair, "verdict": "rejected"},
    )
    assert response.status_code == status
    mapping = world.client(who).post(
        f"/api/v1/workspaces/{world.workspace.pk}/phase-mappings/",
        {"phase": world.a.phase.pk, "name": "First contact"},
    )
    assert mapping.status_code == status
    assert MergeDecision.objects.count() == PhaseMapping.objects.count() == (status == 201)


def test_decisions_of_another_workspace_stay_hidden(world: World) -> None:
    client = world.client("facilitator")
    url = f"/api/v1/workspaces/{world.workspace.pk}/merge-decisions/"
    decision = client.post(
        url, {"steps": [world.a.step.pk, world.b.step.pk], "verdict": "accepted"}
    ).json()
    outsider = world.client("outsider")
    assert outsider.get(url).status_code == 404
    assert outsider.get(f"{url}{decision['id']}/").status_code == 404
    assert outsider.delete(f"{url}{decision['id']}/").status_code == 404
    assert world.client("manager").delete(f"{url}{decision['id']}/").status_code == 403
    assert world.client("alice").get(f"{url}{decision['id']}/").json() == decision


# --- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "steps",
    [[], [1], "a", [None, 2], [1, 2, 3], [2**63, 1], [-1, 2]],
    ids=["none", "one", "text", "null", "three", "huge", "negative"],
)
def test_a_decision_needs_two_step_ids(world: World, steps: Any) -> None:
    response = world.client("facilitator").post(
        f"/api/v1/workspaces/{world.workspace.pk}/merge-decisions/",
        {"steps": steps, "verdict": "accepted"},
        format="json",
    )
    assert response.status_code == 400 and "steps" in response.json()


def test_a_decision_names_two_different_team_steps_of_the_workspace(world: World) -> None:
    url = f"/api/v1/workspaces/{world.workspace.pk}/merge-decisions/"
    client = world.client("facilitator")
    other = factories.make_workspace("Other")
    blueprint = factories.make_blueprint(other, factories.make_team(other, "T"))
    foreign = factories.make_step(factories.make_lane(blueprint), factories.make_phase(blueprint))
    cases = {
        "same": [world.a.step.pk, world.a.step.pk],
        "global": [world.a.step.pk, world.glob.step.pk],
        "foreign": [world.a.step.pk, foreign.pk],
        "unknown": [world.a.step.pk, 10**12],
    }
    for steps in cases.values():
        response = client.post(url, {"steps": steps, "verdict": "accepted"}, format="json")
        assert response.status_code == 400 and list(response.json()) == ["steps"]
    bad_verdict = client.post(
        url, {"steps": [world.a.step.pk, world.b.step.pk], "verdict": "maybe"}
    )
    assert bad_verdict.status_code == 400 and list(bad_verdict.json()) == ["verdict"]
    assert MergeDecision.objects.count() == 0


def test_a_phase_mapping_names_a_team_phase_and_a_name(world: World) -> None:
    url = f"/api/v1/workspaces/{world.workspace.pk}/phase-mappings/"
    client = world.client("facilitator")
    cases = [
        ({"phase": world.glob.phase.pk, "name": "Contact"}, "phase"),
        ({"phase": 10**12, "name": "Contact"}, "phase"),
        ({"phase": "x", "name": "Contact"}, "phase"),
        ({"phase": world.a.phase.pk, "name": "   "}, "name"),
        ({"phase": world.a.phase.pk, "name": "x" * 121}, "name"),
        ({"phase": world.a.phase.pk}, "name"),
    ]
    for payload, field in cases:
        response = client.post(url, payload, format="json")
        assert response.status_code == 400 and field in response.json(), payload
    assert PhaseMapping.objects.count() == 0
    ok = client.post(url, {"phase": world.a.phase.pk, "name": "First contact"})
    assert ok.status_code == 201
    again = client.post(url, {"phase": world.a.phase.pk, "name": "Contact"})
    assert again.status_code == 200 and again.json()["id"] == ok.json()["id"]


@pytest.mark.parametrize("path", ["merge/", "merge-decisions/", "phase-mappings/"])
def test_unknown_workspaces_answer_404(world: World, path: str) -> None:
    client = world.client("facilitator")
    for workspace in (10**12, 999999999999999999):
        assert client.get(f"/api/v1/workspaces/{workspace}/{path}").status_code == 404
