"""Background runs in real `db_worker` processes (django-tasks-db), killed mid-run.

A web server enqueues into the database (a SQLite file, or PostgreSQL when the suite runs on
it); the tests start and stop worker processes themselves. A worker killed with SIGKILL leaves
its run to be reaped when its lease runs out (TASK_LEASE_SECONDS, five seconds here): failed,
its contacts, rejected rows, new taxonomy nodes and channels gone, ready to start again at
once. SIGTERM stops the run after the batch in hand and cleans up the same way.
"""

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.servers import (
    ROOT,
    VENV_BIN,
    database_for_servers,
    manage,
    start_db_worker,
    token_client,
    uvicorn_servers,
)

pytestmark = pytest.mark.xdist_group("task_worker")

ENV = {"TASKS_BACKEND": "django_tasks_db.DatabaseBackend", "TASK_LEASE_SECONDS": "5"}
ROWS = 60_000
LATE = ROWS // 2  # from this row on, every row brings a new category and channel


def crm_file() -> bytes:
    lines = ["Customer;Date;Category;Subcategory;Channel"]
    for number in range(ROWS):
        if number < LATE:
            lines.append(f"C-{number % 5000};2024-03-{number % 28 + 1:02d};Complaint;Taste;Phone")
        else:
            late = f"Late {number % 300};Sub;Channel {number % 200}"
            lines.append(f"C-{number % 5000};2024-03-01;{late}")
    return ("\r\n".join(lines) + "\r\n").encode()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    databases = database_for_servers(tmp_path_factory)
    database_url = next(databases)
    logs = tmp_path_factory.mktemp("worker-logs")
    media = tmp_path_factory.mktemp("media")
    env = ENV | {"MEDIA_ROOT": str(media)}
    try:
        with uvicorn_servers(database_url, logs, ["web"], env) as (address,):
            api = token_client(f"http://{address}", "facilitator", "frontstage")
            workspace = api.get(f"http://{address}/api/v1/workspaces/", timeout=10).json()
            yield {
                "base": f"http://{address}",
                "api": api,
                "workspace": workspace["results"][0]["id"],
                "database_url": database_url,
                "env": os.environ | {"DATABASE_URL": database_url, "DEBUG": "0"} | env,
                "logs": logs,
            }
    finally:
        next(databases, None)


def start_worker(site: dict[str, Any], name: str, *options: str) -> subprocess.Popen:
    return start_db_worker(site["env"], site["logs"] / f"{name}.log", *options)


def start_paused_worker(site: dict[str, Any], name: str, marker: Path) -> subprocess.Popen:
    """A worker that takes one task and stops dead before its code runs (tests/paused_worker)."""
    command = [str(VENV_BIN / "python"), "-m", "tests.paused_worker", str(marker)]
    command += ["--no-reload", "--no-startup-delay", "--interval", "0.1"]
    with (site["logs"] / f"{name}.log").open("w") as log:
        return subprocess.Popen(
            command, cwd=ROOT, env=site["env"], stdout=log, stderr=subprocess.STDOUT
        )


def killed_once_it_took_a_task(site: dict[str, Any], name: str, marker: Path) -> str:
    """Start a paused worker, wait until it has taken a task, SIGKILL it; the task's id."""
    worker = start_paused_worker(site, name, marker)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists() and worker.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.exists(), (site["logs"] / f"{name}.log").read_text()[-2000:]
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    return marker.read_text()


def drain(site: dict[str, Any]) -> None:
    """Run whatever earlier tests left queued, so the next worker takes the next task."""
    worker = start_worker(site, "drain", "--batch")
    assert worker.wait(timeout=180) == 0


def queue_status(site: dict[str, Any], task_id: str) -> str:
    """What django-tasks-db's own record says of a task."""
    script = (
        "from django_tasks_db.models import DBTaskResult;"
        f"print(DBTaskResult.objects.get(pk='{task_id}').status)"
    )
    return manage(site["database_url"], "shell", "-c", script).strip().splitlines()[-1]


def upload(site: dict[str, Any], content: bytes | None = None) -> int:
    answer = site["api"].post(
        f"{site['base']}/api/v1/contact-imports/",
        data={"workspace": site["workspace"]},
        files={"file": ("big.csv", content or crm_file(), "text/csv")},
        timeout=60,
    )
    assert answer.status_code == 201, answer.text[:500]
    return answer.json()["id"]


def state(site: dict[str, Any], pk: int) -> dict[str, Any]:
    answer = site["api"].get(f"{site['base']}/api/v1/contact-imports/{pk}/", timeout=60)
    assert answer.status_code == 200, answer.text[:500]
    return answer.json()


def start(site: dict[str, Any], pk: int) -> requests.Response:
    return site["api"].post(f"{site['base']}/api/v1/contact-imports/{pk}/start/", timeout=60)


