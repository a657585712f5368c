"""One edit on a 1,000-step blueprint until every open page's DOM shows it.

Run from the repository root (``make bench`` does); needs the local Redis and Chromium:

    FRONTSTAGE_INSECURE_DEV_KEY=1 .venv/bin/python bench/bench_editor_dom.py

One uvicorn process (Redis channel layer) serves a throwaway SQLite database with the demo
workspace and a 1,000-step team blueprint. N = 50 (BENCH_PAGES) editor pages of that blueprint
are open in real Chromium (one context, real WebSockets, the page's own scripts). Each round
PATCHes a step's title through the API and times, for every page, until that title is in the
page's DOM. The baseline, measured in the same run and round by round, is the bare event
fan-out: a Channels `group_send` to the same group, timed until it reaches N plain WebSocket
clients (bench/bench_fanout.py's transport figure). Also: the editor's first load of the board
in Chromium next to the login page's, and how many times the pages fetched the whole board
during the rounds (events are applied in place: 0 expected). The machine's load average
(`os.getloadavg()`) is printed beside each figure. Target: p95 ≤ 1 s from the PATCH to every
DOM, at 50 pages and 500 steps (BENCH_PAGES=50 BENCH_STEPS=500); BENCH_PAGES=1
BENCH_STEPS=1000 gives "PATCH until a second page shows it" on a 1,000-step board.
Always exits 0.
"""

import asyncio
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import websockets
from channels_redis.core import RedisChannelLayer
from playwright.async_api import async_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_fanout import REDIS_URL, ROOT, VENV_BIN, arrival, login, quiet, start_server  # noqa: E402

