"""The long runs of the personas app — CRM imports and segmentations — in the background.

A run starts as a service would (`contact_import_start`, `segmentation_start`: check, record,
enqueue), then a task worker (django-tasks-db's `db_worker`, see settings.TASKS) calls its body.
While the body works it holds a lease: a thread beats `heartbeat_at` every few seconds,
whatever the batches do. A run whose beat is older than the lease (its worker was killed,
its machine lost) is *reaped* — marked failed, its contacts, rejected rows and the taxonomy
nodes and channels it alone added removed — by whoever looks next: a page, the API, a retry
or the next run. SIGTERM (a deploy) lets the current batch finish, then the run stops and
cleans up the same way. A worker that lost its lease (reaped while stalled) writes nothing
more: every batch commits only while the run is still its own.

This module sits above `services` (it uses its importers and segmentation helpers) and the
tasks are defined here, next to what enqueues them, so no module of the app imports one that
imports it back.
"""

import io
import logging
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection, models, transaction
from django.db.utils import OperationalError
from django.tasks import task
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from frontstage import errors, tasks
from personas import services, tabular
from personas.models import (
    Contact,
    ContactImport,
    ContactReason,
    ImportRowError,
    ImportStatus,
    Segmentation,
)
from workspaces.models import Workspace

logger = logging.getLogger(__name__)

IMPORT_INTERRUPTED = gettext_noop(
    "The import was interrupted (its worker stopped); nothing of it was kept. Start it again."
)
SEGMENTATION_INTERRUPTED = _(
    "The segmentation was interrupted (its worker stopped); nothing of it was kept. Start it again."
)


def lease() -> timedelta:
    """How long a run may go without a heartbeat before it counts as dead."""
    return timedelta(seconds=settings.TASK_LEASE_SECONDS)


def silent_since(run: ContactImport | Segmentation, task: Any) -> datetime | None:
    """A run's last sign of life: its last beat or, before its first, the moment a worker took
    its task (the lease starts then); None while it waits in the queue for a worker."""
    if run.heartbeat_at is not None:
        return run.heartbeat_at
    return tasks.taken_at(task, run.pk, since=run.started_at) if run.started_at else None


def is_dead(run: ContactImport | Segmentation, task: Any) -> bool:
    since = silent_since(run, task)
    return since is not None and timezone.now() - since > lease()


def candidates(model: type[models.Model], workspace_id: int | None) -> models.QuerySet:
    """The running runs that may be dead: silent for a lease, or not beaten yet (queued, or
    taken by a worker that died before its first beat: `is_dead` tells)."""
    silent = models.Q(heartbeat_at__lt=timezone.now() - lease())
    dead = model.objects.filter(silent | models.Q(heartbeat_at__isnull=True))
    dead = dead.filter(status=ImportStatus.RUNNING)
    return dead if workspace_id is None else dead.filter(workspace_id=workspace_id)


class Interrupted(Exception):
    """The run must stop: its worker is shutting down, or the lease is no longer its own."""


