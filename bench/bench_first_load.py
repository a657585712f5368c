"""A 2,000-step board's first load in Chromium, and the server's CPU per live event.

Run from the repository root (``make bench`` does); needs the local Redis and Chromium:

    FRONTSTAGE_INSECURE_DEV_KEY=1 .venv/bin/python bench/bench_first_load.py

Served as in production: `collectstatic` (fingerprinted, compressed static files), one uvicorn
process with DEBUG=0 and the Redis channel layer, a throwaway SQLite database with the demo
workspace and two team blueprints of 100 and 2,000 steps (BENCH_STEPS).

1. First load: a fresh browser context (nothing cached) opens the editor of the large board,
   timed from the navigation's start (the page's own clock) until its last card is in the DOM
   and every link's arrow is drawn, checked every animation frame; median of BENCH_LOADS. The
   board itself has been rendered once before (shared by every viewer; that render is printed).
   Baseline, same run: the login page until its `load` event. Target: ≤ 1.5 s on a quiet
   machine.
2. CPU per event: the server process's CPU time (user + system, /proc) over BENCH_EDITS PATCHes
   of a step's title, each timed until it reached every open socket, with 1 and 50
   (BENCH_VIEWERS) live sockets on the blueprint, on the small and the large board. Baseline,
   same run: a bare Channels `group_send` of the PATCH's own event to the same sockets
   (sending alone: each connection encodes and writes it).
   Independent of steps: the two boards' figures alike; of viewers beyond sending: the step
   from 1 to 50 sockets the same for a PATCH as for the bare send.

The machine's load average is printed beside each figure. Always exits 0.
"""

import asyncio
import json
import os
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
from playwright.async_api import async_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_lighthouse import MAKE_BOARD, ROOT, VENV_BIN, session_cookie, start_server  # noqa: E402

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
PORT = int(os.environ.get("BENCH_PORT", "18241"))
STEPS = tuple(int(n) for n in os.environ.get("BENCH_STEPS", "100,2000").split(","))
VIEWERS = tuple(int(n) for n in os.environ.get("BENCH_VIEWERS", "1,50").split(","))
EDITS = int(os.environ.get("BENCH_EDITS", "40"))
LOADS = int(os.environ.get("BENCH_LOADS", "5"))
TARGET = 1.5
FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
TICK = os.sysconf("SC_CLK_TCK")
# Records in window.ready the page's clock (ms since the navigation began) of the first frame
# in which `ready()` held.
WATCH = """
(() => {
  const ready = %s;
  const check = () => {
    if (ready()) window.ready = performance.now();
    else requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
})();
"""
BOARD_READY = """() => {
  const data = document.getElementById("board-arrows");
  if (!data || document.querySelectorAll("article.step").length !== %d) return false;
  const drawn = document.querySelectorAll("[data-arrows] path[data-arrow]").length;
  return drawn > 0 && drawn === JSON.parse(data.textContent).length;
}"""
# Where the time went: the navigation's own marks (ms from its start).
NAVIGATION = """() => {
  const n = performance.getEntriesByType("navigation")[0];
  return {first_byte: n.responseStart, last_byte: n.responseEnd, parsed: n.domInteractive,
          scripts_done: n.domContentLoadedEventEnd, bytes: n.transferSize};
}"""
LOGIN_READY = """() => document.readyState === "complete" && !!document.querySelector("form")"""


def load() -> str:
    return "load {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


async def timed_load(
    browser: Any, url: str, ready: str, cookie: str | None
) -> tuple[float, dict[str, float]]:
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    if cookie:
        origin = "/".join(url.split("/")[:3])  # the cookie's path is "/", as the login sets it
        await context.add_cookies([{"name": "sessionid", "value": cookie, "url": origin}])
    await context.add_init_script(WATCH % ready)
    page = await context.new_page()
    await page.goto(url, wait_until="commit")
    await page.wait_for_function("() => window.ready !== undefined", timeout=120_000, polling=100)
    took = await page.evaluate("window.ready") / 1000
    steps = await page.evaluate(NAVIGATION)
    await context.close()
    return took, steps


