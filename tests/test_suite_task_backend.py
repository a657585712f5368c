"""The suite's background work runs where it says: in a thread of the test process by default,
through the queue and a real `db_worker` process under TEST_TASK_WORKER=db_worker (the
PostgreSQL pass of .ci/run; tests/conftest.py starts that worker)."""

import os
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tasks_db.models import DBTaskResult

from personas.models import Contact, ContactImport
from tests.conftest import TASK_WORKER_ID, World, build_world
from tests.servers import db_worker, task_worker_wanted

URL = "/api/v1/contact-imports/"
CSV = "Cliente;Fecha;Motivo;Canal\r\nC-1;05/03/2024;Reclamación;Teléfono\r\n"


@pytest.fixture
def committed(transactional_db: None) -> World:
    return build_world()


def test_an_import_runs_in_the_background_of_the_suites_kind(committed: World) -> None:
    api = committed.client("facilitator")
    file = SimpleUploadedFile("crm.csv", CSV.encode("cp1252"))
    answer = api.post(URL, {"workspace": committed.workspace.pk, "file": file}, format="multipart")
    assert answer.status_code == 201, answer.json()
    pk = answer.json()["id"]
    assert api.post(f"{URL}{pk}/start/").status_code == 202

    # Waiting reads the row only: on SQLite's in-memory test database a request that writes
    # (the page's own bookkeeping) would refuse the run's writes ("database table is locked").
    deadline = time.monotonic() + 60
    while ContactImport.objects.values_list("status", flat=True).get(pk=pk) == "running":
        assert time.monotonic() < deadline, "the import never ended"
        time.sleep(0.1)
    found = api.get(f"{URL}{pk}/").json()
    assert (found["status"], found["rows_imported"]) == ("done", 1), found
    assert Contact.objects.filter(contact_import_id=pk).count() == 1

    queued: list[Any] = list(DBTaskResult.objects.filter(task_path__endswith="run_contact_import"))
    if task_worker_wanted():
        # Queued in the database, taken and finished by the suite's db_worker process.
        assert [(r.status, r.worker_ids) for r in queued] == [("SUCCESSFUL", [TASK_WORKER_ID])]
    else:
        assert queued == []  # the thread backend keeps no queue


def test_a_worker_that_dies_is_reported_with_what_it_said(tmp_path: Path) -> None:
    log = tmp_path / "worker.log"
    with pytest.raises(pytest.fail.Exception) as failed:
        env = os.environ | {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "DEBUG": "0"}
        with db_worker(env, log, "doomed") as process:
            deadline = time.monotonic() + 60
            while "Starting worker" not in log.read_text() and process.poll() is None:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.05)
            process.kill()
            process.wait(timeout=10)
    assert f"db_worker (pid {process.pid}) exited with -9" in str(failed.value)
    said = log.read_text().strip().splitlines()
    assert "Starting worker worker_id=doomed" in "\n".join(said)
    assert said[-1] in str(failed.value)  # the end of its log comes with the failure
