"""Two server processes, one database, one Redis: live updates cross from one to the other.

The test starts two real uvicorn processes on a database of their own (a SQLite file, or a
fresh PostgreSQL database when the suite runs on PostgreSQL), migrated and seeded with the demo
workspace, and the local Redis as channel layer. A page connected to server A must see, within
a second and with the right number, a change written through server B's API; and writers
hammering both servers at once must never share an event number. Redis is required: if it is
not reachable, this fails.
"""

import asyncio
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dj_database_url
import psycopg
import pytest
import requests
import websockets
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
PASSWORD = "frontstage"
IDLE = 7.0  # seconds


@dataclass
class Servers:
    a: str  # "127.0.0.1:port"
    b: str


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def require_redis() -> None:
    try:
        with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=2) as sock:
            sock.sendall(b"PING\r\n")
            assert sock.recv(16).startswith(b"+PONG"), "Redis did not answer PING"
    except OSError as error:
        pytest.fail(f"Redis must run on {REDIS_HOST}:{REDIS_PORT} for this test: {error}")


@pytest.fixture(scope="module")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database of the suite's kind, just for the two servers."""
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        yield f"sqlite:///{tmp_path_factory.mktemp('live') / 'live.sqlite3'}"
        return
    config = settings.DATABASES["default"]
    name = f"frontstage_live_{uuid.uuid4().hex[:12]}"
    admin = psycopg.connect(
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )
    admin.execute(f'CREATE DATABASE "{name}"')
    parsed = dj_database_url.parse(os.environ.get("DATABASE_URL", ""))
    auth = parsed["USER"] + (f":{parsed['PASSWORD']}" if parsed["PASSWORD"] else "")
    try:
        yield f"postgres://{auth}@{parsed['HOST']}:{parsed['PORT'] or 5432}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def wait_until_up(address: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server {address} exited:\n{log.read_text()[-3000:]}")
        try:
            requests.get(f"http://{address}/accounts/login/", timeout=1)
            return
        except requests.RequestException:  # not listening yet, or still starting up
            time.sleep(0.1)
    pytest.fail(f"server {address} did not start:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def servers(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    require_redis()
    env = os.environ | {
        "DATABASE_URL": database_url,
        "REDIS_URL": f"redis://{REDIS_HOST}:{REDIS_PORT}/0",
        # Groups of their own: another run of this test on the same Redis cannot cross in.
        "CHANNELS_REDIS_PREFIX": f"frontstage-test-{uuid.uuid4().hex[:12]}",
        "DEBUG": "1",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_COOKIES": "0",
    }
    python = str(VENV_BIN / "python")
    for command in (["migrate", "--noinput"], ["seed_demo"]):
        subprocess.run(
            [python, "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=True
        )
    logs = tmp_path_factory.mktemp("logs")
    processes: list[subprocess.Popen] = []
    addresses = []
    try:
        for name in ("a", "b"):
            address = f"127.0.0.1:{free_port()}"
            log = logs / f"{name}.log"
            command = [str(VENV_BIN / "uvicorn"), "frontstage.asgi:application"]
            command += ["--host", "127.0.0.1", "--port", address.split(":")[1]]
            with log.open("w") as out:
                process = subprocess.Popen(
                    command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
                )
            processes.append(process)
            wait_until_up(address, process, log)
            addresses.append(address)
        yield Servers(*addresses)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def session_cookie(address: str, username: str) -> str:
    """Log in through the login page, as a browser does; the session works on every server."""
    browser = requests.Session()
    login = f"http://{address}/accounts/login/"
    browser.get(login, timeout=5)
    form = {
        "username": username,
        "password": PASSWORD,
        "csrfmiddlewaretoken": browser.cookies["csrftoken"],
    }
    response = browser.post(login, data=form, timeout=5, allow_redirects=False)
    assert response.status_code == 302, response.text[:500]
    return browser.cookies["sessionid"]


def api(address: str, username: str) -> requests.Session:
    client = requests.Session()
    answer = client.post(
        f"http://{address}/api/v1/auth/token/",
        data={"username": username, "password": PASSWORD},
        timeout=5,
    )
    assert answer.status_code == 200, answer.text[:300]
    client.headers["Authorization"] = f"Token {answer.json()['token']}"
    return client


def team_blueprint(client: requests.Session, address: str, username: str) -> dict[str, Any]:
    """A blueprint `username` may edit, as its detail shows it."""
    listed = client.get(f"http://{address}/api/v1/blueprints/?page_size=100", timeout=5).json()
    for row in listed["results"]:
        if row["kind"] == "team":
            return client.get(f"http://{address}/api/v1/blueprints/{row['id']}/", timeout=5).json()
    pytest.fail(f"{username} has no team blueprint in the demo")


async def open_page(address: str, blueprint_id: int, cookie: str) -> Any:
    return await websockets.connect(
        f"ws://{address}/ws/blueprints/{blueprint_id}/",
        origin=f"http://{address}",
        additional_headers={"Cookie": f"sessionid={cookie}"},
        open_timeout=5,
    )


async def next_of(page: Any, type_: str, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        message = json.loads(await asyncio.wait_for(page.recv(), timeout=max(left, 0.001)))
        if message["type"] == type_:
            return message


def run_in_own_loop(scenario: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run on a thread of its own: the thread running the tests may hold an event loop
    (Playwright's sync API leaves one there)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, scenario()).result()


def test_a_change_through_server_b_reaches_a_page_on_server_a(servers: Servers) -> None:
    writer = api(servers.b, "facilitator")
    blueprint = team_blueprint(writer, servers.b, "facilitator")
    step = blueprint["steps"][0]
    cookie_a = session_cookie(servers.a, "facilitator")
    cookie_b = session_cookie(servers.b, "manager")

    async def scenario() -> None:
        page = await open_page(servers.a, blueprint["id"], cookie_a)
        hello = await next_of(page, "hello", 2)
        assert hello["seq"] == blueprint["seq"]
        # Someone opening the page on server B shows up on server A.
        other = await open_page(servers.b, blueprint["id"], cookie_b)
        while len((await next_of(page, "presence", 2))["people"]) < 2:
            pass
        # Idle for longer than one blocking read of Redis (5 s): the page must stay connected.
        await asyncio.sleep(IDLE)
        url = f"http://{servers.b}/api/v1/steps/{step['id']}/"
        started = time.monotonic()
        patch = asyncio.to_thread(writer.patch, url, json={"title": "Crossed over"}, timeout=5)
        response, event = await asyncio.gather(patch, next_of(page, "event", 1.0))
        elapsed = time.monotonic() - started
        assert response.status_code == 200, response.text[:300]
        assert (event["seq"], event["kind"], event["id"]) == (
            blueprint["seq"] + 1,
            "step.updated",
            step["id"],
        )
        assert event["after"]["title"] == "Crossed over"
        assert elapsed < 1.0
        await other.close()
        assert len((await next_of(page, "presence", 2))["people"]) == 1
        await page.close()

    run_in_own_loop(scenario)


def test_concurrent_writers_on_both_servers_never_share_a_number(servers: Servers) -> None:
    writers, rounds = 4, 10
    clients = [api(servers.a if i % 2 else servers.b, "facilitator") for i in range(writers)]
    blueprint = team_blueprint(clients[0], servers.a, "facilitator")
    steps = blueprint["steps"][:writers]
    assert len(steps) == writers
    start, failures = threading.Barrier(writers), []

    def write(i: int) -> None:
        address = servers.a if i % 2 else servers.b
        start.wait()
        for n in range(rounds):
            answer = clients[i].patch(
                f"http://{address}/api/v1/steps/{steps[i]['id']}/",
                json={"title": f"Writer {i}, take {n}"},
                timeout=30,
            )
            if answer.status_code != 200:
                failures.append(f"{answer.status_code}: {answer.text[:200]}")

    threads = [threading.Thread(target=write, args=(i,)) for i in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    first = blueprint["seq"]
    caught = (
        clients[0]
        .get(
            f"http://{servers.a}/api/v1/blueprints/{blueprint['id']}/events/?after={first}",
            timeout=5,
        )
        .json()
    )
    numbers = [event["seq"] for event in caught["events"]]
    assert numbers == list(range(first + 1, first + writers * rounds + 1))
    assert caught["seq"] == first + writers * rounds
    per_step = {step["id"]: 0 for step in steps}
    for event in caught["events"]:
        per_step[event["id"]] += 1
    assert set(per_step.values()) == {rounds}
