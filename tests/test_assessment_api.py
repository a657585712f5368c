"""The data-practice assessment and the audit over HTTP: who reads them, who dismisses."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from blueprints.models import FindingDismissal
from tests import factories
from tests.conftest import World

pytestmark = pytest.mark.django_db


def practices_url(world: World, **query: str) -> str:
    url = f"/api/v1/blueprints/{world.a.blueprint.pk}/data-practices.json"
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def audit_url(world: World, lang: str = "") -> str:
    return f"/api/v1/blueprints/{world.a.blueprint.pk}/audit.json" + (
        f"?lang={lang}" if lang else ""
    )


def dismissals_url(world: World) -> str:
    return f"/api/v1/blueprints/{world.a.blueprint.pk}/audit/dismissals/"


def plant_phone_collection(world: World) -> None:
    """Team A's customer collects data on WhatsApp that nobody records anywhere."""
    a = world.a
    a.step.channel = world.channel
    a.step.data_stage = "collected"
    a.step.data_captured = "Name, batch code"
    a.step.save(update_fields=["channel", "data_stage", "data_captured"])


def finding_of(world: World, rule: str) -> dict:
    findings = world.client("facilitator").get(audit_url(world)).json()["findings"]
    return next(finding for finding in findings if finding["rule"] == rule)


@pytest.mark.parametrize("who", ["facilitator", "alice", "bob", "manager"])
def test_every_member_reads_both(world: World, who: str) -> None:
    client = world.client(who)
    assert client.get(practices_url(world)).status_code == 200
    assert client.get(audit_url(world)).status_code == 200


@pytest.mark.parametrize(("who", "status"), [("outsider", 404), ("anonymous", 401)])
def test_others_read_nothing(world: World, who: str, status: int) -> None:
    client = world.client(who)
    assert client.get(practices_url(world)).status_code == status
    assert client.get(audit_url(world)).status_code == status


def test_an_unknown_blueprint_is_not_found(world: World) -> None:
    client = world.client("facilitator")
    assert client.get("/api/v1/blueprints/999999999/audit.json").status_code == 404


def test_the_matrix_gaps_and_systems(world: World) -> None:
    plant_phone_collection(world)
    body = world.client("manager").get(practices_url(world)).json()
    assert [stage["stage"] for stage in body["stages"]] == [
        "planned",
        "collected",
        "recorded",
        "synthesised",
        "communicated",
    ]
    [row] = body["channels"]
    assert row["channel"] == world.channel.pk and row["name"] == "WhatsApp"
    assert row["stages"]["collected"] == [world.a.step.pk] and row["covered"] == 1
    kinds = {(gap["kind"], gap["channel"]) for gap in body["gaps"]}
    assert kinds == {
        ("not_planned", world.channel.pk),
        ("collected_not_recorded", world.channel.pk),
        ("captured_without_system", world.channel.pk),
    }
    gap = next(gap for gap in body["gaps"] if gap["kind"] == "collected_not_recorded")
    assert gap["message"] == "WhatsApp: consumer data is collected, but no step records it."
    assert gap["steps"] == [world.a.step.pk] and gap["advice"]
    assert body["systems"] == [] and body["teams"] == []


def test_messages_follow_the_language(world: World) -> None:
    plant_phone_collection(world)
    body = world.client("manager").get(practices_url(world, lang="es")).json()
    gap = next(gap for gap in body["gaps"] if gap["kind"] == "collected_not_recorded")
    assert gap["message"].startswith("WhatsApp: ") and "collected" not in gap["message"]
    assert body["stages"][1]["label"] == "Recogido"
    audit = world.client("manager").get(audit_url(world, lang="it")).json()
    phase = next(f for f in audit["findings"] if f["rule"] == "phase_without_customer_action")
    assert "Resolution" in phase["message"] and "customer" not in phase["message"]


def test_a_global_blueprint_compares_teams(world: World) -> None:
    glob = world.glob
    glob.step.channel = world.channel
    glob.step.data_stage = "collected"
    glob.step.save(update_fields=["channel", "data_stage"])
    glob.step.sources.set([world.a.step, world.b.step])
    url = f"/api/v1/blueprints/{glob.blueprint.pk}/data-practices.json"
    body = world.client("manager").get(url).json()
    assert body["channels"][0]["teams"]["collected"] == ["Quality", "Service centre"]
    assert {team["team"]: team["covered"] for team in body["teams"]} == {
        "Quality": 1,
        "Service centre": 1,
    }


def test_the_audit_finds_what_team_a_left_open(world: World) -> None:
    body = world.client("manager").get(audit_url(world)).json()
    found = {(f["rule"], tuple(f["steps"]), tuple(f["phases"])) for f in body["findings"]}
    a = world.a
    resolution = a.blueprint.phases.get(name="Resolution").pk
    assert found == {
        ("phase_without_customer_action", (), (resolution,)),
        ("customer_action_without_response", (a.step.pk,), (a.phase.pk,)),
        ("band_crossing", (a.step.pk, a.other_step.pk), (a.phase.pk,)),
    }
    assert body["open"] == 3 and body["dismissed"] == 0
    assert [rule["rule"] for rule in body["rules"]][:2] == [
        "phase_without_customer_action",
        "customer_action_without_response",
    ]


