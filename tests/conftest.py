"""The people every test can use, at every level of access, and the world they share.

- facilitator runs the workspace; manager reads it;
- alice is a participant in team A, bob a participant in team B;
- outsider has an account but no membership; anonymous has no account.
"""

import os
import subprocess
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import caches
from django.db.backends.signals import connection_created
from django.test import override_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from blueprints.models import Actor, Blueprint, Channel
from tests import factories
from tests.browser import browser  # noqa: F401 (one Chromium for the whole session)
from tests.factories import BlueprintParts
from tests.servers import db_worker, postgres_url, task_worker_wanted, worker_died, worker_id
from workspaces.models import Team, Workspace

# Playwright's sync API runs an event loop in the test thread; the ORM calls in the same
# tests are still synchronous, so Django's async-safety guard does not apply to them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# Background work runs in a thread of the process that enqueued it (the servers' too), the
# same run code as under `db_worker`; tests/test_task_worker.py runs real worker processes.
# Under TEST_TASK_WORKER=db_worker (PostgreSQL only) it is queued in the database instead and
# run by a real `db_worker` process: one per test process (task_worker below), one beside
# each set of uvicorn servers (tests/servers.py).
if task_worker_wanted():
    os.environ["TASKS_BACKEND"] = "django_tasks_db.DatabaseBackend"
os.environ.setdefault("TASKS_BACKEND", "frontstage.tasks.ThreadBackend")
settings.TASKS = {"default": {"BACKEND": os.environ["TASKS_BACKEND"]}}

PEOPLE = ["facilitator", "alice", "bob", "manager", "outsider", "anonymous"]


def _readers_never_wait(sender: Any, connection: Any, **kwargs: Any) -> None:
    """On SQLite's in-memory test database, a reader is not refused while another writes.

    The suite's SQLite database lives in memory with a shared cache, where a page reading a
    table that a background task is writing fails at once ("database table is locked"); the
    real database file is in WAL mode, where readers never wait for writers. Reading without
    table locks gives the live-server tests the same behaviour.
    """
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        connection.connection.execute("PRAGMA read_uncommitted = 1")


connection_created.connect(_readers_never_wait)


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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest-xdist (`make test` runs `-n auto --dist loadgroup`), keep each module whose
    tests share a module- or class-scoped fixture (a seeded database in a transaction of its
    own, uvicorn servers) on one worker: its setup runs once, and no other module's test runs
    on that worker in the middle of it. Every other test is spread one by one, and so are the
    tests of a module that sets SPREAD_OVER_WORKERS = True: many slow tests behind a cheap
    module fixture, set up once on each worker (pytest tears a module's fixtures down whenever
    a worker moves on to another module, so they never leak into other tests)."""
    unique_node_ids(items)
    for item in items:
        if getattr(item.module, "SPREAD_OVER_WORKERS", False):
            continue
        defs = getattr(item, "_fixtureinfo", None)
        scopes = {  # of our fixtures (a plugin's have no baseid)
            fixturedef.scope
            for fixturedefs in (defs.name2fixturedefs.values() if defs else ())
            for fixturedef in fixturedefs
            if fixturedef.baseid
        }
        if scopes & {"module", "class", "package"}:
            group = item.nodeid.split("::")[0]
            item.add_marker(pytest.mark.xdist_group(group))
            if os.environ.get("PYTEST_XDIST_WORKER") and "@" not in item.nodeid:
                # What xdist 3.8 does for the marker, but through `_nodeid`, which pytest 9
                # no longer reads: its scheduler finds the group after the "@".
                item._id = item.parent.id.child(f"{item.name}@{group}")


def unique_node_ids(items: list[pytest.Item]) -> None:
    """schemathesis names each operation's test ("…[GET /api/v1/activities/]") but, under
    pytest 9, gives them all the test function's node id; xdist's loadgroup schedules by node
    id, and would run one test for all of them."""
    counts = Counter(item.nodeid for item in items)
    for item in items:
        if counts[item.nodeid] > 1 and not item.nodeid.endswith(f"::{item.name}"):
            item._id = item.parent.id.child(item.name)  # pytest 9 keeps node ids in _id


@pytest.fixture(scope="session", autouse=True)
def files_of_this_worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Render cache and uploads in a temporary folder of this test process (each xdist worker
    has its own), for the tests and for the servers they start, never in the checkout's var/.
    STATIC_ROOT too: a `collectstatic` run in the checkout (its manifest) must not turn the
    pages' static names into fingerprinted ones the tests' servers do not have; the tests of
    the fingerprinted files collect their own (tests/test_static_files.py)."""
    root = tmp_path_factory.mktemp("files")
    folders = {
        "RENDER_CACHE_DIR": root / "render-cache",
        "MEDIA_ROOT": root / "media",
        "STATIC_ROOT": root / "static",
    }
    before = {name: os.environ.get(name) for name in folders}
    os.environ.update({name: str(folder) for name, folder in folders.items()})
    try:
        with override_settings(**folders):
            yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    # Real hashing costs a third of a second per user: far too slow for hundreds of tests.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def no_failed_sign_ins_yet() -> None:
    # The failed sign-in counts (frontstage/throttle.py) live in this process's memory.
    caches["throttle"].clear()


