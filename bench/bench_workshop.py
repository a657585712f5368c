"""A live workshop under load: 60 guests, each adds a note and casts a vote within 10 s.

Run from the repository root (``make bench`` does); needs the local Redis:

    FRONTSTAGE_INSECURE_DEV_KEY=1 .venv/bin/python bench/bench_workshop.py

One uvicorn process serves a throwaway SQLite database seeded with the demo workspace (which
has a workshop) and uses Redis as channel layer. 60 guests join by the workshop's code (name
only) and each keeps a WebSocket open. Within 10 s, at random moments, each adds a note and
then votes on it through the page's endpoints: 120 events, each of which every one of the 60
clients must receive. Latency = from the start of the write to the event's arrival at a client.
The baseline, in the same run, is a bare Channels `group_send` of 120 messages from this
process to the same group and clients through the rooms' layer (Redis pub/sub, see
CHANNEL_LAYERS["workshops"]): the transport alone. Target: p95 ≤ 500 ms. The machine's load
average is printed with the figures. Exits 0.

Then the same room split into 6 groups (BENCH_GROUPS), in a workshop of its own: each guest
writes on their group's board, and each event must reach its own group in full and everyone
else only as a numbered stub (`group.elsewhere`, no text): the figure is the latency within the
group, the number of events that leaked to another group (target 0) and the stubs per client.
"""

