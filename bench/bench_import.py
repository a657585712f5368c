"""Importing 1,000,000 CRM contact rows, next to three baselines measured in the same run: a
bare write of the same rows into a plain table, the import's rows written into the contacts'
own schema, and pandas reading the file.

Run from the repository root (``make bench`` does):

    FRONTSTAGE_INSECURE_DEV_KEY=1 .venv/bin/python bench/bench_import.py [ROWS]

The file is the story's hardest case: a Spanish Excel export, semicolons, Windows-1252, dates
day/month/year, ~1 % bad rows. Each measurement runs in a fresh subprocess so that its peak
memory (`ru_maxrss`) is its own:

1. upload: detection as `POST /api/v1/contact-imports/` does it (format, encoding over the
   whole file, delimiter, columns, preview, suggested mapping);
2. import: `personas.runs.contact_import_run` into a throwaway SQLite database (or
   ``BENCH_DATABASE_URL``): parse, validate, map onto the taxonomy, bulk insert in batches;
3. baseline, bare write: the file read by `csv.reader` (same encoding and delimiter) and its
   rows written untouched, in one transaction, into a plain table without indexes or
   constraints in the same database: `COPY` on PostgreSQL, one `executemany` on SQLite. No
   validation, no mapping: the floor of getting these rows into this database;
4. baseline, schema write: the contacts the import stored, read back (not timed) and written
   with the same COPY / executemany, in one transaction, into a copy of the contacts' table
   with its indexes and referential checks: what these rows cost in this schema, whoever
   writes them (no parsing, no mapping). The import's time over it is what the import adds;
5. baseline, pandas: `pandas.read_csv` of the same file (parsing only: no validation, no
   database). Skipped, with a note, if pandas is not installed.

The machine's load average (`os.getloadavg()`) is printed beside each figure, and the CPU
time of the measured part (`time.process_time()`, every thread of the process): on a busy
machine it moves less than the wall time. On SQLite it holds the database's work too; on
PostgreSQL the server's is not in it.

Targets (issues 7 and 15): import ≤ 60 s, ≤ 1.5 GB peak and ≤ 3× the bare write. The script
always exits 0: it is a measurement, the verdict is printed.
"""

import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ROWS = 1_000_000
TARGET_SECONDS = 60.0
TARGET_PEAK_MB = 1536.0
TARGET_TIMES_BARE = 3.0

TAXONOMY = {
    "Reclamación": ["Calidad del producto", "Envase", "Cuerpo extraño", "Sabor u olor", "Entrega"],
    "Información": ["Ingredientes y alérgenos", "Nutrición", "Dónde comprar", "Sostenibilidad"],
    "Sugerencia": ["Felicitación", "Idea"],
    "Promociones": ["Reclamar premio", "Bases", "Cupón no funciona"],
    "Tienda online": ["Estado del pedido", "Pago", "Devoluciones", "Llegó dañado"],
    "Otros": ["Otros"],
}
CHANNELS = ["Teléfono", "Email", "Formulario web", "WhatsApp", "Facebook", "Tienda"]
PROVINCES = ["Madrid", "Barcelona", "Sevilla", "Valencia", "Bilbao", "Málaga", "A Coruña"]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def write_file(path: Path, rows: int, seed: int = 11) -> None:
    rng = random.Random(seed)
    reasons = [(c, s) for c, subs in TAXONOMY.items() for s in subs]
    start = date(2023, 1, 1)
    with path.open("w", encoding="cp1252", newline="") as out:
        out.write(
            "Cliente;Fecha;Motivo;Submotivo;Canal;Sexo;Edad;Provincia;Lugar de nacimiento\r\n"
        )
        for index in range(rows):
            category, subcategory = rng.choice(reasons)
            day = start + timedelta(days=rng.randrange(730))
            when = day.strftime("%d/%m/%Y") if index % 100 else "31/02/2024"  # 1 % bad dates
            customer = f"C{rng.randrange(rows // 3):07d}"
            out.write(
                f"{customer};{when};{category};{subcategory};{rng.choice(CHANNELS)};"
                f"{rng.choice('MF')};{rng.randrange(18, 90)};{rng.choice(PROVINCES)};"
                f"{rng.choice(PROVINCES)}\r\n"
            )


def child_upload(path: Path) -> dict:
    from personas import tabular

    began, cpu = time.perf_counter(), time.process_time()
    with path.open("rb") as stream:
        detected = tabular.detect(stream)
    tabular.suggest_mapping(detected.columns)
    return {
        "seconds": time.perf_counter() - began,
        "cpu": time.process_time() - cpu,
        "encoding": detected.encoding,
    }