def phases(marks: dict[str, float]) -> str:
    return ", ".join(f"{name} {at / 1000:.2f}" for name, at in marks.items())


async def first_load(base: str, cookie: str, blueprint: int, cards: int) -> None:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        await timed_load(browser, f"{base}/accounts/login/", LOGIN_READY, None)  # warm up
        # The board is rendered once per blueprint, seq, language and role, then shared: the
        # first viewer after a change pays for it, everyone else reads it.
        started = time.perf_counter()
        requests.get(f"{base}/blueprints/{blueprint}/", cookies={"sessionid": cookie}, timeout=120)
        print(f"  the board's one render (the first viewer after a change): "
              f"{time.perf_counter() - started:.2f} s ({load()})")  # fmt: skip
        login, board = [], []
        for _ in range(LOADS):  # interleaved: both see the same load
            took, _marks = await timed_load(browser, f"{base}/accounts/login/", LOGIN_READY, None)
            login.append(took)
            took, marks = await timed_load(
                browser, f"{base}/blueprints/{blueprint}/", BOARD_READY % cards, cookie
            )
            board.append(took)
            transferred = marks.pop("bytes") / 1000
            print(f"  load: board {board[-1]:.2f} s ({phases(marks)}; page {transferred:.0f} kB "
                  f"transferred), login page {login[-1]:.2f} s ({load()})")  # fmt: skip
        await browser.close()
    b, lo = statistics.median(board), statistics.median(login)
    print(f"first load in Chromium, {max(STEPS)} steps, until the last card and every arrow "
          f"are drawn, median of {LOADS}: {b:.2f} s (target ≤ {TARGET} s on a quiet machine); "
          f"baseline, login page until `load`: {lo:.2f} s ({load()})")  # fmt: skip


class Viewers:
    """Live sockets on one blueprint, read all the time; `wait_for` a message at all of them."""

    def __init__(self, address: str, cookie: str, blueprint: int, n: int) -> None:
        self.url = f"ws://{address}/ws/blueprints/{blueprint}/"
        self.origin, self.cookie, self.n = f"http://{address}", cookie, n
        self.sockets: list[Any] = []
        self.readers: list[asyncio.Task] = []
        self.wanted: Any = None
        self.last: dict[str, Any] = {}  # the last message waited for
        self.received = 0  # messages of any kind, at all sockets
        self.seen = 0
        self.all_seen = asyncio.Event()

    async def open(self) -> None:
        for _ in range(self.n):
            self.sockets.append(await websockets.connect(
                self.url, origin=self.origin, max_queue=None,
                additional_headers={"Cookie": f"sessionid={self.cookie}"},
            ))  # fmt: skip
        self.readers = [asyncio.create_task(self.read(s)) for s in self.sockets]
        await asyncio.sleep(1.0)  # presence and hellos die down

    async def read(self, socket: Any) -> None:
        async for raw in socket:
            message = json.loads(raw)
            self.received += 1
            if self.wanted is not None and self.wanted(message):
                self.last = message
                self.seen += 1
                if self.seen == self.n:
                    self.all_seen.set()

    async def wait_for(self, wanted: Any) -> None:
        await asyncio.wait_for(self.all_seen.wait(), timeout=60)
        self.wanted = None

    def expect(self, wanted: Any) -> None:
        self.seen, self.wanted = 0, wanted
        self.all_seen.clear()

    async def close(self) -> None:
        for task in self.readers:
            task.cancel()
        for socket in self.sockets:
            await socket.close()


def titled(title: str) -> Any:
    return lambda m: (m.get("after") or {}).get("title") == title


