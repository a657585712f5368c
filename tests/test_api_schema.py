"""The OpenAPI contract, checked by schemathesis against the app in-process.

Every operation of `/api/schema/` is called with generated input, valid and invalid, as the
demo facilitator (`seed_demo`). No answer may be a server error, and every answer must be
documented: its status code, its content type and its body.

Random ids would almost always answer 404 or 400, so ids in paths and bodies are mostly
replaced by ids of the demo workspace (children of the same blueprint where they must be), and
reorder payloads by real orders: the successful answers get checked against the schema too.
Each generated request runs in a savepoint that is rolled back, so every one of them meets the
same demo workspace.
"""

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from blueprints.models import Actor, Blueprint, Channel, Lane, Link, Phase, Step
from frontstage.wsgi import application
from innovation.models import DataNeed, Experiment, Opportunity, ServiceConcept
from workspaces.models import Membership, Team, Workspace

HOST = "testserver"
# Over a hundred slow tests: `make test` spreads them over its workers, each seeding the demo
# once (tests/conftest.py).
SPREAD_OVER_WORKERS = True
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
CONFIG = schemathesis.Config.from_dict(
    {"seed": 20240601, "generation": {"deterministic": True, "database": "none"}}
)

# Served by the app itself, as clients get it; building it touches no database. (Loaded here
# rather than through `schemathesis.pytest.from_fixture`, whose lazy loader needs a private
# attribute of pytest's test items that pytest 9 no longer has.)
schema = schemathesis.openapi.from_wsgi(
    "/api/schema/", application, config=CONFIG, headers={"Host": HOST}
)

# Body fields holding an id, and the resource they point at.
FOREIGN_KEYS = {
    "workspace": "workspaces",
    "team": "teams",
    "actor": "actors",
    "channel": "channels",
    "blueprint": "blueprints",
    "lane": "lanes",
    "phase": "phases",
    "source": "steps",
    "target": "steps",
    "step": "steps",
    "concept": "service-concepts",
    "to_be_blueprint": "blueprints",
}
IN_BLUEPRINT = {"lane", "phase", "source", "target"}
INNOVATION = {
    "opportunities": Opportunity,
    "service-concepts": ServiceConcept,
    "experiments": Experiment,
    "data-needs": DataNeed,
}


@dataclass
class Demo:
    """The demo workspace as the facilitator sees it: ids by resource, and how they nest."""

    token: str
    ids: dict[str, list[int]] = field(default_factory=dict)
    blueprint_of: dict[tuple[str, int], int] = field(default_factory=dict)
    children: dict[tuple[int, str], list[int]] = field(default_factory=dict)
    cells: dict[tuple[int, int], list[int]] = field(default_factory=dict)
    users: list[int] = field(default_factory=list)
    usernames: list[str] = field(default_factory=list)


def load_demo(token: str) -> Demo:
    demo = Demo(token)
    workspaces = Workspace.objects.filter(memberships__user__username="facilitator")
    demo.ids["workspaces"] = list(workspaces.values_list("pk", flat=True))
    for resource, model in (("teams", Team), ("actors", Actor), ("channels", Channel)):
        demo.ids[resource] = list(
            model.objects.filter(workspace__in=workspaces).values_list("pk", flat=True)
        )
    demo.ids["blueprints"] = list(
        Blueprint.objects.filter(workspace__in=workspaces).values_list("pk", flat=True)
    )
    for resource, model in (("phases", Phase), ("lanes", Lane), ("steps", Step), ("links", Link)):
        rows = model.objects.filter(blueprint__workspace__in=workspaces)  # in their order
        demo.ids[resource] = []
        for pk, blueprint in rows.values_list("pk", "blueprint_id"):
            demo.ids[resource].append(pk)
            demo.blueprint_of[(resource, pk)] = blueprint
            demo.children.setdefault((blueprint, resource), []).append(pk)
    for resource, model in INNOVATION.items():
        demo.ids[resource] = list(
            model.objects.filter(workspace__in=workspaces).values_list("pk", flat=True)
        )
    steps = Step.objects.filter(blueprint__workspace__in=workspaces)
    for pk, lane, phase in steps.values_list("pk", "lane_id", "phase_id"):
        demo.cells.setdefault((lane, phase), []).append(pk)
    members = Membership.objects.filter(workspace__in=workspaces).order_by("user__username")
    demo.users = list(members.values_list("user_id", flat=True))
    demo.usernames = list(members.values_list("user__username", flat=True))
    return demo


