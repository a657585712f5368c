"""Big merges in the background, with progress.

A merge of many team blueprints (settings.MERGE_BACKGROUND_STEPS team steps or more, or when
asked for) does not hold the request: `merge_job_start` records a MergeJob and queues it, one
at a time per workspace (a second start answers the job already under way). The worker
matches the teams' steps first, outside any lock (`matching`: the slow part, whose pairs of
titles `blueprints.merge` remembers), then merges for real under the workspace's lock
(`writing`: reading again what the teams have now, so nothing changed meanwhile is lost).

While it works, a thread beats `heartbeat_at`. A job silent for the lease (its worker killed,
its machine lost) is failed by whoever looks next; the merge writes in one transaction, so a
failed job has changed nothing.
"""

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.db.utils import OperationalError
from django.tasks import task
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from blueprints import merge, merging
from blueprints.models import BlueprintKind, MergeJob, MergeJobStatus, Step
from frontstage import tasks
from workspaces.models import Workspace

logger = logging.getLogger(__name__)

MATCHING, WRITING = "matching", "writing"
STAGES = {
    MATCHING: _("Matching the teams' steps"),
    WRITING: _("Writing the global blueprint"),
}
INTERRUPTED, FAILED = "interrupted", "failed"
ERRORS = {
    INTERRUPTED: _("The merge stopped (its worker was lost); nothing of it was kept. Merge again."),
    FAILED: _("The merge failed; nothing of it was kept. Merge again, or tell your administrator."),
}
UNDER_WAY = (MergeJobStatus.QUEUED, MergeJobStatus.RUNNING)


def lease() -> timedelta:
    return timedelta(seconds=settings.TASK_LEASE_SECONDS)


def team_steps(workspace: Workspace) -> int:
    return Step.objects.filter(
        blueprint__workspace=workspace, blueprint__kind=BlueprintKind.TEAM
    ).count()


def in_background(workspace: Workspace) -> tuple[bool, int]:
    """Whether a merge of `workspace` is big enough for the background, and its team steps."""
    count = team_steps(workspace)
    return count >= settings.MERGE_BACKGROUND_STEPS, count


def merge_job_start(*, workspace: Workspace, user: Any, steps: int | None = None) -> MergeJob:
    """Queue a merge of `workspace`, or answer the one already under way."""
    merge_jobs_reap(workspace_id=workspace.pk)
    with transaction.atomic():
        Workspace.objects.select_for_update().filter(pk=workspace.pk).first()
        under_way = MergeJob.objects.filter(workspace=workspace, status__in=UNDER_WAY).first()
        if under_way is not None:
            return under_way
        job = MergeJob.objects.create(
            workspace=workspace,
            created_by=user if getattr(user, "is_authenticated", False) else None,
            team_steps=team_steps(workspace) if steps is None else steps,
        )
    run_merge_job.enqueue(job.pk)
    return job


def merge_jobs_reap(*, workspace_id: int | None = None) -> int:
    """Fail the jobs whose worker stopped: silent for the lease once started, or taken by a
    worker that died before it could start them."""
    now = timezone.now()
    jobs = MergeJob.objects.filter(status__in=UNDER_WAY)
    if workspace_id is not None:
        jobs = jobs.filter(workspace_id=workspace_id)
    silent = Q(status=MergeJobStatus.RUNNING, heartbeat_at__lt=now - lease())
    dead = [job.pk for job in jobs.filter(silent)]
    for job in jobs.filter(status=MergeJobStatus.QUEUED):
        taken = tasks.taken_at(run_merge_job, job.pk, since=job.created_at)
        if taken is not None and now - taken > lease():
            tasks.abandon(run_merge_job, job.pk, since=job.created_at)
            dead.append(job.pk)
    if not dead:
        return 0
    return MergeJob.objects.filter(pk__in=dead, status__in=UNDER_WAY).update(
        status=MergeJobStatus.FAILED, error=INTERRUPTED, finished_at=now
    )


@task()
def run_merge_job(job_id: int) -> None:
    merge_job_run(job_id=job_id)


def merge_job_run(*, job_id: int) -> None:
    started = timezone.now()
    claimed = MergeJob.objects.filter(pk=job_id, status=MergeJobStatus.QUEUED).update(
        status=MergeJobStatus.RUNNING, stage=MATCHING, started_at=started, heartbeat_at=started
    )
    if not claimed:
        return  # failed meanwhile (reaped), or run already
    job = MergeJob.objects.select_related("workspace", "created_by").get(pk=job_id)
    mine = MergeJob.objects.filter(pk=job_id, status=MergeJobStatus.RUNNING, started_at=started)
    try:
        with _beating(mine):
            _match(job.workspace)
            mine.update(stage=WRITING, heartbeat_at=timezone.now())
            with transaction.atomic():
                result = merging.blueprint_merge(workspace=job.workspace, user=job.created_by)
        mine.update(
            status=MergeJobStatus.DONE, stage="", run=result.run, finished_at=timezone.now()
        )
    except Exception:
        logger.exception("Merge job %s failed", job_id)
        MergeJob.objects.filter(pk=job_id, status__in=UNDER_WAY).update(
            status=MergeJobStatus.FAILED, error=FAILED, finished_at=timezone.now()
        )


def _match(workspace: Workspace) -> None:
    """The pure merge of what the teams have now, outside any lock: the pairs of titles it
    compares are remembered, so the merge under the lock repeats only the cheap parts."""
    merge.merge(
        merging.team_blueprints(workspace=workspace),
        merging.merge_decisions(workspace=workspace),
    )


@contextmanager
def _beating(mine: Any) -> Iterator[None]:
    """Beat the job's `heartbeat_at` from a thread while the merge works (not inside a
    transaction of the caller's: nobody else could see the beats)."""
    done = threading.Event()

    def beat() -> None:
        every = max(settings.TASK_LEASE_SECONDS / 6, 0.2)
        try:
            while not done.wait(every):
                try:
                    mine.update(heartbeat_at=timezone.now())
                except OperationalError:  # SQLite busy with the merge's writes: next beat
                    logger.warning("Heartbeat of a merge job missed")
        finally:
            connection.close()

    beater = None
    if not connection.in_atomic_block:
        beater = threading.Thread(target=beat, daemon=True)
        beater.start()
    try:
        yield
    finally:
        done.set()
        if beater is not None:
            beater.join(timeout=30)


def job_view(job: MergeJob) -> dict[str, Any]:
    """What the API and the page show of a job."""
    elapsed = None
    if job.started_at:
        elapsed = ((job.finished_at or timezone.now()) - job.started_at).total_seconds()
    stages = list(STAGES)
    return {
        "id": job.pk,
        "workspace": job.workspace_id,
        "status": job.status,
        "stage": job.stage,
        "stage_label": str(STAGES.get(job.stage, "")),
        "stage_number": stages.index(job.stage) + 1 if job.stage in STAGES else None,
        "stages": len(stages),
        "team_steps": job.team_steps,
        "team_steps_shown": formats.number_format(job.team_steps, force_grouping=True),
        # Halfway through the stage it is in: the stages are the only honest measure.
        "progress": (stages.index(job.stage) + 0.5) / len(stages) if job.stage in STAGES else 0,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "seconds": round(elapsed, 1) if elapsed is not None else None,
        "error": str(ERRORS.get(job.error, "")),
        "merge_run": job.run_id,
    }
