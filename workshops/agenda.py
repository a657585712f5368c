"""The plan of a workshop as plain data: the two ready templates and the computed start times."""

import datetime
from typing import Any

from django.utils.translation import gettext_lazy as _

TEMPLATES: dict[str, dict[str, Any]] = {
    "blueprint": {
        "title": _("Blueprint workshop"),
        "goal": _(
            "Each team maps how consumer contacts reach it, what the consumer sees, what "
            "happens backstage and which data is captured; then we merge into one global view."
        ),
        "activities": [
            ("discussion", 15, _("Welcome, goals and the blueprint method")),
            ("blueprint_mapping", 45, _("Map the contact journey: channels and touchpoints")),
            ("blueprint_mapping", 40, _("Backstage, handoffs and consumer data")),
            ("brainstorm", 20, _("Pain points and opportunities")),
            ("dot_voting", 10, _("Vote on what matters most")),
            ("discussion", 30, _("Walk through the global blueprint")),
        ],
    },
    "information": {
        "title": _("Information-management workshop"),
        "goal": _(
            "Group the contact records by why the consumer got in touch, discuss each "
            "category and propose improvements."
        ),
        "activities": [
            ("discussion", 10, _("Welcome and the contact-reason taxonomy")),
            ("categorisation", 30, _("Sort contacts into categories and subcategories")),
            ("brainstorm", 25, _("Improvements per category")),
            ("categorisation", 20, _("Cluster the proposals")),
            ("dot_voting", 10, _("Vote on the proposals")),
            ("persona_review", 30, _("Review the personas drafted from the contacts")),
            ("discussion", 15, _("Next steps and the data to collect next")),
        ],
    },
}


def schedule(start: datetime.time, durations: list[int]) -> list[datetime.time]:
    """Start time of each activity: the workshop's start plus the durations before it."""
    at = datetime.datetime.combine(datetime.date(2000, 1, 1), start)
    times = []
    for minutes in durations:
        times.append(at.time())
        at += datetime.timedelta(minutes=minutes)
    return times


def end_time(start: datetime.time, durations: list[int]) -> datetime.time:
    at = datetime.datetime.combine(datetime.date(2000, 1, 1), start)
    return (at + datetime.timedelta(minutes=sum(durations))).time()
