"""The demo's innovation phase (issue 20): opportunities from the pain points of the team
blueprints, two service concepts, the story's two MVPs (one validated, one not), data needs
per persona, and a roadmap.

Written through innovation.services as the demo's people would, and idempotent: each object
is looked up by its natural key (title, MVP name, persona and item) and made only when
missing, so edits made in the demo survive another `seed_demo`. What names a persona waits
for the personas (drafted from the demo contacts, see personas/runs.py): without them the
concepts have no persona and the data needs are left out until a later run finds them.
"""

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model

from blueprints.models import Channel, Step
from innovation import services
from innovation.models import DataNeed, Experiment, Opportunity, ServiceConcept
from personas.demo_data import DEMO_PROFILES
from personas.models import ContactReason, Persona
from workspaces.models import Workspace

# Personas by the category of their demo profile (personas/demo_data.py DEMO_PROFILES).
CAREFUL_CALLER, ONLINE_REGULAR, PRIZE_HUNTER = "Complaints", "E-commerce", "Promotions"

OPPORTUNITIES: list[dict[str, Any]] = [
    {
        "title": "Call consumers back before they call again",
        "description": "Complainants hear nothing for weeks and call again; every repeat call "
        "costs an agent's time and the consumer's trust.",
        "steps": [
            ("Consumer Service Centre", "Hears nothing for weeks and calls again"),
            ("Quality", "Hears nothing for weeks and calls again"),
        ],
        "reasons": ["Complaints"],
        "personas": [CAREFUL_CALLER],
        "scores": (85, 70, 2),
        "status": "in_progress",
        "roadmap": ("now", 0, "facilitator", "2026-03-31"),
    },
    {
        "title": "Take the batch code once, on any channel",
        "description": "Consumers struggle to find the batch code and repeat it to every "
        "team that handles their complaint.",
        "steps": [("Consumer Service Centre", "Struggles to find the batch code")],
        "reasons": ["Complaints"],
        "personas": [CAREFUL_CALLER],
        "scores": (70, 55, 3),
        "status": "open",
        "roadmap": ("next", 0, "participant", "2026-06-30"),
    },
    {
        "title": "Let online customers track their order themselves",
        "description": "Online customers queue on the phone or fight the chatbot just to "
        "learn where their order is.",
        "steps": [
            ("E-commerce", "Waits in the phone queue again"),
            ("E-commerce", "Chatbot cannot handle damaged deliveries"),
        ],
        "reasons": ["E-commerce"],
        "personas": [ONLINE_REGULAR],
        "scores": (80, 75, 3),
        "status": "in_progress",
        "roadmap": ("now", 2, "participant3", "2026-04-30"),
    },
    {
        "title": "One record between the CRM and the quality system",
        "description": "Quality analysts type every complaint twice, into the CRM and the QMS.",
        "steps": [("Quality", "Double data entry between CRM and QMS")],
        "reasons": ["Complaints"],
        "personas": [],
        "scores": (30, 65, 4),
        "status": "open",
        "roadmap": ("later", 0, "participant2", None),
    },
    {
        "title": "Shorter phone queues at peak hours",
        "description": "Monday mornings overflow the hotline.",
        "steps": [("Consumer Service Centre", "Waits in the phone queue")],
        "reasons": [],
        "personas": [],
        "scores": (60, 30, 5),
        "status": "dismissed",
        "roadmap": None,
    },
    {
        # Proposed by a participant in the workshop, not scored yet.
        "title": "Show the status of a promotion code",
        "description": "Prize hunters cannot see why their code was rejected and call to ask.",
        "steps": [
            ("Trade Marketing & Promotions", "Cannot see the code status"),
            ("Trade Marketing & Promotions", "Code rejected as already used"),
        ],
        "reasons": ["Promotions"],
        "personas": [PRIZE_HUNTER],
        "author": "participant2",
    },
]

