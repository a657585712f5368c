"""The innovation pages over HTTP: every tab renders for every member, forms work without
script, participants add but do not score, managers get no form, outsiders get a 404."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from innovation import services
from innovation.models import DataNeed, Experiment, Opportunity, ServiceConcept
from personas.models import Persona
from tests.conftest import World

TABS = ["", "opportunities/", "concepts/", "experiments/", "data-needs/", "roadmap/"]


def browser_of(world: World, who: str) -> Client:
    client = Client()
    client.force_login(world.people[who])
    return client


@pytest.fixture
def filled(world: World) -> dict:
    """An opportunity from a pain point, a concept for a persona, its experiment run to a
    verdict, a data need; some on the roadmap."""
    facilitator = world.people["facilitator"]
    persona = Persona.objects.create(workspace=world.workspace, name="Giulia <b>careful</b>")
    step = world.a.step
    opportunity = services.opportunity_from_step(step=step, actor=facilitator)
    services.item_update(
        obj=opportunity,
        changes={"customer_value": 80, "business_value": 60, "effort": 2, "horizon": "now"},
        version=None,
        actor=facilitator,
    )
    concept = services.item_create(
        model=ServiceConcept,
        workspace=world.workspace,
        values={
            "title": "Proactive call-back",
            "personas": [persona],
            "opportunities": [opportunity],
            "storyboard": [{"title": "Missed call", "description": "The line is busy"}],
        },
        actor=facilitator,
    )
    experiment = services.item_create(
        model=Experiment,
        workspace=world.workspace,
        values={
            "concept": concept,
            "mvp_name": "Call-back MVP",
            "hypothesis": "We believe that a call-back for careful callers will cut repeats",
            "metric": "Repeat calls (%)",
            "baseline": Decimal("30"),
            "target": Decimal("20"),
            "start_date": date(2026, 3, 1),
            "horizon": "next",
        },
        actor=facilitator,
    )
    need = services.item_create(
        model=DataNeed,
        workspace=world.workspace,
        values={"persona": persona, "item": "Preferred call time", "horizon": "later"},
        actor=facilitator,
    )
    return {
        "persona": persona,
        "step": step,
        "opportunity": opportunity,
        "concept": concept,
        "experiment": experiment,
        "need": need,
    }


@pytest.mark.parametrize("who", ["facilitator", "alice", "manager"])
def test_every_tab_renders_for_every_member(world: World, filled: dict, who: str) -> None:
    client = browser_of(world, who)
    base = f"/workspaces/{world.workspace.pk}/innovation/"
    shown = {
        "": "Calls about a flat bottle",
        "opportunities/": "Calls about a flat bottle",
        "concepts/": "Giulia &lt;b&gt;careful&lt;/b&gt;",
        "experiments/": "We believe that a call-back",
        "data-needs/": "Giulia &lt;b&gt;careful&lt;/b&gt;",
        "roadmap/": "Call-back MVP",
    }
    for tab in TABS:
        response = client.get(base + tab)
        assert response.status_code == 200, tab
        assert shown[tab] in response.text, tab
    for url in (
        f"{base}opportunities/{filled['opportunity'].pk}/",
        f"{base}experiments/{filled['experiment'].pk}/",
    ):
        assert client.get(url).status_code == 200
    roadmap = client.get(base + "roadmap/").text
    assert "Call-back MVP" in roadmap and "Preferred call time" in roadmap


def test_outsiders_and_anonymous_see_nothing(world: World, filled: dict) -> None:
    base = f"/workspaces/{world.workspace.pk}/innovation/"
    assert browser_of(world, "outsider").get(base).status_code == 404
    assert Client().get(base).status_code == 302  # to the login page


def test_a_manager_gets_no_form(world: World, filled: dict) -> None:
    client = browser_of(world, "manager")
    base = f"/workspaces/{world.workspace.pk}/innovation/"
    for tab in TABS:
        assert '<form method="post"' not in client.get(base + tab).text, tab
    assert 'data-can-score="false"' in client.get(base).text
    response = client.post(base + "opportunities/", {"title": "Sneaky"})
    assert response.status_code == 403
    assert not Opportunity.objects.filter(title="Sneaky").exists()


def test_a_step_prefills_a_new_opportunity(world: World, filled: dict) -> None:
    client = browser_of(world, "alice")
    step = filled["step"]
    page = client.get(f"/workspaces/{world.workspace.pk}/innovation/opportunities/?step={step.pk}")
    assert f'value="{step.title}"' in page.text
    assert f'<option value="{step.pk}" selected>' in page.text


def test_a_participant_creates_an_opportunity_without_script(world: World, filled: dict) -> None:
    client = browser_of(world, "alice")
    url = f"/workspaces/{world.workspace.pk}/innovation/opportunities/"
    response = client.post(
        url, {"title": "Callers wait <script>alert(1)</script>", "steps": [filled["step"].pk]}
    )
    created = Opportunity.objects.get(title__startswith="Callers wait")
    assert response.status_code == 302
    assert list(created.steps.all()) == [filled["step"]]
    assert created.created_by == world.people["alice"]
    detail = client.get(response.url)
    assert "<script>alert(1)</script>" not in detail.text
    # A participant's page has no score form, and a posted score is refused.
    assert "data-score-form" not in detail.text
    client.post(
        response.url,
        {
            "form": "score",
            "customer_value": 99,
            "business_value": 99,
            "effort": 1,
            "status": "open",
        },
    )
    created.refresh_from_db()
    assert created.customer_value is None


def test_bad_input_answers_400_with_the_field_message(world: World, filled: dict) -> None:
    client = browser_of(world, "facilitator")
    url = f"/workspaces/{world.workspace.pk}/innovation/opportunities/{filled['opportunity'].pk}/"
    response = client.post(
        url,
        {
            "form": "score",
            "customer_value": 140,
            "business_value": 50,
            "effort": 9,
            "status": "open",
        },
    )
    assert response.status_code == 400
    assert "Ensure this value is less than or equal to 100." in response.text
    filled["opportunity"].refresh_from_db()
    assert filled["opportunity"].customer_value == 80


def test_a_stale_score_is_refused_and_said(world: World, filled: dict) -> None:
    client = browser_of(world, "facilitator")
    opportunity = filled["opportunity"]
    url = f"/workspaces/{world.workspace.pk}/innovation/opportunities/{opportunity.pk}/"
    old = opportunity.version - 1
    response = client.post(
        url,
        {
            "form": "score",
            "customer_value": 10,
            "business_value": 10,
            "effort": 5,
            "status": "open",
            "version": old,
        },
    )
    assert response.status_code == 409
    assert "changed this meanwhile" in response.text
    opportunity.refresh_from_db()
    assert opportunity.customer_value == 80


def test_a_facilitator_runs_an_experiment_to_a_verdict(world: World, filled: dict) -> None:
    client = browser_of(world, "facilitator")
    experiment = filled["experiment"]
    url = f"/workspaces/{world.workspace.pk}/innovation/experiments/{experiment.pk}/"
    refused = client.post(
        url, {"form": "verdict", "status": "validated", "version": experiment.version}
    )
    assert refused.status_code == 400
    assert "Record a result" in refused.text
    client.post(
        url,
        {"form": "verdict", "status": "validated", "result": "18", "version": experiment.version},
    )
    client.post(url, {"form": "iteration", "text": "Second script tried", "date": "2026-03-10"})
    experiment.refresh_from_db()
    assert (experiment.status, experiment.result, experiment.met) == (
        "validated",
        Decimal("18"),
        True,
    )
    assert experiment.iterations.get().text == "Second script tried"
    board = client.get(f"/workspaces/{world.workspace.pk}/innovation/experiments/").text
    assert 'data-status-column="validated"' in board and "Target met" in board


def test_the_roadmap_moves_without_script(world: World, filled: dict) -> None:
    client = browser_of(world, "facilitator")
    need = filled["need"]
    url = f"/workspaces/{world.workspace.pk}/innovation/roadmap/"
    client.post(
        url, {"type": "data_need", "id": need.pk, "horizon": "now", "version": need.version}
    )
    need.refresh_from_db()
    assert need.horizon == "now"
    assert (
        browser_of(world, "alice")
        .post(url, {"type": "data_need", "id": need.pk, "horizon": "later"})
        .status_code
        == 403
    )


def test_the_persona_and_the_workshop_link_to_what_cites_them(world: World, filled: dict) -> None:
    client = browser_of(world, "manager")
    persona_page = client.get(f"/personas/{filled['persona'].pk}/").text
    assert filled["need"].item in persona_page and "Proactive call-back" in persona_page
    cited = client.get(
        f"/workspaces/{world.workspace.pk}/innovation/opportunities/?cites_step={filled['step'].pk}"
    ).text
    assert filled["opportunity"].title in cited
