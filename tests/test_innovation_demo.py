"""The demo's innovation phase, as `seed_demo` leaves it and the API shows it: the story's
two MVPs (one validated, one not), opportunities from the demo's pain points, two concepts,
data needs per persona, a roadmap in three columns; and a second run adds nothing."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from rest_framework.test import APIClient

from blueprints import demo_data as blueprint_demo
from innovation.models import DataNeed, Experiment, Iteration, Opportunity, ServiceConcept
from personas.models import Persona
from workspaces.models import Workspace

INNOVATION = [Opportunity, ServiceConcept, Experiment, Iteration, DataNeed]


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in INNOVATION}


def as_demo(username: str) -> APIClient:
    client = APIClient()
    client.force_authenticate(get_user_model().objects.get(username=username))
    return client


@pytest.mark.django_db
def test_the_demo_has_two_mvps_opportunities_from_pain_points_and_a_roadmap() -> None:
    output = seed()
    assert "Innovation: 6 opportunities, 2 service concepts, 2 experiments" in output
    workspace = Workspace.objects.get(name=blueprint_demo.WORKSPACE["name"])
    api = as_demo("manager")

    experiments = api.get("/api/v1/experiments/", {"workspace": workspace.pk}).json()["results"]
    verdicts = {e["mvp_name"]: (e["status"], e["met"]) for e in experiments}
    assert verdicts == {
        "Call-back pilot on the Madrid hotline": ("validated", True),
        "Order tracker page for the Italian web shop": ("invalidated", False),
    }
    for experiment in experiments:
        assert experiment["hypothesis"].startswith("We believe that")
        assert None not in (experiment["baseline"], experiment["target"], experiment["result"])
        assert len(experiment["iterations"]) >= 2

    opportunities = api.get("/api/v1/opportunities/", {"workspace": workspace.pk}).json()
    scored = [o for o in opportunities["results"] if o["value"] is not None]
    assert len(scored) == 5 and opportunities["count"] == 6
    for opportunity in opportunities["results"]:
        assert opportunity["steps"], opportunity["title"]
    pain_points = Opportunity.objects.filter(steps__kind="pain_point").distinct().count()
    assert pain_points == 6

    concepts = api.get("/api/v1/service-concepts/", {"workspace": workspace.pk}).json()
    assert {c["title"] for c in concepts["results"]} == {
        "Proactive call-back",
        "Self-service order tracker",
    }
    assert all(len(c["storyboard"]) == 4 for c in concepts["results"])

    roadmap = api.get(f"/api/v1/workspaces/{workspace.pk}/roadmap/").json()
    assert [e["title"] for e in roadmap["now"]] == [
        "Call consumers back before they call again",
        "Call-back pilot on the Madrid hotline",
        "Let online customers track their order themselves",
    ]
    assert [e["type"] for e in roadmap["next"]] == ["opportunity", "experiment"]
    assert [e["title"] for e in roadmap["later"]] == [
        "One record between the CRM and the quality system"
    ]
    assert roadmap["now"][0]["owner_name"] == "Marta Oliveira"

    before = counts()
    seed()
    assert counts() == before


@pytest.mark.django_db
def test_the_demo_personas_get_their_concepts_and_data_needs() -> None:
    """With the story's personas present (drafted from the demo contacts when those are
    seeded; named here by hand), concepts and data needs are made for each of them."""
    workspace = Workspace.objects.create(**blueprint_demo.WORKSPACE)
    caller = Persona.objects.create(workspace=workspace, name="Giorgio, the careful caller")
    regular = Persona.objects.create(workspace=workspace, name="Marta, the online regular")
    seed()
    needs = DataNeed.objects.filter(workspace=workspace)
    assert {need.persona.name for need in needs} == {caller.name, regular.name}
    assert needs.filter(persona=caller).count() == needs.filter(persona=regular).count() == 2
    tracker = needs.get(item="Carrier tracking events per order")
    assert (tracker.step.title, tracker.channel.name) == (
        "Waits in the phone queue again",
        "Web form",
    )
    call_back = ServiceConcept.objects.get(title="Proactive call-back")
    assert list(call_back.personas.all()) == [caller]

    roadmap = as_demo("facilitator").get(f"/api/v1/workspaces/{workspace.pk}/roadmap/").json()
    assert [e["type"] for e in roadmap["now"]][-1] == "data_need"
    assert {e["type"] for e in roadmap["later"]} == {"opportunity", "data_need"}
    before = counts()
    seed()
    assert counts() == before
