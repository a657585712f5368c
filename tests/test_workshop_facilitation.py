"""Running a workshop from the page: settings, agenda, timer, groups kept apart, clusters,
retries that do not duplicate, the catch-up over HTTP, the dashboard's group progress."""

import datetime

from django.test import Client

from tests.conftest import World
from workshops import services
from workshops.models import Cluster, Group, Note, Participant, Workshop
from workshops.services import Who

JSON = {"Accept": "application/json"}


def make_workshop(world: World) -> Workshop:
    return services.workshop_create(workspace=world.workspace, template="information")


def facilitator(world: World) -> Client:
    client = Client()
    client.force_login(world.people["facilitator"])
    return client


def guest(workshop: Workshop, name: str) -> Client:
    client = Client()
    client.post(f"/join/{workshop.join_code}/", {"name": name})
    return client


def run(world: World) -> Who:
    return Who(world.people["facilitator"], None, True)


def test_the_facilitator_sets_goal_date_start_and_votes_in_the_browser(world: World) -> None:
    workshop = make_workshop(world)
    client = facilitator(world)
    answer = client.post(
        f"/workshops/{workshop.pk}/settings/",
        {
            "title": "Information management",
            "goal": "Sort contacts by reason",
            "date": "2027-03-02",
            "start_time": "14:30",
            "vote_budget": "7",
        },
        headers=JSON,
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["vote_budget"] == 7
    workshop.refresh_from_db()
    assert (workshop.goal, workshop.date, workshop.start_time, workshop.vote_budget) == (
        "Sort contacts by reason",
        datetime.date(2027, 3, 2),
        datetime.time(14, 30),
        7,
    )
    page = client.get(f"/workshops/{workshop.pk}/").content.decode()
    assert "<td>14:30</td>" in page  # the agenda starts at the new time
    bad = client.post(
        f"/workshops/{workshop.pk}/settings/",
        {"title": "x", "start_time": "14:30", "vote_budget": "0"},
        headers=JSON,
    )
    assert bad.status_code == 400
    guest_answer = guest(workshop, "Rita").post(
        f"/workshops/{workshop.pk}/settings/",
        {"title": "Mine", "start_time": "10:00", "vote_budget": "99"},
        headers=JSON,
    )
    assert guest_answer.status_code == 403
    assert Workshop.objects.get(pk=workshop.pk).vote_budget == 7


def test_an_activity_is_edited_in_place(world: World) -> None:
    workshop = make_workshop(world)
    activity = workshop.activities.first()
    client = facilitator(world)
    answer = client.post(
        f"/workshops/{workshop.pk}/plan/",
        {
            "op": "edit",
            "activity": activity.pk,
            "title": "Warm-up",
            "kind": "discussion",
            "duration": "12",
        },
        headers=JSON,
    )
    assert answer.status_code == 200, answer.content
    activity.refresh_from_db()
    assert (activity.title, activity.kind, activity.duration) == ("Warm-up", "discussion", 12)
    too_long = client.post(
        f"/workshops/{workshop.pk}/plan/",
        {
            "op": "edit",
            "activity": activity.pk,
            "title": "Warm-up",
            "kind": "discussion",
            "duration": "999",
        },
        headers=JSON,
    )
    assert too_long.status_code == 400
    assert workshop.events.filter(kind="activity.updated").count() == 1


def test_the_timer_starts_once_pauses_resumes_and_takes_minutes(world: World) -> None:
    workshop = make_workshop(world)
    client = facilitator(world)

    def control(action: str) -> dict:
        answer = client.post(f"/workshops/{workshop.pk}/control/", {"action": action}, headers=JSON)
        assert answer.status_code == 200, answer.content
        return answer.json()["timer"]

    control("next_activity")
    first = control("start_timer")
    again = control("start_timer")  # "Start" on a running timer does not restart it
    assert again["ends_at"] == first["ends_at"]
    more = control("add_minute")
    assert 59 <= more["remaining"] - first["remaining"] <= 61
    paused = control("pause_timer")
    assert not paused["running"]
    less = control("remove_minute")
    assert less["remaining"] == paused["remaining"] - 60 and not less["running"]
    resumed = control("start_timer")
    assert resumed["running"] and abs(resumed["remaining"] - less["remaining"]) <= 1
    reset = control("reset_timer")
    activity = Workshop.objects.get(pk=workshop.pk).current_activity
    assert not reset["running"] and reset["remaining"] == activity.duration * 60
    api = world.client("facilitator")
    adjusted = api.post(f"/api/v1/workshops/{workshop.pk}/adjust-timer/", {"seconds": 60})
    assert (
        adjusted.status_code == 200
        and adjusted.data["timer"]["remaining"] == reset["remaining"] + 60
    )
    assert (
        api.post(f"/api/v1/workshops/{workshop.pk}/adjust-timer/", {"seconds": 99999}).status_code
        == 400
    )
    assert (
        world.client("alice").post(f"/api/v1/workshops/{workshop.pk}/reset-timer/").status_code
        == 403
    )


def groups_of_two(world: World) -> tuple[Workshop, Group, Group, Client, Client]:
    workshop = make_workshop(world)
    a = services.group_create(workshop=workshop, who=run(world), name="Complaints")
    b = services.group_create(workshop=workshop, who=run(world), name="Promotions")
    ana, bruno = guest(workshop, "Ana"), guest(workshop, "Bruno")
    for name, group in (("Ana", a), ("Bruno", b)):
        participant = Participant.objects.get(workshop=workshop, name=name)
        services.participant_update(who=run(world), participant=participant, group=group)
    return workshop, a, b, ana, bruno


def test_groups_stay_apart(world: World) -> None:
    workshop, a, b, ana, bruno = groups_of_two(world)
    mine = ana.post(f"/workshops/{workshop.pk}/notes/", {"text": "Taste complaints"}, headers=JSON)
    assert mine.status_code == 200 and mine.json()["group"] == a.pk
    theirs = bruno.post(f"/workshops/{workshop.pk}/notes/", {"text": "Promo codes"}, headers=JSON)
    # Ana posts on B's board: refused, and nothing is written.
    elsewhere = ana.post(
        f"/workshops/{workshop.pk}/notes/", {"text": "Sneaky", "group": b.pk}, headers=JSON
    )
    assert elsewhere.status_code == 403 and "another group" in elsewhere.json()["detail"]
    assert not Note.objects.filter(text="Sneaky").exists()
    # Nor votes, moves or clusters there.
    b_note = theirs.json()["id"]
    assert (
        ana.post(f"/workshops/{workshop.pk}/notes/{b_note}/vote/", headers=JSON).status_code == 403
    )
    cluster = ana.post(
        f"/workshops/{workshop.pk}/clusters/", {"name": "Mine now", "group": b.pk}, headers=JSON
    )
    assert cluster.status_code == 403
    # Ana's page shows her board, not B's, even when asked for B's.
    for url in (f"/workshops/{workshop.pk}/", f"/workshops/{workshop.pk}/?group={b.pk}"):
        page = ana.get(url).content.decode()
        assert "Taste complaints" in page and "Promo codes" not in page
        assert "Promotions" not in page
    # The facilitator's "Everyone" shows both, each with its group.
    everyone = facilitator(world).get(f"/workshops/{workshop.pk}/").content.decode()
    assert "Taste complaints" in everyone and "Promo codes" in everyone
    assert "data-group-label>Promotions</span>" in everyone


def test_other_groups_events_arrive_as_stubs_over_the_http_catch_up(world: World) -> None:
    workshop, a, b, ana, bruno = groups_of_two(world)
    after = workshop.events.order_by("-seq").values_list("seq", flat=True).first()
    bruno.post(f"/workshops/{workshop.pk}/notes/", {"text": "Promo codes"}, headers=JSON)
    ana.post(f"/workshops/{workshop.pk}/notes/", {"text": "Taste"}, headers=JSON)
    seen = ana.get(f"/workshops/{workshop.pk}/events/?after={after}").json()
    assert [e["kind"] for e in seen["events"]] == ["group.elsewhere", "note.created"]
    assert "Promo codes" not in str(seen)
    assert seen["events"][1]["data"]["text"] == "Taste"
    assert ana.get(f"/workshops/{workshop.pk}/events/?after=x").status_code == 400
    everything = facilitator(world).get(f"/workshops/{workshop.pk}/events/?after={after}").json()
    assert [e["kind"] for e in everything["events"]] == ["note.created", "note.created"]
    assert Client().get(f"/workshops/{workshop.pk}/events/?after=0").status_code == 404


def test_a_retried_note_is_written_once(world: World) -> None:
    workshop = make_workshop(world)
    rita = guest(workshop, "Rita")
    key = {"X-Idempotency-Key": "1733346000-abc123"} | JSON
    first = rita.post(f"/workshops/{workshop.pk}/notes/", {"text": "Call back"}, headers=key)
    again = rita.post(f"/workshops/{workshop.pk}/notes/", {"text": "Call back"}, headers=key)
    assert first.status_code == again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    assert Note.objects.filter(text="Call back").count() == 1
    assert workshop.events.filter(kind="note.created").count() == 1


def test_clusters_are_renamed_merged_and_dissolved(world: World) -> None:
    workshop = make_workshop(world)
    rita = guest(workshop, "Rita")
    ids = [
        rita.post(f"/workshops/{workshop.pk}/clusters/", {"name": name}, headers=JSON).json()["id"]
        for name in ("Taste", "Tsate", "Price")
    ]
    note = rita.post(
        f"/workshops/{workshop.pk}/notes/", {"text": "Flat", "cluster": ids[1]}, headers=JSON
    ).json()
    renamed = rita.post(
        f"/workshops/{workshop.pk}/clusters/{ids[1]}/", {"name": "Taste 2"}, headers=JSON
    )
    assert renamed.json()["name"] == "Taste 2"
    merged = rita.post(
        f"/workshops/{workshop.pk}/clusters/{ids[1]}/", {"into": ids[0]}, headers=JSON
    )
    assert merged.status_code == 200 and merged.json()["id"] == ids[0]
    assert Note.objects.get(pk=note["id"]).cluster_id == ids[0]
    assert not Cluster.objects.filter(pk=ids[1]).exists()
    gone = rita.post(f"/workshops/{workshop.pk}/clusters/{ids[0]}/", {"delete": "1"}, headers=JSON)
    assert gone.status_code == 200
    assert Note.objects.get(pk=note["id"]).cluster_id is None
    assert list(Cluster.objects.filter(workshop=workshop).values_list("name", flat=True)) == [
        "Price"
    ]


def test_the_dashboard_shows_a_blueprint_groups_progress(world: World) -> None:
    workshop = make_workshop(world)
    blueprint = world.a.blueprint
    services.group_create(workshop=workshop, who=run(world), name="Service", blueprint=blueprint)
    quiet = facilitator(world).get(f"/workshops/{workshop.pk}/").content.decode()
    assert "no change yet" in quiet
    step = blueprint.steps.first()
    edit = world.client("alice").patch(f"/api/v1/steps/{step.pk}/", {"title": "Flat bottle"})
    assert edit.status_code == 200, edit.content
    page = facilitator(world).get(f"/workshops/{workshop.pk}/").content.decode()
    steps, links = blueprint.steps.count(), blueprint.links.count()
    assert f"steps: {steps} · links: {links}" in page
    assert "changed 0\xa0minutes ago" in page
    alice = world.people["alice"]
    assert f"active: {alice.get_full_name() or alice.get_username()}" in page


def test_the_facilitator_shows_the_join_link_as_a_qr_code(world: World) -> None:
    workshop = make_workshop(world)
    page = facilitator(world).get(f"/workshops/{workshop.pk}/").content.decode()
    qr = page.split("data-join-qr>", 1)[1].split("</div>", 1)[0]
    assert qr.startswith("<svg") and 'class="segno"' in qr
    assert (
        "data-join-qr"
        not in guest(workshop, "Rita").get(f"/workshops/{workshop.pk}/").content.decode()
    )
