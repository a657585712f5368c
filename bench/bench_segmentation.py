"""Segmenting 1,000,000 CRM contact rows, next to pandas reading the same file in the same run.

Run from the repository root (``make bench`` does):

    FRONTSTAGE_INSECURE_DEV_KEY=1 .venv/bin/python bench/bench_segmentation.py [ROWS]

The file is bench/bench_import.py's (a Spanish Excel export: semicolons, Windows-1252, about
333,000 customers). It is imported first, as that benchmark does (not timed here), into a
throwaway SQLite database (or ``BENCH_DATABASE_URL``); then each measurement runs in a fresh
subprocess so that its peak memory (`ru_maxrss`) is its own:

1. segmentation: `personas.runs.segmentation_run`, the background task behind
   `POST /api/v1/segmentations/`: read the contacts from the database, describe every customer
   by their mix of reasons and channels, choose k in 3–12 (bootstrap ARI + silhouette), fit,
   describe the segments, store segments and each customer's segment, draft personas;
2. baseline: `pandas.read_csv` of the same file (parsing only).

Target (issue 7): segmentation ≤ 60 s. The script always exits 0: it is a measurement, the
verdict is printed.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bench_import  # noqa: E402  (the same file and the same import)

ROWS = 1_000_000
TARGET_SECONDS = 60.0


def child_segment(path: Path) -> dict:
    import django

    django.setup()
    from django.utils import timezone

    from personas import runs, services
    from personas.models import Persona, Segmentation
    from workspaces.models import Workspace

    workspace = Workspace.objects.get(name="Bench")
    run = Segmentation.objects.create(
        workspace=workspace, status="running", started_at=timezone.now(), seed=1
    )
    began, cpu = time.perf_counter(), time.process_time()
    runs.segmentation_run(segmentation_id=run.pk)
    seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    run.refresh_from_db()
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "status": run.status,
        "error": run.error,
        "k": run.k,
        "customers": run.metrics.get("customers"),
        "contacts": run.metrics.get("contacts"),
        "stability": run.metrics.get("stability"),
        "silhouette": run.metrics.get("silhouette"),
        "assignments": len(services.assignments_of(run)),
        "personas": Persona.objects.filter(workspace=workspace).count(),
    }


def measure(kind: str, path: Path, env: dict[str, str]) -> dict:
    script = Path(__file__) if kind == "segment" else Path(bench_import.__file__)
    done = subprocess.run(
        [sys.executable, str(script), "--child", kind, str(path)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        return {"failed": done.stderr.strip().splitlines()[-1:] or ["?"]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else ROWS
    with tempfile.TemporaryDirectory(prefix="frontstage-bench-segmentation-") as tmp:
        folder = Path(tmp)
        path = folder / "contacts.csv"
        bench_import.write_file(path, rows)
        size_mb = path.stat().st_size / 1024 / 1024
        env = dict(os.environ)
        env["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{folder}/b.db"
        env["MEDIA_ROOT"] = str(folder)
        env.setdefault("DJANGO_SETTINGS_MODULE", "frontstage.settings")
        env.setdefault("FRONTSTAGE_INSECURE_DEV_KEY", "1")
        imported = measure("import", path, env)
        print(
            f"Generated and imported {rows:,} rows ({size_mb:.0f} MB): "
            f"{imported.get('rows_imported', 0):,} contacts "
            f"(import {imported.get('seconds', float('nan')):.1f} s, see bench_import.py)"
        )
        segmented = measure("segment", path, env)
        baseline = measure("pandas", path, env)

    database = "BENCH_DATABASE_URL" if os.environ.get("BENCH_DATABASE_URL") else "SQLite"
    print(f"\nSegmentation of {rows:,} contact rows ({database}), each in its own process:")
    print(f"  segmentation (run)   {bench_import.fmt(segmented)}", end="")
    print(f"   ({segmented['cpu_seconds']:.1f} s CPU)" if "cpu_seconds" in segmented else "")
    print(f"  baseline: pandas     {bench_import.fmt(baseline)}")
    if "seconds" in segmented:
        print(
            f"  {segmented['customers']:,} customers, {segmented['contacts']:,} contacts → "
            f"k = {segmented['k']} (stability {segmented['stability']}, silhouette "
            f"{segmented['silhouette']}); {segmented['assignments']:,} assignments stored, "
            f"{segmented['personas']} personas drafted; status {segmented['status']} "
            f"{segmented['error']}"
        )
        verdict = "within" if segmented["seconds"] <= TARGET_SECONDS else "OUTSIDE"
        print(f"  target: segmentation ≤ {TARGET_SECONDS:.0f} s — {verdict} target")
        print(
            f"  (load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)"
        )


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        result = child_segment(Path(sys.argv[3]))
        result["peak_mb"] = bench_import.peak_mb()
        print(json.dumps(result))
    else:
        main()