PAGES = int(os.environ.get("BENCH_PAGES", "50"))
STEPS = int(os.environ.get("BENCH_STEPS", "1000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
TARGET = 1.0
FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
MAKE_BOARD = """
from tests.factories import make_blueprint_of_size
from workspaces.models import Team
team = Team.objects.get(name="Consumer Service Centre")
print(make_blueprint_of_size(team.workspace, team, {steps}).pk)
"""
# Puts in place, and keeps in `window.shown`, a promise of the wall-clock time at which the
# step's title reads `title` in this page; answers once it is in place.
WATCH = """([id, title]) => {
  window.shown = new Promise((resolve) => {
    const done = () => {
      const node = document.querySelector(`#step-${id} .step-title`);
      if (!node || node.textContent !== title) return;
      observer.disconnect();
      resolve(Date.now());
    };
    const observer = new MutationObserver(done);
    observer.observe(document.body, { subtree: true, childList: true, characterData: true });
    done();
  });
}"""

# Resolves once the page's main thread has had nothing to do for a moment.
IDLE = "new Promise((resolve) => requestIdleCallback(() => resolve(), { timeout: 30000 }))"


def load() -> str:
    return "load {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


def summary(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, math.ceil(len(ordered) * 0.95) - 1)]


async def first_load(context: Any, url: str, ready: str) -> float:
    page = await context.new_page()
    started = time.perf_counter()
    await page.goto(url)
    await page.wait_for_selector(ready)
    took = time.perf_counter() - started
    await page.close()
    return took


async def measure(address: str, cookie: str, api: Any, blueprint: int) -> None:
    base = f"http://{address}"
    detail = api.get(f"{base}/api/v1/blueprints/{blueprint}/", timeout=30).json()
    step = detail["steps"][len(detail["steps"]) // 2]["id"]
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        context = await browser.new_context(viewport={"width": 1280, "height": 800})
        await context.add_cookies([{"name": "sessionid", "value": cookie, "url": base}])
        login_page = [
            await first_load(context, f"{base}/accounts/login/", "form") for _ in range(3)
        ]
        board = [
            await first_load(context, f"{base}/blueprints/{blueprint}/", "[data-state=live]")
            for _ in range(3)
        ]
        editor, login_ = statistics.median(board), statistics.median(login_page)
        print(f"first load in Chromium ({STEPS} steps), median of 3: editor {editor:.2f} s, "
              f"login page {login_:.2f} s ({load()})")  # fmt: skip
        whole_boards: list[str] = []
        context.on("request", lambda r: whole_boards.append(r.url) if "/board/" in r.url else None)
        pages = []
        for _ in range(PAGES):
            page = await context.new_page()
            await page.goto(f"{base}/blueprints/{blueprint}/")
            await page.wait_for_selector("[data-state=live]", timeout=120_000)
            pages.append(page)
        sockets = []
        while len(sockets) < PAGES:
            sockets.append(await websockets.connect(
                f"ws://{address}/ws/blueprints/{blueprint}/", origin=base,
                additional_headers={"Cookie": f"sessionid={cookie}"}, max_queue=None,
            ))  # fmt: skip
        await asyncio.gather(*(quiet(s) for s in sockets))
        layer = RedisChannelLayer(
            hosts=[{"address": REDIS_URL, "socket_timeout": 15}],
            prefix=os.environ["CHANNELS_REDIS_PREFIX"],
            capacity=5000,
        )
        # Every page done with its own loading (activity, arrows, fonts) before the first round:
        # otherwise round 0 times the last pages' start-up, not an edit.
        await asyncio.gather(*(p.evaluate(IDLE) for p in pages))
        dom, bare, event = [], [], []
        whole_boards.clear()
        loads = [os.getloadavg()[0]]
        for round_ in range(ROUNDS):
            await asyncio.sleep(1.0)  # let the pages settle after the previous round
            await asyncio.gather(*(p.evaluate(IDLE) for p in pages))
            title = f"DOM {round_} {uuid.uuid4().hex[:6]}"
            # Every observer in place before the write (a late one would time its own start).
            await asyncio.gather(*(p.evaluate(WATCH, [step, title]) for p in pages))
            # The plain sockets hear the same edit: when the event itself got there.
            edited = lambda m, t=title: (m.get("after") or {}).get("title") == t  # noqa: E731
            heard = [asyncio.ensure_future(arrival(s, edited)) for s in sockets]
            began_patch = time.perf_counter()
            started = time.time()
            await asyncio.to_thread(
                api.patch, f"{base}/api/v1/steps/{step}/", json={"title": title}, timeout=60
            )
            answered = time.time() - started
            times = await asyncio.gather(*(p.evaluate("window.shown") for p in pages))
            this_round = sorted(t / 1000 - started for t in times)
            on_sockets = sorted(t - began_patch for t in await asyncio.gather(*heard))
            event += on_sockets
            dom += this_round
            print(f"  round {round_}: median {statistics.median(this_round) * 1000:.0f} ms, "
                  f"slowest page {this_round[-1] * 1000:.0f} ms; the PATCH's own answer "
                  f"{answered * 1000:.0f} ms; the event at {PAGES} plain sockets: median "
                  f"{statistics.median(on_sockets) * 1000:.0f} ms ({load()})")  # fmt: skip
            # Drain the plain sockets (they heard the edit too), then the bare fan-out.
            await asyncio.gather(*(quiet(s, 0.2) for s in sockets))
            mark = f"bare {round_}"
            waits = [arrival(s, lambda m, k=mark: m.get("mark") == k) for s in sockets]
            began = time.perf_counter()
            message = {"type": "blueprint.event", "event": {"type": "bench", "mark": mark}}
            _, *arrived = await asyncio.gather(
                layer.group_send(f"blueprint-{blueprint}", message), *waits
            )
            bare += [t - began for t in arrived]
            loads.append(os.getloadavg()[0])
        for s in sockets:
            await s.close()
        await layer.flush()
        await browser.close()
        fetched = len(whole_boards)
    (d50, d95), (b50, b95), (e50, e95) = summary(dom), summary(bare), summary(event)
    verdict = "met" if d95 <= TARGET else "MISSED"
    print(f"one PATCH until {PAGES} pages' DOM show it ({ROUNDS} rounds, {STEPS} steps): "
          f"p50 {d50 * 1000:.0f} ms, p95 {d95 * 1000:.0f} ms (target ≤ {TARGET * 1000:.0f} ms: "
          f"{verdict}); load during the rounds {min(loads):.1f}–{max(loads):.1f}")  # fmt: skip
    print(f"baseline, bare event fan-out to {PAGES} sockets, same run: "
          f"p50 {b50 * 1000:.1f} ms, p95 {b95 * 1000:.1f} ms")  # fmt: skip
    print(f"the edit's event at {PAGES} plain sockets (PATCH to socket), same rounds: "
          f"p50 {e50 * 1000:.0f} ms, p95 {e95 * 1000:.0f} ms")  # fmt: skip
    print(f"whole-board fetches by the {PAGES} pages during the rounds: {fetched}")


def main() -> None:
    prefix = f"frontstage-bench-{uuid.uuid4().hex[:12]}"
    os.environ["CHANNELS_REDIS_PREFIX"] = prefix
    with tempfile.TemporaryDirectory(prefix="frontstage-dom-") as tmp:
        server, address, env = start_server(tmp, prefix)
        try:
            made = subprocess.run(
                [str(VENV_BIN / "python"), "manage.py", "shell", "-c",
                 MAKE_BOARD.format(steps=STEPS)],
                cwd=ROOT, env=env, check=True, capture_output=True, text=True,
            )  # fmt: skip
            blueprint = int(made.stdout.strip().splitlines()[-1])
            cookie, api = login(address)
            asyncio.run(measure(address, cookie, api, blueprint))
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