CONCEPTS: list[dict[str, Any]] = [
    {
        "title": "Proactive call-back",
        "description": "The agent books a call-back when the complaint is taken, and calls "
        "back with the quality team's answer before the promised date.",
        "personas": [CAREFUL_CALLER],
        "opportunities": [
            "Call consumers back before they call again",
            "Take the batch code once, on any channel",
        ],
        "storyboard": [
            ("The consumer calls about a flat bottle", "The agent takes the batch code once."),
            (
                "The agent books a call-back slot",
                "Two working days at most, at an hour the consumer chooses.",
            ),  # fmt: skip
            ("Quality analyses the batch", "The answer is written to the CRM contact."),
            ("The agent calls back with the answer", "Before the promised date, by name."),
        ],
    },
    {
        "title": "Self-service order tracker",
        "description": "A page linked from every order e-mail showing each stage of the "
        "delivery, where a damaged parcel is reported with a photo.",
        "personas": [ONLINE_REGULAR],
        "opportunities": ["Let online customers track their order themselves"],
        "storyboard": [
            ("The order e-mail links to the tracker", ""),
            ("The tracker shows every stage", "With the carrier's latest update."),
            ("A damaged parcel is reported with a photo", "No chat, no queue."),
            ("A replacement or a refund in one click", ""),
        ],
    },
]

EXPERIMENTS: list[dict[str, Any]] = [
    {
        "concept": "Proactive call-back",
        "mvp_name": "Call-back pilot on the Madrid hotline",
        "mvp_description": "Six agents book call-backs for every product complaint for six "
        "weeks; the quality team answers within two working days.",
        "hypothesis": "We believe that calling careful callers back with the answer within two "
        "working days for product complaints will cut repeat calls about the same complaint.",
        "metric": "Repeat calls within 30 days, per 100 complaints",
        "baseline": "38",
        "target": "20",
        "result": "17.5",
        "start_date": "2026-02-02",
        "end_date": "2026-03-13",
        "status": "validated",
        "learnings": "Repeat calls fell below target; consumers valued being called by name. "
        "The quality team needs the batch code at booking time to keep the two days.",
        "iterations": [
            ("2026-02-02", "Started with two agents and a paper call-back sheet."),
            ("2026-02-16", "Call-back slots booked in the CRM; four more agents joined."),
            ("2026-03-02", "Batch code asked for at booking: quality answers a day earlier."),
        ],
        "roadmap": ("now", 1, "facilitator", "2026-03-31"),
    },
    {
        "concept": "Self-service order tracker",
        "mvp_name": "Order tracker page for the Italian web shop",
        "mvp_description": "A tracker page linked from the order e-mails of the Italian web "
        "shop, fed by the carrier's updates.",
        "hypothesis": "We believe that a self-service order tracker for online regulars will "
        "halve the contacts asking where an order is.",
        "metric": "Order-status contacts per 1,000 orders",
        "baseline": "42",
        "target": "21",
        "result": "34",
        "start_date": "2026-02-16",
        "end_date": "2026-03-27",
        "status": "invalidated",
        "learnings": "Customers used the tracker, but the carrier's updates lagged a day and "
        "damaged parcels still needed an agent: next, real-time carrier events and the photo "
        "report.",
        "iterations": [
            ("2026-02-16", "Tracker live for orders paid by card."),
            ("2026-03-09", "Carrier updates only arrive overnight: contacts barely fell."),
        ],
        "roadmap": ("next", 1, "participant3", "2026-06-30"),
    },
]

