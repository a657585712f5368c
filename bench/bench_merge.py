"""Merging 10 team blueprints of 100 steps each, next to baselines measured in the same run.

Run from the repository root (``make bench`` does):

    FRONTSTAGE_INSECURE_DEV_KEY=1 .venv/bin/python bench/bench_merge.py

1. The pure merge (`blueprints.merge.merge`) of 10 × 100 steps, 6–7 phases and 8 lanes per
   team describing one shared process (so there are exact matches, suggestions and
   conflicts). Baseline: one dict-grouping pass over the same steps by
   normalised (lane, phase, title), the exact-match core of any merge. Target: median ≤ 500 ms.
2. The persisted merge (`blueprints.merging.blueprint_merge`) of the same blueprints in a
   throwaway SQLite database (or ``BENCH_DATABASE_URL``, like bench_api.py): the first merge
   (creates the global blueprint; rolled back after each run) and a re-merge with nothing
   changed. Baseline: bulk-inserting as many steps, links and sources into a blueprint.

The script always exits 0: it is a measurement, the verdict is printed.
"""

import gc
import os
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

_TMP = tempfile.TemporaryDirectory(prefix="frontstage-bench-")
_SERVER_DB = os.environ.get("BENCH_DATABASE_URL", "")
os.environ["DATABASE_URL"] = _SERVER_DB or f"sqlite:///{_TMP.name}/bench.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontstage.settings")
os.environ.setdefault("FRONTSTAGE_INSECURE_DEV_KEY", "1")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from blueprints import merge  # noqa: E402

TEAMS = 10
STEPS = 100
RUNS = 20
DB_RUNS = 5
TARGET_MS = 500.0

PHASES = ["Contact", "Identification & triage", "Resolution", "Follow-up", "Closure"]
PHASE_VARIANTS = {"Contact": ["contact", "Contact "], "Follow-up": ["Follow up", "follow-up"]}
LANES = [  # (name, band, actor)
    ("Physical evidence", "evidence", None),
    ("Consumer", "customer", 1),
    ("Call-centre agent", "frontstage", 2),
    ("Back-office agent", "backstage", 3),
    ("Quality analyst", "backstage", 4),
    ("CRM system", "support", 5),
    ("Logistics partner", "support", 6),
]
VERBS = ["Calls", "Writes to", "Checks", "Registers", "Forwards", "Analyses", "Answers", "Closes"]
OBJECTS = ["the hotline", "the complaint", "the batch code", "a sample", "the voucher", "the case"]
VARIANTS = [" again", "s", " by e-mail", " (urgent)"]
OWN_VERBS = ["Audits", "Escalates", "Archives", "Approves", "Drafts", "Schedules", "Reviews"]
OWN_OBJECTS = [
    "the supplier claim", "the refund", "the plant report", "the legal hold", "the recall plan",
    "the promo budget", "the courier slot", "the survey", "the KPI dashboard", "the consent form",
]  # fmt: skip


