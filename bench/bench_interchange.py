"""Blueprints in and out on a 300-step blueprint, next to the API's own read of the same data.

Run from the repository root (``make bench`` does):

    FRONTSTAGE_INSECURE_DEV_KEY=1 .venv/bin/python bench/bench_interchange.py

A throwaway SQLite database in a temporary directory. Each export (`export.json`,
`diagram.bpmn`, `journey.mmd`, `steps.csv`) is requested through ``django.test.Client`` as the
facilitator; the baseline is `GET /api/v1/blueprints/{id}/`, which reads and serialises the
same phases, lanes, steps and links, measured in the same run. Target: median ≤ 3× baseline.
The import (`POST /api/v1/blueprints/import/` of the export, one new blueprint each time) is
printed against the same baseline for information: a write of 300 steps and their links.
The script always exits 0: it is a measurement, the verdict is printed.
"""

import gc
import json
import os
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

_TMP = tempfile.TemporaryDirectory(prefix="frontstage-bench-")
os.environ["DATABASE_URL"] = f"sqlite:///{_TMP.name}/bench.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontstage.settings")
os.environ.setdefault("FRONTSTAGE_INSECURE_DEV_KEY", "1")
os.environ["ALLOWED_HOSTS"] = "testserver"
warnings.filterwarnings("ignore", message="No directory at")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

STEPS = 300
WARMUP = 3
RUNS = 25
IMPORTS = 10
TARGET = 3.0


def timed(call: Callable[[], None], runs: int = RUNS, warmup: int = WARMUP) -> list[float]:
    for _ in range(warmup):
        call()
    gc.collect()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def main() -> int:
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    from tests.factories import make_blueprint_of_size, make_team, make_user, make_workspace

    facilitator = make_user("bench-facilitator")
    workspace = make_workspace("Bench Beverages", facilitator=[facilitator])
    team = make_team(workspace, "Service centre", [facilitator])
    pk = make_blueprint_of_size(workspace, team, STEPS).pk
    client = Client()
    client.force_login(facilitator)

    def getter(url: str) -> Callable[[], None]:
        def get() -> None:
            assert client.get(url).status_code == 200, url

        return get

    baseline = statistics.median(timed(getter(f"/api/v1/blueprints/{pk}/")))
    exports = ["export.json", "diagram.bpmn", "journey.mmd", "steps.csv"]
    rows = []
    for name in exports:
        url = f"/api/v1/blueprints/{pk}/{name}"
        size = len(client.get(url).content)
        rows.append((name, size, statistics.median(timed(getter(url)))))

    document = json.loads(client.get(f"/api/v1/blueprints/{pk}/export.json").content)
    body = json.dumps({"workspace": workspace.pk, "team": team.pk, "document": document})

    def post() -> None:
        answer = client.post("/api/v1/blueprints/import/", body, content_type="application/json")
        assert answer.status_code == 201, answer.content[:300]

    imported = statistics.median(timed(post, runs=IMPORTS, warmup=1))

    print(
        f"\nBlueprints in and out, {STEPS}-step blueprint, SQLite: median ms of {RUNS} runs "
        f"after {WARMUP} warm-up\nbaseline: GET /api/v1/blueprints/{{id}}/ (the same contents "
        f"as the API's JSON), {baseline:.2f} ms in this run\n"
    )
    header = f"{'export':<14} {'KiB':>6} {'ms':>8} {'ratio':>6} {'target':>7}  verdict"
    print(header)
    print("-" * len(header))
    failed = 0
    for name, size, ms in rows:
        ratio = ms / baseline
        failed += ratio > TARGET
        verdict = "PASS" if ratio <= TARGET else "FAIL"
        target = f"≤ {TARGET:g}x"
        print(f"{name:<14} {size / 1024:>6.1f} {ms:>8.2f} {ratio:>5.1f}x {target:>7}  {verdict}")
    print(
        f"\nimport of the export (a new blueprint, {STEPS} steps and their links, one "
        f"transaction): {imported:.1f} ms median of {IMPORTS}, {imported / baseline:.1f}x the "
        "baseline read (for information)"
    )
    verdict = "PASS" if not failed else f"FAIL ({failed} export(s) above {TARGET:g}x baseline)"
    print(f"\nverdict: {verdict}   [{time.perf_counter() - started:.1f} s]\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
