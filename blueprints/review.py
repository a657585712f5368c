"""A blueprint as plain data for reviewing it: the data-practice assessment
(`blueprints/assessment.py`) and the design audit (`blueprints/audit.py`) read this.

No ORM and no Django here, so both can be tested and benchmarked on blueprints built in
memory; `blueprints/review_selectors.py` builds it from the models in a handful of queries.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

STAGES = ("planned", "collected", "recorded", "synthesised", "communicated")


@dataclass(frozen=True)
class ReviewPhase:
    id: int
    name: str


@dataclass(frozen=True)
class ReviewLane:
    id: int
    name: str
    band: str
    actor: str = ""
    # Display names in other languages, e.g. {"es": "Agente"}; a lane named after its actor
    # names that role in those languages.
    name_translations: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ReviewChannel:
    id: int
    name: str


@dataclass(frozen=True)
class ReviewStep:
    id: int
    lane: int
    phase: int
    title: str
    kind: str = "action"
    channel: int | None = None
    actor: str = ""  # its own actor, or its lane's: the role that does it
    evidence: str = "observed"
    data_stage: str = ""
    data_captured: str = ""
    data_recorded_in: str = ""
    teams: Sequence[str] = ()  # provenance on a global blueprint


@dataclass(frozen=True)
class ReviewLink:
    source: int
    target: int
    kind: str = "handoff"


@dataclass(frozen=True)
class ReviewBlueprint:
    """Phases and lanes in their order, steps in journey order; channels in the workspace's."""

    phases: Sequence[ReviewPhase]
    lanes: Sequence[ReviewLane]
    steps: Sequence[ReviewStep] = ()
    links: Sequence[ReviewLink] = ()
    channels: Sequence[ReviewChannel] = ()
    kind: str = "team"
