"""Dot votes under concurrency: real requests at once, against real server processes.

Two uvicorn processes serve one database of the suite's kind (a SQLite file, or PostgreSQL);
one guest's phone fires casts and retracts at the same moment on both. Whatever the order, the
dots the guest holds are exactly the votes counted against the budget, never more than it, the
notes count the same dots, and no request ends in a server error.
"""

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.servers import database_for_servers, token_client, uvicorn_servers

BUDGET = 5


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[str]]:
    for database_url in database_for_servers(tmp_path_factory):
        with uvicorn_servers(database_url, tmp_path_factory.mktemp("logs"), ["a", "b"], {}) as up:
            yield up


def guest_session(address: str, code: str, name: str) -> requests.Session:
    """A guest who joined through the page, as a phone's browser does."""
    guest = requests.Session()
    url = f"http://{address}/join/{code}/"
    guest.get(url, timeout=10)
    form = {"name": name, "csrfmiddlewaretoken": guest.cookies["csrftoken"]}
    guest.post(url, data=form, timeout=10).raise_for_status()
    guest.headers.update({"Accept": "application/json", "X-CSRFToken": guest.cookies["csrftoken"]})
    return guest


def a_workshop_with_notes(address: str, titles: list[str]) -> tuple[dict, list[int]]:
    facilitator = token_client(f"http://{address}", "facilitator", "frontstage")
    workspace = facilitator.get(f"http://{address}/api/v1/workspaces/").json()["results"][0]
    workshop = facilitator.post(
        f"http://{address}/api/v1/workshops/",
        json={"workspace": workspace["id"], "title": "Race", "vote_budget": BUDGET},
        timeout=10,
    ).json()
    notes = [
        facilitator.post(
            f"http://{address}/api/v1/notes/",
            json={"workshop": workshop["id"], "text": title},
            timeout=10,
        ).json()["id"]
        for title in titles
    ]
    return workshop, notes


def tally(address: str, workshop_id: int) -> dict[str, object]:
    facilitator = token_client(f"http://{address}", "facilitator", "frontstage")
    base = f"http://{address}/api/v1"
    people = facilitator.get(f"{base}/participants/?workshop={workshop_id}", timeout=10).json()
    votes = facilitator.get(f"{base}/votes/?workshop={workshop_id}", timeout=10).json()
    notes = facilitator.get(f"{base}/notes/?workshop={workshop_id}", timeout=10).json()
    return {
        "votes_used": sum(p["votes_used"] for p in people["results"]),
        "dots": votes["count"],
        "note_votes": sum(n["votes"] for n in notes["results"]),
    }


def fire_at_once(
    servers: list[str], guest: requests.Session, workshop_id: int, moves: list[tuple[int, bool]]
) -> list[int]:
    """Send every (note, retract?) move at the same moment, alternating the two servers."""
    start = threading.Barrier(len(moves))

    def send(index: int) -> int:
        note, retract = moves[index]
        address = servers[index % len(servers)]
        url = f"http://{address}/workshops/{workshop_id}/notes/{note}/vote/"
        start.wait()
        answer = guest.post(url, data={"retract": "1"} if retract else {}, timeout=60)
        return answer.status_code

    with ThreadPoolExecutor(max_workers=len(moves)) as pool:
        return list(pool.map(send, range(len(moves))))


def test_twelve_retracts_at_once_take_back_only_the_dots_there_are(servers: list[str]) -> None:
    workshop, (note,) = a_workshop_with_notes(servers[0], ["Hot topic"])
    guest = guest_session(servers[0], workshop["join_code"], "Phone")
    for _ in range(BUDGET):
        cast = guest.post(f"http://{servers[0]}/workshops/{workshop['id']}/notes/{note}/vote/")
        assert cast.status_code == 200, cast.text
    statuses = fire_at_once(servers, guest, workshop["id"], [(note, True)] * 12)
    assert sorted(statuses) == [200] * BUDGET + [400] * 7, statuses
    assert tally(servers[0], workshop["id"]) == {"votes_used": 0, "dots": 0, "note_votes": 0}


def test_twenty_casts_and_retracts_at_once_keep_dots_and_budget_equal(
    servers: list[str],
) -> None:
    workshop, notes = a_workshop_with_notes(servers[0], ["Callback", "Chat", "Refund"])
    guest = guest_session(servers[0], workshop["join_code"], "Phone")
    for note in notes[:2]:  # two dots already spent, so that retracts have something to take
        guest.post(f"http://{servers[0]}/workshops/{workshop['id']}/notes/{note}/vote/")
    moves = [(notes[i % 3], i % 2 == 1) for i in range(20)]
    statuses = fire_at_once(servers, guest, workshop["id"], moves)
    assert not [s for s in statuses if s >= 500], statuses
    assert set(statuses) <= {200, 400, 409}, statuses
    counts = tally(servers[0], workshop["id"])
    assert counts["dots"] == counts["votes_used"] == counts["note_votes"], counts
    assert 0 <= counts["votes_used"] <= BUDGET, counts
    # What the guest's page says is left is what the database holds.
    left = guest.get(f"http://{servers[1]}/workshops/{workshop['id']}/", timeout=10)
    assert f'data-votes-left="{BUDGET - counts["votes_used"]}"' in left.text


def test_one_vote_sent_ten_times_at_once_with_its_key_spends_one_dot(servers: list[str]) -> None:
    workshop, (note,) = a_workshop_with_notes(servers[0], ["Retried"])
    guest = guest_session(servers[0], workshop["join_code"], "Phone")
    start = threading.Barrier(10)

    def send(index: int) -> int:
        url = f"http://{servers[index % 2]}/workshops/{workshop['id']}/notes/{note}/vote/"
        start.wait()
        return guest.post(url, headers={"X-Idempotency-Key": "one-tap"}, timeout=60).status_code

    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = list(pool.map(send, range(10)))
    assert statuses == [200] * 10, statuses
    assert tally(servers[0], workshop["id"]) == {"votes_used": 1, "dots": 1, "note_votes": 1}


def test_a_room_writing_notes_and_votes_at_once_gets_no_server_error(
    servers: list[str],
) -> None:
    """Twelve guests each add a note and vote at the same moment: a voter's lock once took
    the workshop's row too, and on PostgreSQL notes written meanwhile deadlocked (500)."""
    workshop, notes = a_workshop_with_notes(servers[0], ["Shared"])
    guests = [guest_session(servers[0], workshop["join_code"], f"G{i}") for i in range(12)]
    start = threading.Barrier(24)

    def send(index: int) -> int:
        guest, address = guests[index // 2], servers[index % 2]
        start.wait()
        if index % 2:
            url = f"http://{address}/workshops/{workshop['id']}/notes/{notes[0]}/vote/"
            return guest.post(url, timeout=60).status_code
        url = f"http://{address}/workshops/{workshop['id']}/notes/"
        return guest.post(url, data={"text": f"note {index}"}, timeout=60).status_code

    with ThreadPoolExecutor(max_workers=24) as pool:
        statuses = list(pool.map(send, range(24)))
    assert statuses == [200] * 24, statuses
    counts = tally(servers[0], workshop["id"])
    assert counts == {"votes_used": 12, "dots": 12, "note_votes": 12}, counts