import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests
import websockets
from channels_redis.pubsub import RedisPubSubChannelLayer

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
GUESTS = int(os.environ.get("BENCH_GUESTS", "60"))
WINDOW = 10.0  # seconds in which every guest writes
TARGET = 0.500
GROUPS = int(os.environ.get("BENCH_GROUPS", "6"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(tmp: str, prefix: str) -> tuple[subprocess.Popen, str]:
    env = os.environ | {
        # BENCH_DATABASE_URL: an empty database of your own (e.g. PostgreSQL) instead.
        "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{tmp}/workshop.sqlite3"),
        "REDIS_URL": REDIS_URL,
        "CHANNELS_REDIS_PREFIX": prefix,
        "DEBUG": "1",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_COOKIES": "0",
    }
    python = str(VENV_BIN / "python")
    for command in (["migrate", "--noinput"], ["seed_demo"]):
        subprocess.run([python, "manage.py", *command], cwd=ROOT, env=env, check=True,
                       capture_output=True)  # fmt: skip
    address = f"127.0.0.1:{free_port()}"
    server = subprocess.Popen(
        [str(VENV_BIN / "uvicorn"), "frontstage.asgi:application", "--port", address[10:],
         "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    for _ in range(300):
        try:
            requests.get(f"http://{address}/accounts/login/", timeout=1)
            return server, address
        except requests.RequestException:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the server did not start")


def facilitator_headers(address: str) -> dict[str, str]:
    form = {"username": "facilitator", "password": "frontstage"}
    token = requests.post(f"http://{address}/api/v1/auth/token/", data=form, timeout=5).json()
    return {"Authorization": f"Token {token['token']}"}


def grouped_workshop(address: str, guests: int) -> tuple[dict[str, Any], dict[str, int]]:
    """A new workshop of the demo workspace with GROUPS groups; returns it and, per guest name,
    the group that guest will be put in (round robin)."""
    headers = facilitator_headers(address)
    api = f"http://{address}/api/v1"
    workspace = requests.get(f"{api}/workspaces/", headers=headers, timeout=5).json()["results"][0]
    workshop = requests.post(
        f"{api}/workshops/",
        json={"workspace": workspace["id"], "title": "Groups", "vote_budget": 5},
        headers=headers,
        timeout=5,
    ).json()
    groups = [
        requests.post(
            f"{api}/groups/",
            json={"workshop": workshop["id"], "name": f"Group {g + 1}"},
            headers=headers,
            timeout=5,
        ).json()["id"]
        for g in range(GROUPS)
    ]
    return workshop, {f"Guest {i}": groups[i % GROUPS] for i in range(guests)}


def put_in_groups(address: str, wid: int, plan: dict[str, int]) -> None:
    headers = facilitator_headers(address)
    api = f"http://{address}/api/v1"
    people = requests.get(
        f"{api}/participants/?workshop={wid}&page_size=1000", headers=headers, timeout=10
    ).json()["results"]
    for person in people:
        requests.patch(
            f"{api}/participants/{person['id']}/",
            json={"group": plan[person["name"]]},
            headers=headers,
            timeout=10,
        ).raise_for_status()


async def listen_grouped(
    page: Any, own: int, total: int, arrivals: dict[Any, float], tally: dict[str, int]
) -> None:
    """Until `total` events went by: record own-group arrivals, count stubs and leaks."""
    seen = 0
    while seen < total:
        message = json.loads(await asyncio.wait_for(page.recv(), timeout=30))
        if message.get("type") != "event":
            continue
        seen += 1
        if message["kind"] == "group.elsewhere":
            tally["stubs"] += 1
            continue
        key = event_key(message)
        if key is None:
            continue
        if message["data"].get("group") != own:
            tally["leaks"] += 1
        arrivals[key] = time.monotonic()


async def measure_groups(address: str) -> None:
    """The room in GROUPS groups: each event reaches only its group (the others get a stub)."""
    asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(max_workers=GUESTS + 4))
    workshop, plan = await asyncio.to_thread(grouped_workshop, address, GUESTS)
    wid, code = workshop["id"], workshop["join_code"]
    guests: list[requests.Session] = []
    while len(guests) < GUESTS:
        batch = range(len(guests), min(GUESTS, len(guests) + 10))
        guests += await asyncio.gather(
            *(asyncio.to_thread(join, address, code, f"Guest {i}") for i in batch)
        )
    await asyncio.to_thread(put_in_groups, address, wid, plan)
    pages = []
    for guest in guests:
        cookie = "; ".join(f"{k}={v}" for k, v in guest.cookies.items())
        pages.append(
            await websockets.connect(
                f"ws://{address}/ws/workshops/{wid}/",
                origin=f"http://{address}",
                additional_headers={"Cookie": cookie},
                max_queue=None,
            )
        )
    await asyncio.gather(*(drain(page) for page in pages))
    total = 2 * GUESTS
    arrivals: list[dict[Any, float]] = [{} for _ in pages]
    tallies = [{"stubs": 0, "leaks": 0} for _ in pages]
    cookies = [dict(guest.cookies) for guest in guests]
    listeners = [
        listen_grouped(page, plan[f"Guest {i}"], total, arrivals[i], tallies[i])
        for i, page in enumerate(pages)
    ]
    with ProcessPoolExecutor(max_workers=1) as pool:
        writing = asyncio.get_running_loop().run_in_executor(pool, write_all, address, wid, cookies)
        (started, writes, failures), *_ = await asyncio.gather(writing, *listeners)
    for page in pages:
        await page.close()
    members = {gid: sum(1 for g in plan.values() if g == gid) for gid in set(plan.values())}
    complete = all(len(arrivals[i]) == 2 * members[plan[f"Guest {i}"]] for i in range(len(pages)))
    live = [got[key] - started[key] for got in arrivals for key in got]
    p50, p95 = summary(live)
    leaks = sum(t["leaks"] for t in tallies)
    stubs = [t["stubs"] for t in tallies]
    print(f"Workshop in {GROUPS} groups: {GUESTS} guests, {total} events")
    print(f"  each client got its own group's events in full: {complete}; events leaked to "
          f"another group: {leaks}; stubs per client {min(stubs)}–{max(stubs)}; "
          f"failed writes: {len(failures)}")  # fmt: skip
    print(f"  {'note/vote → own group':28}{p50 * 1000:8.0f}ms{p95 * 1000:8.0f}ms (p50, p95)")
    write_p50, write_p95 = summary(writes)
    print(f"  {'HTTP answer to the writer':28}{write_p50 * 1000:8.0f}ms{write_p95 * 1000:8.0f}ms")
    print(f"  load average (1 min) after the run {os.getloadavg()[0]:.2f}")
    verdict = "met" if p95 <= TARGET and leaks == 0 and complete else "NOT met"
    print(f"  target p95 ≤ {TARGET * 1000:.0f} ms, no leak: {verdict}")


def demo_workshop(address: str) -> dict[str, Any]:
    form = {"username": "facilitator", "password": "frontstage"}
    token = requests.post(f"http://{address}/api/v1/auth/token/", data=form, timeout=5).json()
    headers = {"Authorization": f"Token {token['token']}"}
    rows = requests.get(f"http://{address}/api/v1/workshops/", headers=headers, timeout=5)
    workshop = rows.json()["results"][0]
    # Enough dots for everyone; the budget itself is tested elsewhere.
    requests.patch(
        f"http://{address}/api/v1/workshops/{workshop['id']}/",
        json={"vote_budget": 5},
        headers=headers,
        timeout=5,
    )
    return workshop


def join(address: str, code: str, name: str) -> requests.Session:
    guest = requests.Session()
    url = f"http://{address}/join/{code}/"
    guest.get(url, timeout=10)
    token = guest.cookies["csrftoken"]
    answer = guest.post(url, data={"name": name, "csrfmiddlewaretoken": token}, timeout=10)
    answer.raise_for_status()
    guest.headers.update({"X-CSRFToken": token, "Accept": "application/json"})
    return guest


def write_all(
    address: str, wid: int, cookies: list[dict[str, str]]
) -> tuple[dict[Any, float], list[float], list[str]]:
    """Every guest adds a note then votes on it, at a random moment of the window."""
    started: dict[Any, float] = {}
    writes: list[float] = []  # how long each write's HTTP answer took
    failures: list[str] = []

    def act(i: int) -> None:
        guest = requests.Session()
        guest.cookies.update(cookies[i])
        guest.headers.update({"X-CSRFToken": cookies[i]["csrftoken"], "Accept": "application/json"})
        time.sleep(random.uniform(0, WINDOW - 1.5))
        text = f"Bench note {i} {uuid.uuid4().hex[:6]}"
        started[("note", text)] = time.monotonic()
        answer = guest.post(f"http://{address}/workshops/{wid}/notes/", data={"text": text})
        writes.append(time.monotonic() - started[("note", text)])
        if answer.status_code != 200:
            failures.append(f"note {answer.status_code}")
            return
        note = answer.json()["id"]
        started[("vote", note)] = time.monotonic()
        answer = guest.post(f"http://{address}/workshops/{wid}/notes/{note}/vote/")
        writes.append(time.monotonic() - started[("vote", note)])
        if answer.status_code != 200:
            failures.append(f"vote {answer.status_code}")

    with ThreadPoolExecutor(max_workers=len(cookies)) as pool:
        list(pool.map(act, range(len(cookies))))
    return started, writes, failures


def summary(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.95) - 1)]


