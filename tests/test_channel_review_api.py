"""Channel review over HTTP: the raw channel names imports brought are listed for review,
filed under an existing channel or a new name, kept or merged; nothing is lost and the
mapping holds for the next import."""

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from blueprints.models import Channel, Step
from personas.models import ChannelEntry, Contact, Persona, ServiceProtocol
from tests import crm_exports
from tests.conftest import World

REVIEW = "/api/v1/channel-review/"
IMPORTS = "/api/v1/contact-imports/"


@pytest.fixture(autouse=True)
def immediate_tasks_and_media(settings: Any, tmp_path: Path) -> None:
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"


def imported(api: APIClient, world: World, content: bytes, name: str) -> int:
    file = SimpleUploadedFile(name, content)
    made = api.post(IMPORTS, {"workspace": world.workspace.pk, "file": file}, format="multipart")
    assert made.status_code == 201, made.json()
    assert api.post(f"{IMPORTS}{made.json()['id']}/start/").status_code == 202
    return made.json()["id"]


def channel(world: World, name: str) -> Channel:
    return Channel.objects.get(workspace=world.workspace, name=name)


@pytest.fixture
def italian(world: World) -> int:
    """The Italian export: "Telefono" is the Italian name of "Phone", "WhatsApp" exists,
    "Posta" and "Chat" are raw names of their own."""
    Channel.objects.create(workspace=world.workspace, name="Phone", kind="phone")
    Channel.objects.create(workspace=world.workspace, name="Post", kind="other")
    return imported(world.client("facilitator"), world, crm_exports.italian_export(40), "c.tsv")


def test_raw_names_are_listed_for_review_first_with_their_contacts(
    world: World, italian: int
) -> None:
    api = world.client("manager")  # members read
    body = api.get(REVIEW, {"workspace": world.workspace.pk}).json()
    rows = [
        (row["name"], row["reviewed"], row["source"], row["contacts"]) for row in body["results"]
    ]
    assert rows == [
        ("Chat", False, "import", 10),
        ("Posta", False, "import", 10),
        ("Phone", True, "manual", 10),
        ("Post", True, "manual", 0),
        ("WhatsApp", True, "manual", 10),
    ]
    to_review = api.get(REVIEW, {"workspace": world.workspace.pk, "reviewed": "false"}).json()
    assert [row["name"] for row in to_review["results"]] == ["Chat", "Posta"]
    assert api.get(REVIEW, {"reviewed": "maybe"}).status_code == 400
    outsider = world.client("outsider").get(REVIEW, {"workspace": world.workspace.pk})
    assert outsider.json()["count"] == 0
    assert world.client("outsider").get(f"{REVIEW}{channel(world, 'Chat').pk}/").status_code == 404


def test_a_raw_name_filed_under_an_existing_channel_moves_everything_and_is_remembered(
    world: World, italian: int
) -> None:
    api = world.client("facilitator")
    posta, post = channel(world, "Posta"), channel(world, "Post")
    persona = Persona.objects.create(workspace=world.workspace, name="Anna")
    persona.preferred_channels.add(posta)
    ServiceProtocol.objects.create(workspace=world.workspace, persona=persona, channel=posta)
    step = world.a.step
    Step.objects.filter(pk=step.pk).update(channel=posta)

    answer = api.post(f"{REVIEW}{posta.pk}/file-under/", {"name": "post"}, format="json")
    assert answer.status_code == 200, answer.json()
    assert answer.json()["merged"] is True
    assert answer.json()["channel"]["id"] == post.pk
    assert answer.json()["channel"]["aliases"] == ["Posta"]
    assert answer.json()["channel"]["contacts"] == 10
    assert not Channel.objects.filter(pk=posta.pk).exists()
    assert Contact.objects.filter(channel=post, channel_raw="Posta").count() == 10
    assert ServiceProtocol.objects.get().channel == post
    assert list(persona.preferred_channels.all()) == [post]
    assert Step.objects.get(pk=step.pk).channel == post

    again = imported(api, world, crm_exports.italian_export(8), "c2.tsv")
    assert Contact.objects.filter(contact_import_id=again, channel=post).count() == 2
    assert not Channel.objects.filter(workspace=world.workspace, name="Posta").exists()


def test_a_raw_name_filed_under_a_new_name_becomes_that_channel(world: World, italian: int) -> None:
    api = world.client("facilitator")
    chat = channel(world, "Chat")
    answer = api.post(f"{REVIEW}{chat.pk}/file-under/", {"name": "Live chat"}, format="json")
    assert answer.status_code == 200, answer.json()
    assert answer.json()["merged"] is False
    body = answer.json()["channel"]
    assert (body["id"], body["name"], body["aliases"], body["reviewed"]) == (
        chat.pk, "Live chat", ["Chat"], True,
    )  # fmt: skip
    # "Chat" is never WhatsApp: the next file's chat rows land in "Live chat".
    again = imported(api, world, crm_exports.italian_export(8), "c2.tsv")
    contacts = Contact.objects.filter(contact_import_id=again)
    assert set(contacts.filter(channel_raw="Chat").values_list("channel", flat=True)) == {chat.pk}
    assert set(contacts.filter(channel_raw="WhatsApp").values_list("channel", flat=True)) == {
        world.channel.pk
    }


