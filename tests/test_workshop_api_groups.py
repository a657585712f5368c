"""Groups stay apart over the REST API too: someone in group A neither reads nor writes group
B's notes, clusters and votes through /api/v1/; facilitators and managers read every board."""

from dataclasses import dataclass

import pytest
from django.test import Client

from tests import factories
from tests.conftest import World
from workshops import services
from workshops.models import Cluster, Group, Note, Output, Participant, Vote, Workshop
from workshops.services import Who
from workspaces.models import Membership, Role


@dataclass
class Room:
    workshop: Workshop
    a: Group
    b: Group
    a_note: Note
    b_note: Note
    plenary_note: Note
    a_cluster: Cluster
    b_cluster: Cluster
    b_vote: Vote


def member_in(world: World, workshop: Workshop, who: str, group: Group) -> Participant:
    user = world.people[who]
    participant = services.participant_for_user(workshop, user)
    return services.participant_update(who=run(world), participant=participant, group=group)


def run(world: World) -> Who:
    return Who(world.people["facilitator"], None, True)


@pytest.fixture
def room(world: World) -> Room:
    workshop = services.workshop_create(workspace=world.workspace, template="information")
    a = services.group_create(workshop=workshop, who=run(world), name="Complaints")
    b = services.group_create(workshop=workshop, who=run(world), name="Promotions")
    alice = member_in(world, workshop, "alice", a)
    bob = member_in(world, workshop, "bob", b)
    as_alice = Who(world.people["alice"], alice, False)
    as_bob = Who(world.people["bob"], bob, False)
    a_cluster = services.cluster_add(who=as_alice, workshop=workshop, name="Taste")
    b_cluster = services.cluster_add(who=as_bob, workshop=workshop, name="Codes")
    a_note = services.note_add(who=as_alice, workshop=workshop, text="Flat taste")
    b_note = services.note_add(who=as_bob, workshop=workshop, text="Promo code refused")
    plenary_note = services.note_add(who=run(world), workshop=workshop, text="Agenda for today")
    b_vote = services.vote_cast(who=as_bob, note=b_note)
    return Room(workshop, a, b, a_note, b_note, plenary_note, a_cluster, b_cluster, b_vote)


def texts(answer: object) -> set[str]:
    return {note["text"] for note in answer.data["results"]}  # type: ignore[attr-defined]


def test_a_member_lists_only_their_groups_board_and_everyones(world: World, room: Room) -> None:
    alice = world.client("alice")
    notes = alice.get(f"/api/v1/notes/?workshop={room.workshop.pk}")
    assert notes.status_code == 200
    assert texts(notes) == {"Flat taste", "Agenda for today"}
    clusters = alice.get(f"/api/v1/clusters/?workshop={room.workshop.pk}").data["results"]
    assert [c["name"] for c in clusters] == ["Taste"]
    votes = alice.get(f"/api/v1/votes/?workshop={room.workshop.pk}")
    assert votes.status_code == 200 and votes.data["count"] == 0
    # Asking for B's board by its filter gives nothing either.
    assert texts(alice.get(f"/api/v1/notes/?group={room.b.pk}")) == set()


def test_another_groups_note_cluster_and_vote_look_absent(world: World, room: Room) -> None:
    alice = world.client("alice")
    for url in (
        f"/api/v1/notes/{room.b_note.pk}/",
        f"/api/v1/clusters/{room.b_cluster.pk}/",
        f"/api/v1/votes/{room.b_vote.pk}/",
    ):
        assert alice.get(url).status_code == 404, url
        assert alice.delete(url).status_code == 404, url
    assert alice.patch(f"/api/v1/notes/{room.b_note.pk}/", {"text": "mine"}).status_code == 404
    assert alice.patch(f"/api/v1/clusters/{room.b_cluster.pk}/", {"name": "x"}).status_code == 404
    assert Note.objects.get(pk=room.b_note.pk).text == "Promo code refused"
    assert Cluster.objects.get(pk=room.b_cluster.pk).name == "Codes"
    assert Vote.objects.filter(pk=room.b_vote.pk).exists()


