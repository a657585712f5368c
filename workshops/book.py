"""The workshop outputs of a blueprint, as a section of the manager's book (blueprints/book.py)."""

import datetime
from itertools import groupby
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _

from blueprints.book import BookEntry, BookSection
from workshops.services import workshop_outputs_for_blueprint


def book_section(*, blueprint: Any, language: str) -> BookSection | None:
    """One entry per workshop: its outputs with the step (and persona) each is attached to, and
    the votes."""
    outputs = workshop_outputs_for_blueprint(blueprint)
    if not outputs:
        return None
    entries = []
    for (workshop, date), rows in groupby(outputs, key=lambda o: (o["workshop"], o["date"])):
        rows = list(rows)
        entries.append(
            BookEntry(
                title=workshop,
                subtitle=formats.date_format(datetime.date.fromisoformat(date)) if date else "",
                table_headers=[_("Output"), _("Detail"), _("Step"), _("Persona"), _("Votes")],
                table_rows=[
                    [
                        row["title"],
                        row["detail"],
                        row["step"] or "—",
                        row["persona"] or "—",
                        str(row["votes"]),
                    ]
                    for row in rows
                ],
            )
        )
    return BookSection(
        title=_("Workshop outputs"),
        intro=_("What the workshops decided, attached to the steps of this blueprint."),
        entries=entries,
    )
