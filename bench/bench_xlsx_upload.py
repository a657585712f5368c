"""Looking at an XLSX upload whose shared strings unpack to 300 MB (issue 15), next to the
baseline measured in the same run: openpyxl opening the same file read-only (what detection
did before) and reading its first rows.

Run from the repository root (``make bench`` does):

    FRONTSTAGE_INSECURE_DEV_KEY=1 .venv/bin/python bench/bench_xlsx_upload.py [MEGABYTES]

The workbook is written as Excel writes one (tests/crm_exports.py): its rows' text in shared
strings, followed by MEGABYTES MB of strings nothing uses. Each measurement runs in a fresh
process, so its memory growth (peak RSS, VmHWM, minus RSS before the measured part) is
its own:

1. upload: `frontstage.tabular.detect`, as `POST /api/v1/contact-imports/` calls it: the
   archive's directory is measured, the bomb answers 400;
2. streamed head: `tabular.xlsx_head_rows`, the streaming reader detection uses past that
   check, on the same file: the preview's rows, shared strings read only as far as they need;
3. baseline: `openpyxl.load_workbook(read_only=True)` and the first rows of its first sheet.

Target (issue 15): the bomb answers in ≤ 2 s with memory growth ≤ 50 MB. The machine's load
average is printed beside each figure. The script always exits 0.
"""

import io
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MEGABYTES = 300
TARGET_SECONDS = 2.0
TARGET_GROWTH_MB = 50.0
ROWS = [
    ["Cliente", "Fecha", "Motivo", "Canal", "Edad"],
    *[
        [f"C{n:05d}", date(2024, 1, 1 + n % 28), "Reclamación", "Teléfono", 30 + n]
        for n in range(9)
    ],
]


def status_mb(field: str) -> float:
    """VmRSS (now) or VmHWM (peak) of this process; unlike `ru_maxrss`, the peak is not
    inherited from the parent that wrote the bomb."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    return 0.0


def child(kind: str, path: Path) -> dict:
    import django

    django.setup()
    import openpyxl

    from frontstage import tabular

    content = path.read_bytes()
    before = status_mb("VmRSS")
    began, cpu = time.perf_counter(), time.process_time()
    outcome = ""
    if kind == "upload":
        try:
            detected = tabular.detect(io.BytesIO(content))
            outcome = f"columns {detected.columns}"
        except tabular.Unreadable as error:
            outcome = f"400: {error.text}"
    elif kind == "head":
        rows = tabular.xlsx_head_rows(io.BytesIO(content))
        outcome = f"columns {rows[0][1]}"
    else:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        rows = list(workbook.worksheets[0].iter_rows(max_row=6, values_only=True))
        outcome = f"columns {list(rows[0])}"
        workbook.close()
    return {
        "seconds": time.perf_counter() - began,
        "cpu": time.process_time() - cpu,
        "growth_mb": status_mb("VmHWM") - before,
        "outcome": str(outcome)[:90],
    }


def measure(kind: str, path: Path, env: dict[str, str]) -> dict:
    before = os.getloadavg()[0]
    done = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(path)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    load = (before, os.getloadavg()[0])
    if done.returncode != 0:
        return {"failed": done.stderr.strip().splitlines()[-1:] or ["?"], "load": load}
    return {**json.loads(done.stdout.strip().splitlines()[-1]), "load": load}


def fmt(result: dict) -> str:
    if "seconds" not in result:
        return f"— {result.get('failed')}"
    return (
        f"{result['seconds']:6.3f} s   CPU {result['cpu']:6.3f} s   "
        f"memory +{result['growth_mb']:5.1f} MB   "
        f"(load {result['load'][0]:.1f}–{result['load'][1]:.1f})   {result['outcome']}"
    )


def main() -> None:
    from tests import crm_exports

    megabytes = int(sys.argv[1]) if len(sys.argv) > 1 else MEGABYTES
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "frontstage.settings")
    env.setdefault("FRONTSTAGE_INSECURE_DEV_KEY", "1")
    with tempfile.TemporaryDirectory(prefix="frontstage-bench-xlsx-") as tmp:
        path = Path(tmp) / "bomb.xlsx"
        path.write_bytes(crm_exports.shared_strings_workbook(ROWS, filler_megabytes=megabytes))
        size_kb = path.stat().st_size / 1024
        upload = measure("upload", path, env)
        head = measure("head", path, env)
        baseline = measure("openpyxl", path, env)
    print(f"\nXLSX of {size_kb:.0f} kB whose shared strings unpack to {megabytes} MB:")
    print(f"  upload (detect)            {fmt(upload)}")
    print(f"  streamed head (preview)    {fmt(head)}")
    print(f"  baseline: openpyxl r/o     {fmt(baseline)}")
    if "seconds" in upload and "seconds" in head:
        worst = max(upload["seconds"], head["seconds"])
        growth = max(upload["growth_mb"], head["growth_mb"])
        verdict = "within" if worst <= TARGET_SECONDS and growth <= TARGET_GROWTH_MB else "OUTSIDE"
        print(
            f"  target: ≤ {TARGET_SECONDS:.0f} s and ≤ {TARGET_GROWTH_MB:.0f} MB growth "
            f"— {verdict} target"
        )


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        print(json.dumps(child(sys.argv[2], Path(sys.argv[3]))))
    else:
        main()
