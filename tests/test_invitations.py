"""Members by invitation: a facilitator invites by username or e-mail address, the person
named accepts before the workspace is theirs, and no answer tells whether an account exists.
Who may create workspaces is a setting (staff and facilitators by default)."""

import pytest
from django.contrib.auth.models import User
from django.test import Client, override_settings

from tests.conftest import World
from workspaces.models import Invitation, Membership, Workspace

SCRIPT = "<script>alert(1)</script>"


def members_url(world: World) -> str:
    return f"/api/v1/workspaces/{world.workspace.pk}/members/"


def invite(world: World, invitee: str, role: str = "participant", who: str = "facilitator"):
    return world.client(who).post(
        members_url(world), {"invitee": invitee, "role": role}, format="json"
    )


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_inviting_answers_the_same_whether_the_account_exists_or_not(world: World) -> None:
    real = invite(world, "outsider")
    ghost = invite(world, "nobody-has-this-name")
    assert real.status_code == ghost.status_code == 201
    assert set(real.json()) == set(ghost.json()) == {"id", "invitee", "role", "link", "created_at"}
    assert real.json()["invitee"] == "outsider"
    assert "/invitations/" in real.json()["link"]
    # Nothing about the account came back (the keys above hold no user), and nobody was added.
    assert not Membership.objects.filter(
        workspace=world.workspace, user=world.people["outsider"]
    ).exists()
    detail = f"/api/v1/workspaces/{world.workspace.pk}/"
    assert world.client("outsider").get(detail).status_code == 404


def test_the_person_named_accepts_and_only_then_is_a_member(world: World) -> None:
    token = Invitation.objects.get(pk=invite(world, "outsider", "manager").json()["id"]).token
    outsider = world.client("outsider")
    mine = outsider.get("/api/v1/invitations/").json()
    assert [(i["workspace_name"], i["role"]) for i in mine] == [("Aurora Beverages", "manager")]
    accepted = outsider.post(f"/api/v1/invitations/{token}/accept/")
    assert accepted.status_code == 200
    assert accepted.json()["role"] == "manager"
    assert accepted.json()["workspace"] == world.workspace.pk
    membership = Membership.objects.get(workspace=world.workspace, user=world.people["outsider"])
    assert membership.role == "manager"
    assert outsider.get(f"/api/v1/workspaces/{world.workspace.pk}/").status_code == 200
    assert not Invitation.objects.exists()


def test_an_invitation_by_e_mail_reaches_the_account_with_that_address(world: World) -> None:
    outsider = world.people["outsider"]
    outsider.email = "ana.souza@example.org"
    outsider.save(update_fields=["email"])
    invite(world, "Ana.Souza@Example.org", "participant")
    mine = world.client("outsider").get("/api/v1/invitations/").json()
    assert len(mine) == 1
    token = mine[0]["token"]
    assert world.client("outsider").post(f"/api/v1/invitations/{token}/accept/").status_code == 200
    assert outsider.memberships.get(workspace=world.workspace).role == "participant"


def test_someone_else_cannot_see_or_accept_it_and_the_answer_is_a_plain_404(
    world: World,
) -> None:
    token = Invitation.objects.get(pk=invite(world, "outsider").json()["id"]).token
    bob = world.client("bob")
    assert bob.get("/api/v1/invitations/").json() == []
    theirs = bob.post(f"/api/v1/invitations/{token}/accept/")
    unknown = bob.post("/api/v1/invitations/no-such-token/accept/")
    assert theirs.status_code == unknown.status_code == 404
    assert theirs.json() == unknown.json()
    assert Invitation.objects.count() == 1
    assert signed_in(world.people["bob"]).get(f"/invitations/{token}/").status_code == 404
    anonymous = Client().get(f"/invitations/{token}/")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


@pytest.mark.parametrize("who", ["manager", "alice"])
def test_only_facilitators_invite_and_see_invitations(world: World, who: str) -> None:
    refused = invite(world, "outsider", who=who)
    assert refused.status_code == 403
    assert not Invitation.objects.exists()
    waiting = world.client(who).get(f"/api/v1/workspaces/{world.workspace.pk}/invitations/")
    assert waiting.status_code == 403
    assert invite(world, "outsider", who="outsider").status_code == 404  # not their workspace


def test_bad_invitations_answer_400_by_field_and_write_nothing(world: World) -> None:
    blank = invite(world, "   ")
    assert blank.status_code == 400 and "invitee" in blank.json()
    role = invite(world, "outsider", role="owner")
    assert role.status_code == 400 and "role" in role.json()
    long = invite(world, "x" * 255)
    assert long.status_code == 400 and "invitee" in long.json()
    assert not Invitation.objects.exists()


def test_inviting_the_same_person_again_changes_the_role_of_the_one_invitation(
    world: World,
) -> None:
    invite(world, "outsider", "participant")
    again = invite(world, "OUTSIDER", "manager")
    assert again.status_code == 201
    assert list(Invitation.objects.values_list("invitee", "role")) == [("outsider", "manager")]


