"""The innovation models on their own: computed `value` and `met`, the workspace rule, the
rules the database itself keeps (ranges, a verdict needs a result, dates in order)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from blueprints.models import Channel
from innovation.models import DataNeed, Experiment, Opportunity, ServiceConcept
from personas.models import Persona
from tests.conftest import World
from tests.factories import make_workspace


def concept_in(world: World) -> ServiceConcept:
    return ServiceConcept.objects.create(workspace=world.workspace, title="Call-back")


def test_value_is_the_mean_of_customer_and_business_value(world: World) -> None:
    opportunity = Opportunity(workspace=world.workspace, title="Nobody calls back")
    assert opportunity.value is None
    opportunity.customer_value, opportunity.business_value = 80, 45
    assert opportunity.value == 62.5


@pytest.mark.parametrize(
    ("baseline", "target", "result", "met"),
    [
        ("40", "60", "65", True),  # up: reached
        ("40", "60", "55", False),  # up: short of it
        ("12", "8", "7.5", True),  # down (minutes waited): reached
        ("12", "8", "9", False),
        ("12", "8", None, None),  # no result yet
        (None, "8", "7", None),
    ],
)
def test_met_follows_the_direction_from_baseline_to_target(
    world: World, baseline: str | None, target: str, result: str | None, met: bool | None
) -> None:
    experiment = Experiment(
        workspace=world.workspace,
        concept=concept_in(world),
        mvp_name="MVP",
        baseline=Decimal(baseline) if baseline else None,
        target=Decimal(target),
        result=Decimal(result) if result else None,
    )
    assert experiment.met is met


def test_a_verdict_needs_a_result_and_the_end_follows_the_start(world: World) -> None:
    experiment = Experiment(
        workspace=world.workspace,
        concept=concept_in(world),
        mvp_name="Tracker",
        status="validated",
        start_date="2026-03-10",
        end_date="2026-03-01",
    )
    with pytest.raises(ValidationError) as raised:
        experiment.full_clean()
    assert set(raised.value.message_dict) >= {"result", "end_date"}
    with pytest.raises(IntegrityError), transaction.atomic():
        experiment.save()


def test_foreign_keys_must_stay_in_the_workspace(world: World) -> None:
    elsewhere = make_workspace("Elsewhere")
    persona = Persona.objects.create(workspace=world.workspace, name="Careful caller")
    foreign_channel = Channel.objects.create(workspace=elsewhere, name="Fax")
    need = DataNeed(
        workspace=world.workspace,
        persona=persona,
        step=world.a.step,
        channel=foreign_channel,
        item="Preferred call-back time",
    )
    with pytest.raises(ValidationError) as raised:
        need.full_clean()
    assert list(raised.value.message_dict) == ["channel"]
    need.channel = world.channel
    need.full_clean()


def test_the_database_keeps_scores_in_range(world: World) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Opportunity.objects.create(workspace=world.workspace, title="Too good", customer_value=101)
    with pytest.raises(IntegrityError), transaction.atomic():
        Opportunity.objects.create(workspace=world.workspace, title="Free", effort=0)


def test_deleting_the_workspace_deletes_its_experiments_and_concepts(world: World) -> None:
    experiment = Experiment.objects.create(
        workspace=world.workspace, concept=concept_in(world), mvp_name="Pilot"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        experiment.concept.delete()  # a concept under test stays
    world.workspace.delete()
    assert not Experiment.objects.exists() and not ServiceConcept.objects.exists()
