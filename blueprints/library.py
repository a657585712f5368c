"""The library of blueprint templates: what a new blueprint can start from.

Every template is a blueprint document (blueprints.interchange), so a new blueprint is made
from it by the same import that reads files. Three come with Frontstage:

- `blank` — an empty service blueprint: one lane per band, three phases (before, during,
  after the service), named in the reader's language;
- `consumer-complaint` — the demo's consumer-complaint flow of the Consumer Service Centre
  (blueprints/demo_data.py);
- `hotel-stay` — the overnight hotel stay published by Bitner, Ostrom & Morgan (2008),
  the textbook example of a service blueprint: its physical evidence, customer actions,
  onstage, backstage and support steps and the flows between them.

Facilitators save any blueprint of their workspace as a template of that workspace
(`template_save`); members of the workspace see and use those too.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from blueprints import demo_data, interchange, layout
from blueprints.models import Blueprint, BlueprintTemplate
from frontstage import errors
from workspaces import access
from workspaces.models import Team, Workspace

SAVED_PREFIX = "saved-"
NO_SUCH_TEMPLATE = _("There is no template “{key}”.")
TEAM_BLUEPRINTS_ONLY = _("A template starts a team blueprint.")
TEMPLATE_ON_CREATE = _("A template is chosen when the blueprint is made.")
NAME_TAKEN = _("This workspace already has a template with this name.")
MAY_NOT_SAVE = _("Only facilitators save templates for the workspace.")
MAY_NOT_DELETE = _("Only facilitators delete the workspace's templates.")

BITNER_2008 = (
    "Bitner, M. J., Ostrom, A. L. & Morgan, F. N. (2008). Service Blueprinting: A Practical "
    "Technique for Service Innovation. California Management Review, 50(3), 66–94. "
    "https://doi.org/10.2307/41166446"
)


@dataclass(frozen=True)
class Template:
    key: str
    name: str
    description: str
    source: str  # "builtin" or "workspace"
    document: dict[str, Any]
    reference: str = ""
    workspace: int | None = None


def lane_names(band: str) -> dict[str, str]:
    """A band's name in every language but English, for a lane named after its band."""
    return {code: layout.LABELS[code][band] for code in layout.LABELS if code != "en"}


