"""A board is rendered once per blueprint, `seq`, language and editing right, and shared;
fragments and JSON go out compressed, pages and secrets never."""

import gzip
from collections.abc import Iterator

import pytest
from django.template import Template
from django.test.signals import template_rendered

from tests.conftest import World
from tests.test_pages import page_client


@pytest.fixture
def board_renders() -> Iterator[list[str]]:
    """Each time the board's own template is rendered."""
    seen: list[str] = []

    def heard(sender: Template, **kwargs: object) -> None:
        if sender.name == "blueprints/_board.html":
            seen.append(sender.name)

    template_rendered.connect(heard)
    yield seen
    template_rendered.disconnect(heard)


def board_url(world: World, part: str = "board") -> str:
    return f"/blueprints/{world.a.blueprint.pk}/{part}/"


def test_two_editors_share_one_rendering_until_the_next_change(
    world: World, board_renders: list[str]
) -> None:
    first = page_client(world, "alice").get(board_url(world)).content
    again = page_client(world, "facilitator").get(board_url(world)).content
    assert first == again and len(board_renders) == 1
    # The editor's page takes the same rendering.
    page = page_client(world, "facilitator").get(f"/blueprints/{world.a.blueprint.pk}/")
    assert first.decode().split("</div>")[0] in page.content.decode()
    assert len(board_renders) == 1

    step = world.a.step
    answer = world.client("alice").patch(
        f"/api/v1/steps/{step.pk}/", {"title": "Renamed live", "version": step.version}, "json"
    )
    assert answer.status_code == 200
    fresh = page_client(world, "facilitator").get(board_url(world)).content.decode()
    assert "Renamed live" in fresh and 'data-seq="1"' in fresh
    assert len(board_renders) == 2


def test_read_only_viewers_get_their_own_rendering_with_no_controls(
    world: World, board_renders: list[str]
) -> None:
    editor = page_client(world, "alice").get(board_url(world)).content.decode()
    viewer = page_client(world, "manager").get(board_url(world)).content.decode()
    assert len(board_renders) == 2
    assert 'data-act="step-add"' in editor and 'draggable="true"' in editor
    assert "data-act=" not in viewer and "draggable" not in viewer


def test_a_renamed_actor_is_never_served_from_an_older_rendering(
    world: World, board_renders: list[str]
) -> None:
    page_client(world, "alice").get(board_url(world))
    world.actor.name = "Quality analyst (renamed)"
    world.actor.save(update_fields=["name"])
    page_client(world, "alice").get(board_url(world))
    assert len(board_renders) == 2


@pytest.mark.parametrize("part", ["board", "relations"])
def test_fragments_go_out_compressed_and_carry_no_csrf_token(world: World, part: str) -> None:
    client = page_client(world, "alice")
    plain = client.get(board_url(world, part))
    packed = client.get(board_url(world, part), HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert "Content-Encoding" not in plain
    assert packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"] and packed["Cache-Control"] == "no-store"
    assert gzip.decompress(packed.content) == plain.content
    assert len(packed.content) < len(plain.content)
    assert b"csrfmiddlewaretoken" not in plain.content


def test_the_relations_are_served_to_members_only(world: World) -> None:
    url = board_url(world, "relations")
    for who in ("alice", "bob", "manager"):
        response = page_client(world, who).get(url)
        assert response.status_code == 200, who
        assert b"data-links-card" in response.content and b"data-matrix" in response.content
        assert b"data-canvas" not in response.content
    assert page_client(world, "outsider").get(url).status_code == 404
    assert page_client(world, "anonymous").get(url).status_code == 302


def test_json_and_pages_are_compressed_but_not_the_token(world: World) -> None:
    client = world.client("alice")
    detail = client.get(f"/api/v1/blueprints/{world.a.blueprint.pk}/", HTTP_ACCEPT_ENCODING="gzip")
    assert detail["Content-Encoding"] == "gzip"
    assert b'"steps"' in gzip.decompress(detail.content)
    world.people["alice"].set_password("a long password")
    world.people["alice"].save(update_fields=["password"])
    token = client.post(
        "/api/v1/auth/token/",
        {"username": "alice", "password": "a long password"},
        HTTP_ACCEPT_ENCODING="gzip",
    )
    assert token.status_code == 200 and "Content-Encoding" not in token
    page = page_client(world, "alice").get(
        f"/blueprints/{world.a.blueprint.pk}/", HTTP_ACCEPT_ENCODING="gzip"
    )
    # Its CSRF token is masked afresh in every answer (frontstage/compression.py).
    assert page["Content-Encoding"] == "gzip"
    assert b"data-canvas" in gzip.decompress(page.content)
