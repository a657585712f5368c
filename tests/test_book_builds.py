"""Books built in the background, as an API client meets them (book/api.py, book/builds.py).

`GET …/book.pdf` for a book not built yet answers 202 with the build's progress and never
waits for it; the client follows the status URL, then reads the PDF (pypdf) with its ETag,
and gets 304 while nothing the book shows changed. Renaming an actor or a channel, or adding
a workshop output, makes the book stale; a build that fails, or whose worker is lost, is
reported with its reason. The builds run as the suite's tasks run (a thread of this process,
or a real `db_worker` under TEST_TASK_WORKER=db_worker).
"""

import time
from datetime import timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from pypdf import PdfReader
from rest_framework.test import APIClient

from book import pdf as book
from book.models import BookBuild
from tests.conftest import World, build_world
from tests.servers import task_worker_wanted
from workshops import services as workshop_services

WAIT = {"HTTP_PREFER": "wait=600"}


@pytest.fixture(autouse=True)
def render_cache(settings: Any, tmp_path: Path) -> Path:
    """A render cache of the test's own; under TEST_TASK_WORKER=db_worker the one this test
    process shares with its `db_worker` (tests/conftest.py files_of_this_worker), where the
    worker's builds land (keys are the blueprint's own, so tests do not meet)."""
    if not task_worker_wanted():
        settings.RENDER_CACHE_DIR = tmp_path / "render-cache"
    return Path(settings.RENDER_CACHE_DIR)


@pytest.fixture
def live_world(transactional_db: None) -> World:
    """Committed rows, so that the background build sees them."""
    return build_world()


def url(world_blueprint: Any, **params: str) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"/api/v1/blueprints/{world_blueprint.pk}/book.pdf" + (f"?{query}" if query else "")


def text_of(content: bytes) -> str:
    return " ".join(
        " ".join(page.extract_text() or "" for page in PdfReader(BytesIO(content)).pages).split()
    )


def poll(client: APIClient, status_url: str, until: set[str], seconds: float = 180) -> dict:
    """The build's state, asked every half second until it is one of `until`."""
    deadline = time.monotonic() + seconds
    seen = []
    while True:
        answer = client.get(status_url)
        assert answer.status_code == 200, answer.content
        body = answer.json()
        seen.append((body["state"], body["stage"], body["progress"]))
        if body["state"] in until:
            return body | {"seen": seen}
        assert time.monotonic() < deadline, f"still {seen[-1]} after {seconds} s"
        time.sleep(0.5)


def test_a_book_not_built_yet_is_built_in_the_background_then_read(live_world: World) -> None:
    client = live_world.client("manager")
    blueprint = live_world.a.blueprint
    started = time.perf_counter()
    first = client.get(url(blueprint, lang="en"))
    assert time.perf_counter() - started < 2.0  # the request never waits for the build
    assert first.status_code == 202, first.content[:300]
    body = first.json()
    assert body["state"] in {"queued", "running"} and not body["ready"]
    assert 0 <= body["progress"] < 100
    assert first["Retry-After"] == "2"
    assert (
        first["Location"]
        == body["status_url"]
        == (f"/api/v1/blueprints/{blueprint.pk}/book/build?lang=en")
    )
    # Asking again while it is built starts nothing new.
    again = client.get(url(blueprint, lang="en"))
    assert again.status_code in {200, 202}
    assert BookBuild.objects.filter(blueprint=blueprint).count() == 1

    done = poll(client, body["status_url"], {"done", "failed"})
    assert done["state"] == "done", done
    assert done["ready"] and done["progress"] == 100

    answer = client.get(url(blueprint, lang="en"))
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/pdf"
    assert answer["ETag"] == f'"{done["etag"]}"'
    text = text_of(answer.content)
    assert "Calls about a flat bottle" in text and "AURORA BEVERAGES" in text
    unchanged = client.get(url(blueprint, lang="en"), HTTP_IF_NONE_MATCH=answer["ETag"])
    assert unchanged.status_code == 304 and unchanged["ETag"] == answer["ETag"]
    # The other language is another book.
    assert client.get(url(blueprint, lang="it")).status_code == 202


def test_a_book_asked_for_is_built_again_after_a_change(live_world: World) -> None:
    """Debounced: once the edits pause the book is rebuilt without anyone asking."""
    client = live_world.client("manager")
    blueprint = live_world.a.blueprint
    first = client.get(url(blueprint, lang="en"), **WAIT)
    assert first.status_code == 200
    step = live_world.a.step
    edit = {"title": "Writes to the careline"}
    facilitator = live_world.client("facilitator")
    assert facilitator.patch(f"/api/v1/steps/{step.pk}/", edit, format="json").status_code == 200
    status_url = f"/api/v1/blueprints/{blueprint.pk}/book/build?lang=en"
    stale = client.get(status_url).json()
    assert not stale["ready"] and stale["etag"] != first["ETag"].strip('"')
    done = poll(client, status_url, {"done", "failed"})  # asking the status starts nothing
    assert done["state"] == "done", done
    answer = client.get(url(blueprint, lang="en"))
    assert answer.status_code == 200
    assert "Writes to the careline" in text_of(answer.content)


def etag_now(client: APIClient, blueprint: Any) -> str:
    return client.get(f"/api/v1/blueprints/{blueprint.pk}/book/build?lang=en").json()["etag"]