def team_inputs(seed: int = 7) -> list[merge.TeamBlueprint]:
    """10 realistic team blueprints as plain data, ids unique across teams.

    The teams describe one shared process: each maps about half of 90 common steps into the
    same cells (a fifth of them worded a little differently), plus steps of its own.
    """
    rng = random.Random(seed)
    ids = iter(range(1, 1_000_000))
    titles = [f"{verb} {obj}" for verb in VERBS for obj in OBJECTS]
    common = [
        (rng.randrange(len(LANES)), rng.randrange(len(PHASES)), title)
        for title in rng.sample(titles, 45) + rng.sample(titles, 45)
    ]
    teams = []
    for team in range(TEAMS):
        names = [rng.choice([name, *PHASE_VARIANTS.get(name, [])]) for name in PHASES]
        names += [f"Team {team} phase {i}" for i in range(rng.randint(1, 2))]
        phases = [merge.TeamPhase(next(ids), name, i) for i, name in enumerate(names)]
        lane_specs = [*LANES, (f"Team {team} specialist", "backstage", None)]
        lanes = [
            merge.TeamLane(next(ids), name, band, i, actor, {"es": name.upper()})
            for i, (name, band, actor) in enumerate(lane_specs)
        ]
        picked = rng.sample(common, 45)
        cells = [
            (
                lanes[lane],
                phases[phase],
                title + rng.choice(VARIANTS) if rng.random() < 0.2 else title,
            )
            for lane, phase, title in picked
        ]
        cells += [
            (rng.choice(lanes), rng.choice(phases), f"{rng.choice(OWN_VERBS)} {own}")
            for own in rng.sample(OWN_OBJECTS * 6, STEPS - len(cells))
        ]
        steps = []
        cell_size: dict[tuple[int, int], int] = defaultdict(int)
        for lane, phase, title in cells:
            steps.append(
                merge.TeamStep(
                    id=next(ids),
                    lane=lane.id,
                    phase=phase.id,
                    title=title,
                    position=cell_size[(lane.id, phase.id)],
                    description=rng.choice(["", "", "What the team said about it."]),
                    kind=rng.choice(["action", "action", "action", "touchpoint", "pain_point"]),
                    channel=rng.choice([None, 1, 1, 2, 3]),
                    actor=lane.actor,
                    emotion=rng.choice([0, 0, 0, -1, 1, -2]),
                )
            )
            cell_size[(lane.id, phase.id)] += 1
        links, seen = [], set()
        for _ in range(STEPS):
            source, target = rng.sample(steps, 2)
            kind = rng.choice(["handoff", "information", "trigger"])
            if (source.id, target.id, kind) not in seen:
                seen.add((source.id, target.id, kind))
                links.append(merge.TeamLink(next(ids), source.id, target.id, kind))
        teams.append(
            merge.TeamBlueprint(
                next(ids), 100 + team, tuple(phases), tuple(lanes), tuple(steps), tuple(links)
            )
        )
    return teams


def grouping_baseline(teams: list[merge.TeamBlueprint]) -> dict[Any, list[int]]:
    """The exact-match core of a merge: group steps by normalised lane, phase and title."""
    lanes = {
        lane.id: (lane.band, lane.actor or merge.normalise(lane.name))
        for b in teams
        for lane in b.lanes
    }
    phases = {p.id: merge.normalise(p.name) for b in teams for p in b.phases}
    groups: dict[Any, list[int]] = defaultdict(list)
    for blueprint in teams:
        for step in blueprint.steps:
            key = (lanes[step.lane], phases[step.phase], merge.normalise(step.title))
            groups[key].append(step.id)
    return groups


def timed(run: Callable[[], Any], runs: int, warmup: int = 2) -> list[float]:
    for _ in range(warmup):
        run()
    gc.collect()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


# --- the persisted merge -------------------------------------------------------------------


def build_database(teams: list[merge.TeamBlueprint]) -> Any:
    """The same team blueprints as rows of one workspace; returns the workspace."""
    from blueprints.models import Actor, Blueprint, Channel, Lane, Link, Phase, Step
    from workspaces.models import Team, Workspace

    workspace = Workspace.objects.create(name="Bench Beverages")
    actors = {i: Actor.objects.create(workspace=workspace, name=f"Actor {i}") for i in range(1, 7)}
    channels = {
        i: Channel.objects.create(workspace=workspace, name=f"Channel {i}") for i in range(1, 4)
    }
    for spec in teams:
        team = Team.objects.create(workspace=workspace, name=f"Team {spec.team}")
        blueprint = Blueprint.objects.create(
            workspace=workspace, team=team, kind="team", title=f"Team {spec.team}"
        )
        phases = Phase.objects.bulk_create(
            Phase(blueprint=blueprint, name=p.name, position=p.position) for p in spec.phases
        )
        phase_of = {p.id: row for p, row in zip(spec.phases, phases, strict=True)}
        lanes = Lane.objects.bulk_create(
            Lane(
                blueprint=blueprint,
                name=lane.name,
                band=lane.band,
                position=lane.position,
                actor=actors.get(lane.actor),
                name_translations=dict(lane.name_translations),
            )
            for lane in spec.lanes
        )
        lane_of = {lane.id: row for lane, row in zip(spec.lanes, lanes, strict=True)}
        steps = Step.objects.bulk_create(
            Step(
                blueprint=blueprint,
                lane=lane_of[s.lane],
                phase=phase_of[s.phase],
                title=s.title,
                position=s.position,
                description=s.description,
                kind=s.kind,
                channel=channels.get(s.channel),
                actor=actors.get(s.actor),
                emotion=s.emotion,
            )
            for s in spec.steps
        )
        step_of = {s.id: row for s, row in zip(spec.steps, steps, strict=True)}
        Link.objects.bulk_create(
            Link(
                blueprint=blueprint,
                source=step_of[link.source],
                target=step_of[link.target],
                kind=link.kind,
            )
            for link in spec.links
        )
    return workspace


