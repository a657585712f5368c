"""The demo's workshop: the blueprint workshop of the story, with groups and a few notes."""

from typing import Any

from blueprints.models import Blueprint
from workshops import services
from workshops.models import Group, Note, Workshop
from workspaces.models import Workspace

TITLE = "Blueprint workshop — consumer service centre"
NOTES = [
    ("pain_point", "Consumers repeat their batch code on every channel"),
    ("idea", "One contact history across phone, e-mail and chat"),
    ("question", "Who owns the follow-up after a quality complaint?"),
    ("insight", "Most complaints arrive by phone on Monday mornings"),
]


def seed_demo_workshop(workspace: Workspace, **options: Any) -> Workshop:
    """Make the demo workshop once (looked up by title): agenda, one group per team blueprint,
    a few notes. Running it again changes nothing."""
    workshop = Workshop.objects.filter(workspace=workspace, title=TITLE).first()
    if workshop is not None:
        return workshop
    workshop = services.workshop_create(workspace=workspace, title=TITLE, template="blueprint")
    blueprints = Blueprint.objects.filter(workspace=workspace, kind="team").order_by("title")
    groups = [
        Group.objects.create(workshop=workshop, name=b.team.name, blueprint=b, position=i)
        for i, b in enumerate(blueprints.select_related("team"))
    ]
    for i, (kind, text) in enumerate(NOTES):
        Note.objects.create(
            workshop=workshop,
            group=groups[i % len(groups)] if groups else None,
            kind=kind,
            text=text,
            position=i,
        )
    return workshop
