"""Books built in the background: a request never waits for one.

`GET …/book.pdf` computes the book's key from version stamps (book.pdf.book_key: two
lookups). When the file for that key exists it is the answer (or 304). Otherwise `wanted`
makes sure a build for that key is queued or running, and the request answers 202 with the
build's progress (`progress_of`). The build (`build_book`, a task of settings.TASKS: a
`db_worker` process in production, a thread of the web process with `make run`) beats a
heartbeat with its stage; one silent for settings.TASK_LEASE_SECONDS (or queued and never
taken for QUEUE_PATIENCE) counts as lost: it is queued again, up to MAX_ATTEMPTS tries, then
reported failed with that reason. A build that fails keeps its reason until someone asks again
(`POST …/book/build`) or the blueprint changes.

After a change (the blueprint's events, its workspace's content stamp), the books already
asked for are built again once the changes pause for DEBOUNCE seconds (`changed`).
"""

import logging
import threading
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import F
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _

from blueprints import render
from blueprints.models import Blueprint
from book import pdf as book
from book.models import BookBuild, BuildState

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 2
QUEUE_PATIENCE = timedelta(minutes=10)  # queued this long without a worker taking it: lost
DEBOUNCE = 5.0  # seconds without a change before the books asked for are built again
ACTIVE = (BuildState.QUEUED, BuildState.RUNNING)


def lease() -> timedelta:
    return timedelta(seconds=settings.TASK_LEASE_SECONDS)


def is_lost(build: BookBuild) -> bool:
    now = timezone.now()
    if build.state == BuildState.RUNNING:
        return (build.heartbeat_at or build.started_at or build.enqueued_at) < now - lease()
    if build.state == BuildState.QUEUED:
        return build.enqueued_at < now - QUEUE_PATIENCE
    return False


def _queue(build: BookBuild, *, key: str, fresh: bool, delay: float = 0.0) -> None:
    """Reset `build` to queued for `key` (a fresh start, or one more attempt) and enqueue it
    once the transaction commits."""
    build.key = key
    build.state = BuildState.QUEUED
    build.stage = "queued"
    build.progress = 0
    build.reason = ""
    build.enqueued_at = timezone.now() + timedelta(seconds=delay)
    build.started_at = build.heartbeat_at = build.finished_at = None
    if fresh:
        build.attempts = 0
    build.save()
    pk, when = build.pk, build.enqueued_at

    def enqueue() -> None:
        runner = build_book
        if delay and build_book.get_backend().supports_defer:
            runner = build_book.using(run_after=when)  # else the task waits itself
        runner.enqueue(pk, key, when.isoformat())

    transaction.on_commit(enqueue, robust=True)


def _settled(build: BookBuild | None, key: str) -> bool:
    """Nothing to change: a build of `key` is under way, or failed (reported as such)."""
    if build is None or build.key != key:
        return False
    if build.state == BuildState.FAILED:
        return True
    if build.state == BuildState.QUEUED and build.enqueued_at > timezone.now():
        return False  # waiting for edits to settle: someone wants it now
    return build.state in ACTIVE and not is_lost(build)


def wanted(blueprint: Blueprint, language: str, key: str, *, again: bool = False) -> BookBuild:
    """The build of the book for `key`: the running or queued one, a new one, or the failed
    one (left as it is unless `again`)."""
    found = BookBuild.objects.filter(blueprint=blueprint, language=language).first()
    if not again and _settled(found, key):
        return found  # read only: a request that polls never takes the write lock
    with transaction.atomic():
        build = (
            BookBuild.objects.select_for_update()
            .filter(blueprint=blueprint, language=language)
            .first()
        )
        if build is None:
            build = BookBuild(blueprint=blueprint, language=language)
            _queue(build, key=key, fresh=True)
            return build
        if build.key != key or build.state == BuildState.DONE or again:
            _queue(build, key=key, fresh=True)  # done: its file was pruned since
        elif build.state == BuildState.QUEUED and build.enqueued_at > timezone.now():
            _queue(build, key=key, fresh=False)  # debounced after a change: now
        elif build.state in ACTIVE and is_lost(build):
            if build.attempts < MAX_ATTEMPTS:
                logger.warning("Book build %s lost: queued again", build.pk)
                _queue(build, key=key, fresh=False)
            else:
                build.state = BuildState.FAILED
                build.reason = _(
                    "The build stopped without finishing %(count)d times (its worker was "
                    "lost, or took longer than allowed)."
                ) % {"count": build.attempts}
                build.finished_at = timezone.now()
                build.save()
        return build


def built(blueprint: Blueprint, language: str, key: str, seconds: float) -> None:
    """Record a book built within a request (`Prefer: wait`): asked for, so built again after
    changes like those built here."""
    now = timezone.now()
    BookBuild.objects.update_or_create(
        blueprint=blueprint,
        language=language,
        defaults={
            "key": key,
            "state": BuildState.DONE,
            "stage": "done",
            "progress": 100,
            "reason": "",
            "enqueued_at": now,
            "started_at": now,
            "heartbeat_at": now,
            "finished_at": now,
            "seconds": seconds,
        },
    )