class Lease:
    """A run's claim on its row: beaten by a thread, lost when someone else reaped the row.

    `started_at` identifies the run (a retry starts a new one), so a stalled worker that
    wakes up after its run was reaped and started again never touches the new run.
    """

    def __init__(self, model: type[models.Model], pk: int, started_at: datetime) -> None:
        self.model, self.pk, self.started_at = model, pk, started_at
        self.stopping = threading.Event()  # SIGTERM: finish the batch, then stop
        self.lost = threading.Event()
        self._done = threading.Event()

    def mine(self) -> models.QuerySet:
        return self.model.objects.filter(
            pk=self.pk, status=ImportStatus.RUNNING, started_at=self.started_at
        )

    def check(self) -> None:
        if self.lost.is_set() or self.stopping.is_set():
            raise Interrupted

    def kept(self, field: str, ids: list[int]) -> list[int]:
        """`ids` with those another import handed over to this run meanwhile (see
        `services.import_nodes_release`): writing its own list never drops them. Locks the
        row until the caller's transaction ends."""
        current = self.mine().select_for_update().values_list(field, flat=True).first()
        return sorted({*(current or []), *ids})

    def beat(self, **changes: Any) -> None:
        """Record progress (and the beat) — only while the run is still ours."""
        if not self.mine().update(heartbeat_at=timezone.now(), **changes):
            self.lost.set()
            raise Interrupted

    def _beat_forever(self) -> None:
        every = max(settings.TASK_LEASE_SECONDS / 6, 0.2)
        try:
            while not self._done.wait(every):
                try:
                    # Beats nothing once the run is no longer ours; the run's own next beat
                    # (with its batch) finds that out and stops.
                    self.mine().update(heartbeat_at=timezone.now())
                except OperationalError:  # SQLite busy for longer than its timeout: next beat
                    logger.warning("Heartbeat of %s %s missed", self.model.__name__, self.pk)
        finally:
            connection.close()

    @contextmanager
    def held(self) -> Iterator["Lease"]:
        # Inside a transaction (a test's, the demo's) nobody else sees the run: no beats.
        beater = None
        if not connection.in_atomic_block:
            beater = threading.Thread(target=self._beat_forever, daemon=True)
            beater.start()
        previous = None
        if threading.current_thread() is threading.main_thread():
            previous = signal.getsignal(signal.SIGTERM)

            def on_term(signum: int, frame: Any) -> None:
                self.stopping.set()
                if callable(previous):
                    previous(signum, frame)  # db_worker's: stop after this task

            signal.signal(signal.SIGTERM, on_term)
        try:
            yield self
        finally:
            self._done.set()
            if beater is not None:
                beater.join(timeout=30)
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)


# --- imports -------------------------------------------------------------------------------


def contact_import_start(*, contact_import: ContactImport) -> None:
    """Check the mapping, reset the counters and queue the run (a background task)."""
    imports_reap(workspace_id=contact_import.workspace_id)
    with transaction.atomic():
        current = ContactImport.objects.select_for_update().get(pk=contact_import.pk)
        if current.status == ImportStatus.DONE:
            raise errors.Conflict(services.ALREADY_DONE)
        if current.status == ImportStatus.RUNNING:
            raise errors.Conflict(services.ALREADY_RUNNING)
        missing = [name for name in tabular.REQUIRED_FIELDS if not current.mapping.get(name)]
        if missing:
            raise errors.Invalid(
                {"mapping": [services.MAPPING_MISSING.format(fields=", ".join(missing))]}
            )
        # What a stopped run left (its rows, its nodes) the worker removes before it starts.
        now = timezone.now()
        ContactImport.objects.filter(pk=current.pk).update(
            status=ImportStatus.RUNNING,
            progress=0.0,
            rows_total=0,
            rows_imported=0,
            errors=[],
            errors_total=0,
            unrecognised={},
            started_at=now,
            heartbeat_at=None,  # queued: the lease starts when a worker takes it
            finished_at=None,
        )
    run_contact_import.enqueue(contact_import.pk)


def import_leftovers_remove(contact_import: ContactImport, *, messages: bool = True) -> None:
    """What a stopped run of the import wrote: its contacts, rejected rows (and the message
    saying why it stopped, unless `messages` is False), and the nodes and channels it added
    that nothing else uses (handed to another running import instead, see
    `services.import_nodes_release`). Heavy (a big file's rows): a worker's job, never a
    request's."""
    Contact.objects.filter(contact_import=contact_import).delete()
    rejected = ImportRowError.objects.filter(contact_import=contact_import)
    (rejected if messages else rejected.filter(line__isnull=False)).delete()
    with transaction.atomic():
        current = ContactImport.objects.select_for_update().get(pk=contact_import.pk)
        services.import_nodes_release(
            workspace_id=current.workspace_id,
            reasons=current.created_reasons,
            channels=current.created_channels,
            keeper=current.pk,
        )
        ContactImport.objects.filter(pk=current.pk).update(created_reasons=[], created_channels=[])


def imports_reap(*, workspace_id: int | None = None, clean: bool = False) -> int:
    """Fail the running imports whose worker stopped beating; how many.

    Their rows are invisible from then on (`Contact.objects.visible()`); removing them is
    queued for a worker (`clean_contact_import`), or done here when a worker reaps (`clean`).
    """
    reaped = 0
    for pk in candidates(ContactImport, workspace_id).values_list("pk", flat=True):
        with transaction.atomic():
            current = (
                ContactImport.objects.select_for_update()
                .filter(pk=pk, status=ImportStatus.RUNNING)
                .first()
            )
            if current is None or not is_dead(current, run_contact_import):
                continue
            logger.warning("Contact import %s: its worker stopped", pk)
            import_failed(current, IMPORT_INTERRUPTED)
            tasks.abandon(run_contact_import, pk, since=current.started_at)
            if not clean:
                transaction.on_commit(lambda pk=pk: clean_contact_import.enqueue(pk))
        if clean:
            import_leftovers_remove(current, messages=False)
        reaped += 1
    return reaped