def test_merging_two_channels_over_the_channels_url(world: World, italian: int) -> None:
    api = world.client("facilitator")
    chat = channel(world, "Chat")
    answer = api.post(f"/api/v1/channels/{chat.pk}/merge/", {"into": world.channel.pk})
    assert answer.status_code == 200, answer.json()
    assert answer.json()["name"] == "WhatsApp"
    assert answer.json()["contacts"] == 20
    assert ChannelEntry.objects.get(channel=world.channel).aliases == ["Chat"]
    assert Contact.objects.filter(channel=world.channel).count() == 20


def test_keep_and_rename_through_patch(world: World, italian: int) -> None:
    api = world.client("facilitator")
    chat = channel(world, "Chat")
    kept = api.patch(f"{REVIEW}{chat.pk}/", {"reviewed": True}, format="json")
    assert kept.status_code == 200 and kept.json()["reviewed"] is True
    renamed = api.patch(f"{REVIEW}{chat.pk}/", {"name": "Chat web"}, format="json")
    assert (renamed.json()["name"], renamed.json()["aliases"]) == ("Chat web", ["Chat"])
    taken = api.patch(f"{REVIEW}{chat.pk}/", {"name": "whatsapp"}, format="json")
    assert taken.status_code == 400 and "name" in taken.json()
    assert channel(world, "Chat web").pk == chat.pk


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"into": 1, "name": "Both"},
        {"name": ""},
        {"name": "x" * 121},
        {"into": "two"},
        {"into": 10**30},
        {"name": "<script>alert(1)</script>", "extra": '"]; node ['},
    ],
)
def test_bad_input_is_a_400_or_harmless(world: World, italian: int, payload: dict) -> None:
    api = world.client("facilitator")
    chat = channel(world, "Chat")
    answer = api.post(f"{REVIEW}{chat.pk}/file-under/", payload, format="json")
    if "<script>" in str(payload):
        assert answer.status_code == 200
        assert answer.json()["channel"]["name"] == payload["name"]
        return
    assert answer.status_code == 400, answer.content
    assert Contact.objects.filter(channel=chat).count() == 10  # nothing moved


def test_only_facilitators_file_or_merge_and_never_across_workspaces(
    world: World, italian: int
) -> None:
    chat = channel(world, "Chat")
    for who in ("alice", "manager"):
        api = world.client(who)
        assert api.post(f"{REVIEW}{chat.pk}/file-under/", {"name": "X"}).status_code == 403
        merged = api.post(f"/api/v1/channels/{chat.pk}/merge/", {"into": world.channel.pk})
        assert merged.status_code == 403
        assert api.patch(f"{REVIEW}{chat.pk}/", {"reviewed": True}).status_code == 403
    assert world.client("anonymous").get(REVIEW).status_code == 401
    foreign = Channel.objects.create(
        workspace=world.people["outsider"].memberships.get().workspace, name="Fax"
    )
    api = world.client("facilitator")
    across = api.post(f"/api/v1/channels/{chat.pk}/merge/", {"into": foreign.pk})
    assert across.status_code == 400 and "into" in across.json()
    assert api.post(f"/api/v1/channels/{foreign.pk}/merge/", {"into": chat.pk}).status_code == 404
    assert api.post(f"{REVIEW}{chat.pk}/merge/", {"into": chat.pk}).status_code == 400
    assert api.post(REVIEW, {"workspace": world.workspace.pk}).status_code == 405
    assert Contact.objects.filter(channel=chat).count() == 10


def test_spelling_of_one_name_files_together_but_no_other_channel_does(world: World) -> None:
    """ "Email" and "e-mail" are the name "E-mail" written otherwise; "Chat" is not WhatsApp."""
    email = Channel.objects.create(workspace=world.workspace, name="E-mail", kind="email")
    api = world.client("facilitator")
    body = imported(api, world, crm_exports.spanish_excel(50), "contactos.csv")
    contacts = Contact.objects.filter(contact_import_id=body)
    assert contacts.filter(channel_raw="Email").count() == 10
    assert set(contacts.filter(channel_raw="Email").values_list("channel", flat=True)) == {email.pk}
    assert not Channel.objects.filter(workspace=world.workspace, name="Email").exists()
    chat = channel(world, "Chat")
    assert contacts.filter(channel=chat).count() == 10
    renamed = api.patch(f"{REVIEW}{chat.pk}/", {"name": "e mail"}, format="json")
    assert renamed.status_code == 400 and "name" in renamed.json()


def test_the_list_reads_a_fixed_number_of_queries_whatever_the_channels(world: World) -> None:
    api = world.client("facilitator")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            answer = api.get(REVIEW, {"workspace": world.workspace.pk, "page_size": 1000})
        assert answer.status_code == 200
        return len(captured.captured_queries)

    few = queries()
    for number in range(12):
        made = Channel.objects.create(workspace=world.workspace, name=f"Raw {number}")
        ChannelEntry.objects.create(channel=made, reviewed=False, source="import")
    assert queries() == few
