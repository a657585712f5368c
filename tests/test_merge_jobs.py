"""Big merges in the background (blueprints/merge_jobs.py): 202 with the job, its stages, one
job at a time, a dead worker's job failed, the page following it in Chromium."""

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, expect

from blueprints import merge_jobs, merging
from blueprints.models import MergeJob, MergeRun
from tests.browser import WatchedPage, log_in
from tests.conftest import World


def merge_url(world: World) -> str:
    return f"/api/v1/workspaces/{world.workspace.pk}/merge/"


def test_a_big_merge_answers_202_and_its_job_ends_with_the_report(
    world: World, settings: Any
) -> None:
    settings.MERGE_BACKGROUND_STEPS = 2  # the world's team blueprints are small
    answer = world.client("facilitator").post(merge_url(world))
    assert answer.status_code == 202, answer.content
    job = answer.json()
    assert job["status"] == "queued" and job["team_steps"] >= 2 and job["merge_run"] is None
    assert answer["Location"] == f"/api/v1/workspaces/{world.workspace.pk}/merge-jobs/{job['id']}/"
    assert answer["Retry-After"] == "1"
    assert not MergeRun.objects.filter(workspace=world.workspace).exists()

    # A second start while it waits answers the same job: one merge at a time.
    again = world.client("facilitator").post(merge_url(world))
    assert again.status_code == 202 and again.json()["id"] == job["id"]

    merge_jobs.merge_job_run(job_id=job["id"])  # what the worker does

    done = world.client("manager").get(answer["Location"])
    assert done.status_code == 200
    body = done.json()
    assert body["status"] == "done" and body["error"] == "" and body["stage"] == ""
    assert body["merge_run"] == MergeRun.objects.get(workspace=world.workspace).pk
    assert body["seconds"] is not None and "Retry-After" not in done
    report = world.client("manager").get(merge_url(world)).json()
    assert report["id"] == body["merge_run"] and report["counts"]["sources"] == job["team_steps"]


def test_a_small_merge_answers_at_once_unless_asked_for_the_background(world: World) -> None:
    answer = world.client("facilitator").post(merge_url(world))
    assert answer.status_code == 200 and answer.json()["merge"]["counts"]["steps"] > 0
    queued = world.client("facilitator").post(merge_url(world) + "?background=1")
    assert queued.status_code == 202 and queued.json()["status"] == "queued"


def test_only_facilitators_start_one_and_outsiders_do_not_see_it(
    world: World, settings: Any
) -> None:
    settings.MERGE_BACKGROUND_STEPS = 2
    assert world.client("manager").post(merge_url(world)).status_code == 403
    assert world.client("alice").post(merge_url(world)).status_code == 403
    job = world.client("facilitator").post(merge_url(world)).json()
    path = f"/api/v1/workspaces/{world.workspace.pk}/merge-jobs/{job['id']}/"
    assert world.client("alice").get(path).status_code == 200
    assert world.client("outsider").get(path).status_code == 404
    assert world.client("anonymous").get(path).status_code in (401, 403)
    missing = f"/api/v1/workspaces/{world.workspace.pk}/merge-jobs/{job['id'] + 1000}/"
    assert world.client("facilitator").get(missing).status_code == 404


def test_a_job_whose_worker_went_silent_is_failed_and_a_new_one_can_start(
    world: World, settings: Any
) -> None:
    settings.MERGE_BACKGROUND_STEPS = 2
    silent = timezone.now() - timedelta(seconds=settings.TASK_LEASE_SECONDS + 5)
    stuck = MergeJob.objects.create(
        workspace=world.workspace,
        status="running",
        stage="writing",
        started_at=silent,
        heartbeat_at=silent,
    )
    path = f"/api/v1/workspaces/{world.workspace.pk}/merge-jobs/{stuck.pk}/"
    body = world.client("facilitator").get(path, HTTP_ACCEPT_LANGUAGE="es").json()
    assert body["status"] == "failed"
    assert body["error"].startswith("La fusión se detuvo"), body["error"]
    assert not MergeRun.objects.filter(workspace=world.workspace).exists()
    fresh = world.client("facilitator").post(merge_url(world)).json()
    assert fresh["id"] != stuck.pk and fresh["status"] == "queued"


def test_a_running_job_beats_and_a_reaped_one_is_not_overwritten(
    world: World, settings: Any
) -> None:
    settings.MERGE_BACKGROUND_STEPS = 2
    job = world.client("facilitator").post(merge_url(world)).json()
    MergeJob.objects.filter(pk=job["id"]).update(status="failed", error="interrupted")
    merge_jobs.merge_job_run(job_id=job["id"])  # a worker taking it late does nothing
    assert MergeJob.objects.get(pk=job["id"]).status == "failed"
    assert not MergeRun.objects.filter(workspace=world.workspace).exists()


def test_the_merge_page_sends_a_big_merge_to_the_background(world: World, settings: Any) -> None:
    from tests.test_merge_pages import page_client

    settings.MERGE_BACKGROUND_STEPS = 2
    client = page_client(world, "facilitator")
    answer = client.post(f"/workspaces/{world.workspace.pk}/merge/")
    job = MergeJob.objects.get(workspace=world.workspace)
    assert answer.status_code == 302
    assert answer["Location"].endswith(f"/merge/?job={job.pk}")
    html = client.get(answer["Location"]).content.decode()
    assert "Merge in the background" in html and "Waiting for a worker" in html
    merge_jobs.merge_job_run(job_id=job.pk)
    html = client.get(answer["Location"]).content.decode()
    assert "Merged." in html and "Last merge" in html


@pytest.fixture
def watched(browser: Browser) -> Iterator[WatchedPage]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    yield WatchedPage(context.new_page())
    context.close()


@pytest.mark.browser
def test_the_page_follows_the_job_to_its_report(
    committed_world: World, live_server: Any, watched: WatchedPage
) -> None:
    world = committed_world
    job = MergeJob.objects.create(
        workspace=world.workspace,
        status="running",
        stage="matching",
        team_steps=6000,
        started_at=timezone.now(),
        heartbeat_at=timezone.now(),
    )
    page, base = watched.page, live_server.url
    log_in(page, base, "facilitator", "secret-pass-123")
    page.goto(f"{base}/workspaces/{world.workspace.pk}/merge/")
    status = page.locator("[data-merge-job-status]")
    expect(status).to_contain_text("Matching the teams' steps")
    expect(page.get_by_text("6,000 team steps")).to_be_visible()
    expect(page.get_by_role("button", name="Merging…")).to_be_disabled()

    # The worker moves on: the page shows the new stage without a reload…
    MergeJob.objects.filter(pk=job.pk).update(stage="writing", heartbeat_at=timezone.now())
    expect(status).to_contain_text("Writing the global blueprint (2/2)")
    watched.screenshot("merge-job-running")
    # …and once it is done, the report.
    run = merging.blueprint_merge(workspace=world.workspace, user=None).run
    MergeJob.objects.filter(pk=job.pk).update(
        status="done", stage="", run=run, finished_at=timezone.now()
    )
    expect(page.get_by_role("heading", name="Last merge")).to_be_visible(timeout=10_000)
    expect(page.locator("[data-merge-job-status]")).to_have_text("Merged.")
    assert page.url.endswith(f"?job={job.pk}")
