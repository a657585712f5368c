"""Channels curated by facilitators on the channels page and through the API: add, delete only
when unused (the answer names what uses it), and renames and merges heard by the blueprints
whose steps show the channel."""

import pytest
from rest_framework.test import APIClient

from blueprints.models import BlueprintEvent, Channel, Step
from personas.models import ChannelEntry
from tests.conftest import World
from tests.test_pages import page_client

pytestmark = pytest.mark.django_db


def channels_url(world: World) -> str:
    return f"/workspaces/{world.workspace.pk}/channels/"


def test_a_facilitator_adds_a_channel_on_the_page(world: World) -> None:
    client = page_client(world, "facilitator")
    answer = client.post(channels_url(world), {"action": "add", "name": " Instagram "}, follow=True)
    assert "Channel “Instagram” added." in answer.content.decode()
    instagram = Channel.objects.get(workspace=world.workspace, name="Instagram")
    assert ChannelEntry.objects.get(channel=instagram).reviewed
    again = client.post(channels_url(world), {"action": "add", "name": "INSTAGRAM"}, follow=True)
    assert Channel.objects.filter(workspace=world.workspace, name__iexact="instagram").count() == 1
    assert 'data-channel="Instagram"' in again.content.decode()


@pytest.mark.parametrize("who", ["alice", "manager"])
def test_participants_and_managers_read_the_channels_without_changing_them(
    world: World, who: str
) -> None:
    client = page_client(world, who)
    html = client.get(channels_url(world)).content.decode()
    assert 'data-channel="WhatsApp"' in html
    assert 'value="add"' not in html and 'value="delete"' not in html
    assert client.post(channels_url(world), {"action": "add", "name": "Fax"}).status_code == 403
    answer = world.client(who).delete(f"/api/v1/channels/{world.channel.pk}/")
    assert answer.status_code == 403
    assert not Channel.objects.filter(name="Fax").exists()
    assert Channel.objects.filter(pk=world.channel.pk).exists()


def test_a_channel_in_use_is_not_deleted_and_the_answer_says_what_uses_it(
    world: World, api: APIClient
) -> None:
    Step.objects.filter(pk=world.a.step.pk).update(channel=world.channel)
    answer = api.delete(f"/api/v1/channels/{world.channel.pk}/")
    assert answer.status_code == 409
    assert "“WhatsApp” is still used by 1 step" in answer.json()["detail"]
    page = page_client(world, "facilitator").post(
        channels_url(world), {"action": "delete", "channel": world.channel.pk}, follow=True
    )
    assert "still used by 1 step" in page.content.decode()
    assert Step.objects.get(pk=world.a.step.pk).channel_id == world.channel.pk


def test_an_unused_channel_is_deleted_from_the_page(world: World) -> None:
    client = page_client(world, "facilitator")
    answer = client.post(
        channels_url(world), {"action": "delete", "channel": world.channel.pk}, follow=True
    )
    assert "Channel “WhatsApp” deleted." in answer.content.decode()
    assert not Channel.objects.filter(pk=world.channel.pk).exists()


def test_renames_and_merges_are_events_of_the_blueprints_using_the_channel(
    world: World, api: APIClient
) -> None:
    Step.objects.filter(pk=world.a.step.pk).update(channel=world.channel)
    renamed = api.patch(
        f"/api/v1/channel-review/{world.channel.pk}/", {"name": "WhatsApp Business"}, format="json"
    )
    assert renamed.status_code == 200, renamed.content
    event = BlueprintEvent.objects.get(kind="channel.renamed")
    assert event.blueprint_id == world.a.blueprint.pk
    assert event.after == {"id": world.channel.pk, "name": "WhatsApp Business"}

    chat = Channel.objects.create(workspace=world.workspace, name="Chat", kind="chat")
    merged = api.post(
        f"/api/v1/channel-review/{world.channel.pk}/merge/", {"into": chat.pk}, format="json"
    )
    assert merged.status_code == 200, merged.content
    assert Step.objects.get(pk=world.a.step.pk).channel_id == chat.pk
    event = BlueprintEvent.objects.get(kind="channel.merged")
    assert (event.blueprint_id, event.before["id"]) == (world.a.blueprint.pk, world.channel.pk)


def test_script_in_a_channel_name_is_shown_as_text(world: World) -> None:
    client = page_client(world, "facilitator")
    name = '<script>alert(1)</script>"]; node ['
    client.post(channels_url(world), {"action": "add", "name": name})
    assert Channel.objects.filter(name=name).exists()
    html = client.get(channels_url(world)).content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
