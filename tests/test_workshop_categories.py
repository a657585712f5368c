"""Notes by category: the information-management workshop's view of its board, each note
under its taxonomy category and subcategory with the full path, for facilitator and guests
(their own group's notes only)."""

import re

from django.test import Client

from personas.models import ContactReason
from tests.conftest import World
from workshops import services
from workshops.models import Note, Participant, Workshop
from workshops.selectors import notes_by_category
from workshops.services import Who


def run(world: World) -> Who:
    return Who(world.people["facilitator"], None, True)


def taxonomy(world: World) -> dict[str, ContactReason]:
    make = ContactReason.objects.create
    complaints = make(workspace=world.workspace, name="Complaints")
    return {
        "complaints": complaints,
        "taste": make(workspace=world.workspace, name="Taste", parent=complaints),
        "packaging": make(workspace=world.workspace, name="<script>x</script>", parent=complaints),
        "promotions": make(workspace=world.workspace, name="Promotions"),
    }


def categorised(
    world: World, workshop: Workshop, text: str, category: object, **kw: object
) -> Note:
    note = services.note_add(who=kw.pop("who", run(world)), workshop=workshop, text=text, **kw)
    return services.note_update(
        who=run(world), note=note, changes={"category": category}, version=None
    )


def sections_of(page: str) -> list[str]:
    """The category headings and paths of the by-category view, in page order."""
    found = re.findall(r'<h3 id="category-[^"]+">([^<]+)<|data-category-path>([^<]+)<', page)
    return [(heading or path).strip() for heading, path in found]


def test_notes_are_grouped_by_category_then_subcategory(world: World) -> None:
    reasons = taxonomy(world)
    workshop = services.workshop_create(workspace=world.workspace, template="information")
    categorised(world, workshop, "Flat", reasons["taste"])
    categorised(world, workshop, "Too sweet", reasons["taste"])
    categorised(world, workshop, "Angry caller", reasons["complaints"])
    categorised(world, workshop, "Leaking cap", reasons["packaging"])
    categorised(world, workshop, "Code refused", reasons["promotions"])
    categorised(world, workshop, "Loose idea", None)
    notes = list(workshop.notes.select_related("category", "category__parent"))
    sections = notes_by_category(notes)
    assert [(s["category"].name if s["category"] else None, s["count"]) for s in sections] == [
        ("Complaints", 4),
        ("Promotions", 1),
        (None, 1),
    ]
    assert [(p["path"], [n.text for n in p["notes"]]) for p in sections[0]["parts"]] == [
        ("Complaints", ["Angry caller"]),
        ("Complaints › <script>x</script>", ["Leaking cap"]),
        ("Complaints › Taste", ["Flat", "Too sweet"]),
    ]


def test_guests_and_the_facilitator_see_the_board_by_category(world: World) -> None:
    reasons = taxonomy(world)
    workshop = services.workshop_create(workspace=world.workspace, template="information")
    a = services.group_create(workshop=workshop, who=run(world), name="Complaints team")
    b = services.group_create(workshop=workshop, who=run(world), name="Promo team")
    guests = {}
    for name, group in (("Ana", a), ("Bruno", b)):
        guests[name] = Client()
        guests[name].post(f"/join/{workshop.join_code}/", {"name": name})
        participant = Participant.objects.get(workshop=workshop, name=name)
        services.participant_update(who=run(world), participant=participant, group=group)
        guests[name].who = Who(None, participant, False)  # type: ignore[attr-defined]
    categorised(world, workshop, "Flat", reasons["taste"], who=guests["Ana"].who)
    categorised(world, workshop, "Leaking cap", reasons["packaging"], who=guests["Ana"].who)
    categorised(world, workshop, "Code refused", reasons["promotions"], who=guests["Bruno"].who)
    page = guests["Ana"].get(f"/workshops/{workshop.pk}/?view=category").content.decode()
    assert sections_of(page) == [
        "Complaints",
        "Complaints › &lt;script&gt;x&lt;/script&gt;",
        "Complaints › Taste",
    ]
    assert "Flat" in page and "Code refused" not in page and "<script>x" not in page
    # The switch and the group tabs keep the view.
    assert 'aria-current="page" data-view-category' in page
    everyone = Client()
    everyone.force_login(world.people["facilitator"])
    page = everyone.get(f"/workshops/{workshop.pk}/?view=category").content.decode()
    assert sections_of(page)[0] == "Complaints" and "Promotions" in sections_of(page)
    assert f'href="?group={b.pk}&amp;view=category"' in page
    board = everyone.get(f"/workshops/{workshop.pk}/board/?group={b.pk}&view=category")
    assert sections_of(board.content.decode()) == ["Promotions", "Promotions"]
    # The usual view is by cluster.
    assert "data-by-category" not in everyone.get(f"/workshops/{workshop.pk}/").content.decode()
