"""Votes that are not spent twice when retried, and voting rounds: the facilitator opens a
round with its budget and the notes or clusters up for the vote, closes it, and every round's
results are kept; a new round gives everyone their budget again."""

import pytest
from django.test import Client

from tests.conftest import World
from workshops import services
from workshops.models import Note, Participant, Vote, VotingRound, Workshop
from workshops.services import Who

JSON = {"Accept": "application/json"}


def run(world: World) -> Who:
    return Who(world.people["facilitator"], None, True)


@pytest.fixture
def workshop(world: World) -> Workshop:
    return services.workshop_create(workspace=world.workspace, template="information")


def note(world: World, workshop: Workshop, text: str, cluster: object = None) -> Note:
    return services.note_add(who=run(world), workshop=workshop, text=text, cluster=cluster)


def alice_used(world: World) -> int:
    return Participant.objects.get(user=world.people["alice"]).votes_used


def test_a_vote_retried_with_its_key_spends_one_dot(world: World, workshop: Workshop) -> None:
    taste = note(world, workshop, "Flat taste")
    alice = world.client("alice")
    key = {"HTTP_IDEMPOTENCY_KEY": "vote-7f3a"}
    first = alice.post("/api/v1/votes/", {"note": taste.pk}, **key)
    again = alice.post("/api/v1/votes/", {"note": taste.pk}, **key)
    assert first.status_code == 201, first.data
    assert again.status_code == 201 and again.data["id"] == first.data["id"]
    assert Vote.objects.count() == 1 and alice_used(world) == 1
    assert Note.objects.get(pk=taste.pk).votes == 1
    assert workshop.events.filter(kind="vote.cast").count() == 1
    # Another key is another dot.
    other = alice.post("/api/v1/votes/", {"note": taste.pk}, HTTP_IDEMPOTENCY_KEY="vote-8b11")
    assert other.status_code == 201 and other.data["id"] != first.data["id"]
    assert alice_used(world) == 2 and Note.objects.get(pk=taste.pk).votes == 2


def test_a_retract_retried_from_the_page_takes_back_one_dot(
    workshop: Workshop, world: World
) -> None:
    taste = note(world, workshop, "Flat taste")
    rita = Client()
    rita.post(f"/join/{workshop.join_code}/", {"name": "Rita"})
    url = f"/workshops/{workshop.pk}/notes/{taste.pk}/vote/"
    for key in ("cast-1", "cast-2", "cast-1"):  # the third is the first one, retried
        answer = rita.post(url, headers={"X-Idempotency-Key": key} | JSON)
        assert answer.status_code == 200, answer.content
    assert answer.json()["votes"] == 2 and answer.json()["votes_left"] == 3
    for _ in range(2):
        back = rita.post(url, {"retract": "1"}, headers={"X-Idempotency-Key": "back-1"} | JSON)
        assert back.status_code == 200, back.content
    assert back.json()["votes"] == 1 and back.json()["votes_left"] == 4
    assert Note.objects.get(pk=taste.pk).votes == Vote.objects.count() == 1
    assert Participant.objects.get(name="Rita").votes_used == 1


def test_a_round_puts_some_notes_up_with_its_budget_and_keeps_its_results(
    world: World, workshop: Workshop
) -> None:
    facilitator, alice = world.client("facilitator"), world.client("alice")
    cluster = services.cluster_add(who=run(world), workshop=workshop, name="Taste")
    flat = note(world, workshop, "Flat taste", cluster)
    sweet = note(world, workshop, "Too sweet", cluster)
    promo = note(world, workshop, "Promo code refused")
    alice.post("/api/v1/votes/", {"note": promo.pk})  # before any round
    opened = facilitator.post(
        f"/api/v1/workshops/{workshop.pk}/open-round/",
        {"title": "Which taste issue first?", "budget": 2, "clusters": [cluster.pk]},
        format="json",
    )
    assert opened.status_code == 201, opened.data
    assert opened.data["number"] == 1 and opened.data["open"] and opened.data["budget"] == 2
    # Everyone starts the round with its budget, every note at zero.
    assert alice_used(world) == 0 and Note.objects.get(pk=promo.pk).votes == 0
    state = facilitator.get(f"/api/v1/workshops/{workshop.pk}/").data
    assert state["vote_budget"] == 2
    outside = alice.post("/api/v1/votes/", {"note": promo.pk})
    assert outside.status_code == 400 and "not up for the vote" in str(outside.data)
    assert alice.post("/api/v1/votes/", {"note": flat.pk}).status_code == 201
    assert alice.post("/api/v1/votes/", {"note": flat.pk}).status_code == 201
    spent = alice.post("/api/v1/votes/", {"note": sweet.pk})
    assert spent.status_code == 409
    closed = facilitator.post(f"/api/v1/workshops/{workshop.pk}/close-round/")
    assert closed.status_code == 200 and not closed.data["open"]
    kept = closed.data["results"]
    assert [(row["text"], row["votes"]) for row in kept["notes"]] == [("Flat taste", 2)]
    assert kept["clusters"] == [{"cluster": cluster.pk, "name": "Taste", "group": None, "votes": 2}]
    # Between rounds nobody votes.
    between = alice.post("/api/v1/votes/", {"note": flat.pk})
    assert between.status_code == 409 and "closed" in between.data["detail"]
    # Round two: every note, a budget of 3, and round one's results stay as they were.
    second = facilitator.post(
        f"/api/v1/workshops/{workshop.pk}/open-round/", {"budget": 3}, format="json"
    )
    assert second.status_code == 201 and second.data["number"] == 2
    assert alice_used(world) == 0 and Note.objects.get(pk=flat.pk).votes == 0
    old_dot = Vote.objects.filter(round__number=1).first()
    assert alice.delete(f"/api/v1/votes/{old_dot.pk}/").status_code == 409
    for target in (promo, promo, sweet):
        assert alice.post("/api/v1/votes/", {"note": target.pk}).status_code == 201
    assert alice.post("/api/v1/votes/", {"note": flat.pk}).status_code == 409
    services.note_delete(who=run(world), note=flat)
    rounds = facilitator.get(f"/api/v1/workshops/{workshop.pk}/rounds/").data
    assert [r["number"] for r in rounds] == [1, 2]
    assert rounds[0]["results"] == kept
    assert [(row["text"], row["votes"]) for row in rounds[1]["results"]["notes"]] == [
        ("Promo code refused", 2),
        ("Too sweet", 1),
    ]
    assert alice_used(world) == 3  # deleting a note of round one gave nothing back now


