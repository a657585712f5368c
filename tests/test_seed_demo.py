"""`python manage.py seed_demo`: the demo workspace of the story, loaded idempotently."""

from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.db.models import F, Model

from blueprints.models import Actor, Band, Blueprint, Channel, Lane, Link, Phase, Step
from workspaces.models import Membership, Team, Workspace

LOGINS = {
    "facilitator": "facilitator",
    "participant": "participant",
    "participant2": "participant",
    "participant3": "participant",
    "manager": "manager",
}
MODELS: list[type[Model]] = [
    get_user_model(),
    Workspace,
    Membership,
    Team,
    Team.members.through,
    Actor,
    Channel,
    Blueprint,
    Phase,
    Lane,
    Step,
    Link,
]


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def stable_ids() -> dict[str, list[int]]:
    return {
        "workspaces": list(Workspace.objects.order_by("id").values_list("id", flat=True)),
        "users": list(get_user_model().objects.order_by("id").values_list("id", flat=True)),
        "teams": list(Team.objects.order_by("id").values_list("id", flat=True)),
        "actors": list(Actor.objects.order_by("id").values_list("id", flat=True)),
        "channels": list(Channel.objects.order_by("id").values_list("id", flat=True)),
    }


@pytest.fixture
def seeded() -> str:
    return seed()


@pytest.mark.django_db
def test_demo_logins_authenticate_with_their_roles(seeded: str) -> None:
    workspace = Workspace.objects.get()
    for username, role in LOGINS.items():
        user = authenticate(username=username, password="frontstage")
        assert user is not None, username
        assert user.get_full_name().strip(), username
        assert Membership.objects.get(workspace=workspace, user=user).role == role
        assert username in seeded
    assert "frontstage" in seeded
    assert (
        Team.objects.get(name="Consumer Service Centre")
        .members.filter(username="participant")
        .exists()
    )
    assert Team.objects.get(name="Quality").members.filter(username="participant2").exists()
    service_centre = Team.objects.get(name="Consumer Service Centre").members
    assert set(service_centre.values_list("username", flat=True)) >= {"participant", "participant3"}


@pytest.mark.django_db
def test_every_team_has_a_complete_team_blueprint(seeded: str) -> None:
    teams = Team.objects.all()
    assert teams.count() >= 4
    for team in teams:
        blueprint = Blueprint.objects.get(team=team, kind="team")
        assert set(blueprint.lanes.values_list("band", flat=True)) == set(Band.values)
        assert 4 <= blueprint.phases.count() <= 6
        steps = blueprint.steps.all()
        assert steps.count() >= 8
        assert steps.exclude(data_stage="").count() >= 3
        assert steps.filter(kind="pain_point").exists()
        assert steps.filter(kind="opportunity").exists()
        assert blueprint.links.count() >= 3


@pytest.mark.django_db
def test_seeded_rows_are_valid_and_consistent(seeded: str) -> None:
    workspace = Workspace.objects.get()
    for model in (Actor, Channel, Blueprint, Phase, Lane, Step, Link):
        for row in model.objects.all():
            row.full_clean()
    assert not Step.objects.exclude(lane__blueprint=F("blueprint")).exists()
    assert not Step.objects.exclude(phase__blueprint=F("blueprint")).exists()
    assert not Step.objects.exclude(actor__isnull=True).exclude(actor__workspace=workspace).exists()
    assert (
        not Step.objects.exclude(channel__isnull=True)
        .exclude(channel__workspace=workspace)
        .exists()
    )
    for lane in Lane.objects.all():
        assert lane.display_name("es") == (lane.name_translations.get("es") or lane.name)
    assert Lane.objects.exclude(name_translations={}).exists()


@pytest.mark.django_db
def test_handoffs_connect_different_roles(seeded: str) -> None:
    cross_actor = Link.objects.filter(
        kind="handoff", source__actor__isnull=False, target__actor__isnull=False
    ).exclude(source__actor=F("target__actor"))
    assert cross_actor.exists()
    service_centre = Blueprint.objects.get(team__name="Consumer Service Centre")
    assert service_centre.links.filter(
        kind="handoff",
        source__lane__actor__name="Call-centre agent",
        target__lane__actor__name="Quality analyst",
    ).exists()
    quality = Blueprint.objects.get(team__name="Quality")
    assert quality.links.filter(
        kind="information",
        source__lane__actor__name="Quality analyst",
        target__lane__actor__name="Call-centre agent",
    ).exists()


@pytest.mark.django_db
def test_second_run_changes_nothing(seeded: str) -> None:
    before, ids = counts(), stable_ids()
    password = get_user_model().objects.get(username="manager").password
    seed()
    assert counts() == before
    assert stable_ids() == ids
    assert get_user_model().objects.get(username="manager").password == password


@pytest.mark.django_db
def test_reset_rebuilds_edited_blueprints(seeded: str) -> None:
    before, ids = counts(), stable_ids()
    Step.objects.filter(blueprint__team__name="Quality").first().delete()
    seed()  # edits made in the demo survive a plain run
    assert Step.objects.count() == before["Step"] - 1
    seed("--reset")
    assert counts() == before
    assert stable_ids() == ids


@pytest.mark.django_db
def test_demo_contacts_are_segmented_into_the_planted_groups_and_drafted_personas(
    settings: Any,
) -> None:
    settings.DEMO_CONTACTS = True
    seed()
    from sklearn.metrics import adjusted_rand_score

    from personas import demo_data, services
    from personas.models import Contact, Persona, Segmentation, ServiceProtocol

    assert Contact.objects.count() >= 20_000
    run = Segmentation.objects.get()
    assert (run.status, run.k) == ("done", len(demo_data.PLANTED_GROUPS))
    _contacts, planted = demo_data.demo_contacts()
    found = services.assignments_of(run)
    customers = sorted(planted)
    assert (
        adjusted_rand_score([planted[c] for c in customers], [found[c] for c in customers]) >= 0.9
    )
    names = set(Persona.objects.values_list("name", flat=True))
    assert len(names) == len(demo_data.DEMO_PROFILES)
    # Each name agrees with the gender drafted from the segment: no "Sofia" who is male.
    first_names = {"female": {"Giulia", "Marta", "Sofia", "Elena", "Lucia"}}
    first_names["male"] = {"Giorgio", "Marco", "Matteo", "Enrico", "Luca"}
    for persona in Persona.objects.all():
        first = persona.name.split(",")[0]
        gender = {"Female": "female", "Male": "male"}.get(persona.gender, "")
        assert first in first_names.get(gender, {first}), (persona.name, persona.gender)
        assert persona.name.split(", ")[-1].lower() in {
            spec["role"].lower() for spec in demo_data.DEMO_PROFILES.values()
        }
    assert ServiceProtocol.objects.count() == len(names)
    before = (Contact.objects.count(), Persona.objects.count(), ServiceProtocol.objects.count())
    seed()
    after = (Contact.objects.count(), Persona.objects.count(), ServiceProtocol.objects.count())
    assert after == before and Segmentation.objects.count() == 1