def test_declining_and_withdrawing(world: World) -> None:
    token = Invitation.objects.get(pk=invite(world, "outsider").json()["id"]).token
    declined = world.client("outsider").post(f"/api/v1/invitations/{token}/decline/")
    assert declined.status_code == 204
    assert not Invitation.objects.exists()
    assert not world.people["outsider"].memberships.filter(workspace=world.workspace).exists()

    made = invite(world, "outsider").json()
    waiting_url = f"/api/v1/workspaces/{world.workspace.pk}/invitations/"
    assert [i["id"] for i in world.client("facilitator").get(waiting_url).json()] == [made["id"]]
    withdrawn = world.client("facilitator").delete(f"{waiting_url}{made['id']}/")
    assert withdrawn.status_code == 204
    token = made["link"].rstrip("/").rsplit("/", 1)[1]
    assert world.client("outsider").post(f"/api/v1/invitations/{token}/accept/").status_code == 404
    assert world.client("facilitator").delete(f"{waiting_url}{made['id']}/").status_code == 404


def test_the_members_page_invites_and_shows_the_link_with_script_as_text(world: World) -> None:
    client = signed_in(world.people["facilitator"])
    page = client.get(f"/workspaces/{world.workspace.pk}/members/")
    assert page.status_code == 200 and "Invite someone" in page.content.decode()
    made = client.post(
        f"/workspaces/{world.workspace.pk}/members/",
        {"invitee": SCRIPT, "role": "participant"},
        follow=True,
    )
    html = made.content.decode()
    assert SCRIPT not in html and "&lt;script&gt;" in html
    invitation = Invitation.objects.get()
    assert invitation.invitee == SCRIPT
    assert f"/invitations/{invitation.token}/" in html
    blank = client.post(f"/workspaces/{world.workspace.pk}/members/", {"invitee": "", "role": ""})
    assert blank.status_code == 400
    assert Invitation.objects.count() == 1
    # Members read the list; only facilitators see the form and the links.
    alice = signed_in(world.people["alice"]).get(f"/workspaces/{world.workspace.pk}/members/")
    assert alice.status_code == 200
    assert "Invite someone" not in alice.content.decode()
    assert invitation.token not in alice.content.decode()
    refused = signed_in(world.people["alice"]).post(
        f"/workspaces/{world.workspace.pk}/members/", {"invitee": "bob", "role": "facilitator"}
    )
    assert refused.status_code == 403
    assert Invitation.objects.count() == 1
    outsider = signed_in(world.people["outsider"])
    assert outsider.get(f"/workspaces/{world.workspace.pk}/members/").status_code == 404


def test_the_invitation_page_accepts(world: World) -> None:
    token = Invitation.objects.get(pk=invite(world, "outsider", "manager").json()["id"]).token
    client = signed_in(world.people["outsider"])
    home = client.get("/").content.decode()
    assert f"/invitations/{token}/" in home
    page = client.get(f"/invitations/{token}/").content.decode()
    assert "Aurora Beverages" in page and "Manager" in page
    answered = client.post(f"/invitations/{token}/", {"answer": "accept"}, follow=True)
    assert "You are now a member of" in answered.content.decode()
    assert world.people["outsider"].memberships.get(workspace=world.workspace).role == "manager"


# --- Who creates workspaces ------------------------------------------------------------------


def test_by_default_staff_and_facilitators_create_workspaces_and_others_do_not(
    world: World,
) -> None:
    assert world.client("alice").post("/api/v1/workspaces/", {"name": "Mine"}).status_code == 403
    assert world.client("manager").post("/api/v1/workspaces/", {"name": "Mine"}).status_code == 403
    nobody = User.objects.create_user("newcomer", password="secret-pass-123")
    alice_pages = signed_in(world.people["alice"])
    assert "New workspace" not in alice_pages.get("/").content.decode()
    assert alice_pages.get("/workspaces/new/").status_code == 403
    assert alice_pages.post("/workspaces/new/", {"name": "Mine"}).status_code == 403
    assert not Workspace.objects.filter(name="Mine").exists()

    staff = User.objects.create_user("ops", password="secret-pass-123", is_staff=True)
    assert signed_in(staff).post("/workspaces/new/", {"name": "Staff's"}).status_code == 302
    made = world.client("facilitator").post("/api/v1/workspaces/", {"name": "Second"})
    assert made.status_code == 201
    assert signed_in(nobody).get("/workspaces/new/").status_code == 403


@override_settings(WORKSPACE_CREATORS=["anyone"])
def test_the_setting_can_let_anyone_signed_in_create(world: World) -> None:
    made = world.client("alice").post("/api/v1/workspaces/", {"name": "Alice's"})
    assert made.status_code == 201
    assert made.json()["role"] == "facilitator"
    assert world.client("anonymous").post("/api/v1/workspaces/", {"name": "X"}).status_code == 401


@override_settings(WORKSPACE_CREATORS=["staff"])
def test_the_setting_can_keep_it_to_staff(world: World) -> None:
    refused = world.client("facilitator").post("/api/v1/workspaces/", {"name": "Third"})
    assert refused.status_code == 403
    assert "invite" in refused.json()["detail"]
