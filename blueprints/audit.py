"""The design audit of a blueprint: rules that point at likely problems in its design.

Plain data in (`blueprints.review.ReviewBlueprint`), findings out. A finding names its rule,
its severity, the steps, phases and lanes it is about, a `key` that stays the same while the
problem does (so that a dismissal sticks to it across edits elsewhere), and the values its
message needs; `blueprints/review_selectors.py` words it in the reader's language.

The rules (RULES), each with why it matters:

- `phase_without_customer_action`: a phase where the customer does nothing is a phase the
  service lives without them: either a step is missing or the phase is not the customer's;
- `customer_action_without_response`: a customer action or touchpoint that no frontstage
  step of the same phase answers (a link either way): the customer is left on their own;
- `step_without_actor`: a frontstage, backstage or support step nobody owns;
- `owner_change`: a handoff between steps of different roles; informational, counted: every
  one is a place where work waits and context is lost;
- `band_crossing`: a link jumping over a band (customer straight to backstage): a line of
  the blueprint skipped, usually a missing step in between;
- `rework_loop`: links that go round in a cycle: work comes back to where it was;
- `pain_point_without_opportunity`: a pain point with no opportunity in its phase or linked
  to it: a known problem nobody proposes to solve;
- `assumed_majority`: a lane where most steps are only assumed: to be checked with the
  people who do the work;
- `unlinked_backstage`: a backstage or support action nothing leads to: how does it start?
"""

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from blueprints.layout import BANDS
from blueprints.review import ReviewBlueprint, ReviewStep

WARNING, NOTICE, INFO = "warning", "notice", "info"
SEVERITIES = (WARNING, NOTICE, INFO)
RULES: dict[str, str] = {
    "phase_without_customer_action": WARNING,
    "customer_action_without_response": WARNING,
    "step_without_actor": NOTICE,
    "owner_change": INFO,
    "band_crossing": NOTICE,
    "rework_loop": WARNING,
    "pain_point_without_opportunity": NOTICE,
    "assumed_majority": NOTICE,
    "unlinked_backstage": NOTICE,
}
# Kinds of step that are work someone does (notes, pain points and opportunities are remarks).
WORK = frozenset({"action", "touchpoint", "data"})
CUSTOMER_WORK = frozenset({"action", "touchpoint"})
OWNED_BANDS = frozenset({"frontstage", "backstage", "support"})


@dataclass(frozen=True)
class Finding:
    rule: str
    key: str
    steps: tuple[int, ...] = ()
    phases: tuple[int, ...] = ()
    lanes: tuple[int, ...] = ()
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def severity(self) -> str:
        return RULES[self.rule]


def audit(blueprint: ReviewBlueprint) -> list[Finding]:
    """Every finding, rule by rule in RULES order, each rule's in journey order."""
    facts = _Facts(blueprint)
    findings: list[Finding] = []
    for rule in RULES:
        findings.extend(globals()[f"_{rule}"](facts))
    return findings


class _Facts:
    """What the rules ask of a blueprint, worked out once."""

    def __init__(self, blueprint: ReviewBlueprint) -> None:
        self.blueprint = blueprint
        self.lanes = {lane.id: lane for lane in blueprint.lanes}
        self.phases = {phase.id: phase for phase in blueprint.phases}
        self.steps = [step for step in blueprint.steps if step.lane in self.lanes]
        self.by_id = {step.id: step for step in self.steps}
        self.order = {step.id: index for index, step in enumerate(self.steps)}
        self.links = [
            link
            for link in blueprint.links
            if link.source in self.by_id and link.target in self.by_id
        ]
        self.neighbours: dict[int, set[int]] = defaultdict(set)
        self.incoming: dict[int, int] = defaultdict(int)
        for link in self.links:
            self.neighbours[link.source].add(link.target)
            self.neighbours[link.target].add(link.source)
            self.incoming[link.target] += 1

    def band(self, step: ReviewStep) -> str:
        return self.lanes[step.lane].band

    def phase_name(self, phase_id: int) -> str:
        phase = self.phases.get(phase_id)
        return phase.name if phase else ""


def _step_finding(rule: str, step: ReviewStep, facts: _Facts, **params: Any) -> Finding:
    return Finding(
        rule,
        key=f"step:{step.id}",
        steps=(step.id,),
        phases=(step.phase,),
        params={"step": step.title, "phase": facts.phase_name(step.phase), **params},
    )


def _phase_without_customer_action(facts: _Facts) -> list[Finding]:
    with_customer = {step.phase for step in facts.steps if facts.band(step) == "customer"}
    return [
        Finding(
            "phase_without_customer_action",
            key=f"phase:{phase.id}",
            phases=(phase.id,),
            params={"phase": phase.name},
        )
        for phase in facts.blueprint.phases
        if phase.id not in with_customer
    ]


