"""Workshop pages: the list and creation, joining by code, the live facilitation page.

Every form posts to a small view that resolves who acts (`guests.who_from_request`: account
or guest cookie), calls one service, and answers JSON to the page's script or redirects back
for a browser without script. Service errors (403, 400, 409) keep their status either way.
"""

import csv
import functools
import io
import json
from collections.abc import Callable
from typing import Any

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from blueprints.models import Blueprint, Step
from frontstage import errors, pages, throttle
from frontstage.spreadsheets import safe_cell
from personas.models import ContactReason, Persona
from workshops import access as access_rules
from workshops import agenda, events, guests, selectors, services
from workshops.models import ActivityKind, Group, Note, NoteKind, Participant, Workshop
from workshops.services import Who
from workspaces import access
from workspaces.models import Role, Workspace

Handler = Callable[..., Any]


def _get_workshop(request: HttpRequest, workshop_id: int) -> tuple[Workshop, Who]:
    workshop = (
        Workshop.objects.select_related("workspace", "current_activity", "voting_round")
        .filter(pk=workshop_id)
        .order_by()  # one row by its key: compiling the default ordering costs more than it
        .first()
    )
    who = guests.who_from_request(request, workshop) if workshop is not None else None
    if who is None:
        if workshop is not None and guests.was_here(request.COOKIES, workshop.pk):
            raise Removed(workshop)  # a guest the facilitator removed: say so, not "no such"
        raise Http404("No such workshop")
    return workshop, who


class Removed(Exception):
    """A guest's cookie names a participant who is no longer in the workshop."""

    def __init__(self, workshop: Workshop) -> None:
        self.workshop = workshop


def removed_answer(request: HttpRequest, workshop: Workshop) -> HttpResponse:
    context = {"workshop": workshop, "closed": False, "removed": True}
    return render(request, "workshops/join.html", context, status=404)


def _back(request: HttpRequest, workshop: Workshop) -> HttpResponse:
    group = request.POST.get("view_group") or request.GET.get("group")
    suffix = f"?group={group}" if group and group.isdigit() else ""
    return redirect(f"/workshops/{workshop.pk}/{suffix}")


def workshop_action(view: Handler) -> Handler:
    """POST only; resolve the workshop and who acts; map service errors to answers."""

    @functools.wraps(view)
    @require_POST
    def wrapper(request: HttpRequest, workshop_id: int, **ids: int) -> HttpResponse:
        try:
            workshop, who = _get_workshop(request, workshop_id)
        except Removed as gone:
            if pages.wants_json(request):
                return JsonResponse({"detail": str(REMOVED)}, status=404)
            return removed_answer(request, gone.workshop)
        try:
            with transaction.atomic():
                result = view(request, workshop, who, *ids.values())
        except errors.DomainError as error:
            return pages.error_answer(request, error, lambda: _back(request, workshop))
        if pages.wants_json(request):
            return JsonResponse(result or {"ok": True}, status=200)
        return _back(request, workshop)

    return wrapper


def _pick(queryset: Any, raw: str | None, field: str) -> Any:
    """An object of `queryset` by the id a form sent; '' means none; unknown is a 400."""
    if raw in (None, ""):
        return None
    if not raw.isdigit():
        raise errors.Invalid({field: [_("Pick one from the list.")]})
    found = queryset.filter(pk=int(raw)).order_by().first()
    if found is None:
        raise errors.Invalid({field: [_("Pick one from the list.")]})
    return found