DATA_NEEDS: list[dict[str, Any]] = [
    {
        "persona": CAREFUL_CALLER,
        "item": "Preferred hour for a call-back",
        "why": "A call-back at the wrong hour is a missed call and a repeat contact.",
        "step": ("Consumer Service Centre", "Hears nothing for weeks and calls again"),
        "channel": "Phone",
        "method": "Asked by the agent when booking the call-back.",
        "consent": "Asked on the call; recorded with the CRM contact.",
        "quality": "Share of call-backs answered at the first attempt.",
        "status": "collecting",
        "roadmap": ("now", 3, "participant", "2026-03-31"),
    },
    {
        "persona": CAREFUL_CALLER,
        "item": "Years as a customer",
        "why": "Careful callers want to be recognised as loyal customers.",
        "channel": "Phone",
        "method": "Asked once and kept in the CRM profile; later from the loyalty programme.",
        "consent": "Loyalty programme terms; on the phone, asked explicitly.",
        "quality": "Agreement with the loyalty programme's records on a monthly sample.",
        "status": "proposed",
        "roadmap": ("later", 1, "manager", None),
    },
    {
        "persona": ONLINE_REGULAR,
        "item": "Carrier tracking events per order",
        "why": "The tracker failed because updates came a day late.",
        "step": ("E-commerce", "Waits in the phone queue again"),
        "channel": "Web form",
        "method": "The carrier's event feed joined to the web-shop order.",
        "consent": "Needed to deliver the order (contract); no extra consent.",
        "quality": "Share of orders with an event in the last 24 hours.",
        "status": "available",
        "roadmap": ("next", 2, "participant3", "2026-05-15"),
    },
    {
        "persona": ONLINE_REGULAR,
        "item": "Photo of a damaged parcel",
        "why": "Replacements without a call need evidence the carrier accepts.",
        "step": ("E-commerce", "Chatbot cannot handle damaged deliveries"),
        "channel": "Live chat",
        "method": "Uploaded in the tracker's damage report.",
        "consent": "Asked in the report form; kept until the claim is closed.",
        "quality": "Share of photos the carrier accepts as evidence.",
        "status": "proposed",
        "roadmap": ("later", 2, None, None),
    },
    {
        "persona": PRIZE_HUNTER,
        "item": "Code redemption attempts",
        "why": "To tell a used code from a mistyped one before the consumer calls.",
        "channel": "Web form",
        "method": "Logged by the promotion site for each code entered.",
        "consent": "Promotion terms and conditions.",
        "quality": "Attempts matched to a printed batch of codes.",
        "status": "proposed",
    },
]


