"""The manager's blueprint book (PDF) of a 500-step blueprint, next to the naive way.

Run from the repository root (``make bench`` does):

    FRONTSTAGE_INSECURE_DEV_KEY=1 .venv/bin/python bench/bench_book.py

It builds a throwaway SQLite database and render cache in a temporary directory and a
500-step blueprint (tests/factories.py `make_blueprint_of_size`). Then, interleaved so that a
busy machine slows both alike:

- plain dot: `dot -Tpdf` of the book's drawing (the same DOT the book draws), nothing else;
- naive, diagram page only: WeasyPrint turning one A3 page with the diagram's SVG inlined
  into a PDF (the SVG itself is drawn beforehand and not counted) — the baseline;
- ours, cold: the whole book (cover, contents, diagram pages, every table, matrix...) with an
  empty cache: Graphviz draws the diagram and the tables, WeasyPrint lays out the pages;
- ours, drawings cached: the book after a change that leaves the drawings alone (the
  cover's date, a workspace name): WeasyPrint only, the drawings written into its PDF;
- ours, one step renamed: the book after an edit of one step's title: Graphviz redraws the
  diagram and the one page of table holding the step (the other pages are in the render
  cache by the hash of their DOT), WeasyPrint lays out the book again;
- ours, cached: an unchanged blueprint, answered from the cache by content hash.

Both ways first draw a small book once (fonts loaded, stylesheets parsed: what a server does
once, at its first book). Target: the whole book cold ≤ 2 s. Medians; the script always
exits 0: it is a measurement, the verdict is printed.
"""

import io
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

_TMP = tempfile.TemporaryDirectory(prefix="frontstage-bench-book-")
os.environ["DATABASE_URL"] = f"sqlite:///{_TMP.name}/bench.sqlite3"
os.environ["RENDER_CACHE_DIR"] = f"{_TMP.name}/render-cache"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontstage.settings")
os.environ.setdefault("FRONTSTAGE_INSECURE_DEV_KEY", "1")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import override_settings  # noqa: E402

STEPS = 500
RUNS = 3
CACHED_RUNS = 10
TARGET_S = 2.0


def naive_diagram_page(svg: bytes) -> float:
    """WeasyPrint with the diagram's SVG inlined in an A3 landscape page."""
    import weasyprint

    inline = svg.decode()
    inline = inline[inline.index("<svg") :]
    html = (
        "<style>@page { size: A3 landscape; margin: 10mm } svg { width: 100%; height: auto }"
        f"</style><body>{inline}</body>"
    )
    start = time.perf_counter()
    weasyprint.HTML(string=html).write_pdf()
    return time.perf_counter() - start


def plain_dot_pdf(source: str) -> float:
    """Plain `dot -Tpdf` of the book's drawing: the floor under any book (issue 17)."""
    start = time.perf_counter()
    subprocess.run(["dot", "-Tpdf"], input=source.encode(), capture_output=True, check=True)
    return time.perf_counter() - start


def uptime() -> str:
    done = subprocess.run(["uptime"], capture_output=True, text=True, check=False)
    return done.stdout.strip() or f"load average {os.getloadavg()}"