@task
def clean_contact_import(contact_import_id: int) -> None:
    """Remove what a reaped run left behind, if the import is still failed."""
    with transaction.atomic():
        current = (
            ContactImport.objects.select_for_update()
            .filter(pk=contact_import_id, status=ImportStatus.FAILED)
            .first()
        )
        if current is not None:
            import_leftovers_remove(current, messages=False)


def import_stopped(contact_import: ContactImport, message: str, **params: Any) -> None:
    import_leftovers_remove(contact_import)
    import_failed(contact_import, message, **params)


def import_failed(contact_import: ContactImport, message: str, **params: Any) -> None:
    ImportRowError.objects.create(
        contact_import=contact_import, line=None, message=message, params=params
    )
    ContactImport.objects.filter(pk=contact_import.pk).update(
        status=ImportStatus.FAILED,
        rows_imported=0,
        errors_total=1,
        finished_at=timezone.now(),
    )


@task
def run_contact_import(contact_import_id: int) -> None:
    contact_import_run(contact_import_id=contact_import_id)


def contact_import_run(*, contact_import_id: int) -> None:
    """Import the rows: batches of BATCH_SIZE commit with the progress; bad rows are reported.

    If anything fails or the run is interrupted, the contacts, taxonomy nodes and channels
    this run added are removed and the import is marked failed: nothing half-written stays.
    While it runs, its contacts are not visible (`Contact.objects.visible()`).
    """
    contact_import = ContactImport.objects.filter(
        pk=contact_import_id, status=ImportStatus.RUNNING
    ).first()
    if contact_import is None or contact_import.started_at is None:
        imports_reap(clean=True)
        return
    claim = Lease(ContactImport, contact_import_id, contact_import.started_at)
    try:
        claim.beat()  # the lease began when the worker took the task: beat before anything
        with claim.held():
            imports_reap(clean=True)  # what dead runs left (heavy), while this one beats
            _contact_import_run(contact_import, claim)
    except Interrupted:
        logger.warning("Contact import %s interrupted", contact_import_id)
    except Exception as error:
        logger.exception("Contact import %s failed", contact_import_id)
        _import_give_up(claim, services.IMPORT_CRASHED, error=type(error).__name__)
        return
    else:
        return
    _import_give_up(claim, IMPORT_INTERRUPTED)


def _import_give_up(claim: Lease, message: str, **params: Any) -> None:
    """Clean up after the run stopped — unless it is no longer ours (someone reaped it)."""
    if not connection.in_atomic_block:
        # A crash may have left the connection unusable; a caller's transaction (a test's, a
        # run started inside a request's) owns its connection and must keep it.
        close_old_connections()
    with transaction.atomic():
        current = claim.mine().select_for_update().first()
        if current is not None:
            import_stopped(current, message, **params)


def recorded(store: Any, field: str, claim: Lease, batch: "Batch") -> None:
    """Write down each node (channel) the run adds in the transaction that adds it, so a run
    killed at any moment leaves a record of what to remove (and the write is a beat too).
    A batch streaming its contacts commits what it streamed first (`Batch.pause`)."""
    add = store._add

    def add_recorded(*args: Any) -> int:
        batch.pause()
        with transaction.atomic():
            pk = add(*args)
            claim.beat(**{field: claim.kept(field, store.created)})
        return pk

    store._add = add_recorded


