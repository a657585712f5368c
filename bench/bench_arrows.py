"""The live editor's arrows on a big board: what drawing them costs the page, first and per edit.

Run from the repository root; needs the local Redis and Chromium:

    FRONTSTAGE_INSECURE_DEV_KEY=1 .venv/bin/python bench/bench_arrows.py

One uvicorn process serves a throwaway SQLite database with the demo workspace and a
BENCH_STEPS-step team blueprint (2,000 by default: tests/factories.py's, one link per two
steps). One editor page is open in Chromium; every animation-frame callback of the page is
timed (the arrows are drawn in one: every box read, routed, changed paths written). Printed:
the frame callbacks of the first load, then for each of BENCH_ROUNDS edits through the API
(a title of the same length: nothing moves), the time the page spent in frame callbacks after
the event and how many arrow paths it rewrote (0 expected), then an edit that makes a card
taller (its column's arrows below it move). The machine's load average is printed beside
each figure. Always exits 0.
"""

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from playwright.async_api import async_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_fanout import ROOT, VENV_BIN, login, start_server  # noqa: E402

STEPS = int(os.environ.get("BENCH_STEPS", "2000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "10"))
FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
MAKE_BOARD = """
from tests.factories import make_blueprint_of_size
from workspaces.models import Team
team = Team.objects.get(name="Consumer Service Centre")
print(make_blueprint_of_size(team.workspace, team, {steps}).pk)
"""
# Before the page's own scripts: time every animation-frame callback, and count the arrow
# paths whose route is written.
TIMING = """
window.frameTimes = [];
window.pathWrites = 0;
const raf = window.requestAnimationFrame.bind(window);
window.requestAnimationFrame = (callback) => raf((stamp) => {
  const began = performance.now();
  callback(stamp);
  window.frameTimes.push(performance.now() - began);
});
new MutationObserver((records) => {
  for (const r of records) if (r.target.matches?.("path[data-arrow]")) window.pathWrites++;
}).observe(document, {subtree: true, attributes: true, attributeFilter: ["d"]});
"""
SETTLED = (
    "() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))"
)
SHOWN = """([id, title]) => new Promise((resolve) => {
  const check = () => document.querySelector(`#step-${id} .step-title`)?.textContent === title
    ? resolve(true) : setTimeout(check, 5);
  check();
})"""


def load() -> str:
    return f"load {os.getloadavg()[0]:.2f}"


async def measure(base: str, cookie: str, api, blueprint: int) -> None:  # noqa: ANN001
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        context = await browser.new_context(viewport={"width": 1400, "height": 900})
        host = base.split("//")[1].split(":")[0]
        await context.add_cookies(
            [{"name": "sessionid", "value": cookie, "domain": host, "path": "/"}]
        )
        await context.add_init_script(TIMING)
        page = await context.new_page()
        await page.goto(f"{base}/blueprints/{blueprint}/")
        await page.wait_for_selector("[data-connection][data-state=live]", timeout=120_000)
        await page.evaluate(SETTLED)
        await asyncio.sleep(1)
        arrows = await page.locator("svg[data-arrows] path[data-arrow]").count()
        first = await page.evaluate("window.frameTimes")
        print(f"{STEPS} steps, {arrows} arrows drawn; first load: slowest frame callback "
              f"{max(first):.1f} ms, all {sum(first):.1f} ms ({load()})")  # fmt: skip
        steps = api.get(f"{base}/api/v1/steps/?blueprint={blueprint}&page_size=50", timeout=30)
        step = steps.json()["results"][7]["id"]
        spent, written = [], []
        for round_ in range(ROUNDS):
            await page.evaluate("() => { window.frameTimes = []; window.pathWrites = 0; }")
            title = f"Stp{round_ % 10}{uuid.uuid4().hex[:2]}"
            await asyncio.to_thread(
                api.patch, f"{base}/api/v1/steps/{step}/", json={"title": title}, timeout=60
            )
            await page.evaluate(SHOWN, [step, title])
            await page.evaluate(SETTLED)
            spent.append(sum(await page.evaluate("window.frameTimes")))
            written.append(await page.evaluate("window.pathWrites"))
        print(f"per edit that moves nothing ({ROUNDS} rounds): frame callbacks median "
              f"{statistics.median(spent):.1f} ms, max {max(spent):.1f} ms; arrow paths "
              f"rewritten: {sorted(set(written))} ({load()})")  # fmt: skip
        await page.evaluate("() => { window.frameTimes = []; window.pathWrites = 0; }")
        long_title = " ".join(["A much longer title that wraps onto more lines of the card"] * 2)
        await asyncio.to_thread(
            api.patch, f"{base}/api/v1/steps/{step}/", json={"title": long_title}, timeout=60
        )
        await page.evaluate(SHOWN, [step, long_title])
        await page.evaluate(SETTLED)
        taller = sum(await page.evaluate("window.frameTimes"))
        moved = await page.evaluate("window.pathWrites")
        print(f"an edit that makes a card taller: frame callbacks {taller:.1f} ms, arrow paths "
              f"rewritten {moved} of {arrows} ({load()})")  # fmt: skip
        await browser.close()


def main() -> None:
    prefix = f"bench-arrows-{uuid.uuid4().hex[:8]}"
    os.environ["CHANNELS_REDIS_PREFIX"] = prefix
    with tempfile.TemporaryDirectory() as tmp:
        server, address, env = start_server(tmp, prefix)
        try:
            made = subprocess.run(
                [str(VENV_BIN / "python"), "manage.py", "shell", "-c",
                 MAKE_BOARD.format(steps=STEPS)],
                cwd=ROOT, env=env, check=True, capture_output=True, text=True,
            )  # fmt: skip
            blueprint = int(made.stdout.strip().splitlines()[-1])
            cookie, api = login(address)
            started = time.monotonic()
            asyncio.run(measure(f"http://{address}", cookie, api, blueprint))
            print(f"(measured in {time.monotonic() - started:.0f} s)")
        finally:
            server.terminate()
            server.wait(timeout=20)


if __name__ == "__main__":
    main()
