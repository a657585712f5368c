"""A task backend for one-machine set-ups: each task runs in a thread of the web process.

Django ships only the immediate backend (runs the task inside the request) and the dummy one;
a database-backed worker is for production (DESIGN.md). This one keeps `make run` a single
process while long work (CRM imports) runs outside the request, with its progress in the
database. The thread starts when the enqueuing transaction commits, so it reads what the
request wrote, and closes its database connections when done. A process that dies takes its
running tasks with it: they must leave nothing half-written (see personas.services).
"""

import threading

from django.db import connections, transaction
from django.tasks.backends.immediate import ImmediateBackend
from django.tasks.base import TaskResult


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