def _contact_import_run(contact_import: ContactImport, claim: Lease) -> None:
    with transaction.atomic():  # what an earlier run of this import left, if it stopped
        import_leftovers_remove(contact_import)
    contact_import.created_reasons, contact_import.created_channels = [], []
    if connection.vendor == "sqlite":
        # Seven indexes grow with every batch; SQLite's default 2 MB page cache makes each
        # insert re-read them from disk (bench/bench_import.py: a third of the time).
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -131072")  # 128 MB, this connection only
        # (synchronous=NORMAL, which spares a disk sync at every batch, is set for every
        # connection in settings.py.)
    taxonomy = services.Taxonomy(contact_import.workspace_id)
    channels = services.Channels(contact_import.workspace_id)
    batch = Batch(stream=connection.vendor == "postgresql")
    recorded(taxonomy, "created_reasons", claim, batch)
    recorded(channels, "created_channels", claim, batch)
    counts = {"rows_total": 0, "rows_imported": 0, "errors_total": 0}
    unrecognised: dict[str, dict[str, int]] = {}
    with contact_import.file.open("rb") as stream:
        reader = tabular.RowReader(
            plain_file(stream),
            format=contact_import.format,
            encoding=contact_import.encoding,
            delimiter=contact_import.delimiter,
        )
        build = services.contact_builder(contact_import, taxonomy, channels, unrecognised)
        _import_rows(contact_import, reader, build, counts, unrecognised, claim, batch)
    if counts["rows_total"] == 0:
        _import_give_up(claim, services.HEADER_ONLY)
        return
    with transaction.atomic():
        claim.beat(
            status=ImportStatus.DONE,
            progress=1.0,
            unrecognised=unrecognised,
            created_reasons=claim.kept("created_reasons", taxonomy.created),
            created_channels=claim.kept("created_channels", channels.created),
            finished_at=timezone.now(),
            **counts,
        )


class Batch:
    """A batch of contacts, written with the rows it rejected and the run's progress
    (`finish`) in one transaction.

    On PostgreSQL the contacts stream into a COPY as they are made, inside the batch's
    transaction (opened at its first contact): the server stores, indexes and checks them
    while the file is read, instead of idling until the whole batch is made and then making
    the run wait for it (bench/bench_import.py). Before anything else the run asks the
    database — a new reason or channel to add — what was streamed so far is committed as a
    batch of its own (`pause`): the node is then added in its own short transaction, as
    everywhere, and the run's row is never held locked while the file is read (its
    heartbeat must get through). Elsewhere (SQLite works in this process: nothing to
    overlap) the contacts are kept and written at the end with one executemany, in a
    transaction that lasts only that long.
    """

    def __init__(self, *, stream: bool) -> None:
        self.finish: Callable[[], None] = lambda: None
        self._streamed = 0
        self._rows: list[tuple] = []
        self._transaction: ExitStack | None = None
        self._copy: services.ContactCopy | None = None
        if not stream:
            self.add = self._rows.append  # type: ignore[method-assign]  # once per row

    @property
    def count(self) -> int:
        return self._streamed + len(self._rows)

    def add(self, row: tuple) -> None:
        self._streamed += 1
        if self._copy is None:
            self._begin()
            self._copy = services.ContactCopy()
        self._copy.write(row)

    def pause(self) -> None:
        """Commit what was streamed so far, if anything: the connection is free again."""
        if self._transaction is not None:
            self.commit()

    def _begin(self) -> None:
        if self._transaction is None:
            stack = ExitStack()
            stack.enter_context(transaction.atomic())
            self._transaction = stack

    def commit(self) -> None:
        """Write the contacts still to write, then `finish` (the rejected rows, the beat) in
        the batch's transaction, and commit it."""
        try:
            if self._copy is not None:
                copy, self._copy = self._copy, None
                copy.close()
            self._begin()
            if self._rows:
                services.insert_contacts(self._rows)
            self.finish()
        except BaseException as error:
            self.abandon(error)
            raise
        stack, self._transaction = self._transaction, None
        self._rows.clear()
        self._streamed = 0
        if stack is not None:
            stack.close()

    def abandon(self, error: BaseException) -> None:
        """Roll the batch back (the run stops: `error` says why)."""
        self._rows.clear()
        self._streamed = 0
        if self._copy is not None:
            copy, self._copy = self._copy, None
            try:
                copy.close(error)
            except Exception:  # the connection may be broken: the rollback tells
                logger.debug("COPY abandoned", exc_info=True)
        if self._transaction is not None:
            stack, self._transaction = self._transaction, None
            stack.__exit__(type(error), error, error.__traceback__)


def plain_file(stream: Any) -> Any:
    """The file object under Django's File wrappers: they answer `closed` in Python, which
    the text reader asks at every line (a million times in a big file)."""
    while not isinstance(stream, io.IOBase) and hasattr(stream, "file"):
        stream = stream.file
    return stream


