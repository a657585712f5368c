"""The lossless blueprint document: `GET …/export.json` and `POST /api/v1/blueprints/import/`.

An export imported back is the same blueprint (phases, lanes, steps with every field, links),
on every demo blueprint and on hostile text; a document with any problem answers 400 naming
it by JSON path, and writes nothing.
"""

import copy
import io
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from rest_framework.test import APIClient

from blueprints import interchange
from blueprints.models import Actor, Blueprint, BlueprintEvent, Channel, Lane, Link, Phase, Step
from tests import factories
from tests.conftest import World

IMPORT = "/api/v1/blueprints/import/"
HOSTILE = [
    "<script>alert(1)</script>",
    '"]; node [label="pwned',
    "Café 🍵 — ☕️👩🏽‍💻",
    "שירות לקוחות — خدمة العملاء",
    "line one\nline two\r\n\tthird",
    "x" * 200,
    "#; : % {{ }} `code` ${var} ' \\",
]


def export_url(blueprint: Blueprint) -> str:
    return f"/api/v1/blueprints/{blueprint.pk}/export.json"


def exported(client: APIClient, blueprint: Blueprint) -> dict[str, Any]:
    response = client.get(export_url(blueprint))
    assert response.status_code == 200, response.content
    return json.loads(response.content)


def canonical(blueprint: Blueprint) -> dict[str, Any]:
    """Everything a blueprint says, with no ids: what a round trip must keep."""
    phases = list(blueprint.phases.order_by("position"))
    lanes = list(blueprint.lanes.select_related("actor").order_by("position"))
    phase_index = {phase.pk: i for i, phase in enumerate(phases)}
    lane_index = {lane.pk: i for i, lane in enumerate(lanes)}
    steps = sorted(
        blueprint.steps.select_related("channel", "actor"),
        key=lambda s: (lane_index[s.lane_id], phase_index[s.phase_id], s.position),
    )
    step_index = {step.pk: i for i, step in enumerate(steps)}
    return {
        "title": blueprint.title,
        "description": blueprint.description,
        "phases": [phase.name for phase in phases],
        "lanes": [
            (lane.name, lane.name_translations, lane.band, lane.actor and lane.actor.name)
            for lane in lanes
        ],
        "steps": [
            {
                "cell": (lane_index[s.lane_id], phase_index[s.phase_id]),
                "title": s.title,
                "description": s.description,
                "kind": s.kind,
                "channel": s.channel and (s.channel.name, s.channel.kind),
                "actor": s.actor and (s.actor.name, s.actor.description),
                "emotion": s.emotion,
                "evidence": s.evidence,
                "data_captured": s.data_captured,
                "data_recorded_in": s.data_recorded_in,
                "data_stage": s.data_stage,
            }
            for s in steps
        ],
        "links": sorted(
            (step_index[link.source_id], step_index[link.target_id], link.kind, link.label)
            for link in blueprint.links.all()
        ),
    }


def import_document(
    client: APIClient, world_or_ids: Any, document: Any, team: Any = None, **extra: Any
) -> Any:
    workspace = world_or_ids.workspace
    team = team or world_or_ids.team_a
    body = {"workspace": workspace.pk, "team": team.pk, "document": document} | extra
    return client.post(IMPORT, body, format="json")


def counts() -> dict[str, int]:
    models = (Blueprint, Phase, Lane, Step, Link, Actor, Channel, BlueprintEvent)
    return {model.__name__: model.objects.count() for model in models}


# --- export -----------------------------------------------------------------------------------


def test_the_export_lists_every_part_by_key_and_names(world: World) -> None:
    document = exported(world.client("manager"), world.a.blueprint)
    assert document["format"] == "frontstage.blueprint"
    assert document["version"] == 1
    assert document["title"] == "A"
    assert [phase["name"] for phase in document["phases"]] == ["Contact", "Resolution"]
    assert [lane["band"] for lane in document["lanes"]] == ["customer", "backstage"]
    assert document["lanes"][1]["actor"] == "Quality analyst"
    assert document["actors"] == [{"name": "Quality analyst", "description": ""}]
    first = document["steps"][0]
    assert first["title"] == "Calls about a flat bottle"
    assert first["lane"] == document["lanes"][0]["key"]
    assert first["phase"] == document["phases"][0]["key"]
    assert document["links"] == [
        {
            "source": first["key"],
            "target": document["steps"][1]["key"],
            "kind": "handoff",
            "label": "",
        }
    ]
    assert document["source"]["blueprint"] == world.a.blueprint.pk


