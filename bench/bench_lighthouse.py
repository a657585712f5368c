"""Lighthouse's performance score of the editor on a 500-step blueprint, next to the login page.

Run from the repository root (``make bench`` does); needs Chromium and `npm ci` (Lighthouse is
a devDependency):

    FRONTSTAGE_INSECURE_DEV_KEY=1 .venv/bin/python bench/bench_lighthouse.py

Served as in production: `collectstatic` into a throwaway STATIC_ROOT (fingerprinted, gzip and
Brotli copies), one uvicorn process with DEBUG=0 on a throwaway SQLite database seeded with the
demo workspace and a 500-step team blueprint (BENCH_STEPS). Lighthouse (headless Chromium,
CHROME_PATH, default /usr/bin/chromium) opens the editor signed in (its session cookie set in
the browser: bench/lighthouse_run.mjs) and the login page, the baseline of the same run, under
both its mobile (simulated slow 4G, 4× CPU slowdown) and desktop presets (BENCH_PRESETS).
Printed: the score and LCP, TBT, CLS, FCP, Speed Index, the DOM's size, and the audits that
cost the editor points, with the machine's load average beside each. Target: performance
≥ 90. Always exits 0.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
STEPS = int(os.environ.get("BENCH_STEPS", "500"))
PORT = int(os.environ.get("BENCH_PORT", "18231"))
PRESETS = os.environ.get("BENCH_PRESETS", "mobile,desktop").split(",")
CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
LIGHTHOUSE = ROOT / "node_modules" / "lighthouse"
RUNNER = ROOT / "bench" / "lighthouse_run.mjs"
KEEP = os.environ.get("BENCH_KEEP_REPORTS", "")  # a folder for the JSON reports
TARGET = 90
MAKE_BOARD = """
from tests.factories import make_blueprint_of_size
from workspaces.models import Team
team = Team.objects.get(name="Consumer Service Centre")
print(make_blueprint_of_size(team.workspace, team, {steps}).pk)
"""
METRICS = {
    "largest-contentful-paint": "LCP",
    "total-blocking-time": "TBT",
    "cumulative-layout-shift": "CLS",
    "first-contentful-paint": "FCP",
    "speed-index": "SI",
}


def load() -> str:
    return "load {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


def start_server(
    tmp: str, port: int = PORT, extra: dict[str, str] | None = None
) -> tuple[subprocess.Popen, str, dict[str, str]]:
    """A production-like server (DEBUG=0, collectstatic'd) on a throwaway demo database;
    without REDIS_URL in `extra`, the in-memory channel layer (one process)."""
    env = os.environ | {
        "DATABASE_URL": f"sqlite:///{tmp}/lighthouse.sqlite3",
        "STATIC_ROOT": f"{tmp}/static",
        "DEBUG": "0",
        "FRONTSTAGE_INSECURE_DEV_KEY": "1",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_COOKIES": "0",
        "DEMO_CONTACTS": "0",
    }
    env.pop("REDIS_URL", None)
    env |= extra or {}
    python = str(VENV_BIN / "python")
    for command in (["migrate", "--noinput"], ["seed_demo"], ["collectstatic", "--noinput"]):
        subprocess.run([python, "manage.py", *command], cwd=ROOT, env=env, check=True,
                       capture_output=True)  # fmt: skip
    address = f"127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(VENV_BIN / "uvicorn"), "frontstage.asgi:application", "--port", str(port),
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


def session_cookie(address: str) -> str:
    browser = requests.Session()
    url = f"http://{address}/accounts/login/"
    browser.get(url, timeout=5)
    form = {"username": "facilitator", "password": "frontstage"}
    browser.post(url, data=form | {"csrfmiddlewaretoken": browser.cookies["csrftoken"]})
    return browser.cookies["sessionid"]


def lighthouse(url: str, preset: str, tmp: str, session: str = "") -> dict[str, Any]:
    report = Path(tmp) / "report.json"
    command = ["node", str(RUNNER), url, preset, str(report), session]
    subprocess.run(command, check=True, cwd=ROOT, env=os.environ | {"CHROME_PATH": CHROME},
                   timeout=600)  # fmt: skip
    if KEEP:
        Path(KEEP).mkdir(parents=True, exist_ok=True)
        name = "login" if not session else "editor"
        (Path(KEEP) / f"{name}-{preset}.json").write_text(report.read_text())
    return json.loads(report.read_text())


def line(name: str, report: dict[str, Any]) -> str:
    audits = report["audits"]
    score = round((report["categories"]["performance"]["score"] or 0) * 100)
    parts = [f"{METRICS[key]} {audits[key]['displayValue']}" for key in METRICS]
    dom = audits.get("dom-size", {}).get("numericValue")
    if dom is not None:
        parts.append(f"{int(dom)} elements")
    return f"{name}: performance {score}; " + ", ".join(parts)


def flagged(report: dict[str, Any]) -> list[str]:
    """The audits that failed, with what they would save or what they found."""
    found = []
    for audit in report["audits"].values():
        if audit.get("scoreDisplayMode") not in {"metricSavings", "numeric", "binary"}:
            continue
        if audit.get("score") is None or audit["score"] >= 0.9 or audit["id"] in METRICS:
            continue
        found.append(f"{audit['id']} ({audit.get('displayValue') or audit['score']})")
    return found


def main() -> None:
    if not LIGHTHOUSE.exists():
        print("Lighthouse is not installed: run `npm ci` (make setup)")
        return
    with tempfile.TemporaryDirectory(prefix="frontstage-lighthouse-") as tmp:
        server, address, env = start_server(tmp)
        try:
            made = subprocess.run(
                [str(VENV_BIN / "python"), "manage.py", "shell", "-c",
                 MAKE_BOARD.format(steps=STEPS)],
                cwd=ROOT, env=env, check=True, capture_output=True, text=True,
            )  # fmt: skip
            blueprint = int(made.stdout.strip().splitlines()[-1])
            session = session_cookie(address)
            base = f"http://{address}"
            editor_url = f"{base}/blueprints/{blueprint}/"
            # Warm the shared board (rendered once per blueprint and seq, then shared).
            requests.get(editor_url, cookies={"sessionid": session}, timeout=120)
            for preset in PRESETS:
                login = lighthouse(f"{base}/accounts/login/", preset, tmp)
                print(f"[{preset}] baseline, " + line("login page", login) + f" ({load()})")
                editor = lighthouse(editor_url, preset, tmp, session)
                score = round((editor["categories"]["performance"]["score"] or 0) * 100)
                verdict = "met" if score >= TARGET else "MISSED"
                print(f"[{preset}] " + line(f"editor, {STEPS} steps", editor)
                      + f" (target ≥ {TARGET}: {verdict}) ({load()})")  # fmt: skip
                print(f"[{preset}] editor's failed audits: {', '.join(flagged(editor)) or 'none'}")
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