def _import_rows(
    contact_import: ContactImport,
    reader: tabular.RowReader,
    build: Callable[[list[Any]], tuple],
    counts: dict[str, int],
    unrecognised: dict[str, dict[str, int]],
    claim: Lease,
    batch: Batch,
) -> None:
    problems: list[ImportRowError] = []
    delimiter = contact_import.delimiter

    def report(line: int, problem: services.RowProblem, values: list[Any]) -> None:
        counts["errors_total"] += 1
        problems.append(
            ImportRowError(
                contact_import_id=contact_import.pk,
                line=line,
                message=problem.message,
                params=problem.params,
                raw=services.raw_row(values, delimiter),
            )
        )

    def finish() -> None:
        ImportRowError.objects.bulk_create(problems, batch_size=1000)
        problems.clear()
        counts["rows_imported"] += batch.count
        # Commits with the batch only while the run is ours (else rolls it back).
        claim.beat(progress=min(reader.fraction, 0.99), unrecognised=unrecognised, **counts)

    def flush() -> None:
        batch.commit()
        claim.check()  # a SIGTERM stops here, after a whole batch

    batch.finish = finish

    rows = iter(reader)
    next(rows, None)  # the header
    add = batch.add
    try:
        for line, values, problem in rows:
            counts["rows_total"] += 1
            if problem:
                report(line, services.RowProblem(services.ROW_UNREADABLE, error=problem), values)
                continue
            try:
                row = build(values)
            except services.RowProblem as error:
                report(line, error, values)
                continue
            add(row)
            if batch.count >= services.BATCH_SIZE or len(problems) >= services.BATCH_SIZE:
                flush()
        flush()
    except BaseException as error:
        batch.abandon(error)
        raise


# --- segmentations -------------------------------------------------------------------------


def segmentation_start(
    *,
    workspace: Workspace,
    user: Any,
    contact_import: ContactImport | None = None,
    k: int | None = None,
    use_demographics: bool = False,
    seed: int | None = None,
    scope: dict[str, Any] | None = None,
) -> Segmentation:
    """Record the run and queue it (a background task); one run at a time per workspace."""
    if contact_import is not None and contact_import.status != ImportStatus.DONE:
        raise errors.Invalid({"contact_import": [services.IMPORT_NOT_DONE]})
    segmentations_reap(workspace_id=workspace.pk)
    with transaction.atomic():
        Workspace.objects.select_for_update().filter(pk=workspace.pk).first()
        running = Segmentation.objects.filter(workspace=workspace, status=ImportStatus.RUNNING)
        if running.exists():
            raise errors.Conflict(services.SEGMENTATION_RUNNING)
        now = timezone.now()
        run = Segmentation.objects.create(
            workspace=workspace,
            contact_import=contact_import,
            created_by=user if getattr(user, "is_authenticated", False) else None,
            requested_k=k,
            use_demographics=use_demographics,
            scope=scope or {},
            seed=services.DEFAULT_SEED if seed is None else seed,
            language=translation.get_language() or "",
            status=ImportStatus.RUNNING,
            started_at=now,
            heartbeat_at=None,  # queued: the lease starts when a worker takes it
        )
    run_segmentation.enqueue(run.pk)
    return run


def segmentations_reap(*, workspace_id: int | None = None) -> int:
    """Fail the running segmentations whose worker stopped (they wrote nothing)."""
    found = candidates(Segmentation, workspace_id).only("pk", "heartbeat_at", "started_at")
    reaped = 0
    for run in found:  # mostly none: a read, as the pages' and the API's reads mostly are
        if not is_dead(run, run_segmentation):
            continue
        # Only if nobody beat meanwhile: a slow worker that is alive keeps its run.
        reaped += Segmentation.objects.filter(
            pk=run.pk, status=ImportStatus.RUNNING, heartbeat_at=run.heartbeat_at
        ).update(
            status=ImportStatus.FAILED,
            error=str(SEGMENTATION_INTERRUPTED),
            finished_at=timezone.now(),
        )
        tasks.abandon(run_segmentation, run.pk, since=run.started_at)
    return reaped


def runs_reap(*, workspace_id: int | None = None) -> None:
    """What pages and the API call before they show runs: no dead run shows as running."""
    imports_reap(workspace_id=workspace_id)
    segmentations_reap(workspace_id=workspace_id)