def is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def pick(options: list[int], value: int) -> int:
    return options[value % len(options)] if options else value


def shuffled(ids: list[int], values: list[int]) -> list[int]:
    """A deterministic permutation of `ids`, driven by the generated values."""
    turn = sum(values) % len(ids) if ids else 0
    order = ids[turn:] + ids[:turn]
    return order[::-1] if len(values) % 2 else order


def use_demo_ids(case: schemathesis.Case, demo: Demo) -> None:
    """Point generated ids at the demo workspace, in place (one in four stays unknown)."""
    resource = case.operation.path.split("/")[3]
    blueprint: int | None = None
    raw = (case.path_parameters or {}).get("id")
    if isinstance(raw, str) and raw.isascii() and raw.isdigit() and int(raw) % 4 != 3:
        pk = pick(demo.ids.get(resource, []), int(raw))
        case.path_parameters["id"] = str(pk)
        blueprint = pk if resource == "blueprints" else demo.blueprint_of.get((resource, pk))
    body = case.body
    if not isinstance(body, dict):
        return
    if is_id(body.get("blueprint")):
        body["blueprint"] = blueprint = pick(demo.ids["blueprints"], body["blueprint"])
    elif blueprint is None and is_id(body.get("lane")):
        # A cell of the steps' reorder: its lane decides the blueprint.
        lane = pick(demo.ids["lanes"], body["lane"])
        blueprint = demo.blueprint_of.get(("lanes", lane))
    for name, target in FOREIGN_KEYS.items():
        if name == "blueprint" or not is_id(body.get(name)):
            continue
        if name in IN_BLUEPRINT and blueprint is not None:
            body[name] = pick(demo.children.get((blueprint, target), []), body[name])
        else:
            body[name] = pick(demo.ids[target], body[name])
    if resource == "workspaces" and isinstance(body.get("username"), str):
        body["username"] = demo.usernames[len(body["username"]) % len(demo.usernames)]
    if isinstance(body.get("members"), list) and all(map(is_id, body["members"])):
        body["members"] = sorted({pick(demo.users, pk) for pk in body["members"]})
    order = body.get("order")
    if isinstance(order, list) and all(map(is_id, order)) and blueprint is not None:
        if resource in ("phases", "lanes"):
            body["order"] = shuffled(demo.children.get((blueprint, resource), []), order)
        elif is_id(body.get("lane")) and is_id(body.get("phase")):
            cell = demo.cells.get((body["lane"], body["phase"]), [])
            others = [s for s in demo.children.get((blueprint, "steps"), []) if s not in cell]
            # A longer order also moves a step of another cell into this one.
            movers = others[:1] if len(order) > len(cell) else []
            body["order"] = shuffled(cell + movers, order)


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[Demo]:
    """The demo workspace and a token of its facilitator, seeded once for all operations.

    It lives in a transaction of its own, rolled back after the module; each test (and each
    request in it) nests a savepoint inside.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", stdout=io.StringIO())
        facilitator = get_user_model().objects.get(username="facilitator")
        yield load_demo(Token.objects.get_or_create(user=facilitator)[0].key)
        transaction.set_rollback(True)


@pytest.fixture
def same_connection(db: None) -> Iterator[None]:
    """Like Django's test client, keep requests from closing the test's connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_documented_and_never_with_a_server_error(
    case: schemathesis.Case, same_connection: None, demo: Demo
) -> None:
    use_demo_ids(case, demo)
    # The in-process client reads the body as sent: ask for it plain (JSON goes out gzipped to
    # clients that take it, tests/test_board_sharing.py).
    headers = {"Host": HOST, "Authorization": f"Token {demo.token}", "Accept-Encoding": "identity"}
    with transaction.atomic():
        response = case.call(headers=headers)
        transaction.set_rollback(True)
    case.validate_response(response, checks=CHECKS, headers=headers)
