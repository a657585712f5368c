"""A task backend for one-machine set-ups: each task runs in a thread of the web process.

Django ships only the immediate backend (runs the task inside the request) and the dummy one;
a database-backed worker is for production (DESIGN.md). This one keeps `make run` a single
process while long work (CRM imports) runs outside the request, with its progress in the
database. The thread starts when the enqueuing transaction commits, so it reads what the
request wrote, and closes its database connections when done. A process that dies takes its
running tasks with it: they must leave nothing half-written (see personas.services).
"""

import threading
from datetime import datetime
from typing import Any

from django.db import connections, transaction
from django.tasks import Task, TaskResultStatus
from django.tasks.backends.immediate import ImmediateBackend
from django.tasks.base import TaskResult
from django.utils import timezone
from django.utils.json import normalize_json
from django_tasks_db.backend import DatabaseBackend


class ThreadBackend(ImmediateBackend):
    supports_async_task = False

    def _execute_task(self, task_result: TaskResult) -> None:
        start = threading.Thread(target=self._run, args=(task_result,), daemon=True).start
        transaction.on_commit(start, robust=True)

    def _run(self, task_result: TaskResult) -> None:
        try:
            super()._execute_task(task_result)
        finally:
            connections.close_all()


# --- what the task queue knows of a call -------------------------------------------------------
# A long run holds a lease it beats itself (personas.runs). Before its first beat only the
# queue knows that a worker took it: a worker killed in between leaves the run with no beat at
# all, and the queue's record "running" for ever. These read and close that record.


class WorkerLost(Exception):
    """What the queue records for a task whose worker stopped (killed, its machine lost)."""


def _records(task: Task, args: tuple[Any, ...], since: datetime) -> list[Any]:
    if not isinstance(task.get_backend(), DatabaseBackend):
        return []  # a backend that keeps no record (the thread backend above)
    from django_tasks_db.models import DBTaskResult  # a model: not before the apps are ready

    wanted = normalize_json(list(args))
    candidates = DBTaskResult.objects.filter(
        task_path=task.module_path, backend_name=task.backend, enqueued_at__gte=since
    ).only("id", "args_kwargs", "status", "started_at")
    return [record for record in candidates if record.args_kwargs.get("args") == wanted]


def taken_at(task: Task, *args: Any, since: datetime) -> datetime | None:
    """When a worker took the call `task(*args)` enqueued since `since` (the latest such call);
    None while it waits in the queue, or when the backend keeps no record."""
    taken = [record.started_at for record in _records(task, args, since) if record.started_at]
    return max(taken, default=None)


def abandon(task: Task, *args: Any, since: datetime) -> int:
    """Close the queue's record of the call `task(*args)` as failed: its worker stopped."""
    running = [
        record.pk
        for record in _records(task, args, since)
        if record.status == TaskResultStatus.RUNNING
    ]
    if not running:
        return 0
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(pk__in=running, status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.FAILED,
        finished_at=timezone.now(),
        exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
        traceback="",
    )