def _number(raw: str | None, field: str) -> int | None:
    """A whole number a form sent ('' means none); anything else is a 400 on `field`."""
    raw = (raw or "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 6:
        raise errors.Invalid({field: [_("Enter a whole number.")]})
    return int(raw)


def _ids(raws: list[str]) -> list[int]:
    """Ids a form sent (checkboxes); one that is not an id picks nothing."""
    return [int(raw) for raw in raws if raw.isascii() and raw.isdigit() and len(raw) < 18]


def _activity_fields(request: HttpRequest) -> dict[str, Any]:
    """An activity's fields as the agenda form sends them; minutes that are not a number are
    left for the model to refuse."""
    raw = request.POST.get("duration", "").strip()
    return {
        "title": request.POST.get("title", "")[:200],
        "kind": request.POST.get("kind", ""),
        "duration": int(raw) if raw.isdigit() and len(raw) < 6 else None,
    }


# --- Workshops of a workspace ------------------------------------------------------------------


@login_required
def workspace_workshops(request: HttpRequest, workspace_id: int) -> HttpResponse:
    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if workspace is None or not access.can_read(request.user, workspace):
        raise Http404("No such workspace")
    can_run = access.can_manage(request.user, workspace.pk)
    if request.method == "POST":
        if not can_run:
            return HttpResponse(status=403)
        template = request.POST.get("template", "")
        title = request.POST.get("title", "").strip()[:200]
        if template not in agenda.TEMPLATES and not title:
            messages.error(request, _("Give the workshop a title or pick a template."))
            return redirect("workspace-workshops", workspace_id=workspace.pk)
        workshop = services.workshop_create(workspace=workspace, title=title, template=template)
        return redirect("workshop", workshop_id=workshop.pk)
    workshops = workspace.workshops.order_by("-created_at")
    templates = [(key, spec["title"]) for key, spec in agenda.TEMPLATES.items()]
    context = {
        "workspace": workspace,
        "workshops": workshops,
        "templates": templates,
        "can_run": can_run,
    }
    return render(request, "workshops/list.html", context)


# --- Joining -----------------------------------------------------------------------------------

REMOVED = gettext_lazy("The facilitator has taken you out of this workshop.")
NO_SUCH_CODE = gettext_lazy("No open workshop has this code. Check it with the facilitator.")


TOO_MANY_CODES = gettext_lazy("Too many wrong codes from here. Try again in {minutes} minutes.")


class CodeGuessing(Exception):
    """Too many wrong codes from one address within the window."""


def open_workshop(request: HttpRequest, code: str) -> Workshop | None:
    """The open workshop with this code. Wrong codes count per address, right ones do not
    (frontstage/throttle.py); past the limit no code is looked up, the right one included."""
    keys = throttle.join_keys(throttle.address_of(request))
    if not throttle.reserve(keys):
        raise CodeGuessing
    workshop = Workshop.objects.filter(join_code=code, join_open=True).first()
    if workshop is not None:
        throttle.release(keys)
    return workshop


def too_many_codes(request: HttpRequest) -> HttpResponse:
    window = settings.LOGIN_FAILURE_WINDOW
    error = TOO_MANY_CODES.format(minutes=max(1, round(window / 60)))
    context = {"ask_code": True, "code": "", "error": error}
    response = render(request, "workshops/join.html", context, status=429)
    response["Retry-After"] = str(int(window))
    return response


def join_by_code(request: HttpRequest) -> HttpResponse:
    """`/join/`: type the code read out in the room (case and spaces do not matter)."""
    raw = request.POST.get("code", request.GET.get("code", ""))
    code = "".join(ch for ch in raw.upper() if ch.isalnum())
    error = ""
    if raw:
        try:
            workshop = open_workshop(request, code)
        except CodeGuessing:
            return too_many_codes(request)
        if workshop is not None:
            return redirect("workshop-join", code=code)
        error = NO_SUCH_CODE
    context = {"ask_code": True, "code": raw.strip()[:40], "error": error}
    return render(request, "workshops/join.html", context, status=404 if error else 200)


def join(request: HttpRequest, code: str) -> HttpResponse:
    try:
        workshop = open_workshop(request, code.upper())
    except CodeGuessing:
        return too_many_codes(request)
    if workshop is None:
        return render(request, "workshops/join.html", {"closed": True}, status=404)
    who = guests.who_from_request(request, workshop)
    if who is not None and who.participant is not None:
        return redirect(
            "workshop", workshop_id=workshop.pk
        )  # a returning guest stays who they were
    error = ""
    name = ""
    if request.method == "POST":
        name = request.POST.get("name", "").strip()
        if not name:
            error = _("Type your name to join.")
        elif len(name) > 80:
            error = _("Keep your name under 80 characters.")
        else:
            user = request.user if request.user.is_authenticated else None
            if user is not None and access.role_in(user, workshop.workspace_id) is None:
                user = None  # an account of another workspace joins as a guest
            participant = services.participant_join(workshop=workshop, name=name, user=user)
            response = redirect("workshop", workshop_id=workshop.pk)
            guests.remember(response, participant, secure=request.is_secure())
            return response
    elif request.user.is_authenticated:
        name = request.user.get_full_name() or request.user.get_username()
    context = {"workshop": workshop, "error": error, "name": name, "closed": False}
    return render(request, "workshops/join.html", context, status=400 if error else 200)


# --- The live page -----------------------------------------------------------------------------


def _board_context(request: HttpRequest, workshop: Workshop, who: Who) -> dict[str, Any]:
    groups = list(workshop.groups.select_related("blueprint"))
    sees_all = access_rules.sees_every_group(who.participant, who.facilitator)
    if not sees_all:  # groups stay apart: one's own group's board and everyone's
        groups = [g for g in groups if g.pk == who.participant.group_id]
    raw = request.GET.get("group", "")
    group = next((g for g in groups if raw.isdigit() and g.pk == int(raw)), None)
    if group is None and raw != "0" and not sees_all:
        group = who.participant.group
    notes = workshop.notes.select_related("author", "category", "group", "category__parent")
    if group is not None:
        notes = notes.filter(group=group)
    elif not sees_all:
        notes = notes.filter(group=None)
    me = who.participant.pk if who.participant is not None else None
    visible, private_count = [], 0
    for note in notes:
        if note.hidden and note.author_id != me:
            private_count += 1
            continue
        visible.append(note)
    clusters = workshop.clusters.select_related("group")
    if group is not None or not sees_all:
        clusters = clusters.filter(group=group)
    clusters = list(clusters)
    by_cluster: dict[int | None, list[Note]] = {c.pk: [] for c in clusters}
    loose: list[Note] = []
    for note in visible:
        (by_cluster[note.cluster_id] if note.cluster_id in by_cluster else loose).append(note)
    my_dots: dict[int, int] = {}
    if me is not None:
        mine = services.current_dots(workshop).filter(participant_id=me)
        for note_id in mine.values_list("note_id", flat=True):
            my_dots[note_id] = my_dots.get(note_id, 0) + 1
    for note in visible:
        note.my_dots = my_dots.get(note.pk, 0)
        note.mine = me is not None and note.author_id == me
    by_category = request.GET.get("view") == "category"
    votes_used = who.participant.votes_used if who.participant is not None else 0
    categories = list(
        ContactReason.objects.filter(workspace=workshop.workspace).select_related("parent")
    )
    return {
        "workshop": workshop,
        "who": who,
        "groups": groups,
        "group": group,
        "clusters": [(c, by_cluster[c.pk]) for c in clusters],
        "loose": loose,
        "private_count": private_count,
        "note_kinds": NoteKind.choices,
        "votes_left": max(0, workshop.vote_budget - votes_used),
        "categories": sorted(
            categories,
            key=lambda c: (c.parent.name if c.parent else c.name, c.parent_id is not None, c.name),
        ),
        "results": _results(workshop, groups, group, sees_all),
        "by_category": selectors.notes_by_category(visible) if by_category else None,
        "view_suffix": "&view=category" if by_category else "",
        "sees_all": sees_all,
        "editable": who.facilitator or (who.participant is not None and not workshop.locked),
    }


def _results(
    workshop: Workshop, groups: list[Group], group: Group | None, sees_all: bool
) -> list[dict[str, Any]]:
    """The ranked notes and clusters of each board in view: the facilitator's "Everyone"
    compares every group side by side; anyone else sees the board they are on."""
    boards: list[Group | None] = [group] if group is not None or not sees_all else [*groups, None]
    ranked = services.ranked_notes(workshop)
    clusters = services.ranked_clusters(workshop)
    rows = []
    for board in boards:
        board_id = board.pk if board is not None else None
        notes = [n for n in ranked if n.group_id == board_id and n.votes][:10]
        tops = [c for c in clusters if c.group_id == board_id and c.total][:5]
        if notes or tops or board is group:
            rows.append({"group": board, "notes": notes, "clusters": tops})
    return rows


def workshop_page(request: HttpRequest, workshop_id: int) -> HttpResponse:
    try:
        workshop, who = _get_workshop(request, workshop_id)
    except Removed as gone:
        return removed_answer(request, gone.workshop)
    role = access.role_in(request.user, workshop.workspace_id)
    if who.participant is None and role == Role.PARTICIPANT:
        # A participant of the workspace opening the workshop joins it under their name.
        who.participant = services.participant_for_user(workshop, request.user)
    context = _board_context(request, workshop, who)
    context["state"] = services.state_data(workshop)
    context["state_json"] = json.dumps(context["state"])
    if who.facilitator:
        join_url = request.build_absolute_uri(f"/join/{workshop.join_code}/")
        people = list(workshop.participants.select_related("group", "user"))
        context.update(
            {
                "agenda": services.agenda_rows(workshop),
                "end_time": agenda.end_time(
                    workshop.start_time, [a.duration for a in workshop.activities.all()]
                ),
                "activity_kinds": ActivityKind.choices,
                "people": people,
                "dashboard": _dashboard(workshop, context["groups"], people),
                "team_blueprints": Blueprint.objects.filter(
                    workspace=workshop.workspace, kind="team"
                ),
                "steps": Step.objects.filter(blueprint__workspace=workshop.workspace)
                .select_related("blueprint")
                .order_by("blueprint__title", "position", "id"),
                "outputs": workshop.outputs.select_related("step", "category", "persona"),
                "personas": Persona.objects.filter(workspace=workshop.workspace).order_by(
                    "name", "pk"
                ),
                "join_url": join_url,
                "join_qr": join_qr(join_url),
                "rounds": _rounds(workshop, context["groups"]),
            }
        )
    return render(request, "workshops/workshop.html", context)


def _rounds(workshop: Workshop, groups: list[Group]) -> list[dict[str, Any]]:
    """Every voting round, the latest first, with its ranked notes named by board."""
    names = {g.pk: g.name for g in groups}
    rounds = []
    for voting_round in workshop.rounds.prefetch_related("clusters").order_by("-number"):
        data = services.round_data(voting_round)
        for row in data["results"].get("notes", []):
            row["group_name"] = names.get(row["group"], "")
        data["cluster_names"] = [c.name for c in voting_round.clusters.all()]
        rounds.append(data)
    return rounds


def join_qr(url: str) -> str:
    """The join link as a QR code, an inline SVG phones in the room can scan off the screen."""
    code = segno.make(url, error="m")
    return mark_safe(code.svg_inline(scale=4, dark="#1d2433", omitsize=True))  # noqa: S308


def _dashboard(workshop: Workshop, groups: list[Group], people: list[Participant]) -> list[dict]:
    counts: dict[int | None, int] = {}
    for group_id in workshop.notes.values_list("group_id", flat=True):
        counts[group_id] = counts.get(group_id, 0) + 1
    progress = selectors.blueprint_progress([g.blueprint_id for g in groups])
    rows = []
    for group in [*groups, None]:
        members = [p for p in people if p.group_id == (group.pk if group else None)]
        rows.append(
            {
                "group": group,
                "members": members,
                "people": len(members),
                "names": [p.name for p in members],
                "notes": counts.get(group.pk if group else None, 0),
                "progress": progress.get(group.blueprint_id) if group else None,
            }
        )
    return rows


def bar(request: HttpRequest, workshop_id: int) -> HttpResponse:
    """The workshop bar for a page opened from the workshop (static/js/workshop_bar.js)."""
    try:
        workshop, who = _get_workshop(request, workshop_id)
    except Removed:
        raise Http404("No such workshop") from None
    state = services.state_data(workshop)
    context = {"workshop": workshop, "who": who, "state": state, "state_json": json.dumps(state)}
    return render(request, "workshops/_bar.html", context)


def board(request: HttpRequest, workshop_id: int) -> HttpResponse:
    """The notes board alone, for the page's script to swap in after an event."""
    workshop, who = _get_workshop(request, workshop_id)
    return render(request, "workshops/_board.html", _board_context(request, workshop, who))


def events_since(request: HttpRequest, workshop_id: int) -> HttpResponse:
    """`?after=N`: the events after N as the live connection sends them, for a page whose
    socket cannot connect (static/js/live.js asks here then)."""
    try:
        workshop, who = _get_workshop(request, workshop_id)
    except Removed:
        raise Http404("No such workshop") from None
    raw = request.GET.get("after", "")
    if not raw.isdigit() or len(raw) > 18:
        bad = errors.Invalid({"after": [_("Send the last event number you have.")]})
        return pages.error_answer(request, bad, lambda: HttpResponse(status=400))
    result = events.events_after(workshop.pk, int(raw))
    if result.reload:
        return JsonResponse({"type": "reload", "seq": result.seq})
    sees_all = access_rules.sees_every_group(who.participant, who.facilitator)
    group_id = who.participant.group_id if who.participant is not None else None
    shown = [events.shown_to(e, group_id, sees_all) for e in result.events]
    return JsonResponse({"type": "catch_up", "seq": result.seq, "events": shown})


# --- Board actions (everyone who joined) -------------------------------------------------------


@workshop_action
def note_create(request: HttpRequest, workshop: Workshop, who: Who) -> dict[str, Any]:
    note = services.note_add(
        who=who,
        workshop=workshop,
        text=request.POST.get("text", ""),
        kind=request.POST.get("kind", NoteKind.IDEA),
        group=_pick(workshop.groups.all(), request.POST.get("group"), "group"),
        cluster=_pick(workshop.clusters.all(), request.POST.get("cluster"), "cluster"),
        client_key=request.headers.get("X-Idempotency-Key", ""),
    )
    return services.note_data(note) | {"text": note.text}


@workshop_action
def note_edit(request: HttpRequest, workshop: Workshop, who: Who, note_id: int) -> dict[str, Any]:
    note = workshop.notes.select_related("workshop", "author").filter(pk=note_id).order_by().first()
    if note is None:
        raise errors.NotFound()
    if request.POST.get("delete"):
        services.note_delete(who=who, note=note)
        return {"id": note_id, "deleted": True}
    changes: dict[str, Any] = {}
    if "cluster" in request.POST:
        changes["cluster"] = _pick(workshop.clusters.all(), request.POST["cluster"], "cluster")
    if "category" in request.POST:
        reasons = ContactReason.objects.filter(workspace=workshop.workspace)
        changes["category"] = _pick(reasons, request.POST["category"], "category")
    if "text" in request.POST:
        changes["text"] = request.POST["text"]
    raw_version = request.POST.get("version", "")
    version = int(raw_version) if raw_version.isdigit() else None
    note = services.note_update(who=who, note=note, changes=changes, version=version)
    return services.note_data(note)


@workshop_action
def note_vote(request: HttpRequest, workshop: Workshop, who: Who, note_id: int) -> dict[str, Any]:
    notes = workshop.notes.select_related("workshop").filter(pk=note_id, hidden=False)
    note = notes.order_by().first()
    if note is None:
        raise errors.NotFound()
    key = request.headers.get("X-Idempotency-Key", "")
    if request.POST.get("retract"):
        services.vote_retract(who=who, note=note, client_key=key)
    else:
        services.vote_cast(who=who, note=note, client_key=key)  # refreshes `note.votes`
    voters = Participant.objects.filter(workshop=workshop)
    if who.participant is not None:
        voters = voters.filter(pk=who.participant.pk)
    else:  # a facilitator's first vote made their participant row
        voters = voters.filter(user=request.user)
    used, budget = voters.values_list("votes_used", "workshop__vote_budget").order_by().first() or (
        0,
        workshop.vote_budget,
    )
    return {"note": note.pk, "votes": note.votes, "votes_left": max(0, budget - used)}


@workshop_action
def cluster_create(request: HttpRequest, workshop: Workshop, who: Who) -> dict[str, Any]:
    group = _pick(workshop.groups.all(), request.POST.get("group"), "group")
    name = request.POST.get("name", "")
    cluster = services.cluster_add(who=who, workshop=workshop, name=name, group=group)
    return services.cluster_data(cluster)


@workshop_action
def cluster_edit(
    request: HttpRequest, workshop: Workshop, who: Who, cluster_id: int
) -> dict[str, Any]:
    """Rename a cluster, merge it into another (`into`), or dissolve it (`delete`)."""
    cluster = workshop.clusters.select_related("workshop").filter(pk=cluster_id).first()
    if cluster is None:
        raise errors.NotFound()
    if request.POST.get("delete"):
        services.cluster_delete(who=who, cluster=cluster)
        return {"id": cluster_id, "deleted": True}
    if "into" in request.POST:
        into = _pick(workshop.clusters.select_related("workshop"), request.POST["into"], "into")
        if into is None:
            raise errors.Invalid({"into": [_("Pick a cluster to merge into.")]})
        return services.cluster_data(services.cluster_merge(who=who, cluster=cluster, into=into))
    cluster = services.cluster_update(who=who, cluster=cluster, name=request.POST.get("name", ""))
    return services.cluster_data(cluster)


# --- Facilitator actions -----------------------------------------------------------------------


CONTROLS: dict[str, Callable[[Who, Workshop, HttpRequest], Any]] = {
    "start_timer": lambda who, w, r: services.timer_start(who=who, workshop=w),
    "pause_timer": lambda who, w, r: services.timer_pause(who=who, workshop=w),
    "add_minute": lambda who, w, r: services.timer_adjust(who=who, workshop=w, seconds=60),
    "remove_minute": lambda who, w, r: services.timer_adjust(who=who, workshop=w, seconds=-60),
    "reset_timer": lambda who, w, r: services.timer_reset(who=who, workshop=w),
    "next_activity": lambda who, w, r: services.activity_next(who=who, workshop=w),
    "lock": lambda who, w, r: services.workshop_lock(who=who, workshop=w, locked=True),
    "unlock": lambda who, w, r: services.workshop_lock(who=who, workshop=w, locked=False),
    "private": lambda who, w, r: services.private_writing_start(who=who, workshop=w),
    "reveal": lambda who, w, r: services.notes_reveal(who=who, workshop=w),
    "summon": lambda who, w, r: services.summon(
        who=who, workshop=w, group=_pick(w.groups.all(), r.POST.get("group"), "group")
    ),
    "open_round": lambda who, w, r: services.round_open(
        who=who,
        workshop=w,
        budget=_number(r.POST.get("budget"), "budget"),
        title=r.POST.get("round_title", "")[:200],
        clusters=services.parts_of(w.clusters, _ids(r.POST.getlist("clusters")), "clusters"),
    ),
    "close_round": lambda who, w, r: services.round_close(who=who, workshop=w),
    "split": lambda who, w, r: services.groups_split(
        who=who, workshop=w, count=_number(r.POST.get("groups"), "groups") or 0
    ),
    "renew_code": lambda who, w, r: services.join_code_renew(who=who, workshop=w),
    "close_join": lambda who, w, r: services.join_set_open(who=who, workshop=w, is_open=False),
    "open_join": lambda who, w, r: services.join_set_open(who=who, workshop=w, is_open=True),
}


@workshop_action
def control(request: HttpRequest, workshop: Workshop, who: Who) -> dict[str, Any]:
    run = CONTROLS.get(request.POST.get("action", ""))
    if run is None:
        raise errors.Invalid({"action": [_("Unknown action.")]})
    run(who, workshop, request)
    workshop.refresh_from_db()
    return services.state_data(workshop)


class SettingsForm(forms.Form):
    """The workshop's settings as the facilitator's form sends them (read, not judged: the
    service validates)."""

    title = forms.CharField(max_length=200)
    goal = forms.CharField(max_length=5000, required=False)
    date = forms.DateField(required=False)
    start_time = forms.TimeField()
    vote_budget = forms.IntegerField()


@workshop_action
def settings_edit(request: HttpRequest, workshop: Workshop, who: Who) -> dict[str, Any]:
    form = SettingsForm(request.POST)
    if not form.is_valid():
        raise errors.Invalid(dict(form.errors))
    services.workshop_update(who=who, workshop=workshop, changes=form.cleaned_data)
    return services.state_data(workshop)


@workshop_action
def plan_edit(request: HttpRequest, workshop: Workshop, who: Who) -> dict[str, Any]:
    """Add, move, start or remove an agenda activity."""
    op = request.POST.get("op", "")
    if op == "add":
        activity = services.activity_add(who=who, workshop=workshop, **_activity_fields(request))
        return {"id": activity.pk}
    activity = _pick(workshop.activities.all(), request.POST.get("activity"), "activity")
    if activity is None:
        raise errors.Invalid({"activity": [_("Pick an activity.")]})
    if op in ("up", "down"):
        step = -1 if op == "up" else 1
        services.activity_move(workshop=workshop, who=who, activity=activity, step=step)
    elif op == "start":
        services.activity_start(who=who, workshop=workshop, activity=activity)
    elif op == "edit":
        services.activity_update(who=who, activity=activity, changes=_activity_fields(request))
    elif op == "delete":
        services.activity_delete(who=who, activity=activity)
    else:
        raise errors.Invalid({"op": [_("Unknown action.")]})
    return {"id": activity.pk}


@workshop_action
def group_create(request: HttpRequest, workshop: Workshop, who: Who) -> dict[str, Any]:
    blueprints = Blueprint.objects.filter(workspace=workshop.workspace, kind="team")
    group = services.group_create(
        workshop=workshop,
        who=who,
        name=request.POST.get("name", ""),
        blueprint=_pick(blueprints, request.POST.get("blueprint"), "blueprint"),
    )
    return services.group_data(group)


@workshop_action
def participant_edit(
    request: HttpRequest, workshop: Workshop, who: Who, participant_id: int
) -> dict[str, Any]:
    participant = workshop.participants.filter(pk=participant_id).first()
    if participant is None:
        raise errors.NotFound()
    if request.POST.get("remove"):
        services.participant_remove(who=who, participant=participant)
        return {"id": participant_id, "removed": True}
    group: Any = ...
    if "group" in request.POST:
        group = _pick(workshop.groups.all(), request.POST["group"], "group")
    services.participant_update(
        who=who, participant=participant, name=request.POST.get("name"), group=group
    )
    return services.participant_data(participant)


@workshop_action
def output_create(request: HttpRequest, workshop: Workshop, who: Who) -> dict[str, Any]:
    note = _pick(workshop.notes.filter(hidden=False), request.POST.get("note"), "note")
    cluster = _pick(workshop.clusters.all(), request.POST.get("cluster"), "cluster")
    step = _pick(
        Step.objects.filter(blueprint__workspace=workshop.workspace),
        request.POST.get("step"),
        "step",
    )
    category = _pick(
        ContactReason.objects.filter(workspace=workshop.workspace),
        request.POST.get("category"),
        "category",
    )
    persona = _pick(
        Persona.objects.filter(workspace=workshop.workspace),
        request.POST.get("persona"),
        "persona",
    )
    if note is None and cluster is None:
        raise errors.Invalid({"note": [_("Pick a note or a cluster to keep.")]})
    output = services.output_promote(
        who=who,
        workshop=workshop,
        note=note,
        cluster=cluster,
        step=step,
        category=category,
        persona=persona,
    )
    return services.output_data(output)


def outputs_export(request: HttpRequest, workshop_id: int, fmt: str) -> HttpResponse:
    workshop, who = _get_workshop(request, workshop_id)
    rows = services.output_rows(workshop)
    name = f"{slugify(workshop.title) or 'workshop'}-outputs.{fmt}"
    if fmt == "json":
        response = JsonResponse({"workshop": workshop.title, "outputs": rows})
    else:
        out = io.StringIO()
        fields = list(rows[0]) if rows else ["id", "workshop", "title", "detail", "votes"]
        writer = csv.DictWriter(out, fieldnames=fields)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: safe_cell(v) if isinstance(v, str) else v for k, v in row.items()})
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