def test_the_export_is_a_file_with_an_etag(world: World) -> None:
    client = world.client("alice")
    response = client.get(export_url(world.a.blueprint) + "?download=1")
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith("attachment;")
    assert ".blueprint.json" in response["Content-Disposition"]
    again = client.get(export_url(world.a.blueprint), HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    factories.make_phase(world.a.blueprint, "Follow-up")
    changed = client.get(export_url(world.a.blueprint), HTTP_IF_NONE_MATCH=response["ETag"])
    assert changed.status_code == 200


@pytest.mark.parametrize(("who", "status"), [("outsider", 404), ("anonymous", 401)])
def test_it_hides_the_export_from_those_who_cannot_read(
    world: World, who: str, status: int
) -> None:
    assert world.client(who).get(export_url(world.a.blueprint)).status_code == status


def test_a_global_blueprint_exports_its_provenance(world: World) -> None:
    world.glob.step.sources.add(world.a.step)
    document = exported(world.client("facilitator"), world.glob.blueprint)
    step = next(s for s in document["steps"] if s["title"] == world.glob.step.title)
    assert step["sources"] == [
        {"step": world.a.step.pk, "title": world.a.step.title, "team": "Service centre"}
    ]


# --- round trips --------------------------------------------------------------------------------


def test_every_demo_blueprint_comes_back_equal(db: None) -> None:
    call_command("seed_demo", stdout=io.StringIO())
    client = APIClient()
    facilitator = factories.User.objects.get(username="facilitator")
    client.force_authenticate(facilitator)
    originals = list(Blueprint.objects.all())
    assert len(originals) >= 5
    for original in originals:
        team = original.team or original.workspace.teams.first()
        document = exported(client, original)
        body = {"workspace": original.workspace_id, "team": team.pk, "document": document}
        response = client.post(IMPORT, body, format="json")
        assert response.status_code == 201, response.content
        copy_ = Blueprint.objects.get(pk=response.json()["id"])
        assert canonical(copy_) == canonical(original) | {"title": original.display_title}
        assert copy_.steps.count() == original.steps.count() > 0


def hostile_blueprint(world: World) -> Blueprint:
    blueprint = factories.make_blueprint(
        world.workspace, world.team_a, title=HOSTILE[0], description=HOSTILE[4]
    )
    phases = [factories.make_phase(blueprint, text[:120]) for text in HOSTILE]
    actor = Actor.objects.create(workspace=world.workspace, name=HOSTILE[1], description=HOSTILE[3])
    channel = Channel.objects.create(workspace=world.workspace, name=HOSTILE[2], kind="social")
    lanes = [
        factories.make_lane(
            blueprint,
            band,
            name=HOSTILE[i][:120],
            actor=actor if i % 2 else None,
            name_translations={"es": HOSTILE[3], "pt-br": HOSTILE[2]},
        )  # fmt: skip
        for i, band in enumerate(["evidence", "customer", "frontstage", "backstage", "support"])
    ]
    steps = []
    for i, text in enumerate(HOSTILE):
        for lane in lanes[i % 2 : i % 2 + 2]:
            steps.append(
                factories.make_step(
                    lane,
                    phases[i],
                    text,
                    description=HOSTILE[(i + 1) % len(HOSTILE)],
                    kind=["action", "touchpoint", "pain_point", "opportunity", "data", "note"][
                        i % 6
                    ],
                    channel=channel if i % 2 else None,
                    actor=actor if i % 3 == 0 else None,
                    emotion=(i % 5) - 2,
                    evidence=["observed", "assumed", "proposed"][i % 3],
                    data_captured=text[:500],
                    data_recorded_in=text[:200],
                    data_stage=["", "planned", "collected", "recorded"][i % 4],
                )  # fmt: skip
            )
    for i, (source, target) in enumerate(zip(steps, steps[1:], strict=False)):
        factories.make_link(source, target, ["handoff", "trigger"][i % 2], HOSTILE[i % 7][:120])
    return blueprint


def test_hostile_text_comes_back_exactly(world: World) -> None:
    original = hostile_blueprint(world)
    client = world.client("alice")
    document = exported(client, original)
    response = import_document(client, world, document)
    assert response.status_code == 201, response.content
    copy_ = Blueprint.objects.get(pk=response.json()["id"])
    assert canonical(copy_) == canonical(original)
    # The same actor and channel, matched by name rather than made twice.
    assert Actor.objects.filter(name=HOSTILE[1]).count() == 1
    assert Channel.objects.filter(name=HOSTILE[2]).count() == 1


def test_the_import_is_recorded_as_the_blueprint_s_creation(world: World) -> None:
    response = import_document(
        world.client("alice"), world, exported(world.client("alice"), world.a.blueprint)
    )
    event = BlueprintEvent.objects.get(blueprint_id=response.json()["id"])
    assert (event.seq, event.kind, event.actor) == (1, "blueprint.created", world.people["alice"])
    assert event.after["id"] == response.json()["id"]
    assert response["Location"].endswith(f"/api/v1/blueprints/{event.blueprint_id}/")


def test_it_takes_another_title_and_a_json_file(world: World) -> None:
    document = exported(world.client("alice"), world.a.blueprint)
    upload = SimpleUploadedFile(
        "a.blueprint.json", json.dumps(document).encode("utf-8-sig"), "application/json"
    )
    body = {
        "workspace": world.workspace.pk,
        "team": world.team_a.pk,
        "title": "Copy of A",
        "document": upload,
    }
    response = world.client("alice").post(IMPORT, body, format="multipart")
    assert response.status_code == 201, response.content
    assert response.json()["title"] == "Copy of A"


def test_actors_and_channels_match_by_name_or_are_created(world: World) -> None:
    document = exported(world.client("facilitator"), world.a.blueprint)
    document["lanes"][1]["actor"] = "quality ANALYST"
    document["steps"][0] |= {"actor": "Sommelier", "channel": "whatsapp"}
    document["steps"][1] |= {"channel": "Carrier pigeon"}
    document["channels"] = [{"name": "Carrier pigeon", "kind": "other"}]
    document["actors"] = [{"name": "Sommelier", "description": "Tastes the batch."}]
    response = import_document(world.client("facilitator"), world, document)
    assert response.status_code == 201, response.content
    blueprint = Blueprint.objects.get(pk=response.json()["id"])
    lane = blueprint.lanes.get(band="backstage")
    assert lane.actor == world.actor
    first, second = blueprint.steps.order_by("lane__position")
    assert first.channel == world.channel
    assert first.actor.description == "Tastes the batch."
    assert second.channel.name == "Carrier pigeon"
    assert Actor.objects.filter(workspace=world.workspace).count() == 2


# --- who may import ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "team", "status"),
    [
        ("facilitator", "team_b", 201),
        ("alice", "team_a", 201),
        ("alice", "team_b", 403),
        ("manager", "team_a", 403),
        ("anonymous", "team_a", 401),
    ],
)
def test_who_may_import(world: World, who: str, team: str, status: int) -> None:
    document = exported(world.client("facilitator"), world.a.blueprint)
    before = counts()
    response = import_document(world.client(who), world, document, team=getattr(world, team))
    assert response.status_code == status, response.content
    if status != 201:
        assert counts() == before