def progress_of(build: BookBuild) -> dict[str, Any]:
    return {
        "state": build.state,
        "stage": build.stage,
        "progress": build.progress,
        "reason": build.reason,
        "attempts": build.attempts,
        "enqueued_at": build.enqueued_at.isoformat(),
        "started_at": build.started_at.isoformat() if build.started_at else None,
        "finished_at": build.finished_at.isoformat() if build.finished_at else None,
    }


# --- the build ---------------------------------------------------------------------------------


class _Beat:
    """The build's heartbeat: a thread touches `heartbeat_at` while Graphviz and WeasyPrint
    work (a stage can last longer than the lease), and each stage is recorded as it starts."""

    def __init__(self, pk: int, key: str) -> None:
        self.pk, self.key = pk, key
        self.done = threading.Event()

    def mine(self) -> Any:
        return BookBuild.objects.filter(pk=self.pk, key=self.key, state=BuildState.RUNNING)

    def stage(self, name: str) -> None:
        _stubborn(
            lambda: self.mine().update(
                stage=name, progress=book.STAGES.get(name, 0), heartbeat_at=timezone.now()
            )
        )

    def finish(self, **changes: Any) -> None:
        _stubborn(lambda: self.mine().update(finished_at=timezone.now(), **changes))

    def run(self) -> None:
        every = max(settings.TASK_LEASE_SECONDS / 6, 0.2)
        try:
            while not self.done.wait(every):
                try:
                    self.mine().update(heartbeat_at=timezone.now())
                except OperationalError:  # SQLite busy: the next beat
                    logger.warning("Heartbeat of book build %s missed", self.pk)
        finally:
            connection.close()


def _stubborn(write: Any, tries: int = 100) -> Any:
    """`write()`, tried again while the database is locked by another writer (SQLite's
    shared-cache test database refuses at once instead of waiting)."""
    for attempt in range(tries):
        try:
            return write()
        except OperationalError:
            if attempt == tries - 1:
                raise
            time.sleep(0.05)
    return None


@task
def build_book(build_id: int, key: str, not_before: str) -> None:
    """Build the book the row `build_id` asks for, unless another build took its place."""
    wait = (timezone.datetime.fromisoformat(not_before) - timezone.now()).total_seconds()
    if wait > 0:
        time.sleep(min(wait, DEBOUNCE))  # debounced after a change: let the edits settle
    now = timezone.now()
    taken = _stubborn(
        lambda: BookBuild.objects.filter(
            pk=build_id, key=key, state=BuildState.QUEUED, enqueued_at__lte=now
        ).update(
            state=BuildState.RUNNING,
            stage="reading",
            progress=book.STAGES["reading"],
            started_at=now,
            heartbeat_at=now,
            attempts=F("attempts") + 1,
        )
    )
    if not taken:
        return  # superseded by a newer build, or already taken
    build = BookBuild.objects.select_related("blueprint__workspace").get(pk=build_id)
    beat = _Beat(build_id, key)
    beater = threading.Thread(target=beat.run, daemon=True)
    beater.start()
    started = time.perf_counter()
    try:
        book.book_pdf(build.blueprint, build.language, progress=beat.stage)
    except Exception as error:  # reported on the row, for the people waiting
        logger.exception("Book build %s failed", build_id)
        reason = str(error) if isinstance(error, render.RenderError) else repr(error)
        beat.finish(
            state=BuildState.FAILED, reason=reason[:2000], seconds=time.perf_counter() - started
        )
    else:
        beat.finish(
            state=BuildState.DONE,
            stage="done",
            progress=100,
            seconds=time.perf_counter() - started,
        )
    finally:
        beat.done.set()
        beater.join(timeout=30)


# --- after a change ----------------------------------------------------------------------------


def changed(builds: Any) -> None:
    """The books of `builds` (a queryset of rows: books someone asked for) are stale: build
    each again once the changes pause. Each new change pushes its start back; the build that
    finally runs computes the key of that moment."""
    for build in builds.select_related("blueprint"):
        try:
            key = book.book_key(build.blueprint, build.language)
        except render.RenderError:
            continue
        if key == build.key:
            continue  # built, being built, or failed for this very content
        with transaction.atomic():
            locked = BookBuild.objects.select_for_update().filter(pk=build.pk).first()
            if locked is not None:
                _queue(locked, key=key, fresh=True, delay=DEBOUNCE)


def blueprint_changed(blueprint_id: int) -> None:
    changed(BookBuild.objects.filter(blueprint_id=blueprint_id))


def workspace_changed(workspace_id: int) -> None:
    changed(BookBuild.objects.filter(blueprint__workspace_id=workspace_id))
