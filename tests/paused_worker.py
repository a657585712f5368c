"""A `db_worker` that stops dead once it has taken a task, before the task's code runs.

It is what a worker killed between taking a task and its first heartbeat leaves behind, made
on purpose (tests/test_task_worker.py kills it with SIGKILL while it waits here):

    python -m tests.paused_worker MARKER [db_worker options]

MARKER is written (the id of the task taken) once the task is the worker's.
"""

import os
import sys
import threading
from pathlib import Path
from typing import Any

import django


def main() -> None:
    marker = Path(sys.argv[1])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontstage.settings")
    django.setup()
    from django.core.management import call_command
    from django_tasks_db.compat import task_started

    def hang(sender: Any, task_result: Any, **kwargs: Any) -> None:
        # Written whole, then moved into place: the test reads the id as soon as the file
        # exists, and could otherwise read it empty (created, not yet written).
        partial = marker.with_name(marker.name + ".partial")
        partial.write_text(str(task_result.id))
        os.replace(partial, marker)
        threading.Event().wait()  # until killed

    task_started.connect(hang, weak=False)
    call_command("db_worker", *sys.argv[2:])


if __name__ == "__main__":
    main()