def cpu_seconds() -> float:
    """CPU time of this process and of the `dot`s it ran: what the book costs a quiet machine."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def ours(blueprint: Any, cache: str) -> tuple[float, int, float]:
    from book import pdf as book

    with override_settings(RENDER_CACHE_DIR=cache):
        cpu = cpu_seconds()
        start = time.perf_counter()
        made = book.book_pdf(blueprint, "en")
        return time.perf_counter() - start, len(made.pdf), cpu_seconds() - cpu


def forget_books(cache: str) -> None:
    """Drop the cached books, keep the cached drawings."""
    for path in Path(cache).rglob("*.book.pdf"):
        path.unlink()


def main() -> None:
    from blueprints import layout, render
    from blueprints.models import Blueprint, Step
    from tests.factories import make_blueprint_of_size, make_team, make_user, make_workspace

    load_before = os.getloadavg()[0]
    call_command("migrate", verbosity=0)
    facilitator = make_user("bench-facilitator")
    workspace = make_workspace("Bench Beverages", facilitator=[facilitator])
    team = make_team(workspace, "Service centre", [facilitator])
    blueprint = Blueprint.objects.select_related("team", "workspace").get(
        pk=make_blueprint_of_size(workspace, team, STEPS).pk
    )
    svg = render.render(layout.blueprint_dot(render.blueprint_data(blueprint)), "svg")
    from book import diagram as book_diagram

    book_source = book_diagram.book_dot(render.blueprint_data(blueprint), "en")
    started_at = uptime()
    # A server pays once, at its first book, for loading fonts and parsing stylesheets: a
    # small book and a small naive page first, so that the runs measure a book, not start-up.
    small = make_blueprint_of_size(workspace, team, 3)
    naive_diagram_page(render.render(layout.blueprint_dot(render.blueprint_data(small)), "svg"))
    ours(small, tempfile.mkdtemp(prefix="warm-up-", dir=_TMP.name))
    naive: list[float] = []
    plain: list[float] = []
    cold: list[float] = []
    cold_cpu: list[float] = []
    warm: list[float] = []
    edited: list[float] = []
    steps = blueprint.steps.order_by("id")
    step = steps[steps.count() // 2]
    size = pages = 0
    for run in range(RUNS):
        naive.append(naive_diagram_page(svg))
        plain.append(plain_dot_pdf(book_source))
        cache = tempfile.mkdtemp(prefix=f"cold-{run}-", dir=_TMP.name)
        seconds, size, cpu = ours(blueprint, cache)
        cold.append(seconds)
        cold_cpu.append(cpu)
        forget_books(cache)
        warm.append(ours(blueprint, cache)[0])
        Step.objects.filter(pk=step.pk).update(title=f"{step.title} (renamed {run})")
        edited.append(ours(blueprint, cache)[0])
        if run < RUNS - 1:
            shutil.rmtree(cache, ignore_errors=True)
    cached = statistics.median(ours(blueprint, cache)[0] for _ in range(CACHED_RUNS))
    from pypdf import PdfReader

    with override_settings(RENDER_CACHE_DIR=cache):
        from book import pdf as book

        pdf = book.book_pdf(blueprint, "en").pdf
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    version = subprocess.run(["dot", "-V"], capture_output=True, text=True).stderr.strip()
    import weasyprint

    print(
        f"Blueprint book of a {STEPS}-step blueprint ({pages} pages, {size / 1024:.0f} KiB); "
        f"WeasyPrint {weasyprint.__version__}, {version}; medians of {RUNS} runs "
        f"({CACHED_RUNS} cached)."
    )
    naive_s, cold_s, warm_s = (statistics.median(x) for x in (naive, cold, warm))
    plain_s = statistics.median(plain)
    print(f"{'plain dot -Tpdf of the same drawing':<40} {plain_s:7.2f} s   (baseline)")
    print(f"{'naive: diagram page, SVG inlined':<40} {naive_s:7.2f} s   (baseline)")
    print(
        f"{'ours: whole book, cold':<40} {cold_s:7.2f} s   target ≤ {TARGET_S:.1f} s "
        f"(CPU {statistics.median(cold_cpu):.2f} s, dot included)"
    )
    runs = ", ".join(f"{seconds:.2f}" for seconds in cold)
    print(f"{'':<40} cold runs: {runs} s")
    print(f"{'ours: whole book, drawings cached':<40} {warm_s:7.2f} s")
    print(f"{'ours: whole book, one step renamed':<40} {statistics.median(edited):7.2f} s")
    print(f"{'ours: whole book, cached':<40} {cached * 1000:7.1f} ms")
    verdict = "meets" if cold_s <= TARGET_S else "MISSES"
    print(
        f"Verdict: the cold book {verdict} the {TARGET_S:.0f}-s target; it takes "
        f"{cold_s / naive_s:.2f}× the naive diagram page alone, {cold_s / plain_s:.1f}× plain "
        f"dot -Tpdf of its drawing."
    )
    print(f"uptime before: {started_at}")
    print(f"uptime after:  {uptime()}")
    load = os.getloadavg()[0]
    print(
        f"(load average {load_before:.2f} before the run, {load:.2f} after, "
        f"on {os.cpu_count()} CPUs)"
    )


if __name__ == "__main__":
    main()
