"""Real server processes for the tests that need them (WebSockets, several processes).

Each module that uses them gets a database of its own, of the suite's kind (a SQLite file, or
a fresh PostgreSQL database when the suite runs on PostgreSQL), migrated and seeded with the
demo workspace, and one or more uvicorn processes serving it.
"""

import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import dj_database_url
import psycopg
import pytest
import requests
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def silent_port() -> Iterator[int]:
    """A TCP port that accepts connections and never says a word: a hung Redis."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(100)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        for connection in held:
            connection.close()
        listener.close()


def worker_id() -> str:
    """This test process under pytest-xdist ("gw0", "gw1" …), or "main" without it."""
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def require_redis() -> None:
    try:
        with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=2) as sock:
            sock.sendall(b"PING\r\n")
            assert sock.recv(16).startswith(b"+PONG"), "Redis did not answer PING"
    except OSError as error:
        pytest.fail(f"Redis must run on {REDIS_HOST}:{REDIS_PORT} for this test: {error}")


def database_for_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database of the suite's kind, just for the two servers."""
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        yield f"sqlite:///{tmp_path_factory.mktemp('live') / 'live.sqlite3'}"
        return
    config = settings.DATABASES["default"]
    name = f"frontstage_live_{worker_id()}_{uuid.uuid4().hex[:12]}"
    admin = psycopg.connect(
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield postgres_url(name)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def postgres_url(name: str) -> str:
    """The suite's PostgreSQL server (DATABASE_URL), database `name`."""
    parsed = dj_database_url.parse(os.environ.get("DATABASE_URL", ""))
    auth = parsed["USER"] + (f":{parsed['PASSWORD']}" if parsed["PASSWORD"] else "")
    return f"postgres://{auth}@{parsed['HOST']}:{parsed['PORT'] or 5432}/{name}"


def task_worker_wanted() -> bool:
    """Whether the suite runs its background work through real `db_worker` processes
    (TEST_TASK_WORKER=db_worker, the PostgreSQL pass of .ci/run) rather than in a thread of
    the process that enqueued it."""
    return os.environ.get("TEST_TASK_WORKER") == "db_worker"


def start_db_worker(env: dict[str, str], log: Path, *options: str) -> subprocess.Popen:
    """A `manage.py db_worker` process with `env` (its DATABASE_URL says which database),
    polling every tenth of a second; its output in `log`."""
    command = [str(VENV_BIN / "python"), "manage.py", "db_worker", "--no-reload", *options]
    command += ["--no-startup-delay", "--interval", "0.1"]
    with log.open("w") as out:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def worker_died(process: subprocess.Popen, log: Path) -> str | None:
    """What to say when the worker is no longer running (None while it runs)."""
    if process.poll() is None:
        return None
    tail = log.read_text(errors="replace")[-3000:]
    return f"the db_worker (pid {process.pid}) exited with {process.returncode}:\n{tail}"


@contextmanager
def db_worker(env: dict[str, str], log: Path, name: str) -> Iterator[subprocess.Popen]:
    """One `db_worker` process with `env` (its DATABASE_URL), known to the queue as `name`,
    for the duration, stopped at the end; one that died meanwhile fails the caller with its
    output."""
    env = env | {"TASKS_BACKEND": "django_tasks_db.DatabaseBackend"}
    process = start_db_worker(env, log, "--worker-id", name)
    try:
        yield process
    finally:
        died = worker_died(process, log)
        stop([process])
    if died:
        pytest.fail(died)


def wait_until_up(address: str, process: subprocess.Popen, log: Path) -> None:
    if not came_up(address, process, log):
        pytest.fail(f"server {address} did not start:\n{log.read_text()[-3000:]}")


def came_up(address: str, process: subprocess.Popen, log: Path) -> bool:
    """Whether the process serves `address`: False if it exited, e.g. when another test process
    (an xdist worker) took the port between free_port() and the server's bind. Only uvicorn's
    own "running on" line tells that the answers come from this process."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if f"Uvicorn running on http://{address}" not in log.read_text(errors="replace"):
            time.sleep(0.1)
            continue
        try:
            requests.get(f"http://{address}/accounts/login/", timeout=5)
            return True
        except requests.RequestException:  # still starting up
            time.sleep(0.1)
    return False


def start_uvicorn(env: dict[str, str], log: Path) -> tuple[subprocess.Popen, str]:
    """One uvicorn process on a free port; a new port if the first one was taken meanwhile."""
    for _ in range(3):
        address = f"127.0.0.1:{free_port()}"
        command = [str(VENV_BIN / "uvicorn"), "frontstage.asgi:application"]
        command += ["--host", "127.0.0.1", "--port", address.split(":")[1]]
        with log.open("w") as out:
            process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
            )
        if came_up(address, process, log):
            return process, address
        stop([process])
        if "address already in use" not in log.read_text().lower():
            break
    pytest.fail(f"server {address} did not start:\n{log.read_text()[-3000:]}")


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def uvicorn_servers(
    database_url: str, logs: Path, names: list[str], env: dict[str, str]
) -> Iterator[list[str]]:
    """Migrate and seed the database, then serve it with one uvicorn process per name (and,
    under TEST_TASK_WORKER=db_worker, with a `db_worker` for their background work, unless
    `env` names a task backend of its own: the caller runs its workers itself)."""
    given = env
    env = (
        os.environ
        | {
            "DATABASE_URL": database_url,
            "DEBUG": "1",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_COOKIES": "0",
            "DEMO_CONTACTS": "0",  # the demo's blueprints are enough here
        }
        | env
    )
    python = str(VENV_BIN / "python")
    for command in (["migrate", "--noinput"], ["seed_demo"]):
        done = subprocess.run(
            [python, "manage.py", *command], cwd=ROOT, env=env, capture_output=True, text=True
        )
        if done.returncode:
            pytest.fail(f"manage.py {' '.join(command)} failed:\n{done.stderr[-3000:]}")
    processes: list[subprocess.Popen] = []
    addresses = []
    with ExitStack() as stack:
        if task_worker_wanted() and "TASKS_BACKEND" not in given:
            worker = f"servers-{worker_id()}-{uuid.uuid4().hex[:8]}"
            stack.enter_context(db_worker(env, logs / "db_worker.log", worker))
        try:
            for name in names:
                process, address = start_uvicorn(env, logs / f"{name}.log")
                processes.append(process)
                addresses.append(address)
            yield addresses
        finally:
            stop(processes)


def manage(database_url: str, *args: str) -> str:
    """Run a management command on the servers' database."""
    env = os.environ | {"DATABASE_URL": database_url, "DEBUG": "1"}
    done = subprocess.run(
        [str(VENV_BIN / "python"), "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


def token_client(base_url: str, username: str, password: str) -> requests.Session:
    """A requests session that speaks to the API as `username`, with a token."""
    client = requests.Session()
    answer = client.post(
        f"{base_url}/api/v1/auth/token/",
        data={"username": username, "password": password},
        timeout=5,
    )
    assert answer.status_code == 200, answer.text[:300]
    client.headers["Authorization"] = f"Token {answer.json()['token']}"
    return client