def child_import(path: Path) -> dict:
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from personas import runs, tabular
    from personas.models import Contact, ContactImport
    from workspaces.models import Workspace

    call_command("migrate", verbosity=0)
    workspace = Workspace.objects.create(name="Bench")
    with path.open("rb") as stream:
        detected = tabular.detect(stream)
    contact_import = ContactImport.objects.create(
        workspace=workspace,
        file=path.name,
        file_name=path.name,
        format=detected.format,
        encoding=detected.encoding,
        delimiter=detected.delimiter,
        columns=detected.columns,
        mapping=tabular.suggest_mapping(detected.columns),
        status="running",
        started_at=timezone.now(),  # as runs.contact_import_start leaves it for the worker
    )
    began, cpu = time.perf_counter(), time.process_time()
    runs.contact_import_run(contact_import_id=contact_import.pk)
    seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    contact_import.refresh_from_db()
    return {
        "seconds": seconds,
        "cpu": cpu,
        "status": contact_import.status,
        "rows_imported": contact_import.rows_imported,
        "errors_total": contact_import.errors_total,
        "stored": Contact.objects.count(),
    }


def child_bare(path: Path) -> dict:
    import csv
    import io

    import django

    django.setup()
    from django.db import connection, transaction

    from personas import tabular

    with path.open("rb") as stream:
        detected = tabular.detect(stream)
    columns = len(detected.columns)
    names = ", ".join(f"c{number}" for number in range(columns))
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_bare_rows")
        cursor.execute(
            f"CREATE TABLE bench_bare_rows ({', '.join(f'c{n} text' for n in range(columns))})"
        )
    began, cpu = time.perf_counter(), time.process_time()
    with path.open("rb") as raw, transaction.atomic(), connection.cursor() as cursor:
        text = io.TextIOWrapper(raw, encoding=detected.encoding, newline="")
        rows = csv.reader(text, delimiter=detected.delimiter)
        next(rows)
        rows = (row for row in rows if len(row) == columns)
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY bench_bare_rows ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:  # the driver's own cursor: Django's wrapper would make a list of the rows first
            marks = ", ".join(["?"] * columns)
            connection.connection.cursor().executemany(
                f"INSERT INTO bench_bare_rows ({names}) VALUES ({marks})", rows
            )
    seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM bench_bare_rows")
        stored = cursor.fetchone()[0]
        cursor.execute("DROP TABLE bench_bare_rows")
    return {"seconds": seconds, "cpu": cpu, "stored": stored}