def test_renaming_an_actor_or_a_channel_or_adding_an_output_makes_the_book_stale(
    world: World,
) -> None:
    client = world.client("manager")
    facilitator = world.client("facilitator")
    blueprint = world.a.blueprint
    made = client.get(url(blueprint, lang="en"), **WAIT)
    assert made.status_code == 200
    key = made["ETag"]
    assert client.get(url(blueprint, lang="en"), HTTP_IF_NONE_MATCH=key).status_code == 304
    assert etag_now(client, blueprint) == key.strip('"')

    # Writes elsewhere in the workspace that the book shows: each gives it another key.
    keys = {key.strip('"')}
    renamed = facilitator.patch(
        f"/api/v1/actors/{world.actor.pk}/", {"name": "QA lead"}, format="json"
    )
    assert renamed.status_code == 200, renamed.content
    keys.add(etag_now(client, blueprint))
    assert len(keys) == 2
    stale = client.get(url(blueprint, lang="en"), HTTP_IF_NONE_MATCH=key)
    assert stale.status_code == 202  # not 304: the book must be made again
    world.channel.name = "WhatsApp Business"
    world.channel.save()  # the channel's own page saves it so
    keys.add(etag_now(client, blueprint))
    assert len(keys) == 3
    workshop = workshop_services.workshop_create(workspace=world.workspace, template="blueprint")
    keys.add(etag_now(client, blueprint))
    output = facilitator.post(
        "/api/v1/outputs/",
        {"workshop": workshop.pk, "title": "Print the batch code", "step": world.a.step.pk},
    )
    assert output.status_code == 201, output.content
    keys.add(etag_now(client, blueprint))
    assert len(keys) == 5
    assert etag_now(client, blueprint) in keys  # asking changes nothing

    fresh = client.get(url(blueprint, lang="en"), **WAIT)
    assert fresh.status_code == 200 and fresh["ETag"].strip('"') in keys
    text = text_of(fresh.content)
    assert "QA lead" in text and "Print the batch code" in text


@pytest.mark.skipif(
    task_worker_wanted(),
    reason="Graphviz is taken away in this process's settings; a db_worker process has its own",
)
def test_a_failed_build_is_reported_with_its_reason_and_tried_again_on_request(
    live_world: World, settings: Any
) -> None:
    client = live_world.client("manager")
    blueprint = live_world.a.blueprint
    settings.GRAPHVIZ_DOT = "no-such-graphviz"  # the diagram cannot be drawn
    first = client.get(url(blueprint, lang="en"))
    assert first.status_code == 202
    failed = poll(client, first.json()["status_url"], {"done", "failed"})
    assert failed["state"] == "failed", failed
    assert "Graphviz" in failed["reason"]
    answer = client.get(url(blueprint, lang="en"))
    assert answer.status_code == 503
    assert answer.json()["state"] == "failed"
    assert "Graphviz" in answer.json()["detail"]

    settings.GRAPHVIZ_DOT = "dot"
    retried = client.post(failed["status_url"])
    assert retried.status_code == 202, retried.content
    done = poll(client, failed["status_url"], {"done", "failed"})
    assert done["state"] == "done", done
    assert client.get(url(blueprint, lang="en")).status_code == 200


def test_a_build_whose_worker_was_lost_is_queued_again_then_reported_failed(
    world: World, settings: Any
) -> None:
    client = world.client("manager")
    blueprint = world.a.blueprint
    key = etag_now(client, blueprint)
    long_ago = timezone.now() - timedelta(seconds=settings.TASK_LEASE_SECONDS * 3)
    build = BookBuild.objects.create(
        blueprint=blueprint,
        language="en",
        key=key,
        state="running",
        stage="drawing",
        progress=20,
        attempts=1,
        enqueued_at=long_ago,
        started_at=long_ago,
        heartbeat_at=long_ago,
    )
    answer = client.get(url(blueprint, lang="en"))
    assert answer.status_code == 202
    assert answer.json()["state"] == "queued" and answer.json()["attempts"] == 1
    # The second try is lost too: reported, not "running" for ever.
    BookBuild.objects.filter(pk=build.pk).update(
        state="running", attempts=2, started_at=long_ago, heartbeat_at=long_ago
    )
    status = client.get(f"/api/v1/blueprints/{blueprint.pk}/book/build?lang=en").json()
    assert status["state"] == "failed"
    assert "stopped without finishing 2 times" in status["reason"]
    assert client.get(url(blueprint, lang="en")).status_code == 503


def test_a_hit_reads_the_file_without_building_the_context(
    world: World, django_assert_max_num_queries: Any
) -> None:
    client = world.client("manager")
    blueprint = world.a.blueprint
    made = client.get(url(blueprint, lang="en"), **WAIT)
    assert made.status_code == 200
    # Session, blueprint, its seq, its workspace's stamp: nothing of the book's content.
    with django_assert_max_num_queries(6):
        again = client.get(url(blueprint, lang="en"))
    assert again.status_code == 200 and again.content == made.content
    assert book.book_key(blueprint, "en") == made["ETag"].strip('"')


def test_a_build_waiting_for_edits_to_settle_starts_at_once_when_the_book_is_asked_for(
    world: World,
) -> None:
    client = world.client("manager")
    blueprint = world.a.blueprint
    key = etag_now(client, blueprint)
    later = timezone.now() + timedelta(seconds=60)
    build = BookBuild.objects.create(
        blueprint=blueprint, language="en", key=key, state="queued", enqueued_at=later
    )
    answer = client.get(url(blueprint, lang="en"))
    assert answer.status_code == 202 and answer.json()["state"] == "queued"
    build.refresh_from_db()
    assert build.enqueued_at <= timezone.now()