async def listen(page: Any, expected: int, key: Any, arrivals: dict[Any, float]) -> None:
    """Record when each wanted message arrives, until `expected` of them have."""
    while len(arrivals) < expected:
        message = json.loads(await asyncio.wait_for(page.recv(), timeout=30))
        wanted = key(message)
        if wanted is not None:
            arrivals[wanted] = time.monotonic()


def event_key(message: dict[str, Any]) -> Any:
    if message.get("type") != "event":
        return None
    if message["kind"] == "note.created":
        return ("note", message["data"]["text"])
    if message["kind"] == "vote.cast":
        return ("vote", message["data"]["note"])
    return None


async def drain(page: Any) -> None:
    while True:
        try:
            await asyncio.wait_for(page.recv(), timeout=0.3)
        except TimeoutError:
            return


async def measure(address: str, prefix: str) -> None:
    # One thread per guest: a write must not wait in this client for a free thread.
    asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(max_workers=GUESTS + 4))
    load_before = os.getloadavg()[0]  # the machine is shared: say how busy it was
    workshop = demo_workshop(address)
    wid, code = workshop["id"], workshop["join_code"]
    guests: list[requests.Session] = []
    while len(guests) < GUESTS:  # people arrive in small groups, as in a room
        batch = range(len(guests), min(GUESTS, len(guests) + 10))
        guests += await asyncio.gather(
            *(asyncio.to_thread(join, address, code, f"Guest {i}") for i in batch)
        )
    pages = []
    for guest in guests:
        cookie = "; ".join(f"{k}={v}" for k, v in guest.cookies.items())
        pages.append(
            await websockets.connect(
                f"ws://{address}/ws/workshops/{wid}/",
                origin=f"http://{address}",
                additional_headers={"Cookie": cookie},
                max_queue=None,
            )
        )
    await asyncio.gather(*(drain(page) for page in pages))

    # The workload: each guest, at a random moment of the window, adds a note then votes on it.
    # The writers run in a process of their own, so that their threads do not slow down this
    # process's event loop, which timestamps the arrivals (monotonic clock, system-wide).
    arrivals: list[dict[Any, float]] = [{} for _ in pages]
    expected = 2 * GUESTS
    cookies = [dict(guest.cookies) for guest in guests]
    began = time.monotonic()
    listeners = [
        listen(page, expected, event_key, got) for page, got in zip(pages, arrivals, strict=True)
    ]
    with ProcessPoolExecutor(max_workers=1) as pool:
        writing = asyncio.get_running_loop().run_in_executor(pool, write_all, address, wid, cookies)
        (started, writes, failures), *_ = await asyncio.gather(writing, *listeners)
    elapsed = time.monotonic() - began
    received = [len(got) for got in arrivals]
    live = [got[key] - started[key] for got in arrivals for key in got]

    # The baseline: the same number of messages, spread the same way, with no write behind them.
    # The rooms' own layer (CHANNEL_LAYERS["workshops"] in settings: Redis pub/sub).
    layer = RedisPubSubChannelLayer(hosts=[{"address": REDIS_URL}], prefix=f"{prefix}.workshops")
    sent: dict[Any, float] = {}
    bare_arrivals: list[dict[Any, float]] = [{} for _ in pages]

    async def bare(i: int) -> None:
        await asyncio.sleep(random.uniform(0, WINDOW - 1.5))
        mark = f"bare {i}"
        sent[mark] = time.monotonic()
        message = {"type": "workshop.event", "text": json.dumps({"type": "bench", "mark": mark})}
        await layer.group_send(f"workshop-{wid}", message)

    def bare_key(message: dict[str, Any]) -> Any:
        return message.get("mark") if message.get("type") == "bench" else None

    await asyncio.gather(
        *(bare(i) for i in range(expected)),
        *(listen(p, expected, bare_key, got) for p, got in zip(pages, bare_arrivals, strict=True)),
    )
    baseline = [got[mark] - sent[mark] for got in bare_arrivals for mark in got]
    for page in pages:
        await page.close()

    live_p50, live_p95 = summary(live)
    bare_p50, bare_p95 = summary(baseline)
    print(f"Workshop fan-out: {GUESTS} guests, {expected} events in {elapsed:.1f} s")
    print(
        f"  load average (1 min) before the run {load_before:.2f}, after {os.getloadavg()[0]:.2f}"
    )
    every = min(received) == expected
    print(f"  every client received every event: {every} (min {min(received)}, max "
          f"{max(received)} of {expected}); failed writes: {len(failures)}")  # fmt: skip
    print(f"  {'':28}{'p50':>9}{'p95':>9}")
    print(f"  {'note/vote → every client':28}{live_p50 * 1000:8.0f}ms{live_p95 * 1000:8.0f}ms")
    write_p50, write_p95 = summary(writes)
    print(f"  {'HTTP answer to the writer':28}{write_p50 * 1000:8.0f}ms{write_p95 * 1000:8.0f}ms")
    print(f"  {'bare group_send (baseline)':28}{bare_p50 * 1000:8.0f}ms{bare_p95 * 1000:8.0f}ms")
    verdict = "met" if live_p95 <= TARGET else "NOT met"
    print(f"  target p95 ≤ {TARGET * 1000:.0f} ms: {verdict}")


def main() -> None:
    prefix = f"bench-workshop-{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory() as tmp:
        server, address = start_server(tmp, prefix)
        try:
            asyncio.run(measure(address, prefix))
            if GROUPS:
                asyncio.run(measure_groups(address))
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