async def cpu_per_event(
    address: str, pid: int, cookie: str, api: requests.Session, boards: dict[int, int]
) -> None:
    layer = RedisChannelLayer(hosts=[REDIS_URL], prefix=os.environ["CHANNELS_REDIS_PREFIX"])
    base = f"http://{address}"
    rows = []
    for steps, blueprint in boards.items():
        detail = api.get(f"{base}/api/v1/blueprints/{blueprint}/", timeout=60).json()
        step = detail["steps"][len(detail["steps"]) // 2]["id"]
        for n in VIEWERS:
            viewers = Viewers(address, cookie, blueprint, n)
            await viewers.open()

            async def patch(i: int, step: int = step, viewers: Viewers = viewers) -> None:
                title = f"cpu {i} {uuid.uuid4().hex[:6]}"
                viewers.expect(titled(title))
                url = f"{base}/api/v1/steps/{step}/"
                answer = await asyncio.to_thread(api.patch, url, json={"title": title}, timeout=60)
                assert answer.status_code == 200, answer.text[:300]
                await viewers.wait_for(None)

            async def bare(i: int, blueprint: int = blueprint, viewers: Viewers = viewers) -> None:
                mark = f"bare {i} {uuid.uuid4().hex[:6]}"
                viewers.expect(lambda m, k=mark: m.get("mark") == k)
                # The PATCH's own event as it reached the sockets, marked: the same bytes to send.
                event = viewers.last | {"mark": mark}
                await layer.group_send(
                    f"blueprint-{blueprint}", {"type": "blueprint.event", "event": event}
                )
                await viewers.wait_for(None)

            figures = []
            for what in (patch, bare):
                for i in range(3):  # warm up
                    await what(-i - 1)
                began, started = cpu_seconds(pid), time.perf_counter()
                viewers.received = 0
                for i in range(EDITS):
                    await what(i)
                figures.append((
                    (cpu_seconds(pid) - began) / EDITS,
                    (time.perf_counter() - started) / EDITS,
                    viewers.received / EDITS / n,
                ))  # fmt: skip
            await viewers.close()
            (p_cpu, p_wall, p_messages), (b_cpu, b_wall, b_messages) = figures
            rows.append((steps, n, p_cpu, b_cpu))
            print(f"  {steps} steps, {n} socket(s): server CPU per PATCH {p_cpu * 1000:.1f} ms "
                  f"(until every socket has it: {p_wall * 1000:.0f} ms; {p_messages:.1f} messages "
                  f"per socket); per bare send {b_cpu * 1000:.1f} ms ({b_wall * 1000:.0f} ms; "
                  f"{b_messages:.1f} messages) ({load()})")  # fmt: skip
    await layer.flush()
    print(f"server CPU per event, {EDITS} PATCHes each (ms; bare send of the event alone):")
    for steps, n, p_cpu, b_cpu in rows:
        print(f"  {steps:>5} steps, {n:>3} socket(s): PATCH {p_cpu * 1000:6.1f}, "
              f"bare send {b_cpu * 1000:6.1f}, "
              f"PATCH beyond sending {(p_cpu - b_cpu) * 1000:6.1f}")  # fmt: skip
    print(f"({load()})")


def main() -> None:
    prefix = f"frontstage-bench-{uuid.uuid4().hex[:12]}"
    os.environ["CHANNELS_REDIS_PREFIX"] = prefix
    extra = {"REDIS_URL": REDIS_URL, "CHANNELS_REDIS_PREFIX": prefix}
    with tempfile.TemporaryDirectory(prefix="frontstage-first-load-") as tmp:
        server, address, env = start_server(tmp, PORT, extra)
        try:
            # One process for both (the factory numbers its channels per process).
            made = subprocess.run(
                [str(VENV_BIN / "python"), "manage.py", "shell", "-c",
                 "\n".join(MAKE_BOARD.format(steps=steps) for steps in STEPS)],
                cwd=ROOT, env=env, check=True, capture_output=True, text=True,
            )  # fmt: skip
            ids = [int(line) for line in made.stdout.split()[-len(STEPS) :]]
            boards = dict(zip(STEPS, ids, strict=True))
            cookie = session_cookie(address)
            api = requests.Session()
            token = api.post(
                f"http://{address}/api/v1/auth/token/",
                data={"username": "facilitator", "password": "frontstage"},
                timeout=10,
            ).json()["token"]
            api.headers["Authorization"] = f"Token {token}"
            large = boards[max(STEPS)]
            # Every card in the DOM (the last one too), every arrow drawn.
            asyncio.run(first_load(f"http://{address}", cookie, large, max(STEPS)))
            asyncio.run(cpu_per_event(address, server.pid, cookie, api, boards))
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
