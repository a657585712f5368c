"""REST API read latency on a 300-step blueprint, next to a bare Django view of the same JSON.

Run from the repository root (``make bench`` does):

    FRONTSTAGE_INSECURE_DEV_KEY=1 .venv/bin/python bench/bench_api.py

It builds its own throwaway database: a SQLite file in a temporary directory, or, when
``BENCH_DATABASE_URL`` is set (e.g. ``postgres://postgres@127.0.0.1:5432/frontstage``), a
``bench_api_<pid>`` database on that server, dropped afterwards. Each endpoint is
requested through ``django.test.Client`` (the full middleware stack, session login as the
facilitator); its baseline is a plain view returning ``JsonResponse`` of the very payload the
API answered, served through the same middleware and client. Target: median ≤ 3× baseline.
The script always exits 0: it is a measurement, the verdict is printed.
"""

import gc
import os
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

_TMP = tempfile.TemporaryDirectory(prefix="frontstage-bench-")
_SERVER_DB = os.environ.get("BENCH_DATABASE_URL", "")
os.environ["DATABASE_URL"] = _SERVER_DB or f"sqlite:///{_TMP.name}/bench.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontstage.settings")
os.environ.setdefault("FRONTSTAGE_INSECURE_DEV_KEY", "1")
_hosts = [h for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
os.environ["ALLOWED_HOSTS"] = ",".join([*_hosts, "testserver"])

# WhiteNoise warns once that `collectstatic` has not run; no static file is served here.
warnings.filterwarnings("ignore", message="No directory at")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpRequest, JsonResponse  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import include, path  # noqa: E402

STEPS = 300
WARMUP = 5
RUNS = 50
TARGET = 3.0

# Payloads served by the baseline view, captured from the API once per endpoint.
PAYLOADS: dict[str, Any] = {}


def baseline_view(request: HttpRequest, name: str) -> JsonResponse:
    return JsonResponse(PAYLOADS[name], safe=False)


def login_baseline_view(request: HttpRequest, name: str) -> JsonResponse:
    """For information: the same, after the login check any API does (session, user)."""
    if not request.user.is_authenticated:
        return JsonResponse({"detail": "Not logged in."}, status=401)
    return JsonResponse(PAYLOADS[name], safe=False)


def _rows(queryset: Any, fields: list[str]) -> list[dict[str, Any]]:
    """`.values()` rows under the API's field names (`lane_id` is shown as `lane`)."""
    columns = [f"{f}_id" if f in FOREIGN_KEYS else f for f in fields]
    return [dict(zip(fields, row, strict=True)) for row in queryset.values_list(*columns)]


FOREIGN_KEYS = {"workspace", "team", "blueprint", "lane", "phase", "channel", "actor"}
FOREIGN_KEYS |= {"source", "target"}
PHASE = ["id", "blueprint", "name", "position"]
LANE = ["id", "blueprint", "name", "name_translations", "band", "actor", "position"]
STEP = [
    "id", "blueprint", "lane", "phase", "title", "description", "kind", "channel", "actor",
    "emotion", "evidence", "data_captured", "data_recorded_in", "data_stage", "position",
    "version",
]  # fmt: skip
LINK = ["id", "blueprint", "source", "target", "kind", "label"]
BLUEPRINT = [
    "id", "workspace", "title", "description", "kind", "team", "version", "created_at",
    "updated_at",
]  # fmt: skip


def _steps(queryset: Any) -> list[dict[str, Any]]:
    from blueprints.models import Step

    steps = _rows(queryset, STEP)
    sources: dict[int, list[int]] = {}
    through = Step.sources.through.objects.filter(from_step__in=[s["id"] for s in steps])
    for step_id, source_id in through.values_list("from_step_id", "to_step_id"):
        sources.setdefault(step_id, []).append(source_id)
    for step in steps:
        step["sources"] = sources.get(step["id"], [])
    return steps


def _page(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {"count": len(rows), "next": None, "previous": None, "results": rows}


def django_view(request: HttpRequest, name: str) -> JsonResponse:
    """Hand-written Django: the same payload read with `.values()`, same login, same scoping."""
    from blueprints.models import Blueprint, Lane, Link, Phase, Step

    if not request.user.is_authenticated:
        return JsonResponse({"detail": "Not logged in."}, status=401)
    mine = Blueprint.objects.filter(workspace__memberships__user=request.user)
    pk = int(request.GET.get("blueprint", 0))
    if name == "detail":
        payload = _rows(mine.filter(pk=pk), BLUEPRINT)[0]
        payload["phases"] = _rows(Phase.objects.filter(blueprint=pk), PHASE)
        payload["lanes"] = _rows(Lane.objects.filter(blueprint=pk), LANE)
        payload["steps"] = _steps(Step.objects.filter(blueprint=pk))
        payload["links"] = _rows(Link.objects.filter(blueprint=pk), LINK)
        return JsonResponse(payload)
    if name == "blueprints":
        return JsonResponse(_page(_rows(mine, BLUEPRINT)))
    model, fields = {
        "steps": (Step, STEP),
        "lanes": (Lane, LANE),
        "phases": (Phase, PHASE),
        "links": (Link, LINK),
    }[name]
    queryset = model.objects.filter(blueprint__in=mine.filter(pk=pk))
    rows = _steps(queryset) if name == "steps" else _rows(queryset, fields)
    return JsonResponse(_page(rows))


# The bench URLconf: the project's URLs plus the baselines, behind the same middleware.
urlpatterns = [
    path("bench/django/<str:name>/", django_view),
    path("bench/baseline/<str:name>/", baseline_view),
    path("bench/login-baseline/<str:name>/", login_baseline_view),
    path("", include("frontstage.urls")),
]


def build() -> tuple[Any, int]:
    from tests.factories import make_blueprint_of_size, make_team, make_user, make_workspace

    facilitator = make_user("bench-facilitator")
    workspace = make_workspace("Bench Beverages", facilitator=[facilitator])
    team = make_team(workspace, "Service centre", [facilitator])
    blueprint = make_blueprint_of_size(workspace, team, STEPS)
    return facilitator, blueprint.pk


def timed(get: Callable[[], Any]) -> list[float]:
    for _ in range(WARMUP):
        get()
    gc.collect()
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        get()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20, method="inclusive")[-1]


def measure(client: Client, name: str, url: str, blueprint_id: int) -> dict[str, Any]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    query_count = len(queries)  # read now: every request resets the connection's query log
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    PAYLOADS[name] = response.json()
    baseline_url = f"/bench/baseline/{name}/"
    login_url = f"/bench/login-baseline/{name}/"
    django_url = f"/bench/django/{name}/?blueprint={blueprint_id}"
    for check_url in (baseline_url, login_url):
        check = client.get(check_url)
        assert check.status_code == 200 and check.json() == PAYLOADS[name], check_url
    same = client.get(django_url).json()
    for key in ("steps", "lanes", "phases", "links", "results"):
        assert len(same.get(key, ())) == len(PAYLOADS[name].get(key, ())), (name, key)

    def getter(target: str) -> Callable[[], None]:
        def get() -> None:
            assert client.get(target).status_code == 200

        return get

    ours_ms, base_ms, login_ms, django_ms = (
        timed(getter(u)) for u in (url, baseline_url, login_url, django_url)
    )
    return {
        "endpoint": url,
        "bytes": len(response.content),
        "queries": query_count,
        "ours": statistics.median(ours_ms),
        "ours_p95": p95(ours_ms),
        "base": statistics.median(base_ms),
        "base_p95": p95(base_ms),
        "login": statistics.median(login_ms),
        "django": statistics.median(django_ms),
        "django_p95": p95(django_ms),
    }


def main() -> int:
    started = time.perf_counter()
    if _SERVER_DB:
        # A name of its own: never the test_… database a concurrent pytest run is using.
        connection.settings_dict["TEST"]["NAME"] = f"bench_api_{os.getpid()}"
        connection.creation.create_test_db(verbosity=0, autoclobber=True)
    else:
        call_command("migrate", verbosity=0)
    try:
        facilitator, pk = build()
        client = Client()
        client.force_login(facilitator)
        endpoints = {
            "detail": f"/api/v1/blueprints/{pk}/",
            "steps": f"/api/v1/steps/?blueprint={pk}&page_size={STEPS}",
            "lanes": f"/api/v1/lanes/?blueprint={pk}",
            "phases": f"/api/v1/phases/?blueprint={pk}",
            "links": f"/api/v1/links/?blueprint={pk}&page_size={STEPS}",
            "blueprints": "/api/v1/blueprints/",
        }
        with override_settings(ROOT_URLCONF=__name__):
            rows = [measure(client, name, url, pk) for name, url in endpoints.items()]
    finally:
        if _SERVER_DB:
            connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)
        connection.close()

    print(
        f"\nREST API reads, {STEPS}-step blueprint, {connection.vendor}: median ms of {RUNS} runs "
        f"after {WARMUP} warm-up, p95 in brackets"
    )
    print(
        "baseline: a bare Django view returning JsonResponse of the same payload, read from the "
        "database with .values() under the same\nlogin and workspace scoping, through the same "
        "middleware and test client (the target is against this one).\n"
        "floor: JsonResponse of the payload held in memory (no login, no database); login: the "
        "same after the session check. For information.\n"
    )
    header = (
        f"{'endpoint':<42} {'KiB':>5} {'SQL':>3} {'ours':>15} {'baseline':>15} "
        f"{'ratio':>6} {'target':>6}  {'verdict':<7} {'floor':>6} {'login':>6}"
    )
    print(header)
    print("-" * len(header))
    failed = 0
    for row in rows:
        ratio = row["ours"] / row["django"]
        ok = ratio <= TARGET
        failed += not ok
        print(
            f"{row['endpoint']:<42} {row['bytes'] / 1024:>5.1f} {row['queries']:>3} "
            f"{row['ours']:>6.2f} ({row['ours_p95']:>6.2f}) "
            f"{row['django']:>6.2f} ({row['django_p95']:>6.2f}) "
            f"{ratio:>5.1f}x {f'≤ {TARGET:g}x':>6}  {'PASS' if ok else 'FAIL':<7} "
            f"{row['base']:>6.2f} {row['login']:>6.2f}"
        )
    verdict = "PASS" if not failed else f"FAIL ({failed} endpoint(s) above {TARGET:g}x baseline)"
    print(f"\nverdict: {verdict}   [{time.perf_counter() - started:.1f} s]\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