@pytest.mark.parametrize("which", ["audit", "practices", "page"])
def test_reading_takes_a_fixed_number_of_queries(world: World, which: str) -> None:
    address = {
        "audit": audit_url(world),
        "practices": practices_url(world),
        "page": f"/blueprints/{world.a.blueprint.pk}/assessment/?fragment=1",
    }[which]
    client = world.client("manager")
    if which == "page":
        client.force_login(world.people["manager"])
    client.get(address)
    with CaptureQueriesContext(connection) as small:
        assert client.get(address).status_code == 200
    backstage = world.a.other_step.lane
    for index in range(20):
        step = factories.make_step(
            backstage, world.a.phase, f"Logs call {index}", data_stage="recorded",
            data_captured="Name, batch code", data_recorded_in=f"System {index % 3}",
        )  # fmt: skip
        factories.make_link(world.a.step, step, kind="information")
    with CaptureQueriesContext(connection) as large:
        assert client.get(address).status_code == 200
    assert len(large) == len(small)


def test_a_team_member_dismisses_a_finding_with_a_reason(world: World) -> None:
    finding = finding_of(world, "band_crossing")
    body = {"rule": "band_crossing", "key": finding["key"], "reason": "Automatic e-mail."}
    answer = world.client("alice").post(dismissals_url(world), body)
    assert answer.status_code == 201, answer.json()
    assert answer.json()["reason"] == "Automatic e-mail." and answer.json()["by"] == "alice"
    stored = FindingDismissal.objects.get()
    assert (stored.rule, stored.key, stored.dismissed_by) == (
        "band_crossing",
        finding["key"],
        world.people["alice"],
    )
    shown = finding_of(world, "band_crossing")
    assert shown["dismissed"]["reason"] == "Automatic e-mail."
    report = world.client("manager").get(audit_url(world)).json()
    assert (report["open"], report["dismissed"]) == (2, 1)


def test_dismissing_again_rewords_the_reason(world: World) -> None:
    finding = finding_of(world, "band_crossing")
    client = world.client("facilitator")
    body = {"rule": "band_crossing", "key": finding["key"], "reason": "First."}
    assert client.post(dismissals_url(world), body).status_code == 201
    body["reason"] = "Second."
    assert client.post(dismissals_url(world), body).status_code == 200
    assert FindingDismissal.objects.get().reason == "Second."


@pytest.mark.parametrize(("who", "status"), [("manager", 403), ("bob", 403), ("outsider", 404)])
def test_only_those_who_may_change_the_blueprint_dismiss(
    world: World, who: str, status: int
) -> None:
    finding = finding_of(world, "band_crossing")
    body = {"rule": "band_crossing", "key": finding["key"], "reason": "No."}
    assert world.client(who).post(dismissals_url(world), body).status_code == status
    assert not FindingDismissal.objects.exists()


def test_anonymous_dismisses_nothing(world: World) -> None:
    body = {"rule": "band_crossing", "key": "x", "reason": "No."}
    assert world.client("anonymous").post(dismissals_url(world), body).status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"rule": "band_crossing", "key": "link:999999-1-handoff", "reason": "x"}, "key"),
        ({"rule": "no_such_rule", "key": "phase:1", "reason": "x"}, "rule"),
        ({"rule": "band_crossing", "key": "{key}", "reason": "   "}, "reason"),
        ({"rule": "band_crossing", "key": "{key}"}, "reason"),
        ({"rule": "band_crossing", "key": "{key}", "reason": "x" * 1001}, "reason"),
    ],
)
def test_bad_dismissals_say_what_is_wrong(world: World, body: dict, field: str) -> None:
    finding = finding_of(world, "band_crossing")
    body = {name: value.replace("{key}", finding["key"]) for name, value in body.items()}
    answer = world.client("facilitator").post(dismissals_url(world), body)
    assert answer.status_code == 400 and field in answer.json()
    assert not FindingDismissal.objects.exists()


def test_a_dismissal_taken_back_opens_the_finding_again(world: World) -> None:
    finding = finding_of(world, "band_crossing")
    body = {"rule": "band_crossing", "key": finding["key"], "reason": "Fine."}
    dismissal = world.client("alice").post(dismissals_url(world), body).json()
    url = f"{dismissals_url(world)}{dismissal['id']}/"
    assert world.client("manager").delete(url).status_code == 403
    assert world.client("outsider").delete(url).status_code == 404
    assert world.client("alice").delete(url).status_code == 204
    assert finding_of(world, "band_crossing")["dismissed"] is None
    assert world.client("alice").delete(url).status_code == 404


def test_a_dismissal_of_another_blueprint_is_not_found_here(world: World) -> None:
    finding = finding_of(world, "band_crossing")
    body = {"rule": "band_crossing", "key": finding["key"], "reason": "Fine."}
    dismissal = world.client("alice").post(dismissals_url(world), body).json()
    url = f"/api/v1/blueprints/{world.b.blueprint.pk}/audit/dismissals/{dismissal['id']}/"
    assert world.client("facilitator").delete(url).status_code == 404
    assert FindingDismissal.objects.exists()
