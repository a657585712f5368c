"""The API reads in a fixed number of SQL queries, however big the blueprint or workspace.

A 10-step and a 120-step blueprint (with provenance: every step has a source step) must cost
the same number of queries on every read endpoint; so must a workspace with one of each
thing and one with many. The blueprint detail's count is pinned, so a regression fails here.
Clients authenticate with `force_authenticate`: no session or token query is counted.
"""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from blueprints.models import Actor, Blueprint, Channel, Step
from tests import factories
from workspaces.models import Workspace

# The blueprint detail: the blueprint (access-checked), its phases, lanes, steps, the steps'
# sources (one query on the through table) and links.
DETAIL_QUERIES = 6
# A page of steps: the count, the page, the sources of the page's steps.
STEP_LIST_QUERIES = 3


@dataclass
class Site:
    user: User
    workspace: Workspace
    blueprint: Blueprint


def build_site(steps: int, others: int = 1) -> Site:
    """A facilitator's workspace with a blueprint of `steps` steps, each with a source step,
    and `others` of every other thing: actors, channels, teams (two members each),
    blueprints, and workspaces the facilitator also belongs to."""
    user = factories.make_user()
    workspace = factories.make_workspace(f"Site {steps}/{others}", facilitator=[user])
    team = factories.make_team(workspace, "Service centre", [user, factories.make_user()])
    blueprint = factories.make_blueprint_of_size(workspace, team, steps)
    origin = factories.make_blueprint_of_size(workspace, team, steps)
    Step.sources.through.objects.bulk_create(
        Step.sources.through(from_step=step, to_step=source)
        for step, source in zip(
            blueprint.steps.order_by("id"), origin.steps.order_by("id"), strict=True
        )
    )
    for i in range(others):
        Actor.objects.create(workspace=workspace, name=f"Actor {i}")
        Channel.objects.create(workspace=workspace, name=f"Channel {i}", kind="chat")
        members = [factories.make_user(), factories.make_user()]
        factories.make_team(workspace, f"Team {i}", members)
        factories.make_blueprint(workspace, team, title=f"Other {i}")
        factories.make_workspace(f"Also {steps}/{others}/{i}", participant=[user])
    return Site(user, workspace, blueprint)


ENDPOINTS: dict[str, Callable[[Site], str]] = {
    "blueprint detail": lambda s: f"/api/v1/blueprints/{s.blueprint.pk}/",
    "steps": lambda s: f"/api/v1/steps/?blueprint={s.blueprint.pk}&page_size=1000",
    "lanes": lambda s: f"/api/v1/lanes/?blueprint={s.blueprint.pk}&page_size=1000",
    "phases": lambda s: f"/api/v1/phases/?blueprint={s.blueprint.pk}&page_size=1000",
    "links": lambda s: f"/api/v1/links/?blueprint={s.blueprint.pk}&page_size=1000",
    "blueprints": lambda s: f"/api/v1/blueprints/?workspace={s.workspace.pk}&page_size=1000",
    "actors": lambda s: f"/api/v1/actors/?workspace={s.workspace.pk}&page_size=1000",
    "channels": lambda s: f"/api/v1/channels/?workspace={s.workspace.pk}&page_size=1000",
    "teams": lambda s: f"/api/v1/teams/?workspace={s.workspace.pk}&page_size=1000",
    "workspaces": lambda s: "/api/v1/workspaces/?page_size=1000",
}


def queries_of(site: Site, endpoint: str) -> list[str]:
    client = APIClient()
    client.force_authenticate(site.user)
    url = ENDPOINTS[endpoint](site)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.content[:300])
    return [query["sql"] for query in captured.captured_queries]


def explain(small: list[str], big: list[str]) -> str:
    listing = lambda queries: "\n".join(f"  {q[:160]}" for q in queries)  # noqa: E731
    return f"\nsmall ({len(small)}):\n{listing(small)}\nbig ({len(big)}):\n{listing(big)}"


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_queries_do_not_grow_with_the_steps(db: None, endpoint: str) -> None:
    small, big = build_site(steps=10), build_site(steps=120)
    assert big.blueprint.steps.count() == 120
    small_queries, big_queries = queries_of(small, endpoint), queries_of(big, endpoint)
    assert len(small_queries) == len(big_queries), explain(small_queries, big_queries)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_queries_do_not_grow_with_the_workspace(db: None, endpoint: str) -> None:
    small, big = build_site(steps=10, others=1), build_site(steps=10, others=8)
    small_queries, big_queries = queries_of(small, endpoint), queries_of(big, endpoint)
    assert len(small_queries) == len(big_queries), explain(small_queries, big_queries)