def test_an_outsider_cannot_name_a_foreign_workspace_or_team(world: World) -> None:
    document = exported(world.client("facilitator"), world.a.blueprint)
    before = counts()
    response = import_document(world.client("outsider"), world, document)
    assert response.status_code == 400
    assert set(response.json()) == {"workspace", "team"}
    assert counts() == before


def test_the_team_must_be_of_the_workspace(world: World) -> None:
    other = factories.make_workspace("Other", facilitator=[world.people["facilitator"]])
    team = factories.make_team(other, "Elsewhere")
    document = exported(world.client("facilitator"), world.a.blueprint)
    response = import_document(world.client("facilitator"), world, document, team=team)
    assert response.status_code == 400
    assert "team" in response.json()


# --- broken and foreign documents ---------------------------------------------------------------


def broken(document: dict[str, Any], change: Any) -> dict[str, Any]:
    document = copy.deepcopy(document)
    change(document)
    return document


BREAKAGES = [
    (lambda d: d.update(format="bpmn"), "$.format"),
    (lambda d: d.update(version=2), "$.version"),
    (lambda d: d.pop("title"), "$.title"),
    (lambda d: d.update(title="   "), "$.title"),
    (lambda d: d.update(title="t" * 201), "$.title"),
    (lambda d: d.update(phases={"p": 1}), "$.phases"),
    (
        lambda d: d["phases"].append({"key": d["phases"][0]["key"], "name": "Again"}),
        "$.phases[2].key",
    ),
    (lambda d: d["lanes"][0].update(band="onstage"), "$.lanes[0].band"),
    (
        lambda d: d["lanes"][0].update(name_translations={"fr": "Client"}),
        "$.lanes[0].name_translations.fr",
    ),
    (lambda d: d["steps"][1].update(lane="l-nowhere"), "$.steps[1].lane"),
    (lambda d: d["steps"][1].update(phase=["p"]), "$.steps[1].phase"),
    (lambda d: d["steps"][0].update(emotion=3), "$.steps[0].emotion"),
    (lambda d: d["steps"][0].update(emotion=True), "$.steps[0].emotion"),
    (lambda d: d["steps"][0].update(kind="banana"), "$.steps[0].kind"),
    (lambda d: d["steps"][0].update(description="\x00"), "$.steps[0].description"),
    (lambda d: d["steps"][0].update(colour="red"), "$.steps[0].colour"),
    (lambda d: d["steps"][0].update(channel=""), "$.steps[0].channel"),
    (lambda d: d["links"][0].update(target=d["links"][0]["source"]), "$.links[0].target"),
    (lambda d: d["links"].append(dict(d["links"][0])), "$.links[1]"),
    (lambda d: d["links"][0].update(source={"$ref": "x"}), "$.links[0].source"),
    (lambda d: d.update(channels=[{"name": "Fax", "kind": "fax"}]), "$.channels[0].kind"),
    (lambda d: d.update(actors=[{"name": "A"}, {"name": "A"}]), "$.actors[1].name"),
    (lambda d: d.update(steps=[d["steps"][0]] * 5001), "$.steps"),
]