def copy_baseline(workspace: Any) -> None:
    """Write as many steps, links and sources as a merge does, with plain bulk inserts."""
    from blueprints.models import Blueprint, Lane, Link, Phase, Step

    blueprint = Blueprint.objects.create(workspace=workspace, kind="global", title="Copy")
    phase = Phase.objects.create(blueprint=blueprint, name="All", position=0)
    lane = Lane.objects.create(blueprint=blueprint, name="All", band="customer", position=0)
    team_steps = list(Step.objects.filter(blueprint__workspace=workspace, blueprint__kind="team"))
    copies = Step.objects.bulk_create(
        Step(blueprint=blueprint, lane=lane, phase=phase, title=s.title, position=i)
        for i, s in enumerate(team_steps)
    )
    Step.sources.through.objects.bulk_create(
        Step.sources.through(from_step_id=copy.pk, to_step_id=s.pk)
        for copy, s in zip(copies, team_steps, strict=True)
    )
    Link.objects.bulk_create(
        Link(blueprint=blueprint, source=a, target=b) for a, b in pairwise(copies)
    )


def rolled_back(run: Callable[[], Any]) -> Callable[[], None]:
    def once() -> None:
        with transaction.atomic():
            run()
            transaction.set_rollback(True)

    return once


def persisted(teams: list[merge.TeamBlueprint]) -> dict[str, Any]:
    from blueprints.merging import blueprint_merge

    if _SERVER_DB:
        connection.creation.create_test_db(verbosity=0, autoclobber=True)
    else:
        call_command("migrate", verbosity=0)
    try:
        workspace = build_database(teams)
        first = timed(rolled_back(lambda: blueprint_merge(workspace=workspace, user=None)), DB_RUNS)
        copy = timed(rolled_back(lambda: copy_baseline(workspace)), DB_RUNS)
        report = blueprint_merge(workspace=workspace, user=None).report
        again = timed(lambda: blueprint_merge(workspace=workspace, user=None), DB_RUNS, warmup=1)
    finally:
        if _SERVER_DB:
            connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)
        connection.close()
    return {"first": first, "again": again, "copy": copy, "report": report}


def main() -> int:
    started = time.perf_counter()
    teams = team_inputs()
    result = merge.merge(teams)
    team_steps = sum(len(b.steps) for b in teams)
    ours = timed(lambda: merge.merge(teams), RUNS)
    base = timed(lambda: grouping_baseline(teams), RUNS)
    db = persisted(teams)

    median, base_median = statistics.median(ours), statistics.median(base)
    print(
        f"\nMerge of {TEAMS} team blueprints × {STEPS} steps ({team_steps} steps): "
        f"{len(result.phases)} phases, {len(result.lanes)} lanes, {len(result.steps)} global "
        f"steps, {len(result.links)} links, {len(result.suggestions)} suggestions, "
        f"{len(result.conflicts)} conflicts"
    )
    print(f"pure merge, median of {RUNS} runs (min–max in brackets)\n")
    header = f"{'measurement':<48} {'median ms':>10} {'range ms':>18}"
    print(header)
    print("-" * len(header))
    rows = [
        ("pure merge (blueprints.merge.merge)", ours),
        ("baseline: dict grouping by normalised keys", base),
        (f"persisted first merge ({connection.vendor}, median of {DB_RUNS})", db["first"]),
        (f"persisted re-merge, nothing changed ({DB_RUNS})", db["again"]),
        ("baseline: bulk insert of as many steps/links", db["copy"]),
    ]
    for name, samples in rows:
        print(
            f"{name:<48} {statistics.median(samples):>10.2f} "
            f"{min(samples):>8.2f}–{max(samples):<8.2f}"
        )
    ok = median <= TARGET_MS
    print(
        f"\npure merge: {median:.1f} ms = {median / base_median:.1f}× the grouping baseline; "
        f"target ≤ {TARGET_MS:g} ms: {'PASS' if ok else 'FAIL'}"
    )
    first, copy = statistics.median(db["first"]), statistics.median(db["copy"])
    print(f"persisted first merge: {first / copy:.1f}× the bulk-insert baseline (no target)")
    print(f"[{time.perf_counter() - started:.1f} s]\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
