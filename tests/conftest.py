"""The people every test can use, at every level of access, and the world they share.

- facilitator runs the workspace; manager reads it;
- alice is a participant in team A, bob a participant in team B;
- outsider has an account but no membership; anonymous has no account.
"""

import os
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from blueprints.models import Actor, Blueprint, Channel
from tests import factories
from tests.browser import browser  # noqa: F401 (one Chromium for the whole session)
from tests.factories import BlueprintParts
from workshops.models import Team, Workspace

# Playwright's sync API runs an event loop in the test thread; the ORM calls in the same
# tests are still synchronous, so Django's async-safety guard does not apply to them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PEOPLE = ["facilitator", "alice", "bob", "manager", "outsider", "anonymous"]


@dataclass
class World:
    workspace: Workspace
    people: dict[str, User | None]
    team_a: Team
    team_b: Team
    actor: Actor
    channel: Channel
    a: BlueprintParts
    b: BlueprintParts
    glob: BlueprintParts

    def client(self, who: str) -> APIClient:
        client = APIClient()
        user = self.people[who]
        if user is not None:
            client.force_authenticate(user)
        return client


def build_world() -> World:
    people: dict[str, User | None] = {
        name: factories.make_user(name) for name in PEOPLE if name != "anonymous"
    }
    people["anonymous"] = None
    workspace = factories.make_workspace(
        "Aurora Beverages",
        facilitator=[people["facilitator"]],
        participant=[people["alice"], people["bob"]],
        manager=[people["manager"]],
    )
    factories.make_workspace("Someone else's", facilitator=[people["outsider"]])
    team_a = factories.make_team(workspace, "Service centre", [people["alice"]])
    team_b = factories.make_team(workspace, "Quality", [people["bob"]])
    actor = Actor.objects.create(workspace=workspace, name="Quality analyst")
    channel = Channel.objects.create(workspace=workspace, name="WhatsApp", kind="chat")
    a = factories.fill_blueprint(factories.make_blueprint(workspace, team_a, title="A"), actor)
    b = factories.fill_blueprint(factories.make_blueprint(workspace, team_b, title="B"), actor)
    glob = factories.fill_blueprint(factories.make_blueprint(workspace, None, title="Global"))
    return World(workspace, people, team_a, team_b, actor, channel, a, b, glob)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    # Real hashing costs a third of a second per user: far too slow for hundreds of tests.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def demo_without_contacts(settings: Any) -> None:
    # seed_demo's 27,000 synthetic contacts and their segmentation cost seconds per seed;
    # the tests about personas turn them back on (settings.DEMO_CONTACTS = True).
    settings.DEMO_CONTACTS = False


@pytest.fixture
def world(db: None) -> World:
    return build_world()


@pytest.fixture
def api(world: World) -> APIClient:
    """The facilitator's API client."""
    return world.client("facilitator")


def token_for(user: User) -> str:
    return Token.objects.get_or_create(user=user)[0].key


__all__ = ["Blueprint", "World", "build_world", "token_for"]