def date_of(text: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(text) if text else None


class Demo:
    """What the demo's innovation objects point at, looked up once by name."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        members = get_user_model().objects.filter(memberships__workspace=workspace)
        self.users = {user.get_username(): user for user in members}
        self.facilitator = self.users.get("facilitator")
        self.personas = self._personas()

    def _personas(self) -> dict[str, Persona]:
        found: dict[str, Persona] = {}
        for persona in Persona.objects.filter(workspace=self.workspace).order_by("id"):
            for key, profile in DEMO_PROFILES.items():
                names = {*profile["names"].values(), profile["role"]}
                if persona.name in names:
                    found.setdefault(key, persona)
        return found

    def steps(self, refs: list[tuple[str, str]]) -> list[Step]:
        found = []
        for team, title in refs:
            step = Step.objects.filter(
                blueprint__workspace=self.workspace,
                blueprint__kind="team",
                blueprint__team__name=team,
                title=title,
            ).first()
            if step is not None:
                found.append(step)
        return found

    def reasons(self, names: list[str]) -> list[ContactReason]:
        reasons = ContactReason.objects.filter(workspace=self.workspace, parent=None)
        return list(reasons.filter(name__in=names))

    def channel(self, name: str | None) -> Channel | None:
        return Channel.objects.filter(workspace=self.workspace, name=name).first()

    def roadmap(self, spec: tuple | None) -> dict[str, Any]:
        if spec is None:
            return {}
        horizon, position, owner, due = spec
        return {
            "horizon": horizon,
            "roadmap_position": position,
            "owner": self.users.get(owner) if owner else None,
            "due_date": date_of(due),
        }


def seed_each(
    demo: Demo,
    model: type,
    specs: list[dict[str, Any]],
    keys: tuple[str, ...],
    values_of: Callable[[Demo, dict[str, Any]], dict[str, Any] | None],
    then: Callable[[Any, dict[str, Any]], None] | None = None,
) -> int:
    """Make each spec's object unless one with the same `keys` exists (or `values_of` has
    nothing to make it from); answers how many were made."""
    made = 0
    for spec in specs:
        values = values_of(demo, spec)
        if values is None:
            continue
        existing = model.objects.filter(workspace=demo.workspace, **{k: values[k] for k in keys})
        if existing.exists():
            continue
        actor = demo.users.get(spec.get("author", "facilitator"))
        obj = services.item_create(
            model=model, workspace=demo.workspace, values=values, actor=actor
        )
        if then is not None:
            then(obj, spec)
        made += 1
    return made


def opportunity_values(demo: Demo, spec: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {
        "title": spec["title"],
        "description": spec["description"],
        "steps": demo.steps(spec["steps"]),
        "contact_reasons": demo.reasons(spec["reasons"]),
        "personas": [demo.personas[k] for k in spec["personas"] if k in demo.personas],
        **demo.roadmap(spec.get("roadmap")),
    }
    if "scores" in spec:
        customer, business, effort = spec["scores"]
        values |= {"customer_value": customer, "business_value": business, "effort": effort}
        values["status"] = spec["status"]
    return values


def concept_values(demo: Demo, spec: dict[str, Any]) -> dict[str, Any]:
    opportunities = Opportunity.objects.filter(
        workspace=demo.workspace, title__in=spec["opportunities"]
    )
    return {
        "title": spec["title"],
        "description": spec["description"],
        "personas": [demo.personas[k] for k in spec["personas"] if k in demo.personas],
        "opportunities": list(opportunities),
        "storyboard": [{"title": t, "description": d} for t, d in spec["storyboard"]],
    }


def experiment_values(demo: Demo, spec: dict[str, Any]) -> dict[str, Any] | None:
    concept = ServiceConcept.objects.filter(workspace=demo.workspace, title=spec["concept"])
    if not concept.exists():  # renamed in the demo: its experiments are the people's now
        return None
    values = {name: spec[name] for name in ("mvp_name", "mvp_description", "hypothesis")}
    values |= {"metric": spec["metric"], "status": spec["status"]}
    values |= {"learnings": spec["learnings"], "concept": concept.first()}
    values |= {name: Decimal(spec[name]) for name in ("baseline", "target", "result")}
    values |= {name: date_of(spec[name]) for name in ("start_date", "end_date")}
    return values | demo.roadmap(spec["roadmap"])


def log_iterations(demo: Demo) -> Callable[[Any, dict[str, Any]], None]:
    def log(experiment: Experiment, spec: dict[str, Any]) -> None:
        for day, text in spec["iterations"]:
            services.iteration_add(
                experiment=experiment, text=text, date=date_of(day), actor=demo.facilitator
            )

    return log


def data_need_values(demo: Demo, spec: dict[str, Any]) -> dict[str, Any] | None:
    persona = demo.personas.get(spec["persona"])
    if persona is None:
        return None
    steps = demo.steps([spec["step"]]) if "step" in spec else []
    values = {name: spec[name] for name in ("item", "why", "method", "consent", "quality")}
    values |= {"persona": persona, "status": spec["status"]}
    values |= {"step": steps[0] if steps else None, "channel": demo.channel(spec["channel"])}
    return values | demo.roadmap(spec.get("roadmap"))


def seed_demo_innovation(*, workspace: Workspace) -> str:
    """The innovation part of `seed_demo` (idempotent); a line for its output."""
    demo = Demo(workspace)
    opportunities = seed_each(demo, Opportunity, OPPORTUNITIES, ("title",), opportunity_values)
    concepts = seed_each(demo, ServiceConcept, CONCEPTS, ("title",), concept_values)
    experiments = seed_each(
        demo, Experiment, EXPERIMENTS, ("mvp_name",), experiment_values, log_iterations(demo)
    )
    needs = seed_each(demo, DataNeed, DATA_NEEDS, ("persona", "item"), data_need_values)
    return (
        f"Innovation: {opportunities} opportunities, {concepts} service concepts, "
        f"{experiments} experiments, {needs} data needs added."
    )
