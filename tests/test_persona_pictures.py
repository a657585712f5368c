"""Persona pictures are decoded and written again (personas/pictures.py): a polyglot that
starts like a GIF but is HTML is refused, a real picture with HTML appended is stored as a
clean PNG under a name the server chose, and a picture is served as the image it is."""

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from personas.models import Persona
from tests.conftest import World


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def persona(world: World) -> Persona:
    return Persona.objects.create(workspace=world.workspace, name="Giulia")


def gif() -> bytes:
    out = io.BytesIO()
    Image.new("P", (4, 4)).save(out, format="GIF")
    return out.getvalue()


def upload(world: World, persona: Persona, name: str, content: bytes) -> Any:
    file = SimpleUploadedFile(name, content)
    return world.client("facilitator").patch(
        f"/api/v1/personas/{persona.pk}/", {"picture": file}, format="multipart"
    )


def test_html_that_starts_like_a_gif_is_refused(world: World, persona: Persona) -> None:
    answer = upload(world, persona, "x.html", b"GIF89a<html><script>alert(1)</script></html>")
    assert answer.status_code == 400
    persona.refresh_from_db()
    assert not persona.picture


def test_a_gif_with_html_appended_is_stored_as_a_clean_png(world: World, persona: Persona) -> None:
    answer = upload(world, persona, "evil.html", gif() + b"<script>alert(1)</script>")
    assert answer.status_code == 200, answer.json()
    persona.refresh_from_db()
    assert persona.picture.name.endswith(".png") and "evil" not in persona.picture.name
    client = Client()
    client.force_login(world.people["manager"])
    served = client.get(f"/personas/{persona.pk}/picture/")
    body = b"".join(served.streaming_content)
    assert served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert body.startswith(b"\x89PNG") and b"<script" not in body


def test_a_jpeg_stays_a_jpeg_and_a_huge_one_is_refused(world: World, persona: Persona) -> None:
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (10, 120, 200)).save(out, format="JPEG")
    assert upload(world, persona, "me.png", out.getvalue()).status_code == 200
    persona.refresh_from_db()
    assert persona.picture.name.endswith(".jpg")
    big = io.BytesIO()
    Image.new("L", (5000, 5000)).save(big, format="PNG")  # small file, 25 million pixels
    answer = upload(world, persona, "big.png", big.getvalue())
    assert answer.status_code == 400
    assert "too large" in str(answer.json())
