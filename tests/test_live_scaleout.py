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
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
import websockets

from tests.browser import run_in_own_loop
from tests.servers import (
    REDIS_HOST,
    REDIS_PORT,
    database_for_servers,
    require_redis,
    token_client,
    uvicorn_servers,
)

PASSWORD = "frontstage"
IDLE = 7.0  # seconds


@dataclass
class Servers:
    a: str  # "127.0.0.1:port"
    b: str


@pytest.fixture(scope="module")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from database_for_servers(tmp_path_factory)


@pytest.fixture(scope="module")
def servers(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    require_redis()
    env = {
        "REDIS_URL": f"redis://{REDIS_HOST}:{REDIS_PORT}/0",
        # Groups of their own: another run of this test on the same Redis cannot cross in.
        "CHANNELS_REDIS_PREFIX": f"frontstage-test-{uuid.uuid4().hex[:12]}",
    }
    logs = tmp_path_factory.mktemp("logs")
    with uvicorn_servers(database_url, logs, ["a", "b"], env) as addresses:
        yield Servers(*addresses)


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
    return token_client(f"http://{address}", username, PASSWORD)


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
    """The next message of `type_`; a timeout names the messages passed over meanwhile."""
    deadline, passed = time.monotonic() + timeout, []
    while True:
        left = deadline - time.monotonic()
        try:
            message = json.loads(await asyncio.wait_for(page.recv(), timeout=max(left, 0.001)))
        except TimeoutError:
            pytest.fail(f"no {type_!r} message within {timeout} s; passed over: {passed}")
        if message["type"] == type_:
            return message
        passed.append(message)


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
        response, event, seen_on_b = await asyncio.gather(
            patch, next_of(page, "event", 1.0), next_of(other, "event", 2.0)
        )
        elapsed = time.monotonic() - started
        assert response.status_code == 200, response.text[:300]
        assert (event["seq"], event["kind"], event["id"]) == (
            blueprint["seq"] + 1,
            "step.updated",
            step["id"],
        )
        assert event["after"]["title"] == "Crossed over"
        assert elapsed < 1.0
        assert seen_on_b["seq"] == event["seq"]  # the page on server B stayed connected too
        await other.close()
        assert len((await next_of(page, "presence", 5))["people"]) == 1
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
