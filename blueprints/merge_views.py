"""The facilitator's merge review page: run the merge, accept or reject suggestions."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from blueprints import merge_jobs, merging
from blueprints.merge_api import MergeDecisionSerializer
from blueprints.models import Blueprint, MergeJob, MergeRun, Step
from workspaces import access
from workspaces.models import Workspace


def _step_titles(report: dict[str, Any]) -> dict[int, dict[str, str]]:
    ids = {pk for s in report.get("suggestions", []) for pk in s["steps"]}
    ids |= {v["source"] for c in report.get("conflicts", []) for v in c["values"]}
    rows = Step.objects.filter(pk__in=ids).select_related("blueprint__team")
    return {
        s.pk: {"title": s.title, "team": s.blueprint.team.name if s.blueprint.team else ""}
        for s in rows
    }


def _to_job(job: MergeJob) -> HttpResponse:
    """Back to the page, which follows the merge running in the background."""
    return redirect(f"{reverse('merge', args=[job.workspace_id])}?job={job.pk}")


@login_required
def merge_page(request: HttpRequest, workspace_id: int) -> HttpResponse:
    workspace = Workspace.objects.visible_one(request.user, workspace_id)
    can_merge = access.can_manage(request.user, workspace.pk)
    if request.method == "POST":
        if not can_merge:
            return HttpResponse(_("Only facilitators merge blueprints."), status=403)
        big, _count = merge_jobs.in_background(workspace)
        if big:
            return _to_job(merge_jobs.merge_job_start(workspace=workspace, user=request.user))
        result = merging.blueprint_merge(workspace=workspace, user=request.user)
        counts = result.report["counts"]
        messages.success(
            request,
            _("Merged %(teams)d team blueprints: %(steps)d steps in the global blueprint.")
            % {"teams": result.report["team_blueprints"], "steps": counts["steps"]},
        )
        return redirect("merge", workspace_id=workspace.pk)
    merge_jobs.merge_jobs_reap(workspace_id=workspace.pk)
    jobs = MergeJob.objects.filter(workspace=workspace)
    job = jobs.filter(status__in=merge_jobs.UNDER_WAY).first()
    asked = request.GET.get("job", "")
    if job is None and asked.isdigit():
        job = jobs.filter(pk=int(asked)).first()  # to say how it ended
    run = MergeRun.objects.filter(workspace=workspace).order_by("-id").first()
    report = merging.report_as_now(run) if run else {}
    steps = _step_titles(report)
    names = merging.conflict_names(workspace.pk) if report.get("conflicts") else {}
    suggestions = [
        {**item, "cards": [steps.get(pk, {"title": "?", "team": ""}) for pk in item["steps"]]}
        for item in report.get("suggestions", [])
    ]
    conflicts = [
        {
            **item,
            "label": merging.CONFLICT_LABELS[item["field"]],
            "chosen": merging.conflict_value_text(item["field"], item["chosen"], **names),
            "rows": [
                {
                    **v,
                    **steps.get(v["source"], {"title": "?", "team": ""}),
                    "value": merging.conflict_value_text(item["field"], v["value"], **names),
                }
                for v in item["values"]
            ],
        }
        for item in report.get("conflicts", [])
    ]
    context = {
        "workspace": workspace,
        "job": merge_jobs.job_view(job) if job else None,
        "run": run,
        "report": report,
        "suggestions": suggestions,
        "conflicts": conflicts,
        "can_merge": can_merge,
        "global_blueprint": Blueprint.objects.filter(workspace=workspace, kind="global").first(),
        "team_blueprints": Blueprint.objects.filter(workspace=workspace, kind="team")
        .select_related("team")
        .order_by("team__name"),
    }
    return render(request, "blueprints/merge.html", context)


@login_required
@require_POST
def merge_decide(request: HttpRequest, workspace_id: int) -> HttpResponse:
    """Accept or reject a suggested pair, then merge again so the answer shows at once."""
    workspace = Workspace.objects.visible_one(request.user, workspace_id)
    if not access.can_manage(request.user, workspace.pk):
        return HttpResponse(_("Only facilitators decide on merge suggestions."), status=403)
    data = {"steps": request.POST.getlist("steps"), "verdict": request.POST.get("verdict")}
    serializer = MergeDecisionSerializer(data=data, context={"workspace": workspace})
    if not serializer.is_valid():
        messages.error(request, _("That suggestion could not be recorded; merge again."))
        return redirect("merge", workspace_id=workspace.pk)
    serializer.save_decision(workspace, request.user)
    big, _count = merge_jobs.in_background(workspace)
    if big:
        return _to_job(merge_jobs.merge_job_start(workspace=workspace, user=request.user))
    merging.blueprint_merge(workspace=workspace, user=request.user)
    if serializer.validated_data["verdict"] == "accepted":
        messages.success(request, _("Merged the two cards into one."))
    else:
        messages.success(request, _("Kept the two cards apart; they will not be suggested again."))
    return redirect("merge", workspace_id=workspace.pk)
