"""Blueprint diagrams: our SVG render next to plain `dot -Tsvg` on the same DOT source.

Run from the repository root (``make bench`` does):

    FRONTSTAGE_INSECURE_DEV_KEY=1 .venv/bin/python bench/bench_render.py

It builds a throwaway SQLite database and render cache in a temporary directory, and
blueprints of 50, 200 and 500 steps (tests/factories.py `make_blueprint_of_size`). For each:

- plain dot: `dot -Tsvg` run on the DOT source, nothing else (the baseline);
- ours, cold: read the blueprint (`blueprint_data`), hash its data, build the DOT and run
  `dot` with an empty cache, then store the result — what the first request after a change
  costs;
- ours, cached: the same with the drawing already in the cache: read, hash the data, file
  read (no DOT is built);
- HTTP, cached: `GET /api/v1/blueprints/{id}/diagram.svg` through the whole middleware stack
  with the drawing cached (access check and session included), for the record.

Then the drawings themselves (issue 17), measured on their SVG by
blueprints/drawing_metrics.py: the demo's global blueprint (seed_demo and a merge) and its team
blueprints, ours next to the layout before issue 17 (blueprints/layout.py as of commit
BEFORE_LAYOUT, read from git and run on the same blueprints in the same run).

Targets: cold ≤ 1.5 × plain dot + 0.1 s; cached ≤ 50 ms. Medians; runs interleave ours and
the baseline so that a busy machine slows both alike. The script always exits 0: it is a
measurement, the verdict is printed.
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

_TMP = tempfile.TemporaryDirectory(prefix="frontstage-bench-render-")
os.environ["DATABASE_URL"] = f"sqlite:///{_TMP.name}/bench.sqlite3"
os.environ["RENDER_CACHE_DIR"] = f"{_TMP.name}/render-cache"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontstage.settings")
os.environ.setdefault("FRONTSTAGE_INSECURE_DEV_KEY", "1")
_hosts = [h for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
os.environ["ALLOWED_HOSTS"] = ",".join([*_hosts, "testserver"])

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client, override_settings  # noqa: E402

SIZES = (50, 200, 500)
COLD_RUNS = 7
CACHED_RUNS = 30
COLD_FACTOR, COLD_SLACK_S = 1.5, 0.1
CACHED_TARGET_MS = 50.0


def ms(seconds: float) -> float:
    return seconds * 1000


def median_of(runs: int, measure: Callable[[], float]) -> float:
    return statistics.median(measure() for _ in range(runs))


def render_svg(blueprint_id: int) -> tuple[Callable[[], str], bytes]:
    from blueprints import layout, render
    from blueprints.models import Blueprint

    blueprint = Blueprint.objects.select_related("team").get(pk=blueprint_id)
    data = render.blueprint_data(blueprint)
    # Keyed by the data (issue 17): a cached drawing is read without building its DOT.
    return (lambda: layout.blueprint_dot(data, "en")), render.drawing(data, "en", "svg")


def plain_dot(source: str) -> float:
    start = time.perf_counter()
    subprocess.run(["dot", "-Tsvg"], input=source.encode(), capture_output=True, check=True)
    return time.perf_counter() - start


def ours(blueprint_id: int, cache_dir: str) -> float:
    with override_settings(RENDER_CACHE_DIR=cache_dir):
        start = time.perf_counter()
        render_svg(blueprint_id)
        return time.perf_counter() - start


def measure(size: int, blueprint_id: int, client: Client) -> dict[str, Any]:
    build_source, _ = render_svg(blueprint_id)  # warm up: imports, Graphviz version, page cache
    source = build_source()
    plain: list[float] = []
    cold: list[float] = []
    for run in range(COLD_RUNS):
        plain.append(plain_dot(source))
        empty = tempfile.mkdtemp(prefix=f"cold-{size}-{run}-", dir=_TMP.name)
        cold.append(ours(blueprint_id, empty))
    warm = tempfile.mkdtemp(prefix=f"warm-{size}-", dir=_TMP.name)
    ours(blueprint_id, warm)
    cached = median_of(CACHED_RUNS, lambda: ours(blueprint_id, warm))

    def http() -> float:
        start = time.perf_counter()
        response = client.get(f"/api/v1/blueprints/{blueprint_id}/diagram.svg")
        assert response.status_code == 200, response.status_code
        return time.perf_counter() - start

    with override_settings(RENDER_CACHE_DIR=warm):
        http()
        http_cached = median_of(CACHED_RUNS, http)
    plain_s, cold_s = statistics.median(plain), statistics.median(cold)
    return {
        "size": size,
        "dot_kb": len(source.encode()) / 1024,
        "plain": plain_s,
        "cold": cold_s,
        "cold_target": COLD_FACTOR * plain_s + COLD_SLACK_S,
        "cached": cached,
        "http_cached": http_cached,
    }


BEFORE_LAYOUT = "ca5ffe1"  # the last commit that let dot route the links


def layout_before() -> Any:
    """blueprints/layout.py as it was before issue 17, or None without git history."""
    import types

    done = subprocess.run(
        ["git", "show", f"{BEFORE_LAYOUT}:blueprints/layout.py"],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        return None
    module = types.ModuleType("layout_before")
    exec(compile(done.stdout, "layout_before.py", "exec"), module.__dict__)  # noqa: S102
    return module


def drawing_figures() -> None:
    import dataclasses
    import io

    from blueprints import drawing_metrics, layout, merging, render
    from blueprints.models import Blueprint

    call_command("seed_demo", stdout=io.StringIO())
    demo = Blueprint.objects.filter(kind="team").exclude(workspace__name="Bench Beverages")
    workspace = demo.first().workspace
    if not Blueprint.objects.filter(workspace=workspace, kind="global").exists():
        merging.blueprint_merge(workspace=workspace, user=None)
    before = layout_before()
    print()
    print("The demo's drawings, measured on their SVG (crossing pairs of links; a link's length")
    print("over the straight line between its cards; label to its line; links through a card):")
    header = f"{'blueprint':<34} {'steps':>5} {'links':>5}  {'layout':<7} figures"
    print(header)
    print("-" * len(header))
    for blueprint in Blueprint.objects.filter(workspace=workspace).order_by("kind", "id"):
        data = render.blueprint_data(blueprint)
        name = (blueprint.title or blueprint.kind)[:34]
        svg = render.render(layout.blueprint_dot(data, "en"), "svg")
        rows = [("ours", drawing_metrics.measure(svg))]
        if before is not None:
            old = before.BlueprintData(
                **{
                    f.name: getattr(data, f.name)
                    for f in dataclasses.fields(before.BlueprintData)
                    if hasattr(data, f.name)
                }
                | {
                    "phases": [before.PhaseData(**dataclasses.asdict(p)) for p in data.phases],
                    "lanes": [before.LaneData(**dataclasses.asdict(x)) for x in data.lanes],
                    "steps": [before.StepData(**dataclasses.asdict(x)) for x in data.steps],
                    "links": [before.LinkData(**dataclasses.asdict(x)) for x in data.links],
                }
            )
            drawn = subprocess.run(
                ["dot", "-Tsvg"], input=before.blueprint_dot(old, "en").encode(),
                capture_output=True, check=True,
            ).stdout  # fmt: skip
            rows.append(("before", drawing_metrics.measure(drawn)))
        for label, figures in rows:
            print(f"{name:<34} {len(data.steps):>5} {len(data.links):>5}  {label:<7} "
                  f"{figures.line()}")  # fmt: skip
            name = ""


def build() -> tuple[Any, list[tuple[int, int]]]:
    from tests.factories import make_blueprint_of_size, make_team, make_user, make_workspace

    facilitator = make_user("bench-facilitator")
    workspace = make_workspace("Bench Beverages", facilitator=[facilitator])
    team = make_team(workspace, "Service centre", [facilitator])
    made = [(size, make_blueprint_of_size(workspace, team, size).pk) for size in SIZES]
    return facilitator, made


def main() -> None:
    call_command("migrate", verbosity=0)
    facilitator, blueprints = build()
    client = Client()
    client.force_login(facilitator)
    version = subprocess.run(["dot", "-V"], capture_output=True, text=True).stderr.strip()
    print(f"Blueprint diagrams (SVG), {version}; medians of {COLD_RUNS} cold and "
          f"{CACHED_RUNS} cached runs.")  # fmt: skip
    header = (
        f"{'steps':>5} {'DOT':>7} {'plain dot':>10} {'ours cold':>10} {'cold target':>12} "
        f"{'ours cached':>12} {'target':>7} {'HTTP cached':>12}  verdict"
    )
    print(header)
    print("-" * len(header))
    verdicts = []
    for size, blueprint_id in blueprints:
        row = measure(size, blueprint_id, client)
        ok = row["cold"] <= row["cold_target"] and ms(row["cached"]) <= CACHED_TARGET_MS
        verdicts.append(ok)
        print(
            f"{size:>5} {row['dot_kb']:>5.0f}kB {ms(row['plain']):>8.0f}ms "
            f"{ms(row['cold']):>8.0f}ms {ms(row['cold_target']):>10.0f}ms "
            f"{ms(row['cached']):>10.1f}ms {CACHED_TARGET_MS:>5.0f}ms "
            f"{ms(row['http_cached']):>10.1f}ms  {'ok' if ok else 'ABOVE TARGET'}"
        )
    print(
        f"Targets: cold ≤ {COLD_FACTOR} × plain dot + {COLD_SLACK_S:g} s, cached ≤ "
        f"{CACHED_TARGET_MS:g} ms. {'All within target.' if all(verdicts) else 'Not all within.'}"
    )
    drawing_figures()


if __name__ == "__main__":
    main()
