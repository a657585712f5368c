"""Assessing and auditing a large global blueprint, next to a baseline measured in the same run.

Run from the repository root (``make bench`` does):

    .venv/bin/python bench/bench_review.py

The pure data-practice assessment (`blueprints.assessment.assess`) and design audit
(`blueprints.audit.audit`) of a 2,000-step blueprint: 8 phases, 12 lanes, 8 channels, 3,000
links (chains along the journey, some loops and jumps over bands), half the steps handling
consumer data. Baseline: one pass that groups the same steps by (channel, stage) and builds
the links' adjacency lists, the least any review must do. Target: median ≤ 150 ms, so that
the Assessment tab and the book stay quick on the biggest global blueprints.

No database and no Django: the pure modules take plain data. Always exits 0.
"""

import random
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from blueprints import assessment, audit  # noqa: E402
from blueprints.review import (  # noqa: E402
    BANDS,
    STAGES,
    ReviewBlueprint,
    ReviewChannel,
    ReviewLane,
    ReviewLink,
    ReviewPhase,
    ReviewStep,
)

STEPS = 2000
LINKS = 3000
RUNS = 15
TARGET_MS = 150.0


def blueprint() -> ReviewBlueprint:
    rng = random.Random(21)
    phases = [ReviewPhase(i + 1, f"Phase {i}") for i in range(8)]
    lanes = [
        ReviewLane(100 + i, f"Lane {i}", BANDS[min(i // 2, 4)], f"Role {i % 7}" if i % 5 else "")
        for i in range(12)
    ]
    channels = [ReviewChannel(1000 + i, f"Channel {i}") for i in range(8)]
    items = ["Name", "phone", "e-mail", "batch code", "address", "consent", "order", "photos"]
    steps = []
    for i in range(STEPS):
        handles = rng.random() < 0.5
        steps.append(
            ReviewStep(
                id=10_000 + i,
                lane=rng.choice(lanes).id,
                phase=phases[i * len(phases) // STEPS].id,
                title=f"Step {i}",
                kind=rng.choice(["action", "touchpoint", "pain_point", "opportunity", "data"]),
                channel=rng.choice(channels).id if rng.random() < 0.4 else None,
                actor=f"Role {rng.randrange(7)}" if rng.random() < 0.9 else "",
                evidence=rng.choice(["observed", "assumed", "proposed"]),
                data_stage=rng.choice(STAGES) if handles else "",
                data_captured=", ".join(rng.sample(items, 3)) if handles else "",
                data_recorded_in=f"System {rng.randrange(6)}" if handles else "",
            )
        )
    links = set()
    while len(links) < LINKS:
        source = rng.randrange(STEPS)
        target = source + rng.randint(1, 12) if rng.random() < 0.97 else source - rng.randint(1, 30)
        if 0 <= target < STEPS and target != source:
            links.add((10_000 + source, 10_000 + target))
    return ReviewBlueprint(
        phases,
        lanes,
        steps,
        [ReviewLink(s, t, "handoff" if (s + t) % 3 else "information") for s, t in links],
        channels,
        kind="global",
    )


def baseline(data: ReviewBlueprint) -> None:
    cells: dict[tuple[int | None, str], list[int]] = defaultdict(list)
    for step in data.steps:
        cells[(step.channel, step.data_stage)].append(step.id)
    forward: dict[int, list[int]] = defaultdict(list)
    for link in data.links:
        forward[link.source].append(link.target)


def review(data: ReviewBlueprint) -> None:
    assessment.assess(data)
    audit.audit(data)


def median_ms(work: Callable[[ReviewBlueprint], None], data: ReviewBlueprint) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        work(data)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    data = blueprint()
    result = assessment.assess(data)
    findings = audit.audit(data)
    base = median_ms(baseline, data)
    ours = median_ms(review, data)
    print(
        f"review of {STEPS} steps and {LINKS} links: {len(result.gaps)} gaps, "
        f"{len(findings)} findings"
    )
    print(f"  baseline (group by channel and stage, adjacency): {base:8.1f} ms")
    print(f"  assessment + audit:                              {ours:8.1f} ms ({ours / base:.0f}×)")
    verdict = "OK" if ours <= TARGET_MS else "SLOWER THAN TARGET"
    print(f"  target ≤ {TARGET_MS:.0f} ms: {verdict}")


if __name__ == "__main__":
    main()
