"""Fan-out of one edit: from the API write to the event received by N live pages.

Run from the repository root (``make bench`` does); needs the local Redis:

    FRONTSTAGE_INSECURE_DEV_KEY=1 .venv/bin/python bench/bench_fanout.py

One uvicorn process serves a throwaway SQLite database (seeded with the demo workspace) and
uses Redis as channel layer. N = 10, 50, 200 WebSocket clients open the same blueprint; each
round PATCHes a step through the API and times, for every client, the event's arrival. The
baseline, measured in the same run and interleaved round by round, is a bare Channels
`group_send` from this process to the same group and the same N clients: the cost of the
transport alone. Targets: p95 ≤ 250 ms at 50 clients, ≤ 1 s at 200. Always exits 0.
"""

import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import requests
import websockets
from channels_redis.core import RedisChannelLayer

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
CLIENTS = tuple(int(n) for n in os.environ.get("BENCH_CLIENTS", "10,50,200").split(","))
ROUNDS = 20
TARGETS = {50: 0.250, 200: 1.0}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(tmp: str, prefix: str) -> tuple[subprocess.Popen, str, dict[str, str]]:
    env = os.environ | {
        "DATABASE_URL": f"sqlite:///{tmp}/fanout.sqlite3",
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
            return server, address, env
        except requests.RequestException:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the server did not start")


def login(address: str) -> tuple[str, requests.Session]:
    browser = requests.Session()
    url = f"http://{address}/accounts/login/"
    browser.get(url, timeout=5)
    form = {"username": "facilitator", "password": "frontstage"}
    browser.post(url, data=form | {"csrfmiddlewaretoken": browser.cookies["csrftoken"]})
    api = requests.Session()
    token = api.post(f"http://{address}/api/v1/auth/token/", data=form, timeout=5).json()
    api.headers["Authorization"] = f"Token {token['token']}"
    return browser.cookies["sessionid"], api


async def quiet(page: Any, for_seconds: float = 0.3) -> None:
    """Drain what connecting stirred up (hello, presence) until the socket falls silent."""
    while True:
        try:
            await asyncio.wait_for(page.recv(), timeout=for_seconds)
        except TimeoutError:
            return


async def arrival(page: Any, wanted: Any) -> float:
    while True:
        message = json.loads(await page.recv())
        if wanted(message):
            return time.perf_counter()


def summary(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.95) - 1)]


async def measure(address: str, cookie: str, api: requests.Session, n: int) -> dict[str, Any]:
    blueprints = api.get(f"http://{address}/api/v1/blueprints/", timeout=5).json()["results"]
    blueprint = next(row for row in blueprints if row["kind"] == "team")
    detail = api.get(f"http://{address}/api/v1/blueprints/{blueprint['id']}/", timeout=5).json()
    step = detail["steps"][0]["id"]
    pages: list[Any] = []
    # People arrive in small groups, not 200 in the same instant: each arrival has everyone
    # present answer the newcomer (presence), a burst that is not what this measures.
    while len(pages) < n:
        batch = [
            await websockets.connect(
                f"ws://{address}/ws/blueprints/{blueprint['id']}/",
                origin=f"http://{address}",
                additional_headers={"Cookie": f"sessionid={cookie}"},
                max_queue=None,
            )
            for _ in range(min(10, n - len(pages)))
        ]
        pages += batch
        await asyncio.gather(*(quiet(page) for page in pages))
    # As configured in frontstage/settings.py: with the default capacity (100) a group_send
    # to 200 connections of one process would drop half of them.
    layer = RedisChannelLayer(
        hosts=[{"address": REDIS_URL, "socket_timeout": 15}],
        prefix=os.environ["CHANNELS_REDIS_PREFIX"],
        capacity=5000,
    )
    edit, bare = [], []
    url = f"http://{address}/api/v1/steps/{step}/"
    for round_ in range(ROUNDS):
        title = f"Fan-out {n}/{round_}"
        waits = [arrival(p, lambda m, t=title: (m.get("after") or {}).get("title") == t)
                 for p in pages]  # fmt: skip
        started = time.perf_counter()
        sent = asyncio.to_thread(api.patch, url, json={"title": title}, timeout=30)
        _, *times = await asyncio.gather(sent, *waits)
        edit += [t - started for t in times]

        mark = f"bare {n}/{round_}"
        waits = [arrival(p, lambda m, k=mark: m.get("mark") == k) for p in pages]
        started = time.perf_counter()
        message = {"type": "blueprint.event", "event": {"type": "bench", "mark": mark}}
        sent = layer.group_send(f"blueprint-{blueprint['id']}", message)
        _, *times = await asyncio.gather(sent, *waits)
        bare += [t - started for t in times]
    for page in pages:
        await page.close()
    await layer.flush()
    return {"edit": summary(edit), "bare": summary(bare)}


def main() -> None:
    prefix = f"frontstage-bench-{uuid.uuid4().hex[:12]}"
    os.environ["CHANNELS_REDIS_PREFIX"] = prefix
    with tempfile.TemporaryDirectory(prefix="frontstage-fanout-") as tmp:
        server, address, _ = start_server(tmp, prefix)
        try:
            cookie, api = login(address)
            print(f"fan-out of one edit, {ROUNDS} rounds, one uvicorn process, Redis layer")
            print(f"{'clients':>8} {'edit p50':>10} {'edit p95':>10} {'bare p50':>10} "
                  f"{'bare p95':>10}  target p95")  # fmt: skip
            for n in CLIENTS:
                result = asyncio.run(measure(address, cookie, api, n))
                (e50, e95), (b50, b95) = result["edit"], result["bare"]
                target = TARGETS.get(n)
                verdict = "" if target is None else (
                    f"≤ {target * 1000:.0f} ms: {'met' if e95 <= target else 'MISSED'}"
                )  # fmt: skip
                print(f"{n:>8} {e50 * 1000:>8.1f}ms {e95 * 1000:>8.1f}ms "
                      f"{b50 * 1000:>8.1f}ms {b95 * 1000:>8.1f}ms  {verdict}")  # fmt: skip
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