def test_only_facilitators_run_rounds_and_bad_input_is_a_400(
    world: World, workshop: Workshop
) -> None:
    url = f"/api/v1/workshops/{workshop.pk}/open-round/"
    assert world.client("alice").post(url, {"budget": 3}, format="json").status_code == 403
    facilitator = world.client("facilitator")
    other = services.workshop_create(workspace=world.workspace, title="Other")
    foreign = note(world, other, "Elsewhere")
    for body in ({"budget": 0}, {"budget": "many"}, {"notes": [foreign.pk]}, {"notes": "x"}):
        answer = facilitator.post(url, body, format="json")
        assert answer.status_code == 400, (body, answer.data)
    assert not VotingRound.objects.exists()
    assert facilitator.post(f"/api/v1/workshops/{workshop.pk}/close-round/").status_code == 409
    assert facilitator.post(url, {}, format="json").status_code == 201
    assert facilitator.post(url, {}, format="json").status_code == 409  # one open at a time


def test_a_members_round_results_show_only_their_boards(world: World, workshop: Workshop) -> None:
    a = services.group_create(workshop=workshop, who=run(world), name="Complaints")
    b = services.group_create(workshop=workshop, who=run(world), name="Promotions")
    people = {}
    for who, group in (("alice", a), ("bob", b)):
        participant = services.participant_for_user(workshop, world.people[who])
        services.participant_update(who=run(world), participant=participant, group=group)
        people[who] = Who(world.people[who], participant, False)
    services.round_open(who=run(world), workshop=workshop, budget=2)
    for who in ("alice", "bob"):
        mine = services.note_add(who=people[who], workshop=workshop, text=f"{who}'s idea")
        services.vote_cast(who=people[who], note=mine)
    services.round_close(who=run(world), workshop=workshop)
    seen = world.client("alice").get(f"/api/v1/workshops/{workshop.pk}/rounds/").data
    assert [row["text"] for row in seen[0]["results"]["notes"]] == ["alice's idea"]
    everyone = world.client("facilitator").get(f"/api/v1/workshops/{workshop.pk}/rounds/").data
    assert {row["text"] for row in everyone[0]["results"]["notes"]} == {
        "alice's idea",
        "bob's idea",
    }


def test_the_facilitator_runs_rounds_from_the_page(world: World, workshop: Workshop) -> None:
    facilitator = Client()
    facilitator.force_login(world.people["facilitator"])
    cluster = services.cluster_add(who=run(world), workshop=workshop, name="Taste")
    flat = note(world, workshop, "Flat taste", cluster)
    rita = Client()
    rita.post(f"/join/{workshop.join_code}/", {"name": "Rita"})
    control = f"/workshops/{workshop.pk}/control/"
    bad = facilitator.post(control, {"action": "open_round", "budget": "lots"}, headers=JSON)
    assert bad.status_code == 400 and "whole number" in bad.json()["detail"]
    opened = facilitator.post(
        control,
        {
            "action": "open_round",
            "budget": "2",
            "round_title": "Taste first",
            "clusters": cluster.pk,
        },
        headers=JSON,
    )
    assert opened.status_code == 200, opened.content
    assert opened.json()["round"]["number"] == 1 and opened.json()["vote_budget"] == 2
    page = rita.get(f"/workshops/{workshop.pk}/").content.decode()
    assert 'data-votes-left="2"' in page and "Voting round 1: Taste first" in page
    assert (
        rita.post(f"/workshops/{workshop.pk}/notes/{flat.pk}/vote/", headers=JSON).json()[
            "votes_left"
        ]
        == 1
    )
    assert facilitator.post(control, {"action": "close_round"}, headers=JSON).status_code == 200
    closed = rita.post(f"/workshops/{workshop.pk}/notes/{flat.pk}/vote/", headers=JSON)
    assert closed.status_code == 409
    mine = facilitator.get(f"/workshops/{workshop.pk}/").content.decode()
    assert 'data-round="1"' in mine and "Taste first" in mine and "Open a voting round" in mine