def wait_for(site: dict[str, Any], pk: int, done: Any, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        current = state(site, pk)
        if done(current):
            return current
        time.sleep(0.05)
    pytest.fail(f"import {pk} never got there: {current}")


def leftovers(site: dict[str, Any], pk: int) -> dict[str, int]:
    """What the database holds of the import's run, read past the app's filters."""
    script = (
        "import json;"
        "from personas.models import Contact, ContactImport, ContactReason, ImportRowError;"
        "from blueprints.models import Channel;"
        f"print(json.dumps({{"
        f"'contacts': Contact.objects.filter(contact_import_id={pk}).count(),"
        f"'row_errors': ImportRowError.objects.filter(contact_import_id={pk}, line__isnull=False)"
        ".count(),"
        "'late_nodes': ContactReason.objects.filter(name__startswith='Late ').count(),"
        "'late_channels': Channel.objects.filter(name__startswith='Channel ').count(),"
        f"'recorded': len(ContactImport.objects.get(pk={pk}).created_reasons)}}))"
    )
    return json.loads(manage(site["database_url"], "shell", "-c", script).strip().splitlines()[-1])


def interrupted_midway(site: dict[str, Any], pk: int) -> dict[str, Any]:
    """Wait until the run has written batches and added nodes of its own, but is not done."""
    return wait_for(
        site,
        pk,
        lambda s: s["status"] != "running" or s["rows_imported"] > LATE,
    )


def test_a_killed_worker_leaves_nothing_and_the_import_starts_again_at_once(
    site: dict[str, Any],
) -> None:
    pk = upload(site)
    assert start(site, pk).status_code == 202
    worker = start_worker(site, "killed")
    try:
        midway = interrupted_midway(site, pk)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert midway["status"] == "running", "the import ended before the worker was killed"
    assert 0 < midway["rows_imported"] < ROWS

    # Until the lease runs out it is running (another worker may be slow, not dead) …
    assert start(site, pk).status_code == 409
    # … then whoever looks finds it failed and cleaned.
    failed = wait_for(site, pk, lambda s: s["status"] != "running", timeout=60)
    assert failed["status"] == "failed"
    assert failed["rows_imported"] == 0
    assert "interrupted" in json.dumps(failed["errors"])
    # Its rows no longer count anywhere; removing them is a worker's job, queued by the reap.
    stats = site["api"].get(
        f"{site['base']}/api/v1/workspaces/{site['workspace']}/contact-stats/", timeout=30
    )
    assert (stats.status_code, stats.json()["total"]) == (200, 0)
    cleaner = start_worker(site, "cleaner", "--batch")
    assert cleaner.wait(timeout=120) == 0
    assert leftovers(site, pk) == {
        "contacts": 0,
        "row_errors": 0,
        "late_nodes": 0,
        "late_channels": 0,
        "recorded": 0,
    }

    assert start(site, pk).status_code == 202  # no waiting, no 409
    worker = start_worker(site, "retry")
    try:
        done = wait_for(site, pk, lambda s: s["status"] != "running", timeout=120)
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    assert (done["status"], done["rows_imported"]) == ("done", ROWS), done
    found = leftovers(site, pk)
    assert (found["contacts"], found["late_nodes"]) == (ROWS, 300)

    answer = site["api"].delete(f"{site['base']}/api/v1/contact-imports/{pk}/", timeout=60)
    assert answer.status_code == 204


def test_sigterm_stops_after_the_batch_in_hand_and_cleans_up(site: dict[str, Any]) -> None:
    pk = upload(site)
    assert start(site, pk).status_code == 202
    worker = start_worker(site, "terminated")
    try:
        midway = interrupted_midway(site, pk)
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
    assert midway["status"] == "running", "the import ended before the worker was stopped"
    # No lease to wait for: the worker said so itself before it left.
    failed = state(site, pk)
    assert failed["status"] == "failed"
    assert "interrupted" in json.dumps(failed["errors"])
    assert leftovers(site, pk) == {
        "contacts": 0,
        "row_errors": 0,
        "late_nodes": 0,
        "late_channels": 0,
        "recorded": 0,
    }
    assert start(site, pk).status_code == 202
    answer = site["api"].get(f"{site['base']}/api/v1/contact-imports/{pk}/", timeout=60)
    assert answer.json()["status"] == "running"  # queued again, for the next worker


def test_a_killed_segmentation_is_failed_and_can_run_again(site: dict[str, Any]) -> None:
    base, api = site["base"], site["api"]
    pk = upload(site)
    assert start(site, pk).status_code == 202
    worker = start_worker(site, "segmentation")
    try:
        assert wait_for(site, pk, lambda s: s["status"] != "running", 120)["status"] == "done"
        answer = api.post(
            f"{base}/api/v1/segmentations/", json={"workspace": site["workspace"]}, timeout=30
        )
        assert answer.status_code == 202, answer.text[:500]
        run = answer.json()["id"]
        deadline = time.monotonic() + 60
        while (
            api.get(f"{base}/api/v1/segmentations/{run}/", timeout=30).json()["progress"] < 0.2
            and time.monotonic() < deadline
        ):
            time.sleep(0.05)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    deadline = time.monotonic() + 30
    while (found := api.get(f"{base}/api/v1/segmentations/{run}/", timeout=30).json())[
        "status"
    ] == "running" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert found["status"] == "failed", found
    assert "interrupted" in found["error"]
    again = api.post(
        f"{base}/api/v1/segmentations/", json={"workspace": site["workspace"]}, timeout=30
    )
    assert again.status_code == 202, again.text[:500]


def test_a_worker_killed_before_its_first_beat_leaves_nothing_running(
    site: dict[str, Any], tmp_path: Path
) -> None:
    """The lease starts when a worker takes the task: killed before its run ever beat, the
    import (then a segmentation) is failed once the lease has run out, the queue's own record
    of the task too, and each starts again at once."""
    base, api = site["base"], site["api"]
    drain(site)
    pk = upload(site)
    assert start(site, pk).status_code == 202
    task_id = killed_once_it_took_a_task(site, "paused-import", tmp_path / "import")
    assert queue_status(site, task_id) == "RUNNING"
    assert state(site, pk)["status"] == "running"  # the lease has not run out yet

    failed = wait_for(site, pk, lambda s: s["status"] != "running", timeout=60)
    assert failed["status"] == "failed"
    assert "interrupted" in json.dumps(failed["errors"])
    assert queue_status(site, task_id) == "FAILED"

    assert start(site, pk).status_code == 202
    worker = start_worker(site, "after-paused")
    try:
        done = wait_for(site, pk, lambda s: s["status"] != "running", timeout=120)
        assert (done["status"], done["rows_imported"]) == ("done", ROWS), done
    finally:
        worker.terminate()
        worker.wait(timeout=60)

    segmentations = f"{base}/api/v1/segmentations/"
    drain(site)
    answer = api.post(segmentations, json={"workspace": site["workspace"]}, timeout=30)
    assert answer.status_code == 202, answer.text[:500]
    run = answer.json()["id"]
    task_id = killed_once_it_took_a_task(site, "paused-segmentation", tmp_path / "segmentation")
    deadline = time.monotonic() + 60
    while (found := api.get(f"{segmentations}{run}/", timeout=30).json())[
        "status"
    ] == "running" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert found["status"] == "failed", found
    assert "interrupted" in found["error"]
    assert queue_status(site, task_id) == "FAILED"
    again = api.post(segmentations, json={"workspace": site["workspace"]}, timeout=30)
    assert again.status_code == 202, again.text[:500]

    answer = api.delete(f"{base}/api/v1/contact-imports/{pk}/", timeout=60)
    assert answer.status_code == 204


def test_deleting_an_import_while_another_runs_leaves_the_running_one_whole(
    site: dict[str, Any],
) -> None:
    """The running import read the workspace's nodes when it started; the deleted import's
    nodes it has not written a row with yet are handed over to it, not removed under it. It
    finishes whole, and lets go of them when it is deleted in turn."""
    base, api = site["base"], site["api"]
    drain(site)
    header = "Customer;Date;Category;Subcategory;Channel"
    handed = "Devolución;Botella rota;Telefax"
    first = upload(site, f"{header}\r\nC-1;2024-03-01;{handed}\r\n".encode())
    lines = [header] + [f"C-{n % 5000};2024-03-02;Complaint;Taste;Phone" for n in range(ROWS)]
    lines += [f"C-{n};2024-03-03;{handed}" for n in range(500)]
    second = upload(site, ("\r\n".join(lines) + "\r\n").encode())
    worker = start_worker(site, "independent")
    try:
        assert start(site, first).status_code == 202
        assert wait_for(site, first, lambda s: s["status"] != "running")["status"] == "done"
        assert start(site, second).status_code == 202
        wait_for(site, second, lambda s: s["status"] != "running" or s["rows_imported"] > 0)
        deleted = api.delete(f"{base}/api/v1/contact-imports/{first}/", timeout=60)
        assert deleted.status_code == 204
        assert state(site, second)["status"] == "running", "it ended before the delete"
        done = wait_for(site, second, lambda s: s["status"] != "running", timeout=180)
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    assert (done["status"], done["rows_imported"]) == ("done", ROWS + 500), done
    script = (
        "from personas.models import Contact;"
        "print(Contact.objects.filter(category__name='Devolución', channel__name='Telefax')"
        f".filter(contact_import_id={second}).count())"
    )
    assert manage(site["database_url"], "shell", "-c", script).strip().splitlines()[-1] == "500"

    answer = api.delete(f"{base}/api/v1/contact-imports/{second}/", timeout=60)
    assert answer.status_code == 204
    script = (
        "from personas.models import ContactReason;from blueprints.models import Channel;"
        "print(ContactReason.objects.filter(name__in=['Devolución', 'Botella rota']).count(),"
        " Channel.objects.filter(name='Telefax').count())"
    )
    assert manage(site["database_url"], "shell", "-c", script).strip().splitlines()[-1] == "0 0"


def test_the_worker_log_names_no_traceback_of_ours(site: dict[str, Any]) -> None:
    logs: list[Path] = sorted(site["logs"].glob("*.log"))
    assert logs
    for log in logs:
        assert "personas/runs.py" not in log.read_text(errors="replace"), log.name