@task
def run_segmentation(segmentation_id: int) -> None:
    segmentation_run(segmentation_id=segmentation_id)


def segmentation_run(*, segmentation_id: int) -> None:
    """Segment the customers, store segments and assignments, draft or re-match personas.

    All results are written in one transaction at the end: a run that fails leaves nothing.
    """
    segmentations_reap()
    run = Segmentation.objects.filter(pk=segmentation_id, status=ImportStatus.RUNNING).first()
    if run is None or run.started_at is None:
        return
    claim = Lease(Segmentation, segmentation_id, run.started_at)
    # A worker has no request: the drafts are worded in the language of who started the run.
    with translation.override(run.language or settings.LANGUAGE_CODE):
        try:
            claim.beat()  # taken: the lease starts
            with claim.held():
                _segmentation_run(run, claim)
        except Interrupted:
            logger.warning("Segmentation %s interrupted", segmentation_id)
            claim.mine().update(
                status=ImportStatus.FAILED,
                error=str(SEGMENTATION_INTERRUPTED),
                finished_at=timezone.now(),
            )


def _segmentation_run(run: Segmentation, claim: Lease) -> None:
    from personas import segmentation

    last = [0.0]

    def progress(fraction: float) -> None:
        claim.check()
        if time.monotonic() - last[0] < services.PROGRESS_EVERY and fraction < 1:
            return
        last[0] = time.monotonic()
        claim.beat(progress=min(0.99, 0.2 + 0.7 * fraction))

    if connection.vendor == "sqlite":
        # One assignment per customer goes into an indexed table (see contact_import_run).
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -131072")  # 128 MB, this connection only
    try:
        contacts = services.segmentation_contacts(
            workspace_id=run.workspace_id,
            contact_import_id=run.contact_import_id,
            scope=run.scope,
        )
        claim.beat(progress=0.2)
        result = segmentation.segment(
            contacts,
            k=run.requested_k,
            seed=run.seed,
            demographics_forming=("gender", "age_band") if run.use_demographics else (),
            progress=progress,
        )
        claim.check()
        with transaction.atomic():
            if claim.mine().select_for_update().first() is None:
                raise Interrupted
            services.segmentation_save(run=run, result=result, customer_ids=contacts.customer_ids)
    except Interrupted:
        raise
    except segmentation.SegmentationError as error:
        segmentation_fail(claim, str(error))
    except Exception as error:
        logger.exception("Segmentation %s failed", run.pk)
        segmentation_fail(claim, services.SEGMENTATION_CRASHED.format(error=type(error).__name__))


def segmentation_fail(claim: Lease, message: str) -> None:
    claim.mine().update(status=ImportStatus.FAILED, error=message, finished_at=timezone.now())


# --- the demo ------------------------------------------------------------------------------


@transaction.atomic
def demo_seed(*, workspace: Workspace) -> str:
    """The personas part of `seed_demo` (idempotent); lines for its output.

    The synthetic contacts, a segmentation of them and the personas it drafts (refined as
    in the demo) come only once: a workspace that has contacts or segmentations keeps them.
    The segmentation runs here, in the seeding transaction (no worker, no heartbeat).
    """
    added = services.taxonomy_seed(workspace=workspace)
    total = ContactReason.objects.filter(workspace=workspace).count()
    lines = [f"Contact-reason taxonomy: {total} nodes ({added} added)."]
    if not settings.DEMO_CONTACTS:
        # Tests that need only the blueprints of the demo (most of them) skip the 27,000
        # contacts and their segmentation: several seconds per seed.
        return "\n".join(lines)
    if not Contact.objects.filter(workspace=workspace).exists():
        count = services.demo_contacts_seed(workspace=workspace)
        lines.append(f"Demo contacts: {count:,} added.")
    if not Segmentation.objects.filter(workspace=workspace).exists():
        run = Segmentation.objects.create(
            workspace=workspace,
            seed=services.DEFAULT_SEED,
            status=ImportStatus.RUNNING,
            started_at=timezone.now(),
        )
        with translation.override(settings.LANGUAGE_CODE):
            _segmentation_run(run, Lease(Segmentation, run.pk, run.started_at))
        run.refresh_from_db()
        services.demo_personas_refine(workspace=workspace)
        lines.append(f"Segmentation: {run.k} segments; {run.personas_count()} personas.")
    return "\n".join(lines)