def test_blueprint_detail_query_count_is_pinned(db: None) -> None:
    queries = queries_of(build_site(steps=120), "blueprint detail")
    assert len(queries) == DETAIL_QUERIES, explain([], queries)


def test_step_list_query_count_is_pinned(db: None) -> None:
    queries = queries_of(build_site(steps=120), "steps")
    assert len(queries) == STEP_LIST_QUERIES, explain([], queries)


def test_the_detail_lists_sources_in_order(db: None) -> None:
    """The fast read keeps provenance: a step's sources, in the sources' own order."""
    site = build_site(steps=10)
    step = site.blueprint.steps.order_by("id").first()
    extra = Step.objects.exclude(blueprint=site.blueprint).order_by("-id")[:3]
    step.sources.add(*extra)
    client = APIClient()
    client.force_authenticate(site.user)
    body = client.get(ENDPOINTS["blueprint detail"](site)).json()
    by_id = {row["id"]: row for row in body["steps"]}
    assert by_id[step.pk]["sources"] == [s.pk for s in step.sources.all()]
    assert len(by_id[step.pk]["sources"]) == 4
    assert all(len(row["sources"]) == 1 for pk, row in by_id.items() if pk != step.pk)
    listed = client.get(ENDPOINTS["steps"](site)).json()["results"]
    assert {row["id"]: row for row in listed} == by_id


# --- writes ----------------------------------------------------------------------------------
# Each main write of a blueprint's content goes through blueprints/services.py: it validates,
# writes, records the event (with its `seq`) and answers. Its query count does not grow with
# the blueprint and is pinned, so a query added on the write path fails here.


def write_queries(site: Site, method: str, url: str, body: dict | None = None) -> list[str]:
    client = APIClient()
    client.force_authenticate(site.user)
    with CaptureQueriesContext(connection) as captured:
        response = getattr(client, method)(url, body, format="json")
    assert response.status_code in (200, 201, 204), (url, response.content[:300])
    return [query["sql"] for query in captured.captured_queries]


def first_steps(site: Site) -> tuple[Step, Step]:
    one, two = site.blueprint.steps.order_by("id")[:2]
    return one, two


WRITES: dict[str, Callable[[Site], tuple[str, str, dict | None]]] = {
    "step create": lambda s: (
        "post",
        "/api/v1/steps/",
        {
            "blueprint": s.blueprint.pk,
            "lane": first_steps(s)[0].lane_id,
            "phase": first_steps(s)[0].phase_id,
            "title": "New card",
        },
    ),
    "step rename": lambda s: (
        "patch",
        f"/api/v1/steps/{first_steps(s)[0].pk}/",
        {"title": "Renamed", "version": first_steps(s)[0].version},
    ),
    "step move": lambda s: (
        "patch",
        f"/api/v1/steps/{first_steps(s)[0].pk}/",
        {"phase": s.blueprint.phases.order_by("-position")[0].pk, "position": 0},
    ),
    "step delete": lambda s: ("delete", f"/api/v1/steps/{first_steps(s)[0].pk}/", None),
    "link create": lambda s: (
        "post",
        "/api/v1/links/",
        {
            "blueprint": s.blueprint.pk,
            "source": first_steps(s)[0].pk,
            "target": first_steps(s)[1].pk,
            "kind": "information",
        },
    ),
}
# Pinned: access (role, teams), the rows named, the write, the event (sequence row, event).
# Savepoints count as queries. A move renumbers the cell it leaves and the one it enters.
WRITE_QUERIES = {
    "step create": 20,
    "step rename": 17,
    "step move": 28,
    "step delete": 22,  # + the opportunities citing it and the data needs naming it
    "link create": 15,
}


@pytest.mark.parametrize("write", WRITES)
def test_writes_do_not_grow_with_the_blueprint(db: None, write: str) -> None:
    # From 72 steps on, every cell holds several: a move leaves a cell with others in it.
    small, big = build_site(steps=72), build_site(steps=240)
    small_queries = write_queries(small, *WRITES[write](small))
    big_queries = write_queries(big, *WRITES[write](big))
    assert len(small_queries) == len(big_queries), explain(small_queries, big_queries)


@pytest.mark.parametrize("write", WRITES)
def test_write_query_counts_are_pinned(db: None, write: str) -> None:
    site = build_site(steps=72)
    queries = write_queries(site, *WRITES[write](site))
    assert len(queries) == WRITE_QUERIES[write], explain([], queries)