def test_a_member_cannot_write_on_another_groups_board(world: World, room: Room) -> None:
    alice = world.client("alice")
    workshop = room.workshop.pk
    posted = alice.post(
        "/api/v1/notes/", {"workshop": workshop, "text": "Sneaky", "group": room.b.pk}
    )
    assert posted.status_code == 403 and "another group" in posted.data["detail"]
    into_b = alice.post(
        "/api/v1/notes/", {"workshop": workshop, "text": "Sneaky", "cluster": room.b_cluster.pk}
    )
    assert into_b.status_code == 400 and "cluster" in into_b.data
    moved = alice.patch(f"/api/v1/notes/{room.a_note.pk}/", {"group": room.b.pk})
    assert moved.status_code == 403
    assert Note.objects.get(pk=room.a_note.pk).group_id == room.a.pk
    cluster = alice.post(
        "/api/v1/clusters/", {"workshop": workshop, "name": "x", "group": room.b.pk}
    )
    assert cluster.status_code == 403
    vote = alice.post("/api/v1/votes/", {"note": room.b_note.pk})
    assert vote.status_code == 400 and "note" in vote.data
    assert not Note.objects.filter(text="Sneaky").exists()
    assert not Cluster.objects.filter(name="x").exists()
    assert Participant.objects.get(user=world.people["alice"]).votes_used == 0
    assert Note.objects.get(pk=room.b_note.pk).votes == 1
    # On their own board all of it works.
    mine = alice.post("/api/v1/votes/", {"note": room.a_note.pk})
    assert mine.status_code == 201, mine.data
    here = alice.patch(f"/api/v1/notes/{room.a_note.pk}/", {"cluster": room.a_cluster.pk})
    assert here.status_code == 200, here.data


def test_results_show_a_member_their_boards_and_the_facilitator_every_group(
    world: World, room: Room
) -> None:
    url = f"/api/v1/workshops/{room.workshop.pk}/results/"
    mine = world.client("alice").get(url).data
    assert {n["text"] for n in mine["notes"]} == {"Flat taste", "Agenda for today"}
    assert [c["name"] for c in mine["clusters"]] == ["Taste"]
    everyone = world.client("facilitator").get(url).data
    assert {n["text"] for n in everyone["notes"]} == {
        "Flat taste",
        "Promo code refused",
        "Agenda for today",
    }
    assert {(c["name"], c["group"]) for c in everyone["clusters"]} == {
        ("Taste", room.a.pk),
        ("Codes", room.b.pk),
    }


@pytest.mark.parametrize("who", ["facilitator", "manager"])
def test_facilitators_and_managers_read_every_board(world: World, room: Room, who: str) -> None:
    api = world.client(who)
    assert len(texts(api.get(f"/api/v1/notes/?workshop={room.workshop.pk}"))) == 3
    assert api.get(f"/api/v1/votes/{room.b_vote.pk}/").status_code == 200
    assert api.get(f"/api/v1/clusters/?workshop={room.workshop.pk}").data["count"] == 2


def test_a_participant_who_has_not_joined_reads_everyones_board_only(
    world: World, room: Room
) -> None:
    carol = factories.make_user("carol")
    Membership.objects.create(workspace=world.workspace, user=carol, role=Role.PARTICIPANT)
    world.people["carol"] = carol
    notes = world.client("carol").get(f"/api/v1/notes/?workshop={room.workshop.pk}")
    assert texts(notes) == {"Agenda for today"}


def test_members_do_not_write_outputs(world: World, room: Room) -> None:
    alice = world.client("alice")
    made = alice.post("/api/v1/outputs/", {"workshop": room.workshop.pk, "note": room.a_note.pk})
    assert made.status_code == 403
    output = services.output_promote(who=run(world), workshop=room.workshop, note=room.b_note)
    assert alice.patch(f"/api/v1/outputs/{output.pk}/", {"title": "x"}).status_code == 403
    assert alice.delete(f"/api/v1/outputs/{output.pk}/").status_code == 403
    assert Output.objects.get(pk=output.pk).title == "Promo code refused"


def test_a_guest_of_group_a_gets_nothing_of_the_workshop_over_the_api(room: Room) -> None:
    guest = Client()
    guest.post(f"/join/{room.workshop.join_code}/", {"name": "Gina"})
    gina = Participant.objects.get(name="Gina")
    gina.group = room.a
    gina.save(update_fields=["group"])
    assert guest.get(f"/workshops/{room.workshop.pk}/").status_code == 200  # the cookie works
    assert guest.get(f"/api/v1/notes/?workshop={room.workshop.pk}").status_code in (401, 403)
    for url in (f"/api/v1/notes/{room.b_note.pk}/", f"/api/v1/notes/{room.a_note.pk}/"):
        assert guest.get(url).status_code in (401, 403, 404), url
    posted = guest.post(
        "/api/v1/notes/",
        {"workshop": room.workshop.pk, "text": "Sneaky", "group": room.b.pk},
        content_type="application/json",
    )
    assert posted.status_code in (400, 401, 403)
    voted = guest.post("/api/v1/votes/", {"note": room.b_note.pk}, content_type="application/json")
    assert voted.status_code in (400, 401, 403)
    assert not Note.objects.filter(text="Sneaky").exists()
    assert Vote.objects.count() == 1