def document(
    title: str,
    description: str,
    phases: list[str],
    lanes: list[dict[str, Any]],
    steps: list[dict[str, Any]],
    links: Iterable[tuple[str, str, str, str]] = (),
    actors: list[dict[str, str]] | None = None,
    channels: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """A blueprint document from rows that name phases by name and lanes by key."""
    phase_keys = {name: f"p{index}" for index, name in enumerate(phases, start=1)}
    return {
        "format": interchange.FORMAT,
        "version": interchange.VERSION,
        "title": title,
        "description": description,
        "phases": [{"key": key, "name": name} for name, key in phase_keys.items()],
        "lanes": [
            {
                "key": lane["key"],
                "name": lane["name"],
                "band": lane["band"],
                "actor": lane.get("actor"),
                "name_translations": lane.get("name_translations", {}),
            }
            for lane in lanes
        ],
        "actors": actors or [],
        "channels": channels or [],
        "steps": [
            {"key": step.get("key", f"s{index}"), **step, "phase": phase_keys[step["phase"]]}
            for index, step in enumerate(steps, start=1)
        ],
        "links": [
            {"source": source, "target": target, "kind": kind, "label": label}
            for source, target, kind, label in links
        ],
    }


# --- the templates that come with Frontstage --------------------------------------------------


def blank(language: str) -> Template:
    with translation.override(language):
        phases = [str(_("Before")), str(_("During")), str(_("After"))]
        name, description = (
            str(_("Blank service blueprint")),
            str(_("The five bands of a service blueprint and three phases, ready to fill in.")),
        )
    lanes = [
        {"key": band, "name": layout.LABELS["en"][band], "band": band}
        | {"name_translations": lane_names(band)}
        for band in layout.BANDS
    ]
    return Template("blank", name, description, "builtin", document(name, "", phases, lanes, []))


def consumer_complaint(language: str) -> Template:
    spec = demo_data.SERVICE_CENTRE_BLUEPRINT
    actors = {lane.get("actor") for lane in spec["lanes"]}
    actors |= {step.get("actor") for step in spec["steps"]}
    channels = {step.get("channel") for step in spec["steps"]}
    steps = [
        {k: v for k, v in step.items() if k != "actor"}
        | {"actor": step["actor"] if step.get("actor") else None}
        | {"channel": step.get("channel")}
        for step in spec["steps"]
    ]
    with translation.override(language):
        name = str(_("Consumer complaint (demo)"))
    return Template(
        "consumer-complaint",
        name,
        spec["description"],
        "builtin",
        document(
            spec["title"],
            spec["description"],
            list(spec["phases"]),
            list(spec["lanes"]),
            steps,
            [
                (link["source"], link["target"], link["kind"], link["label"])
                for link in spec["links"]
            ],
            actors=[actor for actor in demo_data.ACTORS if actor["name"] in actors],
            channels=[channel for channel in demo_data.CHANNELS if channel["name"] in channels],
        ),
    )


def hotel_stay(language: str) -> Template:
    """Figure 1 of Bitner, Ostrom & Morgan (2008), the overnight hotel stay, in five phases."""
    lanes = [
        {"key": "evidence", "name": "Physical evidence", "band": "evidence"},
        {"key": "guest", "name": "Guest", "band": "customer", "actor": "Hotel guest"},
        {
            "key": "contact",
            "name": "Contact employees",
            "band": "frontstage",
            "actor": "Front-desk staff",
        },
        {
            "key": "behind",
            "name": "Backstage employees",
            "band": "backstage",
            "actor": "Bellperson and room-service staff",
        },
        {"key": "support", "name": "Support processes", "band": "support"},
    ]
    for lane in lanes:
        lane["name_translations"] = lane_names(lane["band"]) if not lane.get("actor") else {}

    def step(key: str, lane: str, phase: str, title: str, kind: str = "action", **more: Any):
        return {"key": key, "lane": lane, "phase": phase, "title": title, "kind": kind} | more

    arrival, check_in, room, service, check_out = (
        "Arrival", "Check-in", "In the room", "Room service", "Check-out",
    )  # fmt: skip
    touch, phone, system = "touchpoint", "Room phone", "Registration system"
    steps = [
        step("exterior", "evidence", arrival, "Hotel exterior, parking", touch),
        step("cart", "evidence", arrival, "Cart for bags", touch),
        step("desk", "evidence", check_in, "Desk, registration papers, lobby, key", touch),
        step("hallways", "evidence", room, "Elevators, hallways, room", touch),
        step("amenities", "evidence", room, "Room amenities, bath", touch),
        step("menu", "evidence", service, "Menu", touch),
        step("tray", "evidence", service, "Delivery tray, food appearance, food", touch),
        step("bill", "evidence", check_out, "Bill, desk, lobby, hotel exterior, parking", touch),
        step("arrive", "guest", arrival, "Arrive at hotel"),
        step("give_bags", "guest", arrival, "Give bags to bellperson"),
        step("check_in", "guest", check_in, "Check in", touch),
        step("go_room", "guest", room, "Go to room"),
        step("receive_bags", "guest", room, "Receive bags"),
        step("sleep", "guest", room, "Sleep, shower"),
        step("call_service", "guest", service, "Call room service", touch, channel=phone),
        step("receive_food", "guest", service, "Receive food"),
        step("eat", "guest", service, "Eat"),
        step("leave", "guest", check_out, "Check out and leave", touch),
        step("greet", "contact", arrival, "Greet and take bags", touch),
        step(
            "register", "contact", check_in, "Process registration", touch,
            data_captured="Guest name, address, payment card", data_recorded_in=system,
            data_stage="collected",
        ),
        step("deliver_bags", "contact", room, "Deliver bags", touch),
        step("deliver_food", "contact", service, "Deliver food", touch),
        step("process_out", "contact", check_out, "Process check-out", touch),
        step("take_bags", "behind", room, "Take bags to room"),
        step("take_order", "behind", service, "Take food order", channel=phone),
        step(
            "registration", "support", check_in, system, "data",
            data_recorded_in=system, data_stage="recorded",
        ),
        step("prepare", "support", service, "Prepare food"),
        step(
            "billing", "support", check_out, system, "data",
            data_recorded_in=system, data_stage="communicated",
        ),
    ]  # fmt: skip
    flow = ["arrive", "give_bags", "check_in", "go_room", "receive_bags", "sleep",
            "call_service", "receive_food", "eat", "leave"]  # fmt: skip
    links = [(a, b, "trigger", "") for a, b in zip(flow, flow[1:], strict=False)]
    links += [
        ("give_bags", "greet", "handoff", "Bags"),
        ("check_in", "register", "trigger", ""),
        ("register", "registration", "information", "Reservation"),
        ("greet", "take_bags", "handoff", "Bags"),
        ("take_bags", "deliver_bags", "handoff", "Bags"),
        ("deliver_bags", "receive_bags", "handoff", ""),
        ("call_service", "take_order", "information", "Order"),
        ("take_order", "prepare", "trigger", "Order"),
        ("prepare", "deliver_food", "handoff", "Food"),
        ("deliver_food", "receive_food", "handoff", ""),
        ("leave", "process_out", "trigger", ""),
        ("process_out", "billing", "information", "Bill"),
        ("cart", "give_bags", "information", ""),
        ("desk", "check_in", "information", ""),
        ("hallways", "go_room", "information", ""),
        ("amenities", "sleep", "information", ""),
        ("menu", "call_service", "information", ""),
        ("tray", "receive_food", "information", ""),
        ("bill", "leave", "information", ""),
        ("exterior", "arrive", "information", ""),
    ]
    with translation.override(language):
        name = str(_("Overnight hotel stay (Bitner, Ostrom & Morgan, 2008)"))
        description = str(
            _(
                "The published example of a service blueprint: a guest's overnight stay, from "
                "arriving to checking out, with what the guest sees, does, who serves them "
                "onstage and backstage, and the systems behind. Adapted from Figure 1 of the "
                "article, in five phases."
            )
        )
    return Template(
        "hotel-stay",
        name,
        description,
        "builtin",
        document(
            "Overnight hotel stay",
            f"{description}\n\n{BITNER_2008}",
            [arrival, check_in, room, service, check_out],
            lanes,
            steps,
            links,
            actors=[
                {"name": "Hotel guest", "description": "Stays one night."},
                {"name": "Front-desk staff", "description": "Greets, registers, checks out."},
                {
                    "name": "Bellperson and room-service staff",
                    "description": "Carries bags and food to the room.",
                },
            ],
            channels=[{"name": "Room phone", "kind": "phone"}],
        ),
        reference=BITNER_2008,
    )


BUILT_IN = {"blank": blank, "consumer-complaint": consumer_complaint, "hotel-stay": hotel_stay}


# --- the library, as a member sees it ----------------------------------------------------------


def saved(template: BlueprintTemplate) -> Template:
    return Template(
        f"{SAVED_PREFIX}{template.pk}",
        template.name,
        template.description,
        "workspace",
        template.document,
        workspace=template.workspace_id,
    )


def templates_for(user: Any, language: str, workspace_id: int | None = None) -> list[Template]:
    """The built-in templates, then the saved ones of the user's workspaces (or of one)."""
    found = [make(language) for make in BUILT_IN.values()]
    rows = BlueprintTemplate.objects.filter(workspace__memberships__user=user)
    if workspace_id is not None:
        rows = rows.filter(workspace_id=workspace_id)
    return found + [saved(row) for row in rows.distinct().order_by("workspace_id", "name", "id")]


def template_get(key: str, user: Any, language: str) -> Template:
    """The template called `key`, if the user may see it; errors.NotFound otherwise."""
    if key in BUILT_IN:
        return BUILT_IN[key](language)
    pk = key.removeprefix(SAVED_PREFIX)
    if key.startswith(SAVED_PREFIX) and pk.isascii() and pk.isdigit() and len(pk) <= 18:
        row = BlueprintTemplate.objects.filter(pk=int(pk)).first()
        if row is not None and access.can_read(user, row):
            return saved(row)
    raise errors.NotFound(NO_SUCH_TEMPLATE.format(key=key[:60]))


@transaction.atomic
def template_save(
    *, blueprint: Blueprint, name: str, description: str = "", actor: Any
) -> BlueprintTemplate:
    """Keep `blueprint` as it is now as a template of its workspace (facilitators)."""
    template = BlueprintTemplate(
        workspace_id=blueprint.workspace_id, name=name, description=description
    )
    if not access.can_write(actor, template, "create"):
        raise errors.Forbidden(MAY_NOT_SAVE)
    contents = interchange.blueprint_document(blueprint)
    contents.pop("source", None)
    for step in contents["steps"]:
        step.pop("sources", None)  # provenance belongs to the blueprint, not to what copies it
    template.document = contents
    template.created_by = actor if getattr(actor, "is_authenticated", False) else None
    template.full_clean(exclude=["workspace", "created_by"], validate_unique=False)
    if BlueprintTemplate.objects.filter(workspace_id=blueprint.workspace_id, name=name).exists():
        raise errors.Invalid({"name": [NAME_TAKEN]})
    try:
        with transaction.atomic():
            template.save()
    except IntegrityError as error:  # saved by someone else meanwhile
        raise errors.Invalid({"name": [NAME_TAKEN]}) from error
    return template


def template_delete(*, template: BlueprintTemplate, actor: Any) -> None:
    if not access.can_write(actor, template, "delete"):
        raise errors.Forbidden(MAY_NOT_DELETE)
    template.delete()


def blueprint_from_template(
    *,
    workspace: Workspace,
    team: Team,
    template: Template,
    actor: AbstractBaseUser | AnonymousUser | None,
    title: str | None = None,
) -> Blueprint:
    """A new team blueprint with the template's contents (checked as any imported document)."""
    return interchange.blueprint_import(
        workspace=workspace, team=team, document=template.document, actor=actor, title=title
    )