def _customer_action_without_response(facts: _Facts) -> list[Finding]:
    found = []
    for step in facts.steps:
        if facts.band(step) != "customer" or step.kind not in CUSTOMER_WORK:
            continue
        answered = any(
            facts.band(other) == "frontstage" and other.phase == step.phase
            for other in (facts.by_id[pk] for pk in facts.neighbours[step.id])
        )
        if not answered:
            found.append(_step_finding("customer_action_without_response", step, facts))
    return found


def _step_without_actor(facts: _Facts) -> list[Finding]:
    return [
        _step_finding("step_without_actor", step, facts)
        for step in facts.steps
        if facts.band(step) in OWNED_BANDS and step.kind in WORK and not step.actor.strip()
    ]


def _owner_change(facts: _Facts) -> list[Finding]:
    found = []
    for link in facts.links:
        if link.kind != "handoff":
            continue
        source, target = facts.by_id[link.source], facts.by_id[link.target]
        if source.actor and target.actor and source.actor != target.actor:
            found.append(
                Finding(
                    "owner_change",
                    key=f"link:{source.id}-{target.id}",
                    steps=(source.id, target.id),
                    phases=tuple(dict.fromkeys((source.phase, target.phase))),
                    params={
                        "source": source.title,
                        "target": target.title,
                        "from": source.actor,
                        "to": target.actor,
                    },
                )
            )
    return found


def _band_crossing(facts: _Facts) -> list[Finding]:
    rank = {band: index for index, band in enumerate(BANDS)}
    found = []
    for link in facts.links:
        source, target = facts.by_id[link.source], facts.by_id[link.target]
        above, below = sorted((rank[facts.band(source)], rank[facts.band(target)]))
        if below - above > 1:
            found.append(
                Finding(
                    "band_crossing",
                    key=f"link:{source.id}-{target.id}-{link.kind}",
                    steps=(source.id, target.id),
                    phases=tuple(dict.fromkeys((source.phase, target.phase))),
                    params={
                        "source": source.title,
                        "target": target.title,
                        "from_band": facts.band(source),
                        "to_band": facts.band(target),
                        "skipped": list(BANDS[above + 1 : below]),
                    },
                )
            )
    return found


def _rework_loop(facts: _Facts) -> list[Finding]:
    forward: dict[int, list[int]] = defaultdict(list)
    for link in facts.links:
        forward[link.source].append(link.target)
    found = []
    for component in _cycles(list(facts.by_id), forward):
        steps = sorted(component, key=facts.order.__getitem__)
        found.append(
            Finding(
                "rework_loop",
                key=_loop_key(component),
                steps=tuple(steps),
                phases=tuple(dict.fromkeys(facts.by_id[pk].phase for pk in steps)),
                params={"steps": [facts.by_id[pk].title for pk in steps], "count": len(steps)},
            )
        )
    found.sort(key=lambda finding: facts.order[finding.steps[0]])
    return found


def _loop_key(component: set[int]) -> str:
    """The same loop, the same key; a long one's ids hashed so the key stays short."""
    ids = ",".join(str(pk) for pk in sorted(component))
    if len(ids) > 120:
        ids = hashlib.sha256(ids.encode()).hexdigest()
    return f"loop:{ids}"


def _cycles(nodes: list[int], edges: dict[int, list[int]]) -> list[set[int]]:
    """The strongly connected components of more than one node (Tarjan's, without recursion)."""
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[int] = []
    components = []
    counter = 0
    for root in nodes:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, child = work.pop()
            if child == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            targets = edges.get(node, [])
            if child < len(targets):
                work.append((node, child + 1))
                target = targets[child]
                if target not in index:
                    work.append((target, 0))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(component)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return components


def _pain_point_without_opportunity(facts: _Facts) -> list[Finding]:
    phases_with = {step.phase for step in facts.steps if step.kind == "opportunity"}
    found = []
    for step in facts.steps:
        if step.kind != "pain_point" or step.phase in phases_with:
            continue
        if any(facts.by_id[pk].kind == "opportunity" for pk in facts.neighbours[step.id]):
            continue
        found.append(_step_finding("pain_point_without_opportunity", step, facts))
    return found


def _assumed_majority(facts: _Facts) -> list[Finding]:
    found = []
    for lane in facts.blueprint.lanes:
        steps = [step for step in facts.steps if step.lane == lane.id]
        assumed = [step for step in steps if step.evidence == "assumed"]
        if len(steps) >= 2 and len(assumed) * 2 > len(steps):
            found.append(
                Finding(
                    "assumed_majority",
                    key=f"lane:{lane.id}",
                    steps=tuple(step.id for step in assumed),
                    phases=tuple(dict.fromkeys(step.phase for step in assumed)),
                    lanes=(lane.id,),
                    params={"lane": lane.name, "assumed": len(assumed), "count": len(steps)},
                )
            )
    return found


def _unlinked_backstage(facts: _Facts) -> list[Finding]:
    return [
        _step_finding("unlinked_backstage", step, facts, band=facts.band(step))
        for step in facts.steps
        if facts.band(step) in ("backstage", "support")
        and step.kind in WORK
        and not facts.incoming[step.id]
    ]