def schema_copy_sql(connection, table: str, copy: str) -> list[str]:
    """The statements that make `copy`: a table like the contacts' table with its indexes,
    checks and referential checks (foreign keys; on PostgreSQL, the statement triggers that
    stand for them, see personas/migrations/0007_contact_write_cost.py)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            statements = [f"CREATE TABLE {copy} (LIKE {table} INCLUDING ALL)"]
            cursor.execute(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'f'",
                [table],
            )
            statements += [f"ALTER TABLE {copy} ADD {found}" for (found,) in cursor.fetchall()]
            cursor.execute(
                "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger "
                "WHERE tgrelid = %s::regclass AND NOT tgisinternal",
                [table],
            )
            statements += [
                re.sub(
                    rf" ON (\w+\.)?{table} ",
                    f" ON {copy} ",
                    found.replace(name, f"{copy}_{name}", 1),
                    count=1,
                )
                for name, found in cursor.fetchall()
            ]
            return statements
        cursor.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = %s AND sql IS NOT NULL "
            "ORDER BY type = 'index'",
            [table],
        )
        statements = []
        for kind, name, found in cursor.fetchall():
            if kind == "table":
                statements.append(found.replace(f'"{table}"', copy, 1))
            else:
                statements.append(
                    found.replace(f'"{name}"', f'"{copy}_{name}"', 1).replace(f'"{table}"', copy, 1)
                )
        return statements


def child_schema(path: Path) -> dict:
    """The import's own rows, read back from the contacts' table (not timed), written with
    the same COPY / executemany into a copy of that table with its indexes and referential
    checks: what writing these rows into this schema costs, without parsing or mapping."""
    import django

    django.setup()
    from django.db import connection, transaction

    from personas.models import Contact, ContactImport
    from personas.services import CONTACT_COLUMNS

    table, copy = Contact._meta.db_table, "bench_schema_rows"
    latest = ContactImport.objects.order_by("-pk").values_list("pk", flat=True).first()
    rows = list(
        Contact.objects.filter(contact_import_id=latest)
        .order_by("pk")
        .values_list(*CONTACT_COLUMNS)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {copy}")
        for statement in schema_copy_sql(connection, table, copy):
            cursor.execute(statement)
    names = ", ".join(CONTACT_COLUMNS)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:  # as the import's connection (personas/runs.py)
            cursor.execute("PRAGMA cache_size = -131072")
    began, cpu = time.perf_counter(), time.process_time()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {copy} ({names}) FROM STDIN") as writer:
                for row in rows:
                    writer.write_row(row)
        else:
            marks = ", ".join(["?"] * len(CONTACT_COLUMNS))
            connection.connection.cursor().executemany(
                f"INSERT INTO {copy} ({names}) VALUES ({marks})", rows
            )
    seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {copy}")
        stored = cursor.fetchone()[0]
        cursor.execute(f"DROP TABLE {copy}")
    return {"seconds": seconds, "cpu": cpu, "stored": stored}


def child_pandas(path: Path) -> dict:
    try:
        import pandas
    except ImportError:
        return {"skipped": "pandas is not installed"}
    began, cpu = time.perf_counter(), time.process_time()
    frame = pandas.read_csv(path, sep=";", encoding="cp1252", dtype=str)
    return {
        "seconds": time.perf_counter() - began,
        "cpu": time.process_time() - cpu,
        "rows": len(frame),
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
    load = (before, os.getloadavg()[0])  # one-minute averages as it began and ended
    if done.returncode != 0:
        return {"failed": done.stderr.strip().splitlines()[-1:] or ["?"], "load": load}
    return {**json.loads(done.stdout.strip().splitlines()[-1]), "load": load}


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else ROWS
    with tempfile.TemporaryDirectory(prefix="frontstage-bench-import-") as tmp:
        folder = Path(tmp)
        path = folder / "contacts.csv"
        began = time.perf_counter()
        write_file(path, rows)
        size_mb = path.stat().st_size / 1024 / 1024
        print(f"Generated {rows:,} rows ({size_mb:.0f} MB) in {time.perf_counter() - began:.1f} s")
        env = dict(os.environ)
        env["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{folder}/b.db"
        env["MEDIA_ROOT"] = str(folder)
        env.setdefault("DJANGO_SETTINGS_MODULE", "frontstage.settings")
        env.setdefault("FRONTSTAGE_INSECURE_DEV_KEY", "1")
        upload = measure("upload", path, env)
        imported = measure("import", path, env)
        bare = measure("bare", path, env)
        schema = measure("schema", path, env)
        baseline = measure("pandas", path, env)

    database = "BENCH_DATABASE_URL" if os.environ.get("BENCH_DATABASE_URL") else "SQLite"
    print(f"\nContact import of {rows:,} rows ({database}), each in its own process:")
    print(f"  upload (detection)   {fmt(upload)}")
    print(f"  import (run)         {fmt(imported)}")
    print(f"  baseline: bare write {fmt(bare)}")
    print(f"  baseline: schema     {fmt(schema)}")
    print(f"  baseline: pandas     {fmt(baseline)}")
    if "seconds" in imported:
        print(
            f"  imported {imported['rows_imported']:,}, reported {imported['errors_total']:,} "
            f"bad rows, status {imported['status']}"
        )
        times_bare = imported["seconds"] / bare["seconds"] if "seconds" in bare else None
        within = (
            imported["seconds"] <= TARGET_SECONDS
            and imported["peak_mb"] <= TARGET_PEAK_MB
            and (times_bare is None or times_bare <= TARGET_TIMES_BARE)
        )
        verdict = "within" if within else "OUTSIDE"
        ratio = f"{times_bare:.1f}× the bare write" if times_bare else "no bare write"
        print(
            f"  target: import ≤ {TARGET_SECONDS:.0f} s, ≤ {TARGET_PEAK_MB / 1024:.1f} GB "
            f"peak and ≤ {TARGET_TIMES_BARE:.0f}× the bare write ({ratio}) — {verdict} target"
        )
        if "seconds" in schema:
            print(
                f"  import ÷ schema write: {imported['seconds'] / schema['seconds']:.1f}× "
                f"(the same rows written into the contacts' schema: its indexes and checks)"
            )


def fmt(result: dict) -> str:
    if "seconds" not in result:
        return f"— {result.get('skipped') or result.get('failed')}"
    return (
        f"{result['seconds']:7.1f} s   CPU {result['cpu']:6.1f} s   "
        f"peak {result['peak_mb']:7.0f} MB   "
        f"(load {result['load'][0]:.1f}–{result['load'][1]:.1f})"
    )


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        kind, file = sys.argv[2], Path(sys.argv[3])
        run = {
            "upload": child_upload,
            "import": child_import,
            "bare": child_bare,
            "schema": child_schema,
            "pandas": child_pandas,
        }[kind]
        result = run(file)
        result["peak_mb"] = peak_mb()
        print(json.dumps(result))
    else:
        main()