@pytest.mark.parametrize(("change", "path"), BREAKAGES)
def test_a_broken_document_names_the_problem_and_writes_nothing(
    world: World, change: Any, path: str
) -> None:
    document = broken(exported(world.client("facilitator"), world.a.blueprint), change)
    before = counts()
    response = import_document(world.client("facilitator"), world, document)
    assert response.status_code == 400, response.content
    messages = response.json()["document"]
    assert any(message.startswith(f"{path}: ") for message in messages), messages
    assert counts() == before


@pytest.mark.parametrize(
    "document",
    [None, [], "frontstage", 7, {}, {"format": "frontstage.blueprint"}, {"nodes": [], "edges": []}],
)
def test_a_foreign_document_answers_400(world: World, document: Any) -> None:
    before = counts()
    response = import_document(world.client("facilitator"), world, document)
    assert response.status_code == 400
    assert response.json()["document"]
    assert counts() == before


def test_a_file_that_is_not_json_answers_400(world: World) -> None:
    body = {
        "workspace": world.workspace.pk,
        "team": world.team_a.pk,
        "document": SimpleUploadedFile("x.json", b"\xff\xfe{not json", "application/json"),
    }
    response = world.client("facilitator").post(IMPORT, body, format="multipart")
    assert response.status_code == 400
    assert "document" in response.json()


def test_the_service_refuses_a_broken_document_itself(world: World) -> None:
    before = counts()
    with pytest.raises(interchange.DocumentInvalid) as refused:
        interchange.blueprint_import(
            workspace=world.workspace,
            team=world.team_a,
            document={"format": "frontstage.blueprint", "version": 1, "title": "x"},
            actor=world.people["facilitator"],
        )
    assert {problem.path for problem in refused.value.problems} >= {"$.phases", "$.steps"}
    assert counts() == before


def test_a_failure_midway_leaves_nothing_behind(world: World, monkeypatch: Any) -> None:
    document = exported(world.client("facilitator"), world.a.blueprint)
    document["steps"][0]["actor"] = "Brand new actor"
    before = counts()

    def fail(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(Link.objects, "bulk_create", fail)  # the last write
    with pytest.raises(RuntimeError):
        interchange.blueprint_import(
            workspace=world.workspace,
            team=world.team_a,
            document=document,
            actor=world.people["facilitator"],
        )
    assert counts() == before