@pytest.fixture(autouse=True)
def no_boards_rendered_yet() -> None:
    # Rendered boards are kept per blueprint and `seq` (blueprints/views.py); tests that write
    # rows directly, without an event, must not be served a board rendered before.
    caches["boards"].clear()


@pytest.fixture(autouse=True)
def demo_without_contacts(settings: Any) -> None:
    # seed_demo's 27,000 synthetic contacts and their segmentation cost seconds per seed;
    # the tests about personas turn them back on (settings.DEMO_CONTACTS = True).
    settings.DEMO_CONTACTS = False


TASK_WORKER_ID = f"suite-{worker_id()}-{os.getpid()}"


@pytest.fixture(scope="session", autouse=True)
def task_worker(
    request: pytest.FixtureRequest, files_of_this_worker: None, tmp_path_factory: Any
) -> Iterator[subprocess.Popen | None]:
    """Under TEST_TASK_WORKER=db_worker, a `db_worker` process (known to the queue as
    TASK_WORKER_ID) on this test process's own test database (test_frontstage_gw0 …), from
    its creation to the end of the session; None otherwise."""
    if not task_worker_wanted():
        yield None
        return
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        pytest.fail(
            "TEST_TASK_WORKER=db_worker needs PostgreSQL (DATABASE_URL): the SQLite "
            "test database lives in this process's memory"
        )
    request.getfixturevalue("django_db_setup")
    from django.db import connection

    env = os.environ | {"DATABASE_URL": postgres_url(connection.settings_dict["NAME"])}
    log = tmp_path_factory.mktemp("task-worker") / "db_worker.log"
    with db_worker(env | {"DEBUG": "0"}, log, TASK_WORKER_ID) as process:
        request.config.stash[TASK_WORKER_LOG] = log
        yield process


TASK_WORKER_LOG = pytest.StashKey[Any]()


@pytest.fixture(autouse=True)
def task_worker_alive(
    task_worker: subprocess.Popen | None, request: pytest.FixtureRequest
) -> Iterator[None]:
    """A test after which the suite's `db_worker` is gone fails, with what the worker said."""
    yield
    if task_worker is not None and (
        died := worker_died(task_worker, request.config.stash[TASK_WORKER_LOG])
    ):
        pytest.fail(died)


@pytest.fixture
def world(db: None) -> World:
    return build_world()


@pytest.fixture
def committed_world(transactional_db: None, settings: Any, tmp_path: Any) -> World:
    """The world in committed rows, for a live server's browser test: uploads under a
    temporary folder, background tasks run at once."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    return build_world()


@pytest.fixture
def api(world: World) -> APIClient:
    """The facilitator's API client."""
    return world.client("facilitator")


def token_for(user: User) -> str:
    return Token.objects.get_or_create(user=user)[0].key


__all__ = ["Blueprint", "World", "build_world", "token_for"]
